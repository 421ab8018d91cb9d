"""Delivering a notification: which channel it takes, and what its delivery records.

A NotificationRequested names the channel the customer prefers. An email or an SMS goes out only
when the customer's express consent to that channel is in force (CASL), the customer still has the
address or number, and nothing says it cannot be reached there (an email address on the
suppression list after a hard bounce or a complaint, a phone number that replied STOP). Otherwise
the message goes by mail, and the delivery says why (:class:`FallbackReason`). An email or SMS the
provider refuses for good goes by mail too; an email that bounces after it was sent is queued for
mail then.

One delivery per notification, keyed by its deterministic ``notification_id``: a redelivered
request finds its delivery and sends nothing again. An email or SMS is *claimed* (status
``sending``) before the provider is called and marked ``sent`` with the provider's message id
after. A crash between the two leaves the claim: once it is older than the claim's lease (longer
than an invocation can live) the next delivery of the request sends again, so a message is never
lost and goes twice only when a process died in the few milliseconds between the provider's answer
and the record (the attempt count shows it). Mail is queued in the same write as its delivery
record: exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum

from civiq.accounts.domain.customers import ContactMethod, Customer, in_force
from civiq.core.addresses import Address
from civiq.core.audit import AuditEntry
from civiq.core.events import Actor
from civiq.core.history import as_record
from civiq.core.ids import DeterministicIds
from civiq.core.language import Language

# Longer than a sender invocation can run (its timeout) and shorter than the queue's visibility
# timeout: a claim this old belongs to an attempt that died, and a new one may send.
CLAIM_LEASE = timedelta(minutes=2)
# SNS sends SMS up to 1,600 bytes; French needs UCS-2 (2 bytes a character).
SMS_MAX_CHARACTERS = 700


class DeliveryStatus(StrEnum):
    SENDING = "sending"  # claimed: the provider is being (or was) called
    UNSENT = "unsent"  # the provider failed for now: nothing went out, tried again
    SENT = "sent"  # accepted by SES or SNS (its message id)
    QUEUED_FOR_PRINT = "queued-for-print"  # waits for its day's print file
    PRINTED = "printed"  # in a print file (its day, part and pages)


DONE = frozenset({DeliveryStatus.SENT, DeliveryStatus.QUEUED_FOR_PRINT, DeliveryStatus.PRINTED})


class Refused(Exception):
    """The provider refused the message for good (an address it will not send to, a message it
    will not carry): sending it again would fail again, so it goes by mail."""


class DeliveryInProgress(Exception):
    """Another attempt holds the notification's claim: this one is tried again later."""


class FallbackReason(StrEnum):
    """Why a message meant for email or SMS went by mail."""

    NO_EMAIL_ADDRESS = "no-email-address"
    NO_EMAIL_CONSENT = "no-email-consent"
    EMAIL_SUPPRESSED = "email-suppressed"  # bounced for good or complained before
    EMAIL_REJECTED = "email-rejected"  # SES refused the message
    EMAIL_BOUNCED = "email-bounced"  # sent, then bounced
    NO_PHONE = "no-phone"
    NO_SMS_CONSENT = "no-sms-consent"
    SMS_OPTED_OUT = "sms-opted-out"  # the number replied STOP
    SMS_REJECTED = "sms-rejected"  # SNS refused the message


@dataclass(frozen=True, slots=True)
class NotificationRequest:
    """A NotificationRequested, as the sender reads it."""

    notification_id: str
    kind: str
    account_id: str
    account_number: str
    language: Language
    customer_id: str
    recipient_name: str
    channel: ContactMethod
    postal_address: Address | None  # set when the request was for mail
    subject: str
    body: str
    requested_at: datetime
    correlation_id: str


@dataclass(frozen=True, slots=True)
class Suppression:
    """An email address SES will not be asked to send to again: it bounced for good, or its
    owner reported a message as spam."""

    address: str  # lowercase
    reason: str  # "bounce" or "complaint"
    detail: str
    at: datetime
    notification_id: str | None


@dataclass(frozen=True, slots=True)
class Route:
    channel: ContactMethod
    fallback: FallbackReason | None = None


MAIL = ContactMethod.MAIL


def route(
    wanted: ContactMethod, customer: Customer, email_suppressed: bool, sms_opted_out: bool
) -> Route:
    """The channel a message meant for ``wanted`` takes to ``customer`` now. ``email_suppressed``
    and ``sms_opted_out`` are asked of the providers' lists only for an address that would
    otherwise be used (see :func:`needs_list_check`)."""
    contact, preferences = customer.contact, customer.preferences
    if wanted is ContactMethod.EMAIL:
        if not contact.email:
            return Route(MAIL, FallbackReason.NO_EMAIL_ADDRESS)
        if not in_force(preferences.email_consent):
            return Route(MAIL, FallbackReason.NO_EMAIL_CONSENT)
        if email_suppressed or contact.email_undeliverable is not None:
            return Route(MAIL, FallbackReason.EMAIL_SUPPRESSED)
        return Route(ContactMethod.EMAIL)
    if wanted is ContactMethod.SMS:
        if not contact.phone:
            return Route(MAIL, FallbackReason.NO_PHONE)
        if not in_force(preferences.sms_consent):
            return Route(MAIL, FallbackReason.NO_SMS_CONSENT)
        if sms_opted_out:
            return Route(MAIL, FallbackReason.SMS_OPTED_OUT)
        return Route(ContactMethod.SMS)
    return Route(MAIL)


def needs_list_check(wanted: ContactMethod, customer: Customer) -> bool:
    """Whether the suppression or opt-out list decides the route (a read worth making)."""
    preferences, contact = customer.preferences, customer.contact
    if wanted is ContactMethod.EMAIL:
        return bool(contact.email) and in_force(preferences.email_consent)
    if wanted is ContactMethod.SMS:
        return bool(contact.phone) and in_force(preferences.sms_consent)
    return False


@dataclass(frozen=True, slots=True)
class PrintPlace:
    """Where a printed letter is: its day's print file, the part (PDF) and its pages there."""

    day: date
    part: int
    first_page: int
    pages: int


@dataclass(frozen=True, slots=True)
class Delivery:
    """How one notification reached (or is reaching) its customer."""

    notification_id: str
    account_id: str
    account_number: str
    customer_id: str
    recipient_name: str
    kind: str
    language: Language
    requested_at: datetime
    requested_channel: ContactMethod
    channel: ContactMethod  # the one used, or being tried
    status: DeliveryStatus
    address: str  # the email address, the phone number, or the letter's address on one line
    subject: str
    body: str
    updated_at: datetime  # of the latest change: for a claim, when it was made
    attempts: int = 0  # calls made to the provider
    provider_message_id: str | None = None
    fallback: FallbackReason | None = None
    print_day: date | None = None  # the print file a letter is queued for
    printed: PrintPlace | None = None

    @property
    def done(self) -> bool:
        return self.status in DONE

    def claim_is_live(self, now: datetime) -> bool:
        """A claim another attempt may still be acting on: leave it alone for now."""
        return self.status is DeliveryStatus.SENDING and now - self.updated_at < CLAIM_LEASE

    def claimed(self, channel: ContactMethod, address: str, now: datetime) -> Delivery:
        return replace(
            self,
            channel=channel,
            address=address,
            status=DeliveryStatus.SENDING,
            updated_at=now,
            attempts=self.attempts + 1,
        )

    def sent(self, message_id: str, now: datetime) -> Delivery:
        return replace(
            self, status=DeliveryStatus.SENT, provider_message_id=message_id, updated_at=now
        )

    def unsent(self, now: datetime) -> Delivery:
        return replace(self, status=DeliveryStatus.UNSENT, updated_at=now)

    def queued_for_print(
        self, address: str, day: date, fallback: FallbackReason | None, now: datetime
    ) -> Delivery:
        return replace(
            self,
            channel=MAIL,
            status=DeliveryStatus.QUEUED_FOR_PRINT,
            address=address,
            fallback=fallback,
            print_day=day,
            updated_at=now,
        )

    def in_print(self, place: PrintPlace, now: datetime) -> Delivery:
        return replace(self, status=DeliveryStatus.PRINTED, printed=place, updated_at=now)


def history_entry(delivery: Delivery, action: str, actor: Actor, correlation_id: str) -> AuditEntry:
    """The account's history entry of a step of ``delivery`` (at its ``updated_at``): what went
    where, how and why. One per step and notification (the id derives from both)."""
    record = as_record(delivery)
    del record["body"]  # the message is on the delivery itself
    return AuditEntry(
        entry_id=DeterministicIds(f"delivery/{delivery.notification_id}/{action}").peek(1),
        subject_id=f"ACCOUNT#{delivery.account_id}",
        action=action,
        actor_subject=actor.subject,
        actor_role=actor.role,
        occurred_at=delivery.updated_at,
        correlation_id=correlation_id,
        detail=record,
    )


def new_delivery(request: NotificationRequest, now: datetime) -> Delivery:
    """A request's delivery before any attempt: addressed once its route is known."""
    return Delivery(
        notification_id=request.notification_id,
        account_id=request.account_id,
        account_number=request.account_number,
        customer_id=request.customer_id,
        recipient_name=request.recipient_name,
        kind=request.kind,
        language=request.language,
        requested_at=request.requested_at,
        requested_channel=request.channel,
        channel=request.channel,
        status=DeliveryStatus.UNSENT,
        address="",
        subject=request.subject,
        body=request.body,
        updated_at=now,
    )


def sms_text(subject: str, body: str, stop: str, limit: int = SMS_MAX_CHARACTERS) -> str:
    """The SMS of a message: its subject and as many of its body's paragraphs as fit, always
    ending with the body's last paragraph (the signature) and ``stop`` (how to opt out)."""
    paragraphs = [p.strip() for p in body.split("\n\n") if p.strip()]
    signature = paragraphs.pop() if paragraphs else ""
    kept: list[str] = []

    def text(middle: list[str]) -> str:
        return "\n\n".join(part for part in (subject, *middle, signature, stop) if part)

    for paragraph in paragraphs:
        if len(text([*kept, paragraph])) > limit:
            break
        kept.append(paragraph)
    return text(kept)[:limit]


@dataclass(frozen=True, slots=True)
class OutgoingEmail:
    """One message to one address, with what lets its recipient withdraw their consent at once
    (RFC 8058 one-click unsubscribe) and the tags that tie SES's bounces back to it."""

    notification_id: str
    account_id: str
    to_name: str
    to_address: str
    language: Language
    subject: str
    body: str  # plain text, the unsubscribe footer included
    unsubscribe_url: str
    unsubscribe_mailto: str | None  # the office's mailbox, when one is configured


@dataclass(frozen=True, slots=True)
class OutgoingSms:
    notification_id: str
    phone: str  # E.164
    text: str
