"""Postings to the ledger on DynamoDB: the ledger repository, and the payment and refund
records postings write, kept in the ledger table beside the entries.

item       PK                 SK                                  notes
payment    ACCOUNT#<id>       PAYMENT#<payment id>                its record, put again (whole) by
                                                                  the postings that change it
refund     ACCOUNT#<id>       REFUND#<payment id>#<refund id>     put once

A payment's record is written only inside a posting (:mod:`civiq.ledger.adapters.dynamodb_journal`),
whose condition on the account's ledger head serialises every change of the account: a payment
record is never written by two postings at once. Payments and refunds are ledger records like the
entries (what was paid and what may still be refunded): only the posting functions may write
them, and only by PutItem.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pynamodb.attributes import JSONAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist

from civiq.core.audit import AuditEntry
from civiq.core.errors import Conflict, NotFound
from civiq.core.events import DomainEvent
from civiq.core.history import as_record
from civiq.core.ports import Page
from civiq.ledger.adapters.dynamodb_journal import (
    LEDGER_PREFIX,
    LedgerEntryItem,
    entry_of,
    entry_sk,
    journal,
    read_ledger,
)
from civiq.ledger.domain.journal import (
    AccountLedger,
    Allocation,
    Applied,
    LedgerEntry,
    LedgerMoved,
    Posting,
)
from civiq.ledger.domain.payments import (
    Payment,
    PaymentChannel,
    PaymentMethod,
    PaymentStatus,
    Refund,
)
from civiq.platform.dynamodb import keys
from civiq.platform.dynamodb.table import LedgerTableMeta, TableItem
from civiq.platform.dynamodb.transactions import Connected, Transaction

PAYMENT_PREFIX = "PAYMENT#"
REFUND_PREFIX = "REFUND#"


class PaymentItem(TableItem):
    class Meta(LedgerTableMeta):
        pass

    status = UnicodeAttribute()
    record = JSONAttribute()


class RefundItem(TableItem):
    class Meta(LedgerTableMeta):
        pass

    record = JSONAttribute()


def payment_of(record: Mapping[str, Any]) -> Payment:
    allocation = record["allocation"]
    return Payment(
        payment_id=record["payment_id"],
        account_id=record["account_id"],
        amount=Decimal(record["amount"]),
        method=PaymentMethod(record["method"]),
        channel=PaymentChannel(record["channel"]),
        received_on=date.fromisoformat(record["received_on"]),
        recorded_at=datetime.fromisoformat(record["recorded_at"]),
        recorded_by=record["recorded_by"],
        reference=record["reference"],
        payer_name=record["payer_name"],
        allocation=Allocation(
            tuple(
                Applied(a["statement_id"], date.fromisoformat(a["due_on"]), Decimal(a["amount"]))
                for a in allocation["applied"]
            ),
            Decimal(allocation["credit"]),
        ),
        status=PaymentStatus(record["status"]),
        refunded=Decimal(record["refunded"]),
    )


def refund_of(record: Mapping[str, Any]) -> Refund:
    return Refund(
        refund_id=record["refund_id"],
        payment_id=record["payment_id"],
        account_id=record["account_id"],
        amount=Decimal(record["amount"]),
        reason=record["reason"],
        refunded_at=datetime.fromisoformat(record["refunded_at"]),
        refunded_by=record["refunded_by"],
        chargeback=bool(record.get("chargeback", False)),
    )


class DynamoLedger(Connected):
    """Posts to an account's journal, with the payment and refund records a posting writes, and
    ``project``: what the features above the ledger keep of a posting, written in the same
    transaction (billing's open statements and totals)."""

    def __init__(self, project: Callable[[Transaction, Posting], None]) -> None:
        super().__init__()
        self.project = project

    def state(self, account_id: str) -> AccountLedger:
        return read_ledger(account_id)

    def entries(self, account_id: str, after: int, limit: int) -> Page[LedgerEntry]:
        found = LedgerEntryItem.query(
            keys.account_pk(account_id),
            LedgerEntryItem.sk.between(entry_sk(after + 1), f"{LEDGER_PREFIX}~"),
            limit=limit + 1,  # one more tells whether there is a next page
            consistent_read=True,
        )
        entries = [entry_of(item.record) for item in found]
        page = entries[:limit]
        return Page(page, str(page[-1].sequence) if len(entries) > limit else None)

    def post(
        self,
        posting: Posting,
        *,
        payment: Payment | None = None,
        refund: Refund | None = None,
        events: Sequence[DomainEvent] = (),
        history: Sequence[AuditEntry] = (),
    ) -> bool:
        account_id = posting.basis.account_id
        transaction = Transaction()
        journal(transaction, posting)
        self.project(transaction, posting)
        if payment:
            transaction.put(
                PaymentItem(
                    pk=keys.account_pk(account_id),
                    sk=f"{PAYMENT_PREFIX}{payment.payment_id}",
                    status=payment.status.value,
                    record=as_record(payment),
                )
            )
        if refund:
            transaction.put(
                RefundItem(
                    pk=keys.account_pk(account_id),
                    sk=f"{REFUND_PREFIX}{refund.payment_id}#{refund.refund_id}",
                    record=as_record(refund),
                ),
                RefundItem.pk.does_not_exist(),
                lambda: Conflict("the refund is recorded", "refund_id"),
            )
        transaction.events(events)
        transaction.history(history)
        try:
            transaction.run(self._client())
        except LedgerMoved:
            raise
        except Conflict:
            return False
        return True


class DynamoPayments:
    def find(self, account_id: str, payment_id: str) -> Payment | None:
        try:
            item = PaymentItem.get(
                keys.account_pk(account_id), f"{PAYMENT_PREFIX}{payment_id}", consistent_read=True
            )
        except DoesNotExist:
            return None
        return payment_of(item.record)

    def get(self, account_id: str, payment_id: str) -> Payment:
        found = self.find(account_id, payment_id)
        if found is None:
            raise NotFound(f"no payment {payment_id} on this account", "payment_id")
        return found

    def of_account(self, account_id: str) -> Sequence[Payment]:
        found = PaymentItem.query(
            keys.account_pk(account_id), PaymentItem.sk.startswith(PAYMENT_PREFIX)
        )
        payments = [payment_of(item.record) for item in found]
        return sorted(payments, key=lambda p: (p.received_on, p.recorded_at), reverse=True)

    def refunds(self, account_id: str, payment_id: str) -> Sequence[Refund]:
        found = RefundItem.query(
            keys.account_pk(account_id), RefundItem.sk.startswith(f"{REFUND_PREFIX}{payment_id}#")
        )
        return [refund_of(item.record) for item in found]
