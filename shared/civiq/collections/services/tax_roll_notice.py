"""Notice that an account's arrears will be added to the property's tax roll (supervisors).

The items past due long enough are selected, with the transfer fee the catalogue has in force
today; the owner is sent the notice by mail, and by email where they consented (a tenant whose
arrears they are gets their own); the account's collection case pauses, and the transfer's
workflow waits for the deadline. Every reason to refuse is named at once, before anything is
written. The same transfer id again answers the transfer noticed (and finishes what a failure
left undone: the case held, the workflow started).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from civiq.accounts.domain.accounts import Account, HolderRole
from civiq.accounts.domain.customers import ContactMethod, Customer
from civiq.accounts.domain.properties import display_roll_number
from civiq.accounts.ports import AccountSummary
from civiq.collections.domain.tax_roll import (
    Debtor,
    TaxRollTransfer,
    TransferStatus,
    eligible,
    noticed,
    refusals,
)
from civiq.collections.services.casework import reachable
from civiq.collections.services.tax_roll_work import TaxRollWork
from civiq.core.errors import Conflict, InvalidInput, NotFound
from civiq.core.events import Actor, DomainEvent
from civiq.core.money import CENT
from civiq.core.money import dollars as money
from civiq.ledger.domain.fees import TRANSFER_TO_TAX
from civiq.notices.domain.alerts import NotificationKind, TaxRollNotice, recipient_for
from civiq.notices.services.alerts import notification_id


@dataclass(frozen=True)
class NoticeTransfer:
    tax_roll: TaxRollWork

    def __call__(
        self, account_id: str, transfer_id: str | None, actor: Actor, correlation_id: str
    ) -> TaxRollTransfer:
        """Raises NotFound (no such account), InvalidInput (every reason the arrears cannot go
        on the roll), Conflict (a transfer of the account is noticed already, or the id is
        another account's)."""
        tax_roll = self.tax_roll
        work = tax_roll.work
        account = work.accounts.get(account_id)
        earlier = self._earlier(transfer_id, account_id)
        if earlier is not None:
            self._follow_up(earlier, actor, correlation_id)
            return earlier
        today = tax_roll.today()
        roll_number = tax_roll.properties.get(account.property_id).roll_number
        debtor = Debtor.OWNER if account.holder_role is HolderRole.OWNER else Debtor.TENANT
        ledger = work.ledger.state(account_id)
        items = eligible(ledger.open_statements, today, tax_roll.policy.min_days_past_due)
        refused = refusals(roll_number, debtor, items, tax_roll.policy)
        if refused:
            raise InvalidInput.of(refused)
        assert roll_number is not None and account.owner_customer_id is not None
        owner = work.customers.get(account.owner_customer_id)
        terms = tax_roll.catalogues.get().fee_on(TRANSFER_TO_TAX, today)
        transfer = noticed(
            transfer_id or work.recorder.ids.new_id(),
            account_id=account_id,
            account_number=account.account_number,
            roll_number=roll_number,
            debtor=debtor,
            owner_customer_id=owner.customer_id,
            owner_name=owner.name,
            items=items,
            fee=terms.total if terms else Decimal("0.00"),
            today=today,
            policy=tax_roll.policy,
            by=actor.subject,
            at=work.recorder.clock.now(),
        )
        events = self._notices(transfer, account, owner, actor, correlation_id)
        entry = tax_roll.entry(
            transfer,
            "TaxRollTransferNoticed",
            actor,
            correlation_id,
            roll_number=roll_number,
            debtor=debtor.value,
            arrears=money(transfer.noticed_arrears),
            fee=money(transfer.fee),
            deadline=transfer.deadline.isoformat(),
            items=[i.statement_id for i in transfer.items],
        )
        tax_roll.transfers.notice(transfer, events, [entry])
        work.events.after_commit(events)
        self._follow_up(transfer, actor, correlation_id)
        return transfer

    def _earlier(self, transfer_id: str | None, account_id: str) -> TaxRollTransfer | None:
        if transfer_id is None:
            return None
        try:
            found = self.tax_roll.transfers.get(transfer_id)
        except NotFound:
            return None
        if found.account_id != account_id:
            raise Conflict("the transfer id is another account's transfer", "transfer_id")
        return found

    def _follow_up(self, transfer: TaxRollTransfer, actor: Actor, correlation_id: str) -> None:
        """The case held and the deadline awaited (both idempotent), while noticed."""
        if transfer.status is not TransferStatus.NOTICED:
            return
        self.tax_roll.hold_case(transfer, actor, correlation_id)
        self.tax_roll.start(transfer)

    def _notices(
        self,
        transfer: TaxRollTransfer,
        account: Account,
        owner: Customer,
        actor: Actor,
        correlation_id: str,
    ) -> list[DomainEvent]:
        """The owner's notice, and a tenant's whose arrears they are: by mail always, by email
        too where the recipient consented. Ids derive from the transfer: each goes out once."""
        work = self.tax_roll.work
        summary = AccountSummary.of(account)
        readers = [(owner, NotificationKind.TAX_ROLL_NOTICE, "owner")]
        if transfer.debtor is Debtor.TENANT:
            tenant = work.customers.get(account.holder.customer_id)
            readers.append((tenant, NotificationKind.TAX_ROLL_TENANT_NOTICE, "tenant"))
        events = []
        for customer, kind, role in readers:
            facts = TaxRollNotice(
                kind=kind,
                transfer_id=transfer.transfer_id,
                roll_number=display_roll_number(transfer.roll_number),
                arrears=transfer.noticed_arrears.quantize(CENT),
                fee=transfer.fee.quantize(CENT),
                deadline=transfer.deadline,
            )
            channels = [ContactMethod.MAIL]
            if reachable(ContactMethod.EMAIL, customer):
                channels.append(ContactMethod.EMAIL)
            for channel in channels:
                events.append(
                    work.notifier.event(
                        notification_id("tax-roll", transfer.transfer_id, role, channel.value),
                        summary,
                        facts,
                        transfer.noticed_at,
                        correlation_id,
                        recipient_for(customer, account.service_address, channel),
                        actor,
                    )
                )
        return events
