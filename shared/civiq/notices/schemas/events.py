"""Versioned payload of NotificationRequested: one message to one customer, for the notification
channel (email, SMS or mail sender) to send without reading CiviQ's tables.

Registered in :data:`civiq.event_catalog.EVENT_SCHEMAS`; a sample lives in
``events/eventbridge/notification_requested.json``. ``notification_id`` is the event's id and is
deterministic (the same trigger gives the same id): senders de-duplicate on it. The message is
already worded in ``language`` (plain text); ``facts`` carry the same figures for a sender that
words its own (volumes and daily use in cubic metres, as decimal strings).
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field, model_validator

from civiq.accounts.domain.customers import ContactMethod
from civiq.billing.schemas.events import AMOUNT
from civiq.core.language import Language
from civiq.ledger.domain.payments import PaymentMethod
from civiq.metering.schemas.events import DECIMAL
from civiq.notices.domain.alerts import NotificationKind


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PostalAddressV1(_Strict):
    street: str
    unit: str | None
    city: str
    province: str
    postal_code: str


class RecipientV1(_Strict):
    """Where the message goes: only the address of ``channel`` is set."""

    customer_id: str
    name: str
    channel: ContactMethod
    email: str | None
    phone: str | None  # E.164, +1 and 10 digits
    postal_address: PostalAddressV1 | None  # the mailing address, else the service address

    @model_validator(mode="after")
    def _has_the_channels_address(self) -> RecipientV1:
        needed = {
            ContactMethod.EMAIL: self.email,
            ContactMethod.SMS: self.phone,
            ContactMethod.MAIL: self.postal_address,
        }[self.channel]
        if needed is None:
            raise ValueError(f"a {self.channel.value} notification needs its address")
        return self


class MessageV1(_Strict):
    subject: str = Field(min_length=1)
    body: str = Field(min_length=1)  # plain text, paragraphs separated by a blank line


class HighConsumptionFactsV1(_Strict):
    """A possible leak: the read's daily use against the meter's usual daily use."""

    meter_id: str
    read_on: date
    previous_read_on: date
    days: int = Field(ge=1)
    volume: str = Field(pattern=DECIMAL)
    daily_use: str = Field(pattern=DECIMAL)
    usual_daily_use: str = Field(pattern=DECIMAL)


class ReadScheduledFactsV1(_Strict):
    """The meter is read around ``read_on`` (its cycle's period end): access may be needed."""

    cycle_id: str
    route: str
    read_on: date


class PaymentReceiptFactsV1(_Strict):
    """A payment was received: the receipt's figures (dollars and cents) and its PDF."""

    payment_id: str  # also the receipt number
    received_on: date
    amount: str = Field(pattern=AMOUNT)
    method: PaymentMethod
    reference: str | None
    credit: str = Field(pattern=AMOUNT)  # kept for the next statement
    balance_after: str = Field(pattern=AMOUNT)  # negative: in credit
    document_key: str  # the receipt PDF in the documents bucket


class CollectionNoticeFactsV1(_Strict):
    """A collection stage reached: ``past_due`` since ``oldest_due_on`` (the oldest unpaid
    bill's due date), to be paid by ``pay_by``; a shutoff warning names ``shutoff_on``, the
    first day service may be disconnected."""

    case_id: str
    stage: str
    past_due: str = Field(pattern=AMOUNT)
    oldest_due_on: date
    days_past_due: int = Field(ge=1)
    pay_by: date
    shutoff_on: date | None


class ArrangementBreachFactsV1(_Strict):
    """A payment arrangement broken: the instalment missed and what is past due now."""

    arrangement_id: str
    missed_due_on: date
    missed_amount: str = Field(pattern=AMOUNT)
    past_due: str = Field(pattern=AMOUNT)
    pay_by: date


class TaxRollNoticeFactsV1(_Strict):
    """Arrears to be added to the property's tax roll (``roll_number``) unless paid by
    ``deadline``, with the transfer fee (0.00: none)."""

    transfer_id: str
    roll_number: str
    arrears: str = Field(pattern=AMOUNT)
    fee: str = Field(pattern=AMOUNT)
    deadline: date


COLLECTION_NOTICES = (
    NotificationKind.COLLECTION_REMINDER,
    NotificationKind.COLLECTION_SECOND_NOTICE,
    NotificationKind.COLLECTION_DEMAND,
    NotificationKind.COLLECTION_SHUTOFF_WARNING,
)
FACTS: dict[NotificationKind, type[BaseModel]] = {
    NotificationKind.HIGH_CONSUMPTION: HighConsumptionFactsV1,
    NotificationKind.READ_SCHEDULED: ReadScheduledFactsV1,
    NotificationKind.PAYMENT_RECEIPT: PaymentReceiptFactsV1,
    NotificationKind.ARRANGEMENT_BROKEN: ArrangementBreachFactsV1,
    NotificationKind.TAX_ROLL_NOTICE: TaxRollNoticeFactsV1,
    NotificationKind.TAX_ROLL_TENANT_NOTICE: TaxRollNoticeFactsV1,
}
FACTS.update(dict.fromkeys(COLLECTION_NOTICES, CollectionNoticeFactsV1))


class NotificationRequestedV1(_Strict):
    notification_id: str
    kind: NotificationKind
    account_id: str
    account_number: str
    service_address: str
    language: Language
    recipient: RecipientV1
    message: MessageV1
    facts: (
        HighConsumptionFactsV1
        | ReadScheduledFactsV1
        | PaymentReceiptFactsV1
        | CollectionNoticeFactsV1
        | ArrangementBreachFactsV1
        | TaxRollNoticeFactsV1
    )

    @model_validator(mode="after")
    def _facts_of_its_kind(self) -> NotificationRequestedV1:
        if not isinstance(self.facts, FACTS[self.kind]):
            raise ValueError(
                f"a {self.kind.value} notification carries {FACTS[self.kind].__name__}"
            )
        return self


NOTIFICATION_EVENT_SCHEMAS: dict[tuple[str, int], type[BaseModel]] = {
    ("NotificationRequested", 1): NotificationRequestedV1,
}
