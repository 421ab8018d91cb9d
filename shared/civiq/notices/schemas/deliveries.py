"""The delivery's edges: a NotificationRequested as the sender reads it, SES's bounce and
complaint events as SNS hands them to the feedback queue, and the staff API's payloads
(an account's correspondence, the print files)."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from civiq.accounts.domain.customers import ContactMethod
from civiq.core.addresses import Address
from civiq.core.events import DomainEvent
from civiq.core.language import Language
from civiq.core.schemas import Payload, Request
from civiq.notices.domain.deliveries import (
    Delivery,
    DeliveryStatus,
    FallbackReason,
    NotificationRequest,
)
from civiq.notices.domain.print_files import ManifestLine, PrintFile, PrintFileStatus
from civiq.notices.domain.unsubscribe import TOKEN_PATTERN
from civiq.notices.schemas.events import NotificationRequestedV1
from civiq.notices.services.email_feedback import EmailFeedback, FeedbackKind
from civiq.notices.services.print_file_details import PrintFileDetails


def notification_request(event: DomainEvent) -> NotificationRequest:
    """The request a NotificationRequested v1 carries (its payload validated)."""
    requested = NotificationRequestedV1.model_validate(event.detail)
    recipient = requested.recipient
    postal = recipient.postal_address
    return NotificationRequest(
        notification_id=requested.notification_id,
        kind=requested.kind.value,
        account_id=requested.account_id,
        account_number=requested.account_number,
        language=requested.language,
        customer_id=recipient.customer_id,
        recipient_name=recipient.name,
        channel=recipient.channel,
        postal_address=Address(**postal.model_dump()) if postal is not None else None,
        subject=requested.message.subject,
        body=requested.message.body,
        requested_at=event.occurred_at,
        correlation_id=event.correlation_id,
    )


# --- SES events ---------------------------------------------------------------------------------


class _Lenient(BaseModel):
    """SES adds fields over time: only those read are declared (by SES's camelCase names)."""

    model_config = ConfigDict(extra="ignore", frozen=True, alias_generator=to_camel)


class _Recipient(_Lenient):
    email_address: str
    diagnostic_code: str | None = None


class _Bounce(_Lenient):
    bounce_type: str  # Permanent, Transient or Undetermined
    bounce_sub_type: str = ""
    bounced_recipients: list[_Recipient]
    timestamp: datetime


class _Complaint(_Lenient):
    complained_recipients: list[_Recipient]
    timestamp: datetime
    complaint_feedback_type: str = "abuse"


class _Mail(_Lenient):
    message_id: str
    tags: dict[str, list[str]] = Field(default_factory=dict)


class SesEvent(_Lenient):
    """An SES event, published by a configuration set (or an identity's notification)."""

    mail: _Mail
    bounce: _Bounce | None = None
    complaint: _Complaint | None = None

    def feedback(self) -> EmailFeedback | None:
        """The bounce or complaint it reports; None for any other event (a delivery...)."""
        tagged = self.mail.tags.get("notification_id", [])
        notification_id = tagged[0] if tagged else None
        if self.bounce is not None:
            bounce = self.bounce
            diagnostics = "; ".join(
                r.diagnostic_code for r in bounce.bounced_recipients if r.diagnostic_code
            )
            return EmailFeedback(
                kind=FeedbackKind.BOUNCE,
                permanent=bounce.bounce_type == "Permanent",
                addresses=tuple(r.email_address for r in bounce.bounced_recipients),
                detail=f"{bounce.bounce_type}/{bounce.bounce_sub_type}: {diagnostics}".strip(": "),
                at=bounce.timestamp,
                notification_id=notification_id,
            )
        if self.complaint is not None:
            complaint = self.complaint
            return EmailFeedback(
                kind=FeedbackKind.COMPLAINT,
                permanent=True,
                addresses=tuple(r.email_address for r in complaint.complained_recipients),
                detail=f"Complaint/{complaint.complaint_feedback_type}",
                at=complaint.timestamp,
                notification_id=notification_id,
            )
        return None


def email_feedback(body: str) -> tuple[str, EmailFeedback | None]:
    """An SQS message of the feedback queue: SNS's envelope around SES's event. The SES message
    id, and the bounce or complaint (None: an event that is neither)."""
    envelope: dict[str, Any] = json.loads(body)
    event = SesEvent.model_validate_json(envelope["Message"])
    return event.mail.message_id, event.feedback()


# --- the staff API --------------------------------------------------------------------------------


class PrintPlaceOut(Payload):
    day: date
    part: int
    first_page: int
    pages: int


class DeliveryOut(Payload):
    notification_id: str
    kind: str
    language: Language
    requested_at: datetime
    requested_channel: ContactMethod
    channel: ContactMethod = Field(description="The channel used (or being tried)")
    status: DeliveryStatus
    fallback_reason: FallbackReason | None = Field(
        description="Why a message meant for email or SMS went by mail"
    )
    address: str = Field(description="The email address, phone number or postal address used")
    recipient_name: str
    subject: str
    body: str
    attempts: int = Field(description="Calls made to the email or SMS provider")
    provider_message_id: str | None
    updated_at: datetime
    print_day: date | None = Field(description="The print file a letter is queued for")
    printed: PrintPlaceOut | None

    @classmethod
    def of(cls, delivery: Delivery) -> DeliveryOut:
        printed = delivery.printed
        return cls(
            notification_id=delivery.notification_id,
            kind=delivery.kind,
            language=delivery.language,
            requested_at=delivery.requested_at,
            requested_channel=delivery.requested_channel,
            channel=delivery.channel,
            status=delivery.status,
            fallback_reason=delivery.fallback,
            address=delivery.address,
            recipient_name=delivery.recipient_name,
            subject=delivery.subject,
            body=delivery.body,
            attempts=delivery.attempts,
            provider_message_id=delivery.provider_message_id,
            updated_at=delivery.updated_at,
            print_day=delivery.print_day,
            printed=PrintPlaceOut(
                day=printed.day,
                part=printed.part,
                first_page=printed.first_page,
                pages=printed.pages,
            )
            if printed
            else None,
        )


class CorrespondencePage(Payload):
    items: list[DeliveryOut]
    next_cursor: str | None


class PartOut(Payload):
    part: int
    key: str
    letters: int
    pages: int
    url: str | None = Field(default=None, description="A short-lived link to the part's PDF")


class PrintFileOut(Payload):
    day: date
    status: PrintFileStatus
    letters: int
    pages: int
    started_at: datetime
    completed_at: datetime | None
    parts: list[PartOut]

    @classmethod
    def of(cls, file: PrintFile, links: dict[str, str] | None = None) -> PrintFileOut:
        links = links or {}
        return cls(
            day=file.day,
            status=file.status,
            letters=file.letters,
            pages=file.pages,
            started_at=file.started_at,
            completed_at=file.completed_at,
            parts=[
                PartOut(
                    part=p.part, key=p.key, letters=p.letters, pages=p.pages, url=links.get(p.key)
                )
                for p in file.parts
            ],
        )


class PrintFilePage(Payload):
    items: list[PrintFileOut]
    next_cursor: str | None


class ManifestLineOut(Payload):
    sequence: int
    part: int
    first_page: int
    last_page: int
    notification_id: str
    account_id: str
    account_number: str
    kind: str
    language: Language
    recipient_name: str
    address_lines: list[str]

    @classmethod
    def of(cls, line: ManifestLine) -> ManifestLineOut:
        return cls(
            sequence=line.sequence,
            part=line.part,
            first_page=line.first_page,
            last_page=line.last_page,
            notification_id=line.notification_id,
            account_id=line.account_id,
            account_number=line.account_number,
            kind=line.kind,
            language=line.language,
            recipient_name=line.recipient_name,
            address_lines=list(line.address_lines),
        )


class PrintFileDetailsOut(PrintFileOut):
    manifest: dict[str, str] = Field(
        description="Short-lived links to the manifest, by format (json, csv)"
    )
    letters_in_file: list[ManifestLineOut]

    @classmethod
    def of_details(cls, details: PrintFileDetails) -> PrintFileDetailsOut:
        summary = PrintFileOut.of(details.file, details.links)
        return cls(
            **summary.model_dump(),
            manifest={
                key.rsplit(".", 1)[-1]: details.links[key] for key in details.file.manifest_keys
            },
            letters_in_file=[ManifestLineOut.of(line) for line in details.lines],
        )


class UnsubscribeQuery(Request):
    token: str = Field(
        pattern=TOKEN_PATTERN,
        max_length=80,
        description="The token of the customer's unsubscribe link",
    )
