"""A resident pays on the portal, by card or from a bank account, through the payment gateway.

The form carries an idempotency key issued with the page: the payment is kept under it before
the gateway is asked, so the same form sent twice (a double click, a reload, a retry after a
timeout) is the one payment, and the gateway, asked again under the same key for a payment it
may have taken already, answers with the same charge. Nothing is posted here: the processor's
answer arrives through the signed webhook and is posted from there, as autopay's is.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from civiq.core.audit import AuditEntry
from civiq.core.money import dollars
from civiq.core.ports import Clock, IdGenerator
from civiq.ledger.domain.payments import PaymentMethod
from civiq.payments.ports import ChargeRequest, PaymentGateway
from civiq.portal.domain.online_payments import OnlinePayment, payment_asked
from civiq.portal.domain.resident import RESIDENT
from civiq.portal.ports import AccountStatements, OnlinePayments, PortalAccounts


@dataclass(frozen=True)
class PayOnline:
    accounts: PortalAccounts
    statements: AccountStatements
    payments: OnlinePayments
    gateway: PaymentGateway
    maximum: Decimal  # the most one payment may be
    clock: Clock
    ids: IdGenerator

    def __call__(
        self, account_id: str, amount: str, method: str, idempotency_key: str, cid: str
    ) -> OnlinePayment:
        """Raises InvalidInput naming each field refused (``amount``, ``method``,
        ``idempotency_key``)."""
        asked = payment_asked(account_id, amount, method, idempotency_key, self.maximum)
        account = self.accounts.get(account_id)
        latest = self.statements.recent(account_id, 1)
        now = self.clock.now()
        payment = OnlinePayment(
            idempotency_key=f"portal:{account_id}:{asked.idempotency_key}",
            account_id=account_id,
            amount=asked.amount,
            method=asked.method,
            statement_id=latest[0].statement_id if latest else None,
            submitted_at=now,
        )
        entry = AuditEntry(
            self.ids.new_id(),
            f"ACCOUNT#{account_id}",
            "PortalPaymentSubmitted",
            RESIDENT.subject,
            RESIDENT.role,
            now,
            cid,
            {"amount": dollars(asked.amount), "method": asked.method.value},
        )
        kept = self.payments.submit(payment, entry)
        if kept.processor_payment_id is not None:
            return kept  # the form sent again: charged already
        charged = self.gateway.charge(
            ChargeRequest(
                kept.idempotency_key,
                account.account_number,
                kept.amount,
                kept.statement_id,
                PaymentMethod(kept.method.value),
            )
        )
        self.payments.charged(kept, charged)
        return replace(kept, processor_payment_id=charged)
