"""Rate-change simulations end to end against in-process moto: asked for through the API
(supervisors, an Idempotency-Key), queued on SQS, run by functions/rate_simulation over the
accounts the schedule bills, the report on the job and the exports (CSV, XLSX, PDF en/fr) in the
documents bucket, fetched through presigned links; a run that fails is a visible failed job."""

from __future__ import annotations

import csv
import io
import json
import os
from datetime import date, datetime
from decimal import Decimal as D
from types import ModuleType
from typing import Any
from urllib.parse import urlparse

import boto3
import pytest
import requests
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from chalice.test import Client
from pypdf import PdfReader

from civiq.accounts.adapters.dynamodb_properties import DynamoPropertyRepository
from civiq.billing.adapters.dynamodb import DynamoStatements
from civiq.billing.adapters.dynamodb_simulations import DynamoRateSimulations
from civiq.billing.adapters.simulation_queue import SqsSimulationQueue
from civiq.billing.schemas.simulations import SimulationReportOut
from civiq.billing.services.simulation import SimulateRateChange
from civiq.core.audit import AuditEntry
from civiq.core.dates import MUNICIPAL_TIME_ZONE
from civiq.core.staff import Role
from civiq.metering.domain.meters import MeterSize
from civiq.rates.adapters.dynamodb import RateScheduleItem
from civiq.rates.domain.charges import ChargeType
from civiq.rates.domain.rates import (
    Block,
    FixedCharge,
    RateVersion,
    SewerCharge,
    VolumetricRate,
)
from civiq.rates.domain.rating import RatingInput, rate
from civiq.rates.schemas.rates import RateVersionSpec
from tests.helpers.api import API, call, ok
from tests.helpers.emulator import REGION
from tests.helpers.files import load_event
from tests.helpers.handlers import Context, load_handler
from tests.helpers.statement_builders import issue_with_ledger, meter_read, statement
from tests.helpers.workflows import FLAT, define_cycle, metered_account

SIMULATIONS = f"{API}/rate-simulations"
SUP = Role.SUPERVISOR
PERIOD = (date(2026, 8, 31), date(2026, 10, 31))  # from the read of 31 August: 61 days
# The draft: the fixed charge up to 438.00 a year, water up to 2.5000 a m3, sewer unchanged;
# sent as the rates API takes a version.
DRAFT = RateVersionSpec.of(
    RateVersion(
        date(2027, 1, 1),
        None,
        (
            FixedCharge(ChargeType.WATER, {MeterSize.MM15: D("438.00")}),
            VolumetricRate(ChargeType.WATER, (Block(None, D("2.5000")),)),
            SewerCharge(percent=D("50")),
        ),
    )
).model_dump(mode="json", exclude_none=True)


@pytest.fixture
def queues(aws: None, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    """The simulation queue and its dead-letter queue, redriven after one receive."""
    sqs = boto3.client("sqs", region_name=REGION)
    dead = sqs.create_queue(QueueName="rate-simulations-dlq")["QueueUrl"]
    dead_arn = sqs.get_queue_attributes(QueueUrl=dead, AttributeNames=["QueueArn"])
    policy = {"deadLetterTargetArn": dead_arn["Attributes"]["QueueArn"], "maxReceiveCount": 1}
    queue = sqs.create_queue(
        QueueName="rate-simulations",
        Attributes={"RedrivePolicy": json.dumps(policy), "VisibilityTimeout": "0"},
    )["QueueUrl"]
    monkeypatch.setenv("RATE_SIMULATION_QUEUE_URL", queue)
    monkeypatch.setenv("MUNICIPALITY_NAME", "Ville de Pointe-aux-Érables")
    return queue, dead


@pytest.fixture
def worker(queues: tuple[str, str]) -> ModuleType:
    return load_handler("rate_simulation")


def billed_house(name: str, street: str, volume: str, route: str = "1") -> str:
    """A house on ``route`` billed once for ``PERIOD``, as the cycle rated it."""
    account, _ = metered_account(name, street, route)
    bill = rate(
        FLAT,
        RatingInput(
            period_start=PERIOD[0],
            period_end=PERIOD[1],
            volume=D(volume),
            meter_size=MeterSize.MM15,
            property_type=DynamoPropertyRepository().get(account.property_id).property_type,
            services=frozenset(s.service_type for s in account.services),
        ),
    )
    issued = statement(
        account_id=account.account_id,
        account_number=account.account_number,
        statement_id=f"{account.account_number}-20261031",
        bill=bill,
        reads=[meter_read(volume=D(volume), previous_on=PERIOD[0], current_on=PERIOD[1])],
        usage_history=[],
    )
    now = datetime.now(MUNICIPAL_TIME_ZONE)
    entry = AuditEntry(issued.statement_id, "x", "T", "s", "s", now, "c", {})
    assert issue_with_ledger(DynamoStatements(), issued, entry)
    return account.account_id


def deliver(worker: ModuleType, queue_url: str) -> dict[str, Any]:
    """What Lambda's SQS poller does: receive, invoke, delete what succeeded."""
    sqs = boto3.client("sqs", region_name=REGION)
    messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
    template = load_event("sqs/report_exports_with_poison.json")["Records"][0]
    records = [template | {"messageId": m["MessageId"], "body": m["Body"]} for m in messages]
    try:
        result: dict[str, Any] = worker.handler({"Records": records}, Context())
    except BatchProcessingError:  # every record failed: none is deleted
        result = {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in records]}
    failed = {f["itemIdentifier"] for f in result["batchItemFailures"]}
    for message in messages:
        if message["MessageId"] not in failed:
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return result


def download(client: Client, simulation_id: str, query: str) -> bytes:
    link = ok(call(client, "GET", f"{SIMULATIONS}/{simulation_id}/export?{query}", role=SUP))
    assert link["expires_in"] == 300
    assert f"rate-simulations/{simulation_id}." in urlparse(link["url"]).path
    answer = requests.get(link["url"], timeout=10)
    assert answer.status_code == 200
    return answer.content


def test_a_draft_is_simulated_in_the_background_and_its_report_and_exports_fetched(
    chalice_app: Any, queues: tuple[str, str], worker: ModuleType
) -> None:
    define_cycle(FLAT)
    low = billed_house("Élise Tremblay", "12 Rue Laurier", "10")
    high = billed_house("Marc Roy", "14 Rue Laurier", "40")
    body = {"schedule_id": "flat-2026", "draft": DRAFT, "year_ending": "2026-11-30"}
    with Client(chalice_app) as client:
        answer = call(client, "POST", SIMULATIONS, body, SUP, key="simulate-0001")
        asked = ok(answer, 202)
        again = ok(call(client, "POST", SIMULATIONS, body, SUP, key="simulate-0001"), 202)
        assert again["id"] == asked["id"]  # the same key asks once
        assert answer.headers["Location"] == f"{SIMULATIONS}/{asked['id']}"
        assert (asked["status"], asked["report"], asked["draft_source"]) == (
            "pending",
            None,
            "inline",
        )
        conflict = call(client, "GET", f"{SIMULATIONS}/{asked['id']}/export?format=csv", role=SUP)
        assert conflict.status_code == 409, conflict.json_body

        assert deliver(worker, queues[0]) == {"batchItemFailures": []}

        done = ok(call(client, "GET", f"{SIMULATIONS}/{asked['id']}", role=SUP))
        listed = ok(call(client, "GET", SIMULATIONS, role=SUP))
        csv_file = download(client, asked["id"], "format=csv")
        pdf_fr = download(client, asked["id"], "format=pdf&language=fr")
        xlsx = download(client, asked["id"], "format=xlsx")

    assert done["status"] == "done" and done["failure"] is None
    report = done["report"]
    # 61 days, 15 mm meter. Current: fixed 365.00 x 61/365 = 61.00; water 2.0000 x volume;
    # sewer 50% of water. Draft: fixed 438.00 x 61/365 = 73.20; water 2.5000 x volume.
    #   10 m3: current 61.00 + 20.00 + 10.00 = 91.00;  draft 73.20 + 25.00 + 12.50 = 110.70
    #   40 m3: current 61.00 + 80.00 + 40.00 = 181.00; draft 73.20 + 100.00 + 50.00 = 223.20
    assert (report["accounts"], report["bills"], report["unrated_count"]) == (2, 2, 0)
    assert [(r["name"], r["current"], r["draft"]) for r in report["by_charge_type"]] == [
        ("water", "222.00", "271.40"),  # 61 + 20 + 61 + 80; 73.20 + 25 + 73.20 + 100
        ("sewer", "50.00", "62.50"),
    ]
    assert (report["revenue"]["current"], report["revenue"]["draft"]) == ("272.00", "333.90")
    # Changes 19.70 (21.6%) and 42.20 (23.3%): nearest-rank median is the first, p90 the second
    assert report["change_dollars"] == {
        "median": "19.70",
        "percentile_90": "42.20",
        "largest": "42.20",
        "largest_account_id": high,
    }
    assert (report["change_percent"]["median"], report["change_percent"]["largest"]) == (
        "21.6",
        "23.3",
    )
    typical = {
        t["label"]: (t["account_id"], t["current"], t["draft"]) for t in report["typical_bills"]
    }
    assert typical == {
        "low": (low, "91.00", "110.70"),
        "median": (low, "91.00", "110.70"),
        "high": (high, "181.00", "223.20"),
    }
    assert [item["id"] for item in listed["items"]] == [asked["id"]]
    assert listed["items"][0]["status"] == "done" and "report" not in listed["items"][0]
    rows = list(csv.reader(io.StringIO(csv_file.decode("utf-8-sig"))))
    assert ["revenue", "revenue", "", "", "272.00", "333.90", "61.90", "22.8"] in rows
    assert xlsx.startswith(b"PK")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf_fr)).pages)
    assert "Simulation d\u2019un changement de tarifs" in text and "333,90" in text


def test_a_city_on_two_routes_is_simulated_in_two_parts_merged_as_in_one_pass(
    chalice_app: Any, queues: tuple[str, str], worker: ModuleType
) -> None:
    define_cycle(FLAT, routes=("1", "2"))
    low = billed_house("Élise Tremblay", "12 Rue Laurier", "10", route="1")
    high = billed_house("Marc Roy", "14 Rue Laurier", "40", route="1")
    middle = billed_house("Ana Silva", "3 Rue Champlain", "25", route="2")
    body = {"schedule_id": "flat-2026", "draft": DRAFT, "year_ending": "2026-11-30"}
    with Client(chalice_app) as client:
        asked = ok(call(client, "POST", SIMULATIONS, body, SUP, key="simulate-0008"), 202)
        # The first part (route 1) fixes the routes and queues the second
        assert deliver(worker, queues[0]) == {"batchItemFailures": []}
        halfway = ok(call(client, "GET", f"{SIMULATIONS}/{asked['id']}", role=SUP))
        assert DynamoRateSimulations().part_done(asked["id"], 0) == 1  # marked again: still one
        # The first part delivered again: run again, counted once (or nothing if the job is done)
        SqsSimulationQueue(boto3.client("sqs", region_name=REGION), queues[0]).send(asked["id"])
        assert deliver(worker, queues[0]) == {"batchItemFailures": []}
        assert deliver(worker, queues[0]) == {"batchItemFailures": []}
        done = ok(call(client, "GET", f"{SIMULATIONS}/{asked['id']}", role=SUP))

    assert (halfway["status"], halfway["report"]) == ("pending", None)
    assert done["status"] == "done"
    report = done["report"]
    # As in the test above, plus the route-2 house: 25 m3, current 61.00 + 50.00 + 25.00 =
    # 136.00; draft 73.20 + 62.50 + 31.25 = 166.95 (+30.95, 22.8%)
    assert (report["accounts"], report["bills"]) == (3, 3)
    assert (report["revenue"]["current"], report["revenue"]["draft"]) == ("408.00", "500.85")
    # Changes 19.70, 30.95, 42.20: the median is the second (rank ceil(1.5) = 2), p90 the third
    assert report["change_dollars"] == {
        "median": "30.95",
        "percentile_90": "42.20",
        "largest": "42.20",
        "largest_account_id": high,
    }
    assert report["change_percent"]["median"] == "22.8"  # 21.6, 22.8, 23.3
    # Volumes 10, 25, 40: the low user the first, the median the second, the high the third
    assert [t["account_id"] for t in report["typical_bills"]] == [low, middle, high]
    simulator = worker.run_rate_simulation().simulator
    assert isinstance(simulator, SimulateRateChange)
    one_pass = simulator(
        "flat-2026",
        RateVersionSpec.model_validate_json(json.dumps(DRAFT)).to_domain(),
        date(2026, 11, 30),
    )
    assert report == SimulationReportOut.of(one_pass).model_dump(mode="json")
    documents = boto3.client("s3", region_name=REGION)
    bucket = os.environ["DOCUMENTS_BUCKET"]
    parts = documents.list_objects_v2(Bucket=bucket, Prefix=f"rate-simulations/{asked['id']}/")
    assert [o["Key"].rsplit("/", 1)[1] for o in parts["Contents"]] == ["00000.json", "00001.json"]


def test_a_run_that_fails_is_a_failed_job_with_its_reason_and_its_message_is_retried(
    chalice_app: Any, queues: tuple[str, str], worker: ModuleType
) -> None:
    define_cycle(FLAT)
    billed_house("Élise Tremblay", "12 Rue Laurier", "10")
    # The schedule is gone when the worker runs the job: the run fails.
    body = {"schedule_id": "flat-2026", "draft_schedule_id": "flat-2026"}
    with Client(chalice_app) as client:
        asked = ok(call(client, "POST", SIMULATIONS, body, SUP, key="simulate-0002"), 202)
        assert asked["draft_source"] == "flat-2026"
        RateScheduleItem.get("RATE#flat-2026", "SCHEDULE").delete()
        result = deliver(worker, queues[0])
        failed = ok(call(client, "GET", f"{SIMULATIONS}/{asked['id']}", role=SUP))

    assert len(result["batchItemFailures"]) == 1
    assert failed["status"] == "failed"
    assert failed["failure"].startswith("not_found: no rate schedule flat-2026")
    sqs = boto3.client("sqs", region_name=REGION)
    assert "Messages" not in sqs.receive_message(QueueUrl=queues[0])  # redriven past one receive
    dead = sqs.receive_message(QueueUrl=queues[1])
    assert json.loads(dead["Messages"][0]["Body"]) == {"simulation_id": asked["id"]}


def test_requests_are_checked_field_by_field_and_need_a_supervisor(
    chalice_app: Any, queues: tuple[str, str]
) -> None:
    define_cycle(FLAT)
    with Client(chalice_app) as client:
        both = call(
            client,
            "POST",
            SIMULATIONS,
            {"schedule_id": "flat-2026", "draft": DRAFT, "draft_schedule_id": "flat-2026"},
            SUP,
            key="simulate-0003",
        )
        unknown = call(
            client,
            "POST",
            SIMULATIONS,
            {"schedule_id": "flat-2026", "draft_schedule_id": "nope"},
            SUP,
            key="simulate-0004",
        )
        extra = call(
            client,
            "POST",
            SIMULATIONS,
            {"schedule_id": "flat-2026", "draft": DRAFT, "colour": "blue"},
            SUP,
            key="simulate-0005",
        )
        future = call(
            client,
            "POST",
            SIMULATIONS,
            {"schedule_id": "flat-2026", "draft": DRAFT, "year_ending": "2999-01-01"},
            SUP,
            key="simulate-0006",
        )
        clerk = call(client, "POST", SIMULATIONS, {"schedule_id": "flat-2026"}, key="simulate-0007")
        missing = call(client, "GET", f"{SIMULATIONS}/01J0000000000000000000000X", role=SUP)
        bad_format = call(client, "GET", f"{SIMULATIONS}/x/export?format=doc", role=SUP)

    assert (both.status_code, both.json_body["error"]["field"]) == (400, "draft")
    assert (unknown.status_code, unknown.json_body["error"]["field"]) == (404, "draft_schedule_id")
    assert extra.status_code == 400 and "colour" in json.dumps(extra.json_body)
    assert (future.status_code, future.json_body["error"]["field"]) == (400, "year_ending")
    assert clerk.status_code == 403
    assert (missing.status_code, missing.json_body["error"]["field"]) == (404, "id")
    assert bad_format.status_code == 400 and "format" in json.dumps(bad_format.json_body)
