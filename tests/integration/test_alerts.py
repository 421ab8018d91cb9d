"""functions/alerts against in-process moto: a real high read's HighConsumptionDetected, routed by a
rule to a queue like the template's, notifies each account of a shared meter in its language,
once; and the daily read reminders fan out per route, a long route continuing from its cursor."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D
from types import ModuleType

import boto3
import pytest

from civiq.accounts.adapters.dynamodb_accounts import DynamoAccountRepository
from civiq.accounts.adapters.dynamodb_properties import DynamoPropertyRepository
from civiq.accounts.domain.accounts import Account, HolderRole
from civiq.accounts.domain.customers import ContactDetails, ContactMethod, CustomerKind, Preferences
from civiq.accounts.domain.properties import MeterArrangement, MeterConfiguration, PropertyType
from civiq.accounts.services.customers import NewCustomer
from civiq.accounts.services.open_account import OpenAccountCommand
from civiq.accounts.services.properties import NewProperty
from civiq.billing.adapters.dynamodb import DynamoCycles
from civiq.billing.domain.cycles import CycleDefinition, Frequency
from civiq.core.audit import AuditEntry
from civiq.core.clock import SystemClock
from civiq.core.dates import local_today
from civiq.core.language import Language
from civiq.metering.adapters.dynamodb import DynamoMetering
from civiq.metering.domain.meters import MeterSize, MeterType
from civiq.metering.services.meters import InstallCommand, InstallMeter, MeterSpec
from civiq.metering.services.readings import ReadingCommand, RecordReading
from civiq.notices.schemas.events import NotificationRequestedV1
from infra.local.demo import load_direct, municipality
from tests.helpers.alerts import STREET, Timed, deliver, notified, queue_arn, requested, route_to
from tests.helpers.emulator import BUS, LEDGER_TABLE, REGION, TABLE
from tests.helpers.files import load_event
from tests.helpers.handlers import load_handler
from tests.helpers.workflows import CLERK, events, open_account, recorder

SHARED = MeterConfiguration(MeterArrangement.SHARED, {"1": D("0.6"), "2": D("0.4")})


@dataclass(frozen=True)
class Queues:
    high_consumption: str
    high_consumption_dead: str
    reminders: str
    notifications: str  # every NotificationRequested the bus delivers, for the test to read


@pytest.fixture
def queues(aws: None, monkeypatch: pytest.MonkeyPatch) -> Queues:
    """The template's rule and queues (the dead-letter queue after one receive, not five)."""
    dead, dead_arn = queue_arn("high-consumption-dlq")
    redrive = json.dumps({"deadLetterTargetArn": dead_arn, "maxReceiveCount": 1})
    high, high_arn = queue_arn("high-consumption", RedrivePolicy=redrive, VisibilityTimeout="0")
    route_to("HighConsumptionDetected", high_arn)
    reminders, _ = queue_arn("read-reminders", VisibilityTimeout="0")
    notifications, notifications_arn = queue_arn("notifications")
    route_to("NotificationRequested", notifications_arn)
    for name, value in {
        "TABLE_NAME": TABLE,
        "LEDGER_TABLE_NAME": LEDGER_TABLE,
        "EVENT_BUS_NAME": BUS,
        "MUNICIPALITY_NAME": "Ville de Pointe-aux-Érables",
        "READ_REMINDER_QUEUE_URL": reminders,
        "READ_REMINDER_DAYS": "3",
    }.items():
        monkeypatch.setenv(name, value)
    return Queues(high, dead, reminders, notifications)


@pytest.fixture
def alerts(queues: Queues) -> ModuleType:
    return load_handler("alerts")


def customer(name: str, language: Language, method: ContactMethod) -> NewCustomer:
    """Email to ``<first name>@example.ca`` when email is the preference; else none."""
    email = f"{name.split()[0].lower()}@example.ca" if method is ContactMethod.EMAIL else None
    return NewCustomer(
        CustomerKind.PERSON, name, Preferences(language, method), ContactDetails(email=email)
    )


# --- high consumption -----------------------------------------------------------------------------


def shared_meter_duplex() -> tuple[Account, Account]:
    """A French owner in unit 1 (email) and an English tenant in unit 2 (mail) share a meter,
    whose reads of March and May are the history a July read is judged against."""
    owner = open_account(
        OpenAccountCommand(
            customer=customer("Elise Tremblay", Language.FR, ContactMethod.EMAIL),
            property=NewProperty(
                STREET, PropertyType.MULTI_RESIDENTIAL, units=("1", "2"), meters=SHARED
            ),
            unit="1",
        )
    )
    tenant = open_account(
        OpenAccountCommand(
            customer=customer("Tom Tenant", Language.EN, ContactMethod.MAIL),
            property=owner.property_id,
            holder_role=HolderRole.TENANT,
            unit="2",
        )
    )
    metering = DynamoMetering()
    install = InstallMeter(metering, DynamoPropertyRepository(), metering, recorder())
    spec = MeterSpec("SN-SHARED-1", MeterSize.MM25, MeterType.DISPLACEMENT)
    meter = install(
        InstallCommand(owner.property_id, None, date(2026, 1, 1), spec, D(0)), CLERK, "s"
    )[0]
    record = RecordReading(metering, metering, metering, events(), recorder())
    for on, value in (("2026-03-02", "60"), ("2026-05-01", "120"), ("2026-07-01", "600")):
        record(ReadingCommand(meter.meter_id, date.fromisoformat(on), D(value)), CLERK, "reads")
    return owner, tenant


def test_a_leak_on_a_shared_meter_notifies_each_units_account_in_its_language_once(
    alerts: ModuleType, queues: Queues
) -> None:
    owner, tenant = shared_meter_duplex()
    sqs = boto3.client("sqs", region_name=REGION)
    poison = load_event("sqs/high_consumption_with_poison.json")["Records"][1]["body"]
    sqs.send_message(QueueUrl=queues.high_consumption, MessageBody=poison)
    notified()  # what opening the accounts announced is not under test

    result = deliver(alerts.high_consumption, queues.high_consumption)

    assert len(result["batchItemFailures"]) == 1  # the poison fails alone
    by_account = {n["account_id"]: n for n in notified()}
    assert by_account.keys() == {owner.account_id, tenant.account_id}
    french, english = by_account[owner.account_id], by_account[tenant.account_id]
    assert (french["language"], french["recipient"]["channel"]) == ("fr", "email")
    assert french["recipient"]["email"] == "elise@example.ca"
    assert french["message"]["subject"] == "Consommation d\u2019eau élevée\u00a0: fuite possible"
    assert "a été relevé le 1er juillet 2026" in french["message"]["body"]
    assert french["message"]["body"].endswith("Ville de Pointe-aux-Érables")
    assert (english["language"], english["recipient"]["channel"]) == ("en", "mail")
    assert english["recipient"]["postal_address"] == {
        "street": "12 Rue Principale",
        "unit": "2",
        "city": "Gatineau",
        "province": "QC",
        "postal_code": "J8X 1A1",
    }
    assert "was read on July 1, 2026" in english["message"]["body"]
    assert english["facts"] == french["facts"]
    assert english["facts"]["volume"] == "480.000" and english["facts"]["days"] == 61
    for account in (owner, tenant):  # in the account's history, with the same id
        assert requested(account) == [by_account[account.account_id]["notification_id"]]

    # The poison was received once: it is now in the dead-letter queue, and only there.
    assert "Messages" not in sqs.receive_message(QueueUrl=queues.high_consumption)
    dead = sqs.receive_message(QueueUrl=queues.high_consumption_dead)["Messages"]
    assert [m["Body"] for m in dead] == [poison]


def test_a_redelivered_detection_publishes_nothing_new(alerts: ModuleType, queues: Queues) -> None:
    owner, tenant = shared_meter_duplex()
    sqs = boto3.client("sqs", region_name=REGION)
    [message] = sqs.receive_message(QueueUrl=queues.high_consumption)["Messages"]
    record = load_event("sqs/high_consumption_with_poison.json")["Records"][0] | {
        "body": message["Body"]
    }
    notified()

    assert alerts.high_consumption({"Records": [record]}, Timed()) == {"batchItemFailures": []}
    first = {n["account_id"]: n["notification_id"] for n in notified()}
    assert alerts.high_consumption({"Records": [record]}, Timed()) == {"batchItemFailures": []}

    assert first.keys() == {owner.account_id, tenant.account_id}
    assert notified() == []
    for account in (owner, tenant):
        assert requested(account) == [first[account.account_id]]


def test_the_sample_batch_reports_its_poison_record(alerts: ModuleType) -> None:
    """The sample's detection is for a property without accounts: nothing to notify."""
    batch = load_event("sqs/high_consumption_with_poison.json")
    assert alerts.high_consumption(batch, Timed()) == {
        "batchItemFailures": [{"itemIdentifier": "5c2e7a10-0002"}]
    }
    assert notified() == []


# --- read reminders -------------------------------------------------------------------------------

ROUTES = ("1", "2", "3")  # the demo town's routes
PER_INVOCATION = 110  # accounts each test invocation reminds (see remind_until_done)


def town(accounts: int) -> dict[str, list[str]]:
    """The demo town (all accounts active, languages and contact methods mixed), written
    directly (no API: a few seconds for hundreds of accounts): each route's account ids."""
    load_direct(municipality(accounts=accounts))
    repository = DynamoAccountRepository()
    return {route: sorted(a.account_id for a in repository.on_route(route)) for route in ROUTES}


def define_cycle_due_in_three_days() -> date:
    """A monthly cycle of the town's routes whose period ends three days from today."""
    period_end = local_today(SystemClock()) + timedelta(days=3)
    cycle = CycleDefinition(
        "residential-a", "Residential A", Frequency.MONTHLY, ROUTES, "water", period_end
    )
    entry = AuditEntry(
        "C1", "CYCLE#residential-a", "CycleDefined", "s", "s", datetime.now(UTC), "c", {}
    )
    DynamoCycles().save(None, cycle, entry)
    return period_end


def remind_until_done(alerts: ModuleType, url: str) -> list[tuple[str, str | None]]:
    """Lambda's poller with BatchSize 1, until the queue is empty: the (route, cursor) of each
    task delivered. Each invocation has a minute and each look at the clock costs 4 s, so it
    reminds 11 batches (the first, then 10 looks above the 20 s reserve) and re-enqueues the
    rest of its route."""
    sqs = boto3.client("sqs", region_name=REGION)
    template = load_event("sqs/read_reminder_route.json")["Records"][0]
    tasks = []
    while messages := sqs.receive_message(QueueUrl=url).get("Messages", []):
        [message] = messages
        record = template | {"messageId": message["MessageId"], "body": message["Body"]}
        result = alerts.remind_route({"Records": [record]}, Timed(60_000, 4_000))
        assert result == {"batchItemFailures": []}
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        task = json.loads(message["Body"])
        tasks.append((task["route"], task["after"]))
    return tasks


def test_reminders_fan_out_per_route_and_long_routes_continue_from_their_cursor(
    alerts: ModuleType, queues: Queues
) -> None:
    routes = town(360)
    period_end = define_cycle_due_in_three_days()

    queued = alerts.schedule_reminders({"detail-type": "Scheduled Event"}, Timed())
    tasks = remind_until_done(alerts, queues.reminders)
    reminders = notified()

    assert queued == {"routes": [f"residential-a/{period_end}/{route}" for route in ROUTES]}
    continued = [
        (route, ids[end - 1])
        for route, ids in routes.items()
        for end in range(PER_INVOCATION, len(ids), PER_INVOCATION)
    ]
    assert continued  # the town's routes are longer than one invocation reminds
    assert sorted(tasks, key=str) == sorted([(r, None) for r in ROUTES] + continued, key=str)
    reminded = sorted(r["account_id"] for r in reminders)
    assert reminded == sorted(a for ids in routes.values() for a in ids)  # each once, none skipped
    assert {(r["kind"], r["facts"]["read_on"]) for r in reminders} == {
        ("read-scheduled", period_end.isoformat())
    }
    assert {r["language"] for r in reminders} == {"en", "fr"}
    assert {r["recipient"]["channel"] for r in reminders} == {"email", "sms", "mail"}
    for reminder in reminders:
        NotificationRequestedV1.model_validate(reminder)
    # how many reminders a second this reaches is a figure of bench/read_reminders.py


def test_a_second_run_of_the_day_publishes_the_same_reminders(
    alerts: ModuleType, queues: Queues
) -> None:
    """The scheduler retried, or a task redelivered: the same ids, times and messages again,
    which the notification channel de-duplicates."""
    routes = town(12)
    define_cycle_due_in_three_days()
    runs = []
    for _ in range(2):
        alerts.schedule_reminders({}, Timed())
        remind_until_done(alerts, queues.reminders)
        runs.append(sorted(json.dumps(r, sort_keys=True) for r in notified()))

    assert runs[0] == runs[1]
    assert len(runs[0]) == sum(map(len, routes.values()))
