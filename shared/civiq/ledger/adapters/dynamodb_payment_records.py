"""The payment records of an account, read consistently, for the ledger check (an offline
command): a record that is no longer one is reported, not raised."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from civiq.ledger.adapters.dynamodb_books import UNREADABLE
from civiq.ledger.adapters.dynamodb_postings import PAYMENT_PREFIX, PaymentItem, payment_of
from civiq.ledger.domain.payment_records import UnreadablePayment
from civiq.ledger.domain.payments import Payment
from civiq.platform import aws
from civiq.platform.dynamodb import keys


class DynamoPaymentRecords:
    def __init__(self) -> None:
        meta = PaymentItem.Meta
        self._table = meta.table_name
        self._client = aws.client("dynamodb", meta.region, meta.host)  # thread-safe

    def of_account(self, account_id: str) -> Sequence[Payment | UnreadablePayment]:
        pages = self._client.get_paginator("query").paginate(
            TableName=self._table,
            KeyConditionExpression="PK = :pk AND begins_with(SK, :payment)",
            ExpressionAttributeValues={
                ":pk": {"S": keys.account_pk(account_id)},
                ":payment": {"S": PAYMENT_PREFIX},
            },
            ConsistentRead=True,
        )
        return [_record(item) for page in pages for item in page["Items"]]


def _record(item: dict[str, Any]) -> Payment | UnreadablePayment:
    try:
        return payment_of(PaymentItem.from_raw_data(item).record)
    except UNREADABLE as exc:
        payment_id = item["SK"]["S"].removeprefix(PAYMENT_PREFIX)
        return UnreadablePayment(payment_id, f"{type(exc).__name__}: {exc}")
