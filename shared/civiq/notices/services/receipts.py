"""Issue the receipt of a posted payment (SQS consumer of PaymentPosted).

The receipt is a PDF in the account's language, stored under a key derived from the account and the
payment (:func:`~civiq.notices.domain.receipts.receipt_key`), and a NotificationRequested message to
the account holder, written to the outbox with its history entry on the account in one transaction,
then published (as the alerts are: :mod:`civiq.notices.services.alerts`).

Idempotent on the payment id. The PDF is rendered only when none is stored under its key, and
the notification's id derives from the payment id while its time is the PaymentPosted event's
(written once, with the posting), so a redelivery renders nothing and requests nothing new. The
PDF is stored before the notification is recorded: a delivery that fails in between is retried
and records the notification of the PDF already stored, without rendering it again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from civiq.accounts.domain.account_numbers import AccountNumberScheme
from civiq.accounts.domain.accounts import Account
from civiq.accounts.domain.customers import Customer
from civiq.accounts.ports import AccountRepository, CustomerRepository
from civiq.billing.ports import StatementRepository
from civiq.billing.services.statement_document import mailing_lines
from civiq.core.events import Actor, DomainEvent
from civiq.core.history import as_record
from civiq.core.letterhead import Letterhead
from civiq.core.ports import DocumentRenderer
from civiq.core.publishing import PublishEvents
from civiq.notices.domain.alerts import (
    NotificationKind,
    Recipient,
    needs_service_address,
    recipient_for,
)
from civiq.notices.domain.receipts import (
    AppliedAmount,
    PaidStatement,
    PostedPayment,
    Receipt,
    receipt_key,
)
from civiq.notices.ports import NotificationLog, ReceiptDocuments, ReceiptWording
from civiq.notices.services.alerts import NOTIFICATION_REQUESTED, notification_id

TEMPLATE = "receipt"
RECEIPTS = Actor("receipts", "system")


@dataclass(frozen=True)
class IssuedReceipt:
    key: str
    notification_id: str
    rendered: bool  # False: an earlier delivery stored the PDF
    requested: bool  # False: an earlier delivery requested the notification


def receipt_context(
    receipt: Receipt,
    paid: Sequence[PaidStatement],
    recipient_name: str,
    recipient_address: tuple[str, str],
    letterhead: Letterhead,
) -> dict[str, object]:
    """The template context of ``receipt`` (render it in ``receipt.language``): amounts stay
    Decimals and dates stay dates for the renderer's filters."""
    return {
        "municipality_name": letterhead.name,
        "letterhead": letterhead,
        "recipient_name": recipient_name,
        "recipient_address": recipient_address,
        "receipt_number": receipt.payment_id,
        "received_on": receipt.received_on,
        "account_number": receipt.account_number,
        "service_address": receipt.service_address,
        "payer": receipt.payer,
        "method": receipt.method.value,
        "reference": receipt.reference,
        "amount": receipt.amount,
        "paid_statements": tuple(paid),
        "credit": receipt.credit,
        "balance_after": receipt.balance_after,
        "in_credit": receipt.in_credit,
    }


def recipient_record(recipient: Recipient) -> dict[str, Any]:
    """The NotificationRequested v1 ``recipient`` (JSON-ready)."""
    postal = recipient.postal_address
    return {
        "customer_id": recipient.customer_id,
        "name": recipient.name,
        "channel": recipient.channel.value,
        "email": recipient.email,
        "phone": recipient.phone,
        "postal_address": as_record(postal) if postal is not None else None,
    }


@dataclass(frozen=True)
class IssueReceipt:
    accounts: AccountRepository
    customers: CustomerRepository
    statements: StatementRepository
    renderer: DocumentRenderer
    documents: ReceiptDocuments
    wording: ReceiptWording
    notifications: NotificationLog
    events: PublishEvents
    numbering: AccountNumberScheme
    letterhead: Letterhead

    def __call__(self, payment: PostedPayment) -> IssuedReceipt:
        """Raises NotFound when the account, its holder or a statement paid is unknown."""
        account = self.accounts.get(payment.account_id)
        holder = self.customers.get(account.holder.customer_id)
        receipt = self._receipt(account, payment)
        key = receipt_key(account.account_id, payment.payment_id)
        rendered = not self.documents.exists(key)
        if rendered:
            self._render(account, holder, receipt, payment.applied, key)
        event = self._notification(account, holder, receipt, key, payment)
        requested = self.notifications.record(event)
        if requested:
            self.events.after_commit([event])
        return IssuedReceipt(key, event.event_id, rendered, requested)

    def _receipt(self, account: Account, payment: PostedPayment) -> Receipt:
        return Receipt(
            payment_id=payment.payment_id,
            account_number=self.numbering.display(account.account_number),
            service_address=account.service_address.one_line(),
            holder=account.holder.name,
            payer=payment.payer_name or account.holder.name,
            language=account.language,
            received_on=payment.received_on,
            amount=payment.amount,
            method=payment.method,
            reference=payment.reference,
            credit=payment.credit,
            balance_after=payment.balance_after,
        )

    def _render(
        self,
        account: Account,
        holder: Customer,
        receipt: Receipt,
        applied: Sequence[AppliedAmount],
        key: str,
    ) -> None:
        paid = [self._paid(account.account_id, part) for part in applied]
        address = holder.contact.mailing_address or account.service_address
        context = receipt_context(
            receipt, paid, holder.name, mailing_lines(address), self.letterhead
        )
        pdf = self.renderer.render_pdf(TEMPLATE, receipt.language, context)
        metadata = {
            "account-id": account.account_id,
            "payment-id": receipt.payment_id,
            "language": receipt.language.value,
        }
        self.documents.put_pdf(key, pdf, metadata)

    def _paid(self, account_id: str, part: AppliedAmount) -> PaidStatement:
        statement = self.statements.get(account_id, part.statement_id)
        return PaidStatement(
            part.statement_id,
            statement.issued_on,
            statement.due_on,
            part.amount,
            statement.bill.first_day,
            statement.bill.period_end,
        )

    def _notification(
        self,
        account: Account,
        holder: Customer,
        receipt: Receipt,
        key: str,
        payment: PostedPayment,
    ) -> DomainEvent:
        service_address = account.service_address if needs_service_address(holder) else None
        recipient = recipient_for(holder, service_address)
        message = self.wording.word(receipt)
        nid = notification_id(NotificationKind.PAYMENT_RECEIPT.value, receipt.payment_id)
        return DomainEvent(
            event_id=nid,
            event_type=NOTIFICATION_REQUESTED,
            version=1,
            occurred_at=payment.posted_at,
            actor=RECEIPTS,
            correlation_id=payment.correlation_id,
            subject_id=f"ACCOUNT#{account.account_id}",
            detail={
                "notification_id": nid,
                "kind": NotificationKind.PAYMENT_RECEIPT.value,
                "account_id": account.account_id,
                "account_number": account.account_number,
                "service_address": receipt.service_address,
                "language": receipt.language.value,
                "recipient": recipient_record(recipient),
                "message": {"subject": message.subject, "body": message.body},
                "facts": {
                    "payment_id": receipt.payment_id,
                    "received_on": receipt.received_on.isoformat(),
                    "amount": str(receipt.amount),
                    "method": receipt.method.value,
                    "reference": receipt.reference,
                    "credit": str(receipt.credit),
                    "balance_after": str(receipt.balance_after),
                    "document_key": key,
                },
            },
        )
