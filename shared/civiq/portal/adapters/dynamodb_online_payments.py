"""Payments submitted on the portal: one item per form's key under the account
(``PORTALPAY#<account id>``): a ``KEY#`` item guards the key, an ``AT#`` item lists it by
submission time, written with its history entry."""

from __future__ import annotations

from collections.abc import Sequence

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute

from civiq.core.audit import AuditEntry
from civiq.core.errors import Conflict
from civiq.core.money import Money
from civiq.platform.dynamodb.attributes import CentsAttribute
from civiq.platform.dynamodb.table import TableItem, TableMeta
from civiq.platform.dynamodb.transactions import Connected, Transaction
from civiq.portal.domain.online_payments import OnlineMethod, OnlinePayment


class OnlinePaymentItem(TableItem):
    class Meta(TableMeta):
        pass

    account_id = UnicodeAttribute()
    idempotency_key = UnicodeAttribute()
    amount = CentsAttribute()
    method = UnicodeAttribute()
    statement_id = UnicodeAttribute(null=True)
    submitted_at = UTCDateTimeAttribute()
    processor_payment_id = UnicodeAttribute(null=True)


def _pk(account_id: str) -> str:
    return f"PORTALPAY#{account_id}"


def _key(payment: OnlinePayment) -> str:
    return f"KEY#{payment.idempotency_key}"


def _listed(payment: OnlinePayment) -> str:
    return f"AT#{payment.submitted_at.isoformat()}#{payment.idempotency_key}"


class _Submitted(Conflict):
    """The key was taken: the payment kept under it is read back."""


class DynamoOnlinePayments(Connected):
    def submit(self, payment: OnlinePayment, entry: AuditEntry) -> OnlinePayment:
        # The key item guards the key (a second submission writes nothing); the payment
        # item, under the submission time, lists the account's payments in order.
        guard = _item(payment, _key(payment))
        transaction = Transaction()
        transaction.put(
            guard, OnlinePaymentItem.pk.does_not_exist(), lambda: _Submitted("submitted")
        )
        transaction.put(_item(payment, _listed(payment)))
        transaction.history([entry])
        try:
            transaction.run(self._client())
        except _Submitted:
            kept = OnlinePaymentItem.get(guard.pk, guard.sk, consistent_read=True)
            return _payment(kept)
        return payment

    def charged(self, payment: OnlinePayment, processor_payment_id: str) -> None:
        for sk in (_key(payment), _listed(payment)):
            OnlinePaymentItem(_pk(payment.account_id), sk).update(
                actions=[OnlinePaymentItem.processor_payment_id.set(processor_payment_id)],
                condition=OnlinePaymentItem.pk.exists(),
            )

    def of_account(self, account_id: str, limit: int) -> Sequence[OnlinePayment]:
        found = OnlinePaymentItem.query(
            _pk(account_id),
            OnlinePaymentItem.sk.startswith("AT#"),
            scan_index_forward=False,
            limit=limit,
        )
        return [_payment(item) for item in found]


def _item(payment: OnlinePayment, sk: str) -> OnlinePaymentItem:
    return OnlinePaymentItem(
        _pk(payment.account_id),
        sk,
        account_id=payment.account_id,
        idempotency_key=payment.idempotency_key,
        amount=Money.of(payment.amount),
        method=payment.method.value,
        statement_id=payment.statement_id,
        submitted_at=payment.submitted_at,
        processor_payment_id=payment.processor_payment_id,
    )


def _payment(item: OnlinePaymentItem) -> OnlinePayment:
    return OnlinePayment(
        idempotency_key=item.idempotency_key,
        account_id=item.account_id,
        amount=item.amount.amount,
        method=OnlineMethod(item.method),
        statement_id=item.statement_id,
        submitted_at=item.submitted_at,
        processor_payment_id=item.processor_payment_id,
    )
