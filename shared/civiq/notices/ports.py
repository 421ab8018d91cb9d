"""Ports of notices: wording alerts and receipts, recording notifications, queueing route
reminders, storing receipt documents; and delivering notifications: their delivery records, the
providers (SES, SNS), the suppression list, the print queue and the daily print files."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Protocol

from civiq.core.audit import AuditEntry
from civiq.core.events import DomainEvent
from civiq.core.language import Language
from civiq.core.ports import DocumentStore, Page
from civiq.notices.domain.alerts import Message, NotificationKind, RouteReminder
from civiq.notices.domain.deliveries import Delivery, OutgoingEmail, OutgoingSms, Suppression
from civiq.notices.domain.print_files import Letter, PrintedPart, PrintFile
from civiq.notices.domain.receipts import Receipt


class Wording(Protocol):
    def word(
        self, kind: NotificationKind, language: Language, arguments: Mapping[str, object]
    ) -> Message:
        """The plain-text subject and body of ``kind`` in ``language``; dates and numbers in
        ``arguments`` are written as that language writes them. A missing message raises."""
        ...


class NotificationLog(Protocol):
    def record(self, event: DomainEvent) -> bool:
        """The NotificationRequested event to the outbox with its history entry on the account,
        atomically; False (nothing written) when it was recorded before (a redelivery)."""
        ...


class ReminderQueue(Protocol):
    def send(self, tasks: Sequence[RouteReminder]) -> None:
        """One message per task (a route of a cycle period, or the rest of one); raises when
        any is not accepted."""
        ...


class ReceiptDocuments(DocumentStore, Protocol):
    def exists(self, key: str) -> bool:
        """True when a document is stored under ``key``: a redelivered payment's receipt is
        not rendered again."""
        ...


class ReceiptWording(Protocol):
    def word(self, receipt: Receipt) -> Message:
        """The receipt's plain-text subject and body in ``receipt.language``, amounts and dates
        written as that language writes them. A missing message raises."""
        ...


# --- delivery ------------------------------------------------------------------------------------


class Deliveries(Protocol):
    def get(self, notification_id: str) -> Delivery | None: ...

    def save(
        self,
        before: Delivery | None,
        after: Delivery,
        history: Sequence[AuditEntry] = (),
        letter: Letter | None = None,
    ) -> bool:
        """Write ``after`` with its history entries and the letter it queues for print, all or
        nothing, if the stored delivery is still ``before`` (None: none is stored); False,
        writing nothing, when another attempt changed it first."""
        ...

    def of_account(self, account_id: str, limit: int, cursor: str | None) -> Page[Delivery]:
        """The account's deliveries, the latest requested first."""
        ...


class Suppressions(Protocol):
    def is_suppressed(self, address: str) -> bool: ...

    def suppress(self, suppression: Suppression) -> bool:
        """Add the address; False when it was on the list already (kept as first recorded)."""
        ...


class EmailSender(Protocol):
    def send(self, email: OutgoingEmail) -> str:
        """The provider's message id; raises Refused when it refuses the message for good."""
        ...


class SmsSender(Protocol):
    def opted_out(self, phone: str) -> bool:
        """True when the number asked (by replying STOP) to receive nothing more."""
        ...

    def send(self, sms: OutgoingSms) -> str:
        """The provider's message id; raises Refused when it refuses the message for good."""
        ...


class DeliveryWording(Protocol):
    def email_footer(self, language: Language, unsubscribe_url: str) -> str:
        """Why the customer receives the email, and the link that stops them."""
        ...

    def sms_stop(self, language: Language) -> str:
        """How to stop the SMS (reply STOP)."""
        ...


class UnsubscribeLinks(Protocol):
    def url(self, customer_id: str) -> str:
        """The one-click link (RFC 8058) withdrawing the customer's consent to email."""
        ...

    def mailto(self, customer_id: str) -> str | None:
        """A mailto: the office reads, where one is configured."""
        ...


class SigningKeys(Protocol):
    def current(self) -> str: ...

    def active(self) -> tuple[str, ...]:
        """Every key a link may have been signed with: the current one first."""
        ...


class PrintQueue(Protocol):
    def letters(self, day: date) -> Sequence[Letter]:
        """Every letter queued for ``day``'s print file."""
        ...


class PrintFiles(Protocol):
    def get(self, day: date) -> PrintFile | None: ...

    def parts(self, day: date) -> Sequence[PrintedPart]:
        """The parts of ``day``'s file stored so far, in order."""
        ...

    def keep_part(self, part: PrintedPart) -> None:
        """Record a stored part (the same part again replaces it)."""
        ...

    def save(self, file: PrintFile, history: Sequence[AuditEntry] = ()) -> bool:
        """Record the file's progress; False, writing nothing, when it is recorded complete
        already."""
        ...

    def listing(self, limit: int, cursor: str | None) -> Page[PrintFile]:
        """The print files, the latest day first."""
        ...


class BundleRenderer(Protocol):
    def render_bundle(
        self, template: str, documents: Sequence[tuple[Language, Mapping[str, object]]]
    ) -> tuple[bytes, tuple[int, ...]]:
        """One PDF of every document (``templates/<template>.html.j2`` in its language and
        context), each starting on a new page, and each document's page count."""
        ...


class PrintFileStore(DocumentStore, Protocol):
    def put_text(self, key: str, text: str, content_type: str) -> None:
        """A manifest, beside the parts' PDFs."""
        ...


class DocumentLinks(Protocol):
    def url_for(self, key: str, seconds: int) -> str:
        """A GET of the stored ``key`` that works for ``seconds``."""
        ...
