"""Alerts: channel choice, wording in both languages, reminder dates, idempotent notifications,
and the read-reminder fan-out paging through a route with a cursor (in-memory fakes)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civiq.accounts.adapters.memory import InMemoryCustomers, InMemoryStore
from civiq.accounts.domain.account_numbers import AccountNumberScheme
from civiq.accounts.domain.accounts import Account, AccountStatus, HolderRole, ServiceType
from civiq.accounts.domain.customers import ContactMethod
from civiq.accounts.ports import AccountSummary, Change
from civiq.accounts.services.open_account import OpenAccount
from civiq.accounts.services.recording import Recorder
from civiq.billing.domain.cycles import CycleDefinition, Frequency
from civiq.core.addresses import Address
from civiq.core.events import DomainEvent
from civiq.core.fakes import RecordingPublisher
from civiq.core.language import Language
from civiq.core.publishing import PublishEvents
from civiq.event_catalog import checked_envelope, payload_of
from civiq.notices.adapters.memory import InMemoryNotificationLog, RecordingReminderQueue
from civiq.notices.adapters.wording import CatalogWording
from civiq.notices.domain.alerts import (
    HighConsumption,
    Notification,
    NotificationKind,
    ReadScheduled,
    Recipient,
    RouteReminder,
    needs_service_address,
    next_period_end,
    read_reminder_due,
    recipient_for,
)
from civiq.notices.schemas.events import NotificationRequestedV1
from civiq.notices.services.alerts import (
    PUT_EVENTS_BATCH,
    TIME_RESERVE,
    HighConsumptionAlert,
    Notifier,
    NotifyHighConsumption,
    RemindRoute,
    ScheduleReadReminders,
    notification_id,
    served_by,
    start_of,
)
from civiq.platform.catalogs import NBSP, Catalogs, default_templates_dir
from tests.helpers.builders import (
    CLERK,
    NOW,
    TODAY,
    address,
    command,
    new_customer,
    new_property,
    services,
    shared_meters,
)
from tests.helpers.files import load_event

EN, FR = Language.EN, Language.FR
APOSTROPHE = "\u2019"  # French text uses the typographic apostrophe
LEAK = HighConsumption(
    "M1", date(2026, 11, 25), date(2026, 8, 25), D("180.000"), D("1.957"), D("0.500")
)
MAILING = address(street="PO Box 42", city="Gatineau", province="QC", postal_code="J8X 1A1")


@pytest.fixture
def wording() -> CatalogWording:
    return CatalogWording(Catalogs(default_templates_dir()), "Town of Example")


@pytest.fixture
def notifier(
    store: InMemoryStore, customers: InMemoryCustomers, wording: CatalogWording
) -> Notifier:
    return Notifier(store, customers, wording, AccountNumberScheme())


def cycle(first_period_end: date, frequency: Frequency = Frequency.MONTHLY) -> CycleDefinition:
    return CycleDefinition(
        "res-a", "Residential A", frequency, ("1", "2"), "water", first_period_end
    )


# --- channel choice -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "mailing", "channel", "where"),
    [
        (ContactMethod.EMAIL, None, ContactMethod.EMAIL, ("email", "elise@example.ca")),
        (ContactMethod.SMS, None, ContactMethod.SMS, ("phone", "+16135550100")),
        (ContactMethod.MAIL, MAILING, ContactMethod.MAIL, ("postal_address", MAILING)),
        (ContactMethod.MAIL, None, ContactMethod.MAIL, ("postal_address", address(unit="2"))),
    ],
    ids=["email", "sms", "mail-to-mailing-address", "mail-to-service-address"],
)
def test_the_channel_is_the_customers_preference_with_only_its_address(
    method: ContactMethod,
    mailing: Address | None,
    channel: ContactMethod,
    where: tuple[str, object],
) -> None:
    customer = new_customer(contact_method=method, mailing_address=mailing).build("C1", NOW)
    service_address = address(unit="2") if needs_service_address(customer) else None

    recipient = recipient_for(customer, service_address)

    assert (recipient.channel, recipient.name, recipient.language) == (
        channel,
        "Élise Tremblay",
        FR,
    )
    field, value = where
    addresses = {
        "email": recipient.email,
        "phone": recipient.phone,
        "postal_address": recipient.postal_address,
    }
    assert addresses == {name: value if name == field else None for name in addresses}


def test_mail_without_a_mailing_address_needs_the_service_address() -> None:
    customer = new_customer(contact_method=ContactMethod.MAIL).build("C1", NOW)
    assert needs_service_address(customer)
    with pytest.raises(ValueError, match="service address"):
        recipient_for(customer, None)


# --- wording --------------------------------------------------------------------------------------


def notification(language: Language, facts: HighConsumption | ReadScheduled = LEAK) -> Notification:
    customer = new_customer("Élise Tremblay", language=language, contact_method=ContactMethod.EMAIL)
    recipient = recipient_for(customer.build("C1", NOW), None)
    return Notification(
        "N1", "A1", "UB00000026", "2-12 Rue Principale, Gatineau QC J8X 1A1", recipient, facts
    )


def worded(
    wording: CatalogWording, language: Language, facts: HighConsumption | ReadScheduled = LEAK
) -> tuple[str, str]:
    said = notification(language, facts)
    message = wording.word(said.kind, said.language, said.arguments(AccountNumberScheme()))
    return message.subject, message.body


def test_a_possible_leak_is_worded_in_english(wording: CatalogWording) -> None:
    subject, body = worded(wording, EN)
    assert subject == "High water use: possible leak"
    assert body.startswith(
        "Hello Élise Tremblay,\n\nThe water meter at 2-12 Rue Principale, Gatineau QC J8X 1A1"
        " (account UB-0000002-6) was read on November 25, 2026."
    )
    assert (
        f"180{NBSP}m³ since August 25, 2026, or 1.957{NBSP}m³ a day,"
        f" compared with your usual 0.5{NBSP}m³ a day." in body
    )
    assert "contact Utility Billing Services" in body
    assert body.endswith("\n\nTown of Example")


def test_a_possible_leak_is_worded_in_french(wording: CatalogWording) -> None:
    subject, body = worded(wording, FR)
    assert subject == f"Consommation d{APOSTROPHE}eau élevée{NBSP}: fuite possible"
    assert "(compte UB-0000002-6) a été relevé le 25 novembre 2026." in body
    assert f"180{NBSP}m³ depuis le 25 août 2026, soit 1,957{NBSP}m³ par jour" in body
    assert f"habituelle est de 0,5{NBSP}m³ par jour." in body
    assert "communiquez avec le Service de la facturation des services publics" in body
    assert body.startswith("Bonjour Élise Tremblay,\n\n")


@pytest.mark.parametrize(
    ("language", "subject", "said"),
    [
        (
            EN,
            "Your water meter will be read around December 1, 2026",
            "around December 1, 2026.\n\n",
        ),
        (
            FR,
            f"Relevé de votre compteur d{APOSTROPHE}eau vers le 1er décembre 2026",
            "vers le 1er décembre 2026.\n\n",
        ),
    ],
)
def test_a_read_reminder_is_worded_in_the_customers_language(
    wording: CatalogWording, language: Language, subject: str, said: str
) -> None:
    worded_subject, body = worded(wording, language, ReadScheduled("res-a", "1", date(2026, 12, 1)))
    assert worded_subject == subject
    assert said in body
    assert "{" not in body and "}" not in body


def test_large_volumes_are_grouped_as_each_language_groups_them(wording: CatalogWording) -> None:
    big = replace(LEAK, volume=D("12345.600"))
    assert f"12,345.6{NBSP}m³" in worded(wording, EN, big)[1]
    assert f"12{NBSP}345,6{NBSP}m³" in worded(wording, FR, big)[1]


def test_the_payload_is_a_valid_notification_requested(wording: CatalogWording) -> None:
    said = notification(FR)
    message = wording.word(said.kind, said.language, said.arguments(AccountNumberScheme()))
    payload = NotificationRequestedV1.model_validate(said.payload(message))
    assert payload.kind is NotificationKind.HIGH_CONSUMPTION
    assert payload.recipient.email == "elise@example.ca"
    assert payload.facts.model_dump(mode="json") == {
        "meter_id": "M1",
        "read_on": "2026-11-25",
        "previous_read_on": "2026-08-25",
        "days": 92,
        "volume": "180.000",
        "daily_use": "1.957",
        "usual_daily_use": "0.500",
    }


def test_the_schema_refuses_facts_of_another_kind_and_a_channel_without_its_address(
    wording: CatalogWording,
) -> None:
    said = notification(EN)
    payload = said.payload(wording.word(said.kind, EN, said.arguments(AccountNumberScheme())))
    with pytest.raises(ValueError, match="carries HighConsumptionFactsV1"):
        NotificationRequestedV1.model_validate(
            {**payload, "facts": {"cycle_id": "c", "route": "1", "read_on": "2026-12-01"}}
        )
    with pytest.raises(ValueError, match="email notification needs its address"):
        NotificationRequestedV1.model_validate(
            {**payload, "recipient": {**payload["recipient"], "email": None}}
        )


def test_the_sample_event_is_what_the_code_emits(wording: CatalogWording) -> None:
    """events/eventbridge/notification_requested.json: the leak of the HighConsumptionDetected
    sample, to a French holder by mail at the service address."""
    data = load_event("eventbridge/notification_requested.json")["detail"]["data"]
    trigger = load_event("eventbridge/high_consumption_detected.json")["detail"]
    recipient, facts = data["recipient"], data["facts"]
    said = Notification(
        notification_id(trigger["event_id"], data["account_id"]),
        data["account_id"],
        data["account_number"],
        data["service_address"],
        Recipient(
            recipient["customer_id"],
            recipient["name"],
            FR,
            ContactMethod.MAIL,
            postal_address=Address(**recipient["postal_address"]),
        ),
        HighConsumption(
            trigger["data"]["meter_id"],
            date.fromisoformat(trigger["data"]["read_on"]),
            date.fromisoformat(trigger["data"]["previous_read_on"]),
            D(trigger["data"]["volume"]),
            D(trigger["data"]["daily_use"]),
            D(trigger["data"]["usual_daily_use"]),
        ),
    )
    message = wording.word(said.kind, said.language, said.arguments(AccountNumberScheme()))
    assert said.payload(message) == data
    assert facts["days"] == 92


# --- reminder dates -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first_period_end", "frequency", "today", "due"),
    [
        (date(2026, 1, 31), Frequency.MONTHLY, date(2027, 2, 25), date(2027, 2, 28)),  # month end
        (date(2026, 1, 31), Frequency.MONTHLY, date(2027, 2, 26), None),
        (date(2026, 1, 31), Frequency.MONTHLY, date(2028, 2, 26), date(2028, 2, 29)),  # leap year
        (date(2026, 1, 31), Frequency.MONTHLY, date(2026, 4, 27), date(2026, 4, 30)),
        (date(2026, 1, 30), Frequency.MONTHLY, date(2027, 2, 25), date(2027, 2, 28)),  # clamped
        (date(2026, 1, 30), Frequency.MONTHLY, date(2027, 3, 27), date(2027, 3, 30)),
        (date(2026, 1, 2), Frequency.MONTHLY, date(2026, 12, 30), date(2027, 1, 2)),  # year end
        (date(2026, 3, 31), Frequency.QUARTERLY, date(2026, 6, 27), date(2026, 6, 30)),
        (date(2026, 3, 31), Frequency.QUARTERLY, date(2026, 7, 28), None),  # not a period end
        (date(2026, 12, 31), Frequency.MONTHLY, date(2026, 11, 27), None),  # before the first
        (date(2026, 12, 31), Frequency.MONTHLY, date(2026, 12, 28), date(2026, 12, 31)),
    ],
)
def test_a_reminder_is_due_days_before_a_period_end(
    first_period_end: date, frequency: Frequency, today: date, due: date | None
) -> None:
    assert read_reminder_due(cycle(first_period_end, frequency), today, 3) == due


@given(
    first=st.dates(date(2024, 1, 1), date(2030, 12, 31)),
    frequency=st.sampled_from(Frequency),
    day=st.dates(date(2023, 1, 1), date(2035, 12, 31)),
)
def test_the_next_period_end_is_the_first_one_on_or_after_the_day(
    first: date, frequency: Frequency, day: date
) -> None:
    defined = cycle(first, frequency)
    found = next_period_end(defined, day)
    defined.check_period_end(found)
    assert found >= day and found >= first
    if found != first:
        assert defined.period_start(found) < day  # the period end before it is too early


def test_the_scheduler_queues_each_route_of_each_due_cycle(recorder: Recorder) -> None:
    # FixedClock: 2026-11-26 14:00 UTC, so today is November 26 in Toronto
    due = cycle(date(2026, 1, 29))  # ends November 29: 3 days away
    later = replace(cycle(date(2026, 1, 30)), cycle_id="res-b")

    class Cycles:
        def all(self) -> list[CycleDefinition]:
            return [due, later]

    queue = RecordingReminderQueue()
    tasks = ScheduleReadReminders(Cycles(), queue, recorder, days_ahead=3)()  # type: ignore[arg-type]

    midnight = datetime(2026, 11, 26, 5, 0, tzinfo=UTC)  # 00:00 EST
    assert (
        tasks
        == queue.sent
        == [
            RouteReminder("res-a", date(2026, 11, 29), "1", midnight),
            RouteReminder("res-a", date(2026, 11, 29), "2", midnight),
        ]
    )
    assert start_of(date(2026, 7, 1), recorder) == datetime(2026, 7, 1, 4, 0, tzinfo=UTC)  # EDT


# --- high consumption: who is notified, once ------------------------------------------------------


def summary(account_id: str, unit: str | None, status: AccountStatus) -> AccountSummary:
    return AccountSummary(
        account_id, "UB00000018", "P1", unit, "C1", "N", HolderRole.OWNER, "a", status, (), False
    )


def test_a_unit_meter_serves_its_unit_and_a_whole_property_meter_every_open_account() -> None:
    accounts = [
        summary("A3", "2", AccountStatus.ACTIVE),
        summary("A1", "1", AccountStatus.ACTIVE),
        summary("A2", "1", AccountStatus.FINAL_BILLED),
        summary("A4", "2", AccountStatus.PENDING),
        summary("A5", "3", AccountStatus.CLOSED),
    ]
    assert [a.account_id for a in served_by(accounts, "1")] == ["A1"]
    assert [a.account_id for a in served_by(accounts, "2")] == ["A3", "A4"]
    assert [a.account_id for a in served_by(accounts, None)] == ["A1", "A3", "A4"]


def duplex(open_account: OpenAccount) -> tuple[Account, Account]:
    """A shared-meter duplex: a French owner in unit 1 (email), an English tenant in unit 2
    (mail to the service address)."""
    owner = open_account(
        command(
            new_customer("Élise Tremblay", contact_method=ContactMethod.EMAIL),
            new_property(units=("1", "2"), meters=shared_meters(**{"1": "0.6", "2": "0.4"})),
            unit="1",
        ),
        CLERK,
        "setup",
    )
    tenant = open_account(
        command(
            new_customer("Tom Tenant", language=EN, email=None, phone=None),
            owner.property_id,
            unit="2",
            holder_role=HolderRole.TENANT,
        ),
        CLERK,
        "setup",
    )
    return owner, tenant


def test_a_leak_on_a_shared_meter_notifies_every_unit_once_in_its_language(
    open_account: OpenAccount,
    store: InMemoryStore,
    notifier: Notifier,
    events: PublishEvents,
    publisher: RecordingPublisher,
) -> None:
    owner, tenant = duplex(open_account)
    publisher.published.clear()
    notify = NotifyHighConsumption(store, notifier, InMemoryNotificationLog(store), events)
    alert = HighConsumptionAlert(
        "EV-HIGH-1", datetime(2026, 11, 26, 14, tzinfo=UTC), "corr-1", owner.property_id, None, LEAK
    )

    first = notify(alert)

    payloads = {e.detail["account_id"]: e.detail for e in first}
    assert payloads.keys() == {owner.account_id, tenant.account_id}
    assert payloads[owner.account_id]["language"] == "fr"
    assert payloads[owner.account_id]["recipient"]["channel"] == "email"
    assert payloads[tenant.account_id]["language"] == "en"
    assert payloads[tenant.account_id]["recipient"]["postal_address"]["unit"] == "2"
    assert payloads[tenant.account_id]["message"]["subject"] == "High water use: possible leak"
    assert [e.event_id for e in publisher.published] == [e.event_id for e in first]
    for event in first:
        assert payload_of(checked_envelope(event))  # valid against the schema
        assert store.history[event.event_id].subject_id == f"ACCOUNT#{event.detail['account_id']}"
        assert event.occurred_at == alert.occurred_at and event.correlation_id == "corr-1"

    assert notify(alert) == []  # a redelivered trigger
    assert len(publisher.published) == 2
    again = NotifyHighConsumption(store, notifier, InMemoryNotificationLog(InMemoryStore()), events)
    assert [e.event_id for e in again(alert)] == [e.event_id for e in first]  # the same ids


def test_ids_derive_from_the_trigger_and_the_account() -> None:
    assert notification_id("EV1", "A1") == notification_id("EV1", "A1")
    assert (
        len(
            {
                notification_id("EV1", "A1"),
                notification_id("EV1", "A2"),
                notification_id("EV2", "A1"),
            }
        )
        == 3
    )
    assert len(notification_id("EV1", "A1")) == 26


# --- read reminders: the fan-out pages through a route with a cursor ------------------------------


@pytest.fixture
def route_of_25(
    open_account: OpenAccount, store: InMemoryStore, publisher: RecordingPublisher
) -> list[str]:
    """25 active accounts on route 1, plus one pending and one final-billed: the active ids."""
    languages = [EN, FR]
    for n in range(27):
        starts = TODAY + timedelta(days=30) if n == 25 else TODAY
        open_account(
            command(
                new_customer(f"Resident {n}", language=languages[n % 2]),
                new_property(address_=address(street=f"{n + 1} Main St")),
                services=services(ServiceType.WATER, start=starts),
            ),
            CLERK,
            "setup",
        )
    moved = next(a for a in store.accounts() if a.holder.name == "Resident 26")
    store.commit(Change("move", revised=[(moved, moved.moved_out(TODAY))]))
    publisher.published.clear()
    return sorted(a.account_id for a in store.accounts() if a.status is AccountStatus.ACTIVE)


class CountingPublisher(RecordingPublisher):
    """Records each PutEvents-sized call."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[int] = []

    def publish(self, events: Sequence[DomainEvent]) -> None:
        self.calls.append(len(events))
        super().publish(events)


TASK = RouteReminder("res-a", date(2026, 11, 29), "1", datetime(2026, 11, 26, 5, tzinfo=UTC))


def plenty() -> timedelta:
    return timedelta(minutes=10)


def test_a_route_is_reminded_in_batches_of_ten(
    route_of_25: list[str], store: InMemoryStore, notifier: Notifier
) -> None:
    publisher, queue = CountingPublisher(), RecordingReminderQueue()
    progress = RemindRoute(store, notifier, publisher, queue)(TASK, plenty)

    assert (progress.reminded, progress.continued_after, queue.sent) == (25, None, [])
    assert publisher.calls == [10, 10, 5]
    assert sorted(e.detail["account_id"] for e in publisher.published) == route_of_25
    kinds = {
        (e.detail["kind"], e.detail["facts"]["read_on"], e.occurred_at) for e in publisher.published
    }
    assert kinds == {("read-scheduled", "2026-11-29", TASK.requested_at)}
    assert {e.detail["language"] for e in publisher.published} == {"en", "fr"}


def test_a_route_that_runs_short_of_time_continues_from_its_cursor(
    route_of_25: list[str], store: InMemoryStore, notifier: Notifier
) -> None:
    """Each call publishes one batch before its budget runs out; the continuation picks up after
    the last account reminded, until the route is done: every account once, none skipped."""
    publisher, queue = CountingPublisher(), RecordingReminderQueue()
    remind = RemindRoute(store, notifier, publisher, queue)

    def short() -> timedelta:
        return TIME_RESERVE - timedelta(seconds=1)

    task, cursors = TASK, []
    while True:
        progress = remind(task, short)
        if progress.continued_after is None:
            break
        cursors.append(progress.continued_after)
        assert queue.sent[-1] == replace(TASK, after=progress.continued_after)
        task = queue.sent[-1]

    assert cursors == [route_of_25[9], route_of_25[19]]
    assert [e.detail["account_id"] for e in publisher.published] == route_of_25
    assert publisher.calls == [PUT_EVENTS_BATCH, PUT_EVENTS_BATCH, 5]


def test_a_repeated_route_publishes_the_same_reminders(
    route_of_25: list[str], store: InMemoryStore, notifier: Notifier
) -> None:
    first, second, next_period = CountingPublisher(), CountingPublisher(), CountingPublisher()
    RemindRoute(store, notifier, first, RecordingReminderQueue())(TASK, plenty)
    RemindRoute(store, notifier, second, RecordingReminderQueue())(TASK, plenty)
    later = replace(TASK, period_end=date(2026, 12, 29))
    RemindRoute(store, notifier, next_period, RecordingReminderQueue())(later, plenty)

    assert first.published == second.published  # ids, times and messages
    assert not {e.event_id for e in next_period.published} & {e.event_id for e in first.published}


def test_an_account_whose_holder_is_missing_does_not_hold_up_its_route(
    route_of_25: list[str], store: InMemoryStore, notifier: Notifier
) -> None:
    lost = store.get(route_of_25[3]).holder.customer_id
    del store.entities[f"CUSTOMER#{lost}"]
    publisher = CountingPublisher()

    progress = RemindRoute(store, notifier, publisher, RecordingReminderQueue())(TASK, plenty)

    reminded = [e.detail["account_id"] for e in publisher.published]
    assert (progress.reminded, reminded) == (24, route_of_25[:3] + route_of_25[4:])
