"""Exports of the collections reports end to end against in-process moto: asked for through the
API (/api/v1/ar/exports), queued on SQS, made by functions/report_export with the real CSV, XLSX
and PDF writers from the aging cells and the KPI counters, fetched through the presigned link;
every invalid request refused by name with nothing queued."""

from __future__ import annotations

import csv
import io
import zipfile
from types import ModuleType
from typing import Any

import boto3
import pytest
import requests
from chalice.test import Client
from pypdf import PdfReader

from civiq.core.staff import Role
from tests.helpers.aging import Portfolio, aging_world, portfolio
from tests.helpers.api import bearer, call, ok
from tests.helpers.emulator import BUCKET, REGION
from tests.helpers.exports import SHEET, cells, deliver, text_of
from tests.helpers.handlers import load_handler
from tests.helpers.stores import dynamodb_stores

EXPORTS = "/api/v1/ar/exports"
AS_OF = "2026-12-03"  # the portfolio's day (tests.helpers.aging)


@pytest.fixture
def queue(aws: None, monkeypatch: pytest.MonkeyPatch) -> str:
    url: str = boto3.client("sqs", region_name=REGION).create_queue(QueueName="exports")["QueueUrl"]
    monkeypatch.setenv("EXPORT_QUEUE_URL", url)
    return url


@pytest.fixture
def owing(aws: None) -> Portfolio:
    return portfolio(aging_world(dynamodb_stores()))


@pytest.fixture
def client(chalice_app: Any, queue: str) -> Any:
    with Client(chalice_app) as test_client:
        yield test_client


@pytest.fixture
def worker(queue: str) -> ModuleType:
    return load_handler("report_export")


def made(client: Client, worker: ModuleType, queue: str, body: dict[str, Any]) -> Any:
    """Ask for an export, let the worker make it, and download the file."""
    answer = call(client, "POST", EXPORTS, body)
    asked = ok(answer, 202)
    assert answer.headers["Location"] == f"{EXPORTS}/{asked['id']}"
    assert (asked["status"], asked["url"]) == ("queued", None)
    assert deliver(worker, queue) == {"batchItemFailures": []}
    done = ok(call(client, "GET", f"{EXPORTS}/{asked['id']}"))
    assert done["status"] == "done" and done["expires_in"] == 300
    download = requests.get(done["url"], timeout=10)
    assert download.status_code == 200
    return done, download.content


def test_the_aging_as_csv_holds_each_bucket_the_total_and_the_credits(
    owing: Portfolio, client: Client, worker: ModuleType, queue: str
) -> None:
    body = {"report": "ar-aging", "format": "csv", "language": "en", "as_of": AS_OF}
    done, content = made(client, worker, queue, body)

    assert done["rows"] == 8 and done["parameters"] == {"as_of": AS_OF}
    header, *rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    assert header == ["Past due", "Amount", "Open items", "Accounts"]
    assert rows == [
        ["Current", "0.00", "0", "0"],
        ["1 to 30 days", "50.00", "1", "0"],
        ["31 to 60 days", "45.00", "1", "1"],
        ["61 to 90 days", "61.30", "1", "0"],
        ["91 to 120 days", "0.00", "0", "0"],
        ["Over 120 days", "30.00", "1", "1"],
        ["Total owed", "186.30", "4", "2"],
        ["Accounts in credit", "20.00", "", "1"],
    ]
    head = boto3.client("s3", region_name=REGION).head_object(
        Bucket=BUCKET, Key=f"exports/{done['id']}.csv"
    )
    assert head["ContentDisposition"] == f'attachment; filename="ar-aging-{AS_OF}.csv"'


def test_the_kpis_as_a_workbook_in_the_callers_language(
    client: Client, worker: ModuleType, queue: str
) -> None:
    # No language given: the Accept-Language header's. Nothing folded yet: every month pending.
    sent = bearer() | {"Accept-Language": "fr-CA,fr;q=0.9,en;q=0.5"}
    answer = client.http.post(
        EXPORTS, headers=sent, body='{"report": "ar-kpis", "format": "xlsx", "months": 3}'
    )
    asked = ok(answer, 202)
    assert (asked["language"], asked["parameters"]) == ("fr", {"months": "3"})
    deliver(worker, queue)
    done = ok(call(client, "GET", f"{EXPORTS}/{asked['id']}"))
    assert done["rows"] == 3
    content = requests.get(done["url"], timeout=10).content

    with zipfile.ZipFile(io.BytesIO(content)) as workbook:
        sheet = cells(workbook.read("xl/worksheets/sheet1.xml"))
        assert b"Indicateurs" in workbook.read("xl/workbook.xml")
    assert [text_of(sheet[f"{c}1"]) for c in "ABCEI"] == [
        "Mois",
        "État du taux",
        "Facturé (échéances du mois)",
        "Taux de recouvrement à 60 jours",
        "DVC (jours)",
    ]
    assert [text_of(sheet[f"B{r}"]) for r in (2, 3, 4)] == ["En attente"] * 3
    billed = sheet["C4"]
    assert "t" not in billed.attrib and billed.findtext(f"{SHEET}v") == "0.00"  # a number
    assert "A5" not in sheet


def test_the_aging_by_customer_as_an_accessible_pdf_in_french(
    owing: Portfolio, client: Client, worker: ModuleType, queue: str
) -> None:
    body = {
        "report": "ar-aging",
        "format": "pdf",
        "language": "fr",
        "as_of": AS_OF,
        "by": "customer",
    }
    done, content = made(client, worker, queue, body)

    assert content.startswith(b"%PDF") and done["rows"] == 2
    reader = PdfReader(io.BytesIO(content))
    text = " ".join(page.extract_text() for page in reader.pages)
    for expected in (
        "Classement chronologique par client",
        "Au 2026-12-03",
        "Nom",
        "Plus de 120 jours",
        "Chloé Côté",
        "Boulangerie Laval",
        "141,30",
    ):
        assert expected in text, expected
    catalog: Any = reader.trailer["/Root"]
    assert catalog["/Lang"] == "fr" and "/StructTreeRoot" in catalog


def test_the_recovery_per_stage_as_csv_is_empty_before_any_case(
    client: Client, worker: ModuleType, queue: str
) -> None:
    done, content = made(client, worker, queue, {"report": "ar-recovery", "format": "csv"})

    assert done["rows"] == 0 and done["language"] == "en"
    (header,) = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    assert header == [
        "Dunning stage",
        "Cases that reached it",
        "Past due at the stage",
        "Recovered",
        "Recovery rate",
    ]


def test_bad_requests_are_refused_by_name_and_nothing_is_queued(client: Client, queue: str) -> None:
    body = {"report": "ar-aging", "format": "csv"}
    for change, field in (
        ({"months": 3}, "months"),
        ({"report": "ar-kpis", "route": "R2"}, "route"),
        ({"report": "ar-kpis", "months": 25}, "months"),
        ({"customer_id": "01J00000000000000000000000"}, "customer_id"),
        ({"report": "billing"}, "report"),
        ({"format": "docx"}, "format"),
        ({"language": "de"}, "language"),
        ({"as_of": "2026-13-01"}, "as_of"),
        ({"by": "street"}, "by"),
        ({"extra": 1}, "extra"),
    ):
        answer = call(client, "POST", EXPORTS, body | change)
        assert (answer.status_code, answer.json_body["error"]["field"]) == (400, field), change
    sqs = boto3.client("sqs", region_name=REGION)
    assert "Messages" not in sqs.receive_message(QueueUrl=queue)
    assert call(client, "GET", f"{EXPORTS}/01J00000000000000000000000").status_code == 404
    assert call(client, "POST", EXPORTS, body, Role.CLERK).status_code == 202


def test_each_export_is_fetched_only_through_its_own_routes(client: Client, queue: str) -> None:
    collections = ok(call(client, "POST", EXPORTS, {"report": "ar-kpis", "format": "csv"}), 202)
    utility = call(client, "GET", f"/api/v1/utility/exports/{collections['id']}")
    assert utility.status_code == 404
    assert ok(call(client, "GET", f"{EXPORTS}/{collections['id']}"))["report"] == "ar-kpis"
