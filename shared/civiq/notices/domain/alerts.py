"""Alerts to customers: a possible leak, and the coming read of their meter.

An alert is a *notification request*: one message to one customer, already worded in their
language, handed to the notification channel (email, SMS or mail) through an event. The channel
is the customer's preferred contact method (a customer who prefers email or SMS always has the
address or number: :class:`~civiq.accounts.domain.customers.Customer` checks it); mail goes to the
mailing address, or to the service address when there is none.

Read reminders go out ``days`` days before a cycle's period end, the day the route's meters are
read around.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypeAlias

from civiq.accounts.domain.account_numbers import AccountNumberScheme
from civiq.accounts.domain.customers import ContactMethod, Customer
from civiq.billing.domain.cycles import CycleDefinition
from civiq.core.addresses import Address
from civiq.core.history import as_record
from civiq.core.language import Language
from civiq.core.money import Money


class NotificationKind(StrEnum):
    HIGH_CONSUMPTION = "high-consumption"  # a possible leak
    READ_SCHEDULED = "read-scheduled"  # the meter will be read around a date
    # worded by civiq.notices.services.receipts (receipt.message.*)
    PAYMENT_RECEIPT = "payment-receipt"
    # collection notices: a stage of a collection case, and a broken payment arrangement
    COLLECTION_REMINDER = "collection-reminder"
    COLLECTION_SECOND_NOTICE = "collection-second-notice"
    COLLECTION_DEMAND = "collection-demand"
    COLLECTION_SHUTOFF_WARNING = "collection-shutoff-warning"
    ARRANGEMENT_BROKEN = "arrangement-broken"
    # arrears to be added to the property's tax roll: to the owner, and to a tenant whose
    # arrears they are
    TAX_ROLL_NOTICE = "tax-roll-notice"
    TAX_ROLL_TENANT_NOTICE = "tax-roll-tenant-notice"

    @property
    def catalog_key(self) -> str:
        """The messages' key prefix in the catalogs: ``alert.high_consumption``."""
        return f"alert.{self.value.replace('-', '_')}"


@dataclass(frozen=True, slots=True)
class Recipient:
    """Who gets the message, in which language, and where: only the channel's address is set."""

    customer_id: str
    name: str
    language: Language
    channel: ContactMethod
    email: str | None = None
    phone: str | None = None
    postal_address: Address | None = None


def needs_service_address(customer: Customer, channel: ContactMethod | None = None) -> bool:
    """True when the message goes by mail (``channel``, None: the customer's preferred one) to
    the service address, the customer having no mailing address."""
    by_mail = (channel or customer.preferences.contact_method) is ContactMethod.MAIL
    return by_mail and customer.contact.mailing_address is None


def recipient_for(
    customer: Customer, service_address: Address | None, channel: ContactMethod | None = None
) -> Recipient:
    """The customer as a recipient by ``channel`` (None: the one they prefer);
    ``service_address`` is needed for mail when :func:`needs_service_address` says so, or when
    mail is asked of a customer without a mailing address (ValueError without it)."""
    channel = channel or customer.preferences.contact_method
    recipient = Recipient(customer.customer_id, customer.name, customer.language, channel)
    contact = customer.contact
    if channel is ContactMethod.EMAIL:
        return replace(recipient, email=contact.email)
    if channel is ContactMethod.SMS:
        return replace(recipient, phone=contact.phone)
    postal = contact.mailing_address or service_address
    if postal is None:
        raise ValueError("mail to a customer without a mailing address needs the service address")
    return replace(recipient, postal_address=postal)


@dataclass(frozen=True, slots=True)
class HighConsumption:
    """A read well above the meter's usual daily use (cubic metres)."""

    meter_id: str
    read_on: date
    previous_read_on: date
    volume: Decimal
    daily_use: Decimal
    usual_daily_use: Decimal

    @property
    def days(self) -> int:
        return (self.read_on - self.previous_read_on).days


@dataclass(frozen=True, slots=True)
class ReadScheduled:
    """The route's meters are read around ``read_on`` (the cycle's period end)."""

    cycle_id: str
    route: str
    read_on: date


@dataclass(frozen=True, slots=True)
class CollectionNotice:
    """A stage of a collection case reached: what is past due since when, and by when to pay
    (a shutoff warning: the day service may be disconnected, no sooner)."""

    kind: NotificationKind
    case_id: str
    stage: str
    past_due: Decimal
    oldest_due_on: date
    days_past_due: int
    pay_by: date
    shutoff_on: date | None = None


@dataclass(frozen=True, slots=True)
class ArrangementBreach:
    """A payment arrangement broken: the instalment missed, and what is past due now."""

    arrangement_id: str
    missed_due_on: date
    missed_amount: Decimal
    past_due: Decimal
    pay_by: date

    kind = NotificationKind.ARRANGEMENT_BROKEN


@dataclass(frozen=True, slots=True)
class TaxRollNotice:
    """Arrears to be added to the property's tax roll unless paid by ``deadline``: the
    arrears, the transfer fee, the roll number they go on."""

    kind: NotificationKind  # TAX_ROLL_NOTICE (the owner), TAX_ROLL_TENANT_NOTICE (a tenant)
    transfer_id: str
    roll_number: str  # as printed: 1234-567-890-12345-0000
    arrears: Decimal
    fee: Decimal
    deadline: date


Facts: TypeAlias = (
    HighConsumption | ReadScheduled | CollectionNotice | ArrangementBreach | TaxRollNotice
)


@dataclass(frozen=True, slots=True)
class Message:
    subject: str
    body: str


@dataclass(frozen=True, slots=True)
class Notification:
    """One message to the holder of one account. ``notification_id`` is deterministic: the
    same trigger always gives the same id, so consumers de-duplicate on it."""

    notification_id: str
    account_id: str
    account_number: str
    service_address: str  # one line, as the account shows it
    recipient: Recipient
    facts: Facts

    @property
    def kind(self) -> NotificationKind:
        if isinstance(self.facts, HighConsumption):
            return NotificationKind.HIGH_CONSUMPTION
        if isinstance(self.facts, ReadScheduled):
            return NotificationKind.READ_SCHEDULED
        return self.facts.kind

    @property
    def language(self) -> Language:
        return self.recipient.language

    def arguments(self, numbering: AccountNumberScheme) -> dict[str, object]:
        """What the messages say, unformatted (dates, cubic metres): the wording formats each
        in the recipient's language."""
        said: dict[str, object] = {
            "name": self.recipient.name,
            "address": self.service_address,
            "account_number": numbering.display(self.account_number),
        }
        facts = self.facts
        if isinstance(facts, HighConsumption):
            said |= {
                "read_on": facts.read_on,
                "previous_read_on": facts.previous_read_on,
                "volume": facts.volume,
                "daily_use": facts.daily_use,
                "usual_daily_use": facts.usual_daily_use,
            }
        elif isinstance(facts, ReadScheduled):
            said["read_on"] = facts.read_on
        elif isinstance(facts, CollectionNotice):
            said |= {
                "past_due": Money(facts.past_due),
                "oldest_due_on": facts.oldest_due_on,
                "days_past_due": facts.days_past_due,
                "pay_by": facts.pay_by,
                "shutoff_on": facts.shutoff_on or facts.pay_by,
            }
        elif isinstance(facts, TaxRollNotice):
            said |= {
                "roll_number": facts.roll_number,
                "arrears": Money(facts.arrears),
                "fee": Money(facts.fee),
                "total": Money(facts.arrears + facts.fee),
                "deadline": facts.deadline,
            }
        else:
            said |= {
                "missed_due_on": facts.missed_due_on,
                "missed_amount": Money(facts.missed_amount),
                "past_due": Money(facts.past_due),
                "pay_by": facts.pay_by,
            }
        return said

    def payload(self, message: Message) -> dict[str, Any]:
        """The NotificationRequested v1 payload (JSON-ready)."""
        recipient = self.recipient
        postal = recipient.postal_address
        facts = as_record(self.facts)
        facts.pop("kind", None)
        if isinstance(self.facts, HighConsumption):
            facts["days"] = self.facts.days
        return {
            "notification_id": self.notification_id,
            "kind": self.kind.value,
            "account_id": self.account_id,
            "account_number": self.account_number,
            "service_address": self.service_address,
            "language": self.language.value,
            "recipient": {
                "customer_id": recipient.customer_id,
                "name": recipient.name,
                "channel": recipient.channel.value,
                "email": recipient.email,
                "phone": recipient.phone,
                "postal_address": as_record(postal) if postal is not None else None,
            },
            "message": {"subject": message.subject, "body": message.body},
            "facts": facts,
        }


# --- read reminders -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RouteReminder:
    """Remind the active accounts of one route of one cycle period; ``after`` is the last
    account id already reminded (None: from the start), so a long route continues where it
    stopped. ``requested_at`` is the reminders' time: the same for every part of the route."""

    cycle_id: str
    period_end: date
    route: str
    requested_at: datetime
    after: str | None = None


def next_period_end(cycle: CycleDefinition, on_or_after: date) -> date:
    """The cycle's first period end on or after ``on_or_after``."""
    months = (on_or_after.year - cycle.first_period_end.year) * 12 + (
        on_or_after.month - cycle.first_period_end.month
    )
    index = max(months // cycle.frequency.months - 1, 0)
    while cycle.period_end(index) < on_or_after:
        index += 1
    return cycle.period_end(index)


def read_reminder_due(cycle: CycleDefinition, today: date, days: int) -> date | None:
    """The period end to remind of today: one that falls exactly ``days`` days from today."""
    read_on = today + timedelta(days=days)
    return read_on if next_period_end(cycle, read_on) == read_on else None
