"""In-memory fakes of the notices' ports, for unit tests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from civiq.accounts.adapters.memory import InMemoryStore
from civiq.core.audit import AuditEntry
from civiq.core.events import DomainEvent
from civiq.core.fakes import InMemoryDocuments, page_of
from civiq.core.language import Language
from civiq.core.ports import Page
from civiq.notices.domain.alerts import RouteReminder
from civiq.notices.domain.deliveries import (
    Delivery,
    OutgoingEmail,
    OutgoingSms,
    Refused,
    Suppression,
)
from civiq.notices.domain.print_files import Letter, PrintedPart, PrintFile


class InMemoryNotificationLog:
    """Writes to the store's history and outbox, like the DynamoDB adapter's transaction."""

    def __init__(self, store: InMemoryStore) -> None:
        self.store = store

    def record(self, event: DomainEvent) -> bool:
        if event.event_id in self.store.history:
            return False
        self.store.history[event.event_id] = AuditEntry.of(event)
        self.store.outbox[event.event_id] = event
        return True


class RecordingReminderQueue:
    def __init__(self) -> None:
        self.sent: list[RouteReminder] = []

    def send(self, tasks: Sequence[RouteReminder]) -> None:
        self.sent.extend(tasks)


class InMemoryReceiptDocuments(InMemoryDocuments):
    def exists(self, key: str) -> bool:
        return key in self.objects


class InMemoryDeliveries:
    """Deliveries and the print queue, with the DynamoDB adapter's rules: a change is written
    only over the delivery it was computed from, with its history entries (into the accounts'
    store) and its letter, all or nothing."""

    def __init__(self, store: InMemoryStore) -> None:
        self.store = store
        self.stored: dict[str, Delivery] = {}
        self.queued: dict[date, dict[str, Letter]] = {}

    def get(self, notification_id: str) -> Delivery | None:
        return self.stored.get(notification_id)

    def save(
        self,
        before: Delivery | None,
        after: Delivery,
        history: Sequence[AuditEntry] = (),
        letter: Letter | None = None,
    ) -> bool:
        current = self.stored.get(after.notification_id)
        if before is None and current is not None:
            return False
        if before is not None and (current is None or not _same_version(current, before)):
            return False
        self.stored[after.notification_id] = after
        self.store.history.update({entry.entry_id: entry for entry in history})
        if letter is not None:
            self.queued.setdefault(letter.day, {})[letter.notification_id] = letter
        return True

    def of_account(self, account_id: str, limit: int, cursor: str | None) -> Page[Delivery]:
        found = sorted(
            (d for d in self.stored.values() if d.account_id == account_id),
            key=lambda d: (d.requested_at, d.notification_id),
            reverse=True,
        )
        return page_of(found, limit, cursor)

    def letters(self, day: date) -> Sequence[Letter]:
        return list(self.queued.get(day, {}).values())


def _same_version(current: Delivery, before: Delivery) -> bool:
    return (current.status, current.updated_at) == (before.status, before.updated_at)


class InMemorySuppressions:
    def __init__(self) -> None:
        self.listed: dict[str, Suppression] = {}

    def is_suppressed(self, address: str) -> bool:
        return address.lower() in self.listed

    def suppress(self, suppression: Suppression) -> bool:
        if suppression.address in self.listed:
            return False
        self.listed[suppression.address] = suppression
        return True


@dataclass
class RecordingEmailSender:
    """Keeps what it was asked to send; refuses the addresses in ``refuse`` for good, and fails
    for now while ``down``."""

    sent: list[OutgoingEmail] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    down: bool = False

    def send(self, email: OutgoingEmail) -> str:
        if self.down:
            raise ConnectionError("SES is unreachable")
        if email.to_address in self.refuse:
            raise Refused(f"{email.to_address} refused")
        self.sent.append(email)
        return f"ses-{len(self.sent)}"


@dataclass
class RecordingSmsSender:
    sent: list[OutgoingSms] = field(default_factory=list)
    opted_out_numbers: set[str] = field(default_factory=set)
    refuse: set[str] = field(default_factory=set)

    def opted_out(self, phone: str) -> bool:
        return phone in self.opted_out_numbers

    def send(self, sms: OutgoingSms) -> str:
        if sms.phone in self.refuse:
            raise Refused(f"{sms.phone} refused")
        self.sent.append(sms)
        return f"sns-{len(self.sent)}"


class PlainDeliveryWording:
    """Fixed footer and STOP line, in the language asked: enough to see where they go."""

    def email_footer(self, language: Language, unsubscribe_url: str) -> str:
        return f"[{language.value}] unsubscribe: {unsubscribe_url}"

    def sms_stop(self, language: Language) -> str:
        return f"[{language.value}] STOP"


@dataclass(frozen=True)
class FixedKeys:
    keys: tuple[str, ...] = ("unsubscribe-test-key-0123456789",)

    def current(self) -> str:
        return self.keys[0]

    def active(self) -> tuple[str, ...]:
        return self.keys


class InMemoryPrintFiles:
    def __init__(self) -> None:
        self.files: dict[date, PrintFile] = {}
        self.stored_parts: dict[tuple[date, int], PrintedPart] = {}
        self.history: list[AuditEntry] = []

    def get(self, day: date) -> PrintFile | None:
        return self.files.get(day)

    def parts(self, day: date) -> Sequence[PrintedPart]:
        return [self.stored_parts[key] for key in sorted(self.stored_parts) if key[0] == day]

    def keep_part(self, part: PrintedPart) -> None:
        self.stored_parts[(part.day, part.part)] = part

    def save(self, file: PrintFile, history: Sequence[AuditEntry] = ()) -> bool:
        current = self.files.get(file.day)
        if current is not None and current.complete:
            return False
        self.files[file.day] = file
        self.history.extend(history)
        return True

    def listing(self, limit: int, cursor: str | None) -> Page[PrintFile]:
        found = [self.files[day] for day in sorted(self.files, reverse=True)]
        return page_of(found, limit, cursor)


class InMemoryPrintFileStore(InMemoryDocuments):
    def __init__(self) -> None:
        super().__init__()
        self.texts: dict[str, str] = {}

    def put_text(self, key: str, text: str, content_type: str) -> None:
        self.texts[key] = text


class CountingBundleRenderer:
    """Each document one page per paragraph of its body (at least one), and a PDF naming them:
    what the print-file service needs to lay out a file, without WeasyPrint."""

    def __init__(self) -> None:
        self.bundles: list[list[Mapping[str, object]]] = []

    def render_bundle(
        self, template: str, documents: Sequence[tuple[Language, Mapping[str, object]]]
    ) -> tuple[bytes, tuple[int, ...]]:
        self.bundles.append([context for _, context in documents])
        pages = tuple(max(1, len(context["paragraphs"])) for _, context in documents)  # type: ignore[arg-type]
        names = ";".join(str(context["recipient_name"]) for _, context in documents)
        return f"%PDF {template} {names}".encode(), pages
