"""Meters, reads and reading files through real Chalice routing against in-process moto: the
work of a meter shop and a billing office, every bad input refused by name with nothing written,
and a bulk file split and loaded by the real function handlers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from types import ModuleType
from typing import Any

import boto3
import pytest
import requests
from chalice.test import Client

from civiq.core.dates import MUNICIPAL_TIME_ZONE
from tests.helpers.api import address, call, ok
from tests.helpers.emulator import BUS, LEDGER_TABLE, REGION, TABLE
from tests.helpers.files import load_event
from tests.helpers.handlers import Context, load_handler

UTILITY = "/api/v1/utility"
METERS = f"{UTILITY}/meters"
IMPORTS = f"{UTILITY}/readings/imports"
READINGS_BUCKET = "civiq-test-readings"
TODAY = datetime.now(MUNICIPAL_TIME_ZONE).date()


def meter_body(property_id: str, serial: str = "SN-20451", **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "property_id": property_id,
        "installed_on": "2024-01-01",
        "meter": {"serial": serial, "size": "15mm", "meter_type": "displacement"},
        "first_value": "0",
    }
    body.update(changes)
    return body


def metering_items() -> list[dict[str, Any]]:
    """Every meter, claim, link and read item (test-only Scan)."""
    items = boto3.client("dynamodb", region_name=REGION).scan(TableName=TABLE)["Items"]
    prefixes = ("METER#", "SERIAL#", "METERSLOT#", "IMPORT#")
    return [
        i for i in items if i["PK"]["S"].startswith(prefixes) or i["SK"]["S"].startswith(prefixes)
    ]


@pytest.fixture
def client(chalice_app: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Client]:
    monkeypatch.setenv("READINGS_BUCKET", READINGS_BUCKET)
    boto3.client("s3", region_name=REGION).create_bucket(
        Bucket=READINGS_BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    from chalicelib import metering_composition

    metering_composition.metering.cache_clear()
    metering_composition.reading_imports.cache_clear()
    with Client(chalice_app) as test_client:
        yield test_client
    metering_composition.metering.cache_clear()
    metering_composition.reading_imports.cache_clear()


def register(client: Client, street: str = "100 Rue Principale", **body: Any) -> dict[str, Any]:
    prop = {"address": address(street), **body}
    return dict(ok(call(client, "POST", f"{UTILITY}/properties", prop), 201))


def install(client: Client, property_id: str, serial: str = "SN-20451", **changes: Any) -> Any:
    return ok(call(client, "POST", METERS, meter_body(property_id, serial, **changes)), 201)


def post_read(client: Client, meter_id: str, on: str, value: str, status: int = 201) -> Any:
    body = {"read_on": on, "value": value}
    return ok(call(client, "POST", f"{METERS}/{meter_id}/readings", body), status)


def test_a_meter_is_installed_listed_and_read(client: Client) -> None:
    prop = register(client, units=["A", "B"])
    meter = install(client, prop["id"], unit="A")
    assert (meter["serial"], meter["unit"], meter["in_service"], meter["multiplier"]) == (
        "SN-20451",
        "A",
        True,
        "1",
    )
    assert ok(call(client, "GET", f"{METERS}/{meter['id']}")) == meter
    listed = ok(call(client, "GET", f"{UTILITY}/properties/{prop['id']}/meters"))
    assert listed == {"items": [meter]}
    again = call(client, "POST", METERS, meter_body(prop["id"], unit="A"))
    assert (again.status_code, again.json_body) == (200, meter)  # the same installation
    read = post_read(client, meter["id"], "2024-04-01", "45.5")
    assert (read["volume"], read["status"], read["previous_read_on"]) == (
        "45.500",
        "accepted",
        "2024-01-01",
    )
    post_read(client, meter["id"], "2024-04-01", "45.500", status=200)  # the same read again
    reads = ok(call(client, "GET", f"{METERS}/{meter['id']}/readings?after=2024-01-01"))
    assert [r["read_on"] for r in reads["items"]] == ["2024-04-01"]
    history = ok(call(client, "GET", f"{METERS}/{meter['id']}/history"))
    assert [e["action"] for e in history["items"]] == [
        "MeterInstalled",
        "ReadingRecorded",
        "ReadingRecorded",
    ]


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"meter": {"serial": "", "size": "15mm", "meter_type": "turbine"}}, 400, "meter.serial"),
        ({"meter": {"serial": "SN-1", "size": "13mm", "meter_type": "turbine"}}, 400, "meter.size"),
        (
            {
                "meter": {
                    "serial": "SN-1",
                    "size": "15mm",
                    "meter_type": "turbine",
                    "register_digits": 12,
                }
            },
            400,
            "meter.register_digits",
        ),
        ({"unit": "C"}, 400, "unit"),
        ({"unit": None}, 400, "unit"),  # a property metered per unit: which unit?
        ({"first_value": 12}, 400, "first_value"),  # a number, not a decimal string
        ({"installed_on": (TODAY + timedelta(days=1)).isoformat()}, 400, "installed_on"),
        ({"property_id": "NOPE"}, 404, "property_id"),
        ({"colour": "blue"}, 400, "colour"),
    ],
)
def test_a_bad_installation_names_the_field_and_writes_nothing(
    client: Client, change: dict[str, Any], status: int, field: str
) -> None:
    prop = register(client, units=["A", "B"])
    before = metering_items()
    body = meter_body(prop["id"], unit="A") | change
    answer = call(client, "POST", METERS, body)
    assert answer.status_code == status, answer.json_body
    assert answer.json_body["error"]["field"] == field
    assert metering_items() == before


def test_a_serial_and_a_slot_are_taken_once(client: Client) -> None:
    first = register(client)
    install(client, first["id"])
    second = register(client, "200 Rue Principale")
    before = metering_items()
    taken = call(client, "POST", METERS, meter_body(second["id"]))
    assert (taken.status_code, taken.json_body["error"]["field"]) == (409, "meter.serial")
    busy = call(client, "POST", METERS, meter_body(first["id"], "SN-30000"))
    assert (busy.status_code, busy.json_body["error"]["field"]) == (409, "unit")
    assert metering_items() == before


def test_bad_reads_name_the_field_and_write_nothing(client: Client) -> None:
    meter = install(client, register(client)["id"])
    post_read(client, meter["id"], "2024-04-01", "100")
    before = metering_items()
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    for body, status, field in [
        ({"read_on": "2024-04-01", "value": "101"}, 409, "value"),  # another value that day
        ({"read_on": tomorrow, "value": "150"}, 400, "read_on"),
        ({"read_on": "2023-12-31", "value": "1"}, 400, "read_on"),  # before installation
        ({"read_on": "2024-03-01", "value": "90"}, 409, "read_on"),  # before the latest read
        ({"read_on": "2024-05-01", "value": "1000000"}, 400, "value"),  # past the register
        ({"read_on": "2024-05-01", "value": "-3"}, 400, "value"),
        ({"read_on": "2024-05-01", "value": "1.2345"}, 400, "value"),
        ({"read_on": "2024-05-01", "value": "120", "source": "estimate"}, 400, "source"),
        ({"read_on": "2024-05-01"}, 400, "value"),
    ]:
        answer = call(client, "POST", f"{METERS}/{meter['id']}/readings", body)
        assert answer.status_code == status, (body, answer.json_body)
        assert answer.json_body["error"]["field"] == field, body
    unknown = call(
        client, "POST", f"{METERS}/NOPE/readings", {"read_on": "2024-05-01", "value": "1"}
    )
    assert (unknown.status_code, unknown.json_body["error"]["field"]) == (404, "id")
    assert metering_items() == before


def test_flagged_reads_wait_for_review(client: Client) -> None:
    four_digits = {
        "serial": "SN-20451",
        "size": "15mm",
        "meter_type": "turbine",
        "register_digits": 4,
    }
    meter = install(client, register(client)["id"], meter=four_digits)
    post_read(client, meter["id"], "2024-04-01", "5000")
    backwards = post_read(client, meter["id"], "2024-05-01", "4990")
    assert (backwards["status"], backwards["flags"], backwards["volume"]) == (
        "pending-review",
        ["backwards"],
        "0.000",
    )
    other = install(client, register(client, "300 Rue Principale")["id"], "SN-30000")
    post_read(client, other["id"], "2024-02-01", "0")  # zero: flagged, but billable
    zero = ok(call(client, "GET", f"{METERS}/{other['id']}/readings"))["items"][-1]
    assert (zero["flags"], zero["status"]) == (["zero"], "accepted")
    page = ok(call(client, "GET", f"{UTILITY}/readings/review?limit=10"))
    assert [(r["meter_id"], r["read_on"]) for r in page["items"]] == [(meter["id"], "2024-05-01")]
    review = f"{METERS}/{meter['id']}/readings/2024-05-01/review"
    bad = call(client, "POST", review, {"decision": "maybe"})
    assert (bad.status_code, bad.json_body["error"]["field"]) == (400, "decision")
    bad_day = call(
        client, "POST", f"{METERS}/{meter['id']}/readings/2024-5-1/review", {"decision": "accept"}
    )
    assert (bad_day.status_code, bad_day.json_body["error"]["field"]) == (400, "read_on")
    corrected = ok(
        call(client, "POST", review, {"decision": "accept", "value": "5010", "note": "misread"})
    )
    assert (corrected["status"], corrected["value"], corrected["original_value"]) == (
        "accepted",
        "5010",
        "4990",
    )
    assert corrected["volume"] == "10.000" and corrected["reviewed_by"] == "staff-7"
    twice = call(client, "POST", review, {"decision": "reject"})
    assert (twice.status_code, twice.json_body["error"]["field"]) == (409, "status")
    assert ok(call(client, "GET", f"{UTILITY}/readings/review"))["items"] == []


def test_an_exchange_is_one_change_and_the_same_exchange_again_is_the_same(client: Client) -> None:
    prop = register(client)
    old = install(client, prop["id"])
    post_read(client, old["id"], "2024-04-01", "40")
    body = {
        "exchanged_on": "2024-06-01",
        "final_value": "52.5",
        "new_meter": {"serial": "SN-30001", "size": "20mm", "meter_type": "compound"},
    }
    exchanged = ok(call(client, "POST", f"{METERS}/{old['id']}/exchange", body), 201)
    assert exchanged["removed"]["removed_on"] == "2024-06-01"
    assert exchanged["installed"]["serial"] == "SN-30001"
    assert exchanged["final_read"]["volume"] == "12.500"
    assert exchanged["first_read"]["value"] == "0"
    again = call(client, "POST", f"{METERS}/{old['id']}/exchange", body)
    assert (again.status_code, again.json_body) == (200, exchanged)
    listed = ok(call(client, "GET", f"{UTILITY}/properties/{prop['id']}/meters"))["items"]
    assert [(m["serial"], m["in_service"]) for m in listed] == [
        ("SN-20451", False),
        ("SN-30001", True),
    ]
    late = call(
        client, "POST", f"{METERS}/{old['id']}/readings", {"read_on": "2024-07-01", "value": "60"}
    )
    assert (late.status_code, late.json_body["error"]["field"]) == (400, "read_on")


def test_a_refused_exchange_writes_nothing(client: Client) -> None:
    old = install(client, register(client)["id"])
    post_read(client, old["id"], "2024-04-01", "40")
    before = metering_items()
    body = {
        "exchanged_on": "2024-03-01",  # before the meter's latest read
        "final_value": "30",
        "new_meter": {"serial": "SN-30001", "size": "20mm", "meter_type": "compound"},
    }
    answer = call(client, "POST", f"{METERS}/{old['id']}/exchange", body)
    assert (answer.status_code, answer.json_body["error"]["field"]) == (409, "exchanged_on")
    assert metering_items() == before


def test_the_meter_routes_need_a_token_and_know_unknown_ids(client: Client) -> None:
    unauthenticated = client.http.get(f"{METERS}/M1")
    assert unauthenticated.status_code == 401
    assert call(client, "GET", f"{METERS}/NOPE").status_code == 404
    assert call(client, "GET", f"{UTILITY}/properties/NOPE/meters").status_code == 404
    assert call(client, "GET", f"{IMPORTS}/NOPE").status_code == 404
    assert call(client, "GET", f"{METERS}/NOPE/readings").status_code == 404


# ---------------------------------------------------------------- reading files
FILE = (
    "meter_serial,read_on,value,source\n"
    "SN-20451,2024-04-01,45,\n"
    "SN-20451,2024-13-01,50,\n"  # line 3: no 13th month
    "SN-30000,2024-04-01,12.5,ami\n"
    "SN-99999,2024-04-01,7,\n"  # line 5: no such meter
    "SN-20451,2024-07-01,abc,\n"  # line 6: not a number
    "SN-30000,2023-12-01,1,\n"  # line 7: before installation
)


@pytest.fixture
def functions(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> tuple[ModuleType, ModuleType, str]:
    """The splitter and the worker, configured as the template configures them."""
    queue_url = boto3.client("sqs", region_name=REGION).create_queue(QueueName="readings")[
        "QueueUrl"
    ]
    for name, value in {
        "TABLE_NAME": TABLE,
        "LEDGER_TABLE_NAME": LEDGER_TABLE,
        "EVENT_BUS_NAME": BUS,
        "READINGS_BUCKET": READINGS_BUCKET,
        "READING_QUEUE_URL": queue_url,
    }.items():
        monkeypatch.setenv(name, value)
    return load_handler("reading_import"), load_handler("reading_worker"), queue_url


def uploaded(key: str) -> dict[str, Any]:
    """The sample upload notification, for ``key``, as SQS delivers it to the splitter."""
    event = load_event("sqs/reading_file_uploaded.json")
    body = json.loads(event["Records"][1]["body"])
    body["Records"][0]["s3"]["object"]["key"] = key
    body["Records"][0]["s3"]["bucket"]["name"] = READINGS_BUCKET
    event["Records"][1]["body"] = json.dumps(body)
    return event


def deliver_rows(worker: ModuleType, queue_url: str) -> list[dict[str, Any]]:
    """Every row message on the queue, delivered to the worker as one SQS event each."""
    sqs = boto3.client("sqs", region_name=REGION)
    messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)["Messages"]
    template = load_event("sqs/reading_rows_with_poison.json")["Records"][0]
    for message in messages:
        record = template | {"messageId": message["MessageId"], "body": message["Body"]}
        assert worker.handler({"Records": [record]}, Context()) == {"batchItemFailures": []}
        sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return messages


def start_and_upload(client: Client) -> str:
    started = ok(call(client, "POST", IMPORTS, {"source": "handheld"}), 201)
    assert started["status"] == "awaiting-upload"
    upload = started["upload"]
    assert upload["method"] == "PUT" and f"imports/{started['id']}.csv" in upload["url"]
    put = requests.put(upload["url"], data=FILE.encode(), headers=upload["headers"], timeout=10)
    assert put.status_code == 200
    return str(started["id"])


def test_a_reading_file_loads_its_good_rows_and_reports_the_rest(
    client: Client, functions: tuple[ModuleType, ModuleType, str]
) -> None:
    splitter, worker, queue_url = functions
    first = install(client, register(client)["id"])
    second = install(client, register(client, "300 Rue Principale")["id"], "SN-30000")
    import_id = start_and_upload(client)
    event = uploaded(f"imports/{import_id}.csv")
    assert splitter.handler(event, Context()) == {"batchItemFailures": []}
    loading = ok(call(client, "GET", f"{IMPORTS}/{import_id}"))
    assert (loading["status"], loading["rows_total"], loading["rejected"]) == ("loading", 6, 2)
    deliver_rows(worker, queue_url)
    done = ok(call(client, "GET", f"{IMPORTS}/{import_id}"))
    assert (done["status"], done["loaded"], done["rejected"]) == ("completed", 2, 4)
    assert [(e["line"], e["field"]) for e in done["errors"]] == [
        (3, "read_on"),
        (5, "meter_serial"),
        (6, "value"),
        (7, "read_on"),
    ]
    for meter, value, source in [(first, "45", "handheld"), (second, "12.5", "ami")]:
        (read,) = ok(call(client, "GET", f"{METERS}/{meter['id']}/readings?after=2024-01-01"))[
            "items"
        ]
        assert (read["value"], read["source"], read["recorded_by"]) == (value, source, "staff-7")

    # the same upload event and the same rows again, then the same file as a new import
    loaded = metering_items()
    splitter.handler(event, Context())
    deliver_rows(worker, queue_url)
    assert metering_items() == loaded
    again_id = start_and_upload(client)
    splitter.handler(uploaded(f"imports/{again_id}.csv"), Context())
    deliver_rows(worker, queue_url)
    again = ok(call(client, "GET", f"{IMPORTS}/{again_id}?limit=2"))
    assert (again["status"], again["loaded"], again["rejected"]) == ("completed", 2, 4)
    assert len(again["errors"]) == 2 and again["next_cursor"]
    reads = [i for i in metering_items() if i["SK"]["S"].startswith("READ#")]
    assert reads == [i for i in loaded if i["SK"]["S"].startswith("READ#")]


def test_the_splitter_ignores_s3s_test_event_and_fails_an_unreadable_file(
    client: Client, functions: tuple[ModuleType, ModuleType, str]
) -> None:
    splitter, _, queue_url = functions
    test_only = {"Records": load_event("sqs/reading_file_uploaded.json")["Records"][:1]}
    assert splitter.handler(test_only, Context()) == {"batchItemFailures": []}
    started = ok(call(client, "POST", IMPORTS, {}), 201)
    boto3.client("s3", region_name=REGION).put_object(
        Bucket=READINGS_BUCKET, Key=f"imports/{started['id']}.csv", Body=b"serial;date;reading\n"
    )
    splitter.handler(uploaded(f"imports/{started['id']}.csv"), Context())
    failed = ok(call(client, "GET", f"{IMPORTS}/{started['id']}"))
    assert failed["status"] == "failed" and failed["failure"]["field"] == "header"
    assert "Messages" not in boto3.client("sqs", region_name=REGION).receive_message(
        QueueUrl=queue_url
    )


def test_a_poison_row_message_fails_alone(
    client: Client, functions: tuple[ModuleType, ModuleType, str]
) -> None:
    """The worker's BatchProcessor: the unreadable message is reported for redelivery (and the
    DLQ after maxReceiveCount); the others are recorded, their bad rows counted rejected."""
    _, worker, _ = functions
    batch = load_event("sqs/reading_rows_with_poison.json")
    import_id = json.loads(batch["Records"][0]["body"])["import_id"]
    from civiq.metering.adapters.dynamodb import DynamoImports
    from civiq.metering.domain.metering import ReadSource
    from civiq.metering.domain.reading_imports import ReadingImport

    imports = DynamoImports()
    imports.create(
        ReadingImport(
            import_id,
            f"imports/{import_id}.csv",
            ReadSource.HANDHELD,
            "clerk-1",
            "clerk",
            datetime.now(MUNICIPAL_TIME_ZONE),
        )
    )
    imports.start(import_id, "etag", 5)
    first = install(client, register(client)["id"], installed_on="2026-10-01")
    install(
        client, register(client, "300 Rue Principale")["id"], "SN-20452", installed_on="2026-10-01"
    )
    result = worker.handler(batch, Context())
    assert result == {"batchItemFailures": [{"itemIdentifier": "9d2f4b6c-0002"}]}
    reads = ok(call(client, "GET", f"{METERS}/{first['id']}/readings?after=2026-10-01"))["items"]
    assert [(r["read_on"], r["value"]) for r in reads] == [
        ("2026-11-02", "1431"),
        ("2026-11-16", "1437.5"),
    ]
    job = imports.get(import_id)
    assert (job.loaded, job.rejected) == (3, 1)  # SN-99999 is no meter
    assert worker.handler(batch, Context()) == result  # redelivered: nothing counted twice
    assert imports.get(import_id) == job
    assert date(2026, 11, 16) <= TODAY  # the sample's reads are in the past
