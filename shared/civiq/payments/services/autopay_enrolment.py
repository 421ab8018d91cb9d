"""A resident enrols in autopay: a PAD agreement kept by us, then the account's autopay flag.

The bank account is sealed by the vault (only the masked form is readable at rest) and
tokenised by the payment gateway in use; the agreement is saved with its AutopayEnrolled event,
then the account's autopay flag is set through the accounts feature's own change (every other
setting kept). Sent again after the agreement was saved but before the flag was set (a timeout),
the enrolment sets the flag and changes nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass

from civiq.accounts.ports import AccountRepository
from civiq.accounts.services.change_account import ChangeAccount
from civiq.core.errors import Conflict
from civiq.core.events import Actor, DomainEvent
from civiq.core.ports import Clock, IdGenerator
from civiq.payments.domain.mandates import BankAccount, Mandate, mandate_asked
from civiq.payments.ports import Mandates, PaymentGateway, Vault

ENROLLED = "AutopayEnrolled"


def sealing_context(account_id: str) -> dict[str, str]:
    """What a sealed bank account is bound to: it opens for its own account only."""
    return {"purpose": "pad-mandate", "account_id": account_id}


@dataclass(frozen=True)
class EnrolAutopay:
    accounts: AccountRepository
    change: ChangeAccount
    mandates: Mandates
    vault: Vault
    gateway: PaymentGateway
    clock: Clock
    ids: IdGenerator

    def __call__(
        self,
        account_id: str,
        form: dict[str, str],
        accepted: bool,
        actor: Actor,
        cid: str,
    ) -> Mandate:
        """``form``: payor, institution, transit, bank_account. Raises InvalidInput naming each
        field refused (``accepted``: the agreement was not accepted), Conflict (enrolled)."""
        asked = mandate_asked(
            form.get("payor", ""),
            form.get("institution", ""),
            form.get("transit", ""),
            form.get("bank_account", ""),
            accepted,
        )
        account = self.accounts.get(account_id)
        mandate = self.mandates.current(account_id)
        if mandate is not None and account.autopay:
            raise Conflict("the account is enrolled in autopay", "account_id")
        if mandate is None:
            mandate = self._signed(account_id, asked.payor, asked.bank, actor, cid)
        self.change.settings(account_id, account.version, actor, cid, autopay=True)
        return mandate

    def _signed(
        self, account_id: str, payor: str, bank: BankAccount, actor: Actor, cid: str
    ) -> Mandate:
        now = self.clock.now()
        mandate = Mandate(
            mandate_id=self.ids.new_id(),
            account_id=account_id,
            payor=payor,
            masked=bank.masked,
            sealed=self.vault.seal(bank.sealed_form(), sealing_context(account_id)),
            accepted_at=now,
            tokens={self.gateway.name: self.gateway.tokenise(bank, payor)},
        )
        enrolled = DomainEvent(
            self.ids.new_id(),
            ENROLLED,
            1,
            now,
            actor,
            cid,
            f"ACCOUNT#{account_id}",
            {
                "account_id": account_id,
                "mandate_id": mandate.mandate_id,
                "bank_account": mandate.masked,
                "prenotification_days": mandate.prenotification_days,
                "accepted_at": now.isoformat(),
            },
        )
        self.mandates.save(None, mandate, enrolled)
        return mandate
