"""Autopay: an account flagged for it is charged when its statement is issued.

The charge goes to the payment gateway with the statement id as its idempotency key, so a
redelivered StatementIssued asks for it again and the processor answers with the same payment.
Nothing is posted here: the processor's answer (succeeded, failed) arrives later through the
signed webhook, like any other processor payment, and is posted from there.

An account enrolled on the portal has its PAD agreement on our side: the charge names it as the
gateway in use knows it (:class:`~civiq.payments.services.mandate_instruments.MandateInstrument`
gives a new gateway the agreement first). An account flagged by staff without an agreement is
charged on what the processor keeps on file for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from civiq.accounts.ports import AccountRepository
from civiq.core.events import Actor, DomainEvent
from civiq.core.ports import Clock, IdGenerator, Milestones
from civiq.ledger.domain.payments import PaymentMethod
from civiq.ledger.ports import LedgerRepository
from civiq.payments.ports import ChargeRequest, PaymentGateway
from civiq.payments.services.mandate_instruments import MandateInstrument

AUTOPAY = Actor("autopay", "system")


@dataclass(frozen=True)
class ChargeAutopay:
    accounts: AccountRepository
    ledger: LedgerRepository
    gateway: PaymentGateway
    milestones: Milestones
    clock: Clock
    ids: IdGenerator
    instrument: MandateInstrument

    def __call__(self, issued: DomainEvent) -> str | None:
        """Charge the statement announced by ``issued`` (a StatementIssued event) if its
        account pays by autopay and still owes; returns the processor's payment id."""
        detail = issued.detail
        account = self.accounts.get(detail["account_id"])
        if not account.autopay:
            return None
        owed = min(Decimal(detail["total_due"]), self.ledger.state(account.account_id).balance)
        if owed <= 0:
            return None  # paid meanwhile, or a credit covered it
        statement_id = detail["statement_id"]
        token = self.instrument(account.account_id, AUTOPAY, issued.correlation_id)
        payment_id = self.gateway.charge(
            ChargeRequest(
                f"autopay:{statement_id}",
                account.account_number,
                owed,
                statement_id,
                PaymentMethod.PREAUTHORIZED_DEBIT if token else None,
                token,
            )
        )
        requested = DomainEvent(
            self.ids.new_id(),
            "AutopayRequested",
            1,
            self.clock.now(),
            AUTOPAY,
            issued.correlation_id,
            f"ACCOUNT#{account.account_id}",
            {
                "account_id": account.account_id,
                "statement_id": statement_id,
                "amount": f"{owed:.2f}",
                "processor_payment_id": payment_id,
            },
        )
        self.milestones.record(
            f"ACCOUNT#{account.account_id}", f"autopay:{statement_id}", [requested]
        )
        return payment_id
