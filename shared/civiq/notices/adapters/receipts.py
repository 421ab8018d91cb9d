"""The receipt ports: PDFs on S3, and messages worded from the catalogs (``receipt.message.*``)."""

from __future__ import annotations

from decimal import Decimal

from botocore.exceptions import ClientError

from civiq.ledger.domain.payments import PaymentMethod
from civiq.notices.domain.alerts import Message
from civiq.notices.domain.receipts import Receipt
from civiq.platform.catalogs import Catalogs, format_date, format_money
from civiq.platform.s3 import S3DocumentStore

MISSING = frozenset({"404", "NoSuchKey", "NotFound"})  # HeadObject answers 404 without a body


class S3ReceiptDocuments(S3DocumentStore):
    def exists(self, key: str) -> bool:
        """One HeadObject. Telling a missing object (404) from a forbidden one (403) needs
        s3:ListBucket on the bucket besides s3:GetObject."""
        try:
            self._s3.head_object(Bucket=self._bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in MISSING:
                return False
            raise
        return True


class CatalogReceiptWording:
    def __init__(self, catalogs: Catalogs, municipality: str) -> None:
        self._catalogs = catalogs
        self._municipality = municipality

    def word(self, receipt: Receipt) -> Message:
        language = receipt.language

        def said(key: str, **arguments: object) -> str:
            return self._catalogs.message(language, key, arguments)

        def money(amount: Decimal) -> str:
            return format_money(amount, language)

        reference = ""
        if receipt.reference:
            cheque = receipt.method is PaymentMethod.CHEQUE
            line = "receipt.message.cheque_number" if cheque else "receipt.message.reference"
            reference = said(line, reference=receipt.reference)
        if receipt.in_credit:
            balance = said("receipt.message.balance_credit", balance=money(-receipt.balance_after))
        elif receipt.balance_after == 0:
            balance = said("receipt.message.balance_zero")
        else:
            balance = said("receipt.message.balance_owing", balance=money(receipt.balance_after))
        amount = money(receipt.amount)
        return Message(
            subject=said("receipt.message.subject", amount=amount),
            body=said(
                "receipt.message.body",
                name=receipt.holder,
                amount=amount,
                received_on=format_date(receipt.received_on, language),
                account_number=receipt.account_number,
                address=receipt.service_address,
                receipt_number=receipt.payment_id,
                method=said(f"receipt.method.{receipt.method.value}"),
                reference=reference,
                balance=balance,
                department=said("common.department"),
                municipality=self._municipality,
            ),
        )
