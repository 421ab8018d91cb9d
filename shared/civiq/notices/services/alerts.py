"""Alerts as NotificationRequested events: a possible leak, and the coming read of a meter.

- :class:`NotifyHighConsumption` (SQS consumer of HighConsumptionDetected): every pending or
  active account the meter serves (its unit's accounts, or every account of the property for a
  whole-property or shared meter) gets one notification, written to the outbox with its history
  entry on the account in one transaction, then published. Its id is derived from the trigger's
  event id and the account, and its time is the trigger's, so a redelivered trigger finds each
  notification recorded and publishes nothing new.
- :class:`ScheduleReadReminders` (daily): each cycle whose period ends ``days_ahead`` days from
  today gets one :class:`RouteReminder` per route on the reminder queue.
- :class:`RemindRoute` (consumer of that queue): reminds the route's active accounts, publishing
  10 events per PutEvents call. Ids derive from the cycle, period end and account, and every
  reminder of a day carries that day's start as its time, so a redelivered or repeated task
  publishes the same events again (consumers de-duplicate on the id). When the invocation runs
  short of time it re-enqueues the rest of the route (``after`` the last account reminded), so
  a route of any size finishes in as many invocations as it needs. A continuation reads the
  route from its start and skips the accounts up to its cursor (``on_route`` takes no start
  key): reading, not publishing, about one Query page per thousand accounts skipped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from itertools import islice

from civiq.accounts.domain.account_numbers import AccountNumberScheme
from civiq.accounts.domain.accounts import AccountStatus
from civiq.accounts.domain.customers import ContactMethod
from civiq.accounts.ports import AccountRepository, AccountSummary, CustomerRepository
from civiq.accounts.services.recording import Recorder
from civiq.billing.domain.cycles import run_id_of
from civiq.billing.ports import CycleRepository
from civiq.core.errors import NotFound
from civiq.core.events import Actor, DomainEvent
from civiq.core.ids import DeterministicIds
from civiq.core.ports import EventPublisher
from civiq.core.publishing import PublishEvents
from civiq.notices.domain.alerts import (
    Facts,
    HighConsumption,
    Notification,
    ReadScheduled,
    Recipient,
    RouteReminder,
    needs_service_address,
    read_reminder_due,
    recipient_for,
)
from civiq.notices.ports import NotificationLog, ReminderQueue, Wording

logger = logging.getLogger("civiq")  # configured by each function (copy_config)

SYSTEM = Actor("alerts", "system")
NOTIFICATION_REQUESTED = "NotificationRequested"
PUT_EVENTS_BATCH = 10  # PutEvents takes at most 10 entries
# Stop a route this long before the invocation's end: a batch of 10 takes well under a second,
# so this covers a slow batch (DynamoDB or EventBridge retries) and the re-enqueue.
TIME_RESERVE = timedelta(seconds=20)
ALERTED = frozenset({AccountStatus.PENDING, AccountStatus.ACTIVE})


def notification_id(*parts: str) -> str:
    """The same parts always give the same id (ULID-shaped)."""
    return DeterministicIds("/".join((NOTIFICATION_REQUESTED, *parts))).peek(1)


@dataclass(frozen=True)
class Notifier:
    """Words a notification to an account's holder and wraps it in its event."""

    accounts: AccountRepository
    customers: CustomerRepository
    wording: Wording
    numbering: AccountNumberScheme

    def recipient(self, summary: AccountSummary, channel: ContactMethod | None = None) -> Recipient:
        """By ``channel`` (None: the one the holder prefers). One read (the customer), two when
        mail goes to the service address."""
        customer = self.customers.get(summary.holder_customer_id)
        service_address = None
        if needs_service_address(customer, channel):
            service_address = self.accounts.get(summary.account_id).service_address
        return recipient_for(customer, service_address, channel)

    def event(
        self,
        notification_id: str,
        summary: AccountSummary,
        facts: Facts,
        occurred_at: datetime,
        correlation_id: str,
        recipient: Recipient | None = None,
        actor: Actor = SYSTEM,
    ) -> DomainEvent:
        """``recipient``: None for the holder by the channel they prefer."""
        notification = Notification(
            notification_id,
            summary.account_id,
            summary.account_number,
            summary.service_address,
            recipient or self.recipient(summary),
            facts,
        )
        message = self.wording.word(
            notification.kind, notification.language, notification.arguments(self.numbering)
        )
        return DomainEvent(
            event_id=notification_id,
            event_type=NOTIFICATION_REQUESTED,
            version=1,
            occurred_at=occurred_at,
            actor=actor,
            correlation_id=correlation_id,
            subject_id=f"ACCOUNT#{summary.account_id}",
            detail=notification.payload(message),
        )


# --- high consumption -----------------------------------------------------------------------------


@dataclass(frozen=True)
class HighConsumptionAlert:
    """A HighConsumptionDetected event: its id, time and correlation, and where the meter is."""

    trigger_id: str
    occurred_at: datetime
    correlation_id: str
    property_id: str
    unit: str | None  # None: the meter serves the whole property
    facts: HighConsumption


def served_by(accounts: Iterable[AccountSummary], unit: str | None) -> list[AccountSummary]:
    """The pending and active accounts a meter of ``unit`` (None: the whole property) serves."""
    return sorted(
        (a for a in accounts if a.status in ALERTED and (unit is None or a.unit == unit)),
        key=lambda a: a.account_id,
    )


@dataclass(frozen=True)
class NotifyHighConsumption:
    accounts: AccountRepository
    notifier: Notifier
    notifications: NotificationLog
    events: PublishEvents

    def __call__(self, alert: HighConsumptionAlert) -> list[DomainEvent]:
        """The notifications recorded by this call (none when the trigger was handled before)."""
        recorded = []
        for summary in served_by(self.accounts.of_property(alert.property_id), alert.unit):
            event = self.notifier.event(
                notification_id(alert.trigger_id, summary.account_id),
                summary,
                alert.facts,
                alert.occurred_at,
                alert.correlation_id,
            )
            if self.notifications.record(event):
                recorded.append(event)
        if recorded:
            self.events.after_commit(recorded)
        return recorded


# --- read reminders -------------------------------------------------------------------------------


def start_of(day: date, recorder: Recorder) -> datetime:
    """Midnight of the municipality's ``day``, in UTC: the time of that day's reminders."""
    return datetime.combine(day, time(), tzinfo=recorder.time_zone).astimezone(UTC)


@dataclass(frozen=True)
class ScheduleReadReminders:
    cycles: CycleRepository
    queue: ReminderQueue
    recorder: Recorder
    days_ahead: int

    def __call__(self) -> list[RouteReminder]:
        """One task per route of each cycle whose period ends ``days_ahead`` days from today."""
        today = self.recorder.today()
        requested_at = start_of(today, self.recorder)
        tasks = [
            RouteReminder(cycle.cycle_id, period_end, route, requested_at)
            for cycle in self.cycles.all()
            if (period_end := read_reminder_due(cycle, today, self.days_ahead)) is not None
            for route in cycle.routes
        ]
        if tasks:
            self.queue.send(tasks)
        return tasks


@dataclass(frozen=True)
class RouteProgress:
    reminded: int
    continued_after: str | None  # the cursor re-enqueued when time ran short; None: done


def _batches(accounts: Iterator[AccountSummary]) -> Iterator[list[AccountSummary]]:
    while chunk := list(islice(accounts, PUT_EVENTS_BATCH)):
        yield chunk


@dataclass(frozen=True)
class RemindRoute:
    accounts: AccountRepository
    notifier: Notifier
    publisher: EventPublisher
    queue: ReminderQueue

    def __call__(self, task: RouteReminder, time_left: Callable[[], timedelta]) -> RouteProgress:
        """Remind the route's active accounts after ``task.after``, in id order. Before each
        batch after the first, a call short of time re-enqueues the rest of the route instead:
        every call makes progress, and the last batch never leaves an empty continuation."""
        due = (
            summary
            for summary in self.accounts.on_route(task.route)
            if (task.after is None or summary.account_id > task.after)
            and summary.status is AccountStatus.ACTIVE
        )
        reminded, last = 0, None
        for batch in _batches(due):
            if last is not None and time_left() < TIME_RESERVE:
                self.queue.send([replace(task, after=last)])
                return RouteProgress(reminded, last)
            events = [e for e in (self._reminder(task, s) for s in batch) if e is not None]
            self.publisher.publish(events)
            reminded += len(events)
            last = batch[-1].account_id
        return RouteProgress(reminded, None)

    def _reminder(self, task: RouteReminder, summary: AccountSummary) -> DomainEvent | None:
        facts = ReadScheduled(task.cycle_id, task.route, task.period_end)
        correlation = run_id_of(task.cycle_id, task.period_end)  # the period's billing run
        nid = notification_id(
            "read-scheduled", task.cycle_id, task.period_end.isoformat(), summary.account_id
        )
        try:
            return self.notifier.event(nid, summary, facts, task.requested_at, correlation)
        except NotFound:  # an account whose holder cannot be read must not hold up its route
            logger.warning(
                "no reminder: the account's holder was not found",
                extra={"account_id": summary.account_id},
            )
            return None
