"""The instrument autopay charges: the account's PAD agreement as the gateway in use knows it.

A gateway that has no token for the agreement yet (the municipality changed processors) is
given the bank account, unsealed from our own record, and its token is kept beside the others:
the charge goes through without the resident doing anything. The token kept is recorded in the
account's history (who: the autopay job; what: which gateway)."""

from __future__ import annotations

from dataclasses import dataclass

from civiq.core.audit import AuditEntry
from civiq.core.events import Actor
from civiq.core.ports import Clock, IdGenerator
from civiq.payments.domain.mandates import BankAccount
from civiq.payments.ports import Mandates, PaymentGateway, Vault
from civiq.payments.services.autopay_enrolment import sealing_context

RETOKENISED = "MandateTokenised"


@dataclass(frozen=True)
class MandateInstrument:
    mandates: Mandates
    vault: Vault
    gateway: PaymentGateway
    clock: Clock
    ids: IdGenerator

    def __call__(self, account_id: str, actor: Actor, cid: str) -> str | None:
        """The gateway's token for the account's agreement (None: the account has none)."""
        mandate = self.mandates.current(account_id)
        if mandate is None:
            return None
        token = mandate.token_for(self.gateway.name)
        if token is not None:
            return token
        plain = self.vault.unseal(mandate.sealed, sealing_context(account_id))
        token = self.gateway.tokenise(BankAccount.unsealed(plain), mandate.payor)
        entry = AuditEntry(
            self.ids.new_id(),
            f"ACCOUNT#{account_id}",
            RETOKENISED,
            actor.subject,
            actor.role,
            self.clock.now(),
            cid,
            {"mandate_id": mandate.mandate_id, "gateway": self.gateway.name},
        )
        self.mandates.save(mandate, mandate.with_token(self.gateway.name, token), entry)
        return token
