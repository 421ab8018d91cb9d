"""Report exports end to end against in-process moto: asked for through the API, queued on SQS,
made by functions/report_export (the real CSV, XLSX and PDF writers), fetched through the
presigned link; a poison message fails alone and, redelivered, lands in the dead-letter queue."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import date, datetime
from types import ModuleType
from typing import Any
from urllib.parse import urlparse
from xml.etree import ElementTree

import boto3
import pytest
import requests
from chalice.test import Client
from pypdf import PdfReader

from civiq.billing.adapters.dynamodb import DynamoStatements
from civiq.billing.domain.statements import Recipient, Statement
from civiq.core.addresses import Address
from civiq.core.audit import AuditEntry
from civiq.core.dates import MUNICIPAL_TIME_ZONE
from civiq.core.staff import Role
from tests.helpers.api import CYCLE, CYCLES, DEFINITION, call, ok, open_account
from tests.helpers.emulator import BUCKET, REGION
from tests.helpers.exports import SHEET, cells, deliver, text_of
from tests.helpers.files import load_event
from tests.helpers.handlers import load_handler
from tests.helpers.statement_builders import issue_with_ledger, meter_read, statement

EXPORTS = "/api/v1/utility/exports"
BUILT_IN_FORMATS = {3: "#,##0", 4: "#,##0.00"}


@pytest.fixture
def queues(aws: None, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    """The export queue and its dead-letter queue, redriven after one receive (the template
    says three: one keeps the test short)."""
    sqs = boto3.client("sqs", region_name=REGION)
    dead = sqs.create_queue(QueueName="exports-dlq")["QueueUrl"]
    dead_arn = sqs.get_queue_attributes(QueueUrl=dead, AttributeNames=["QueueArn"])
    policy = {"deadLetterTargetArn": dead_arn["Attributes"]["QueueArn"], "maxReceiveCount": 1}
    queue = sqs.create_queue(
        QueueName="exports",
        Attributes={"RedrivePolicy": json.dumps(policy), "VisibilityTimeout": "0"},
    )["QueueUrl"]
    monkeypatch.setenv("EXPORT_QUEUE_URL", queue)
    monkeypatch.setenv("MUNICIPALITY_NAME", "Ville de Pointe-aux-Érables")
    return queue, dead


def issue(account: dict[str, Any], run_id: str, **fields: Any) -> Statement:
    issued = statement(
        account_id=account["id"],
        account_number=account["account_number"],
        statement_id=f"{account['account_number']}-20260930",
        run_id=run_id,
        **fields,
    )
    now = datetime.now(MUNICIPAL_TIME_ZONE)
    assert issue_with_ledger(
        DynamoStatements(),
        issued,
        AuditEntry(issued.statement_id, "x", "T", "s", "s", now, "c", {}),
    )
    return issued


@pytest.fixture
def run(chalice_app: Any, billing_machine: str, queues: tuple[str, str]) -> Any:
    """A run of three statements, one to a French-speaking holder on a street with accents."""
    with Client(chalice_app) as client:
        ok(call(client, "POST", CYCLES, DEFINITION, Role.SUPERVISOR), 201)
        run = ok(
            call(client, "POST", f"{CYCLE}/runs", {"period_end": "2026-09-30"}, Role.SUPERVISOR),
            202,
        )
        accounts = [open_account(client, f"{n} Rue Principale") for n in (1, 2, 3)]
        issue(accounts[0], run["id"])
        issue(
            accounts[1],
            run["id"],
            recipient=Recipient(
                "Hélène Béliveau", Address("7 Rue de l'Église", "Gatineau", "QC", "J8X 3G8")
            ),
            service_address=Address("7 Rue de l'Église", "Gatineau", "QC", "J8X 3G8"),
            reads=[meter_read(estimated=True)],
        )
        issue(accounts[2], run["id"])
        yield client, run["id"], sorted(a["account_number"] for a in accounts)


@pytest.fixture
def worker(queues: tuple[str, str]) -> ModuleType:
    return load_handler("report_export")


def export(
    client: Client, run_id: str, fmt: str, report: str = "billing", language: str = "fr"
) -> Any:
    body = {"report": report, "run_id": run_id, "format": fmt, "language": language}
    answer = call(client, "POST", EXPORTS, body)
    asked = ok(answer, 202)
    assert answer.headers["Location"] == f"{EXPORTS}/{asked['id']}"
    assert (asked["status"], asked["rows"], asked["url"]) == ("queued", None, None)
    return asked


def fetched(client: Client, export_id: str, extension: str) -> tuple[dict[str, Any], bytes]:
    done = ok(call(client, "GET", f"{EXPORTS}/{export_id}"))
    assert done["status"] == "done" and done["expires_in"] == 300
    assert urlparse(done["url"]).path.endswith(f"exports/{export_id}.{extension}")
    download = requests.get(done["url"], timeout=10)
    assert download.status_code == 200
    return done, download.content


def test_a_billing_report_as_csv_reads_back_in_french(
    run: Any, worker: ModuleType, queues: Any
) -> None:
    client, run_id, numbers = run
    asked = export(client, run_id, "csv")
    assert ok(call(client, "GET", f"{EXPORTS}/{asked['id']}"))["status"] == "queued"

    assert deliver(worker, queues[0]) == {"batchItemFailures": []}

    done, body = fetched(client, asked["id"], "csv")
    assert done["rows"] == 3 and done["finished_at"]
    assert body.startswith(b"\xef\xbb\xbf")
    header, *rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    assert header == [
        "Numéro de compte", "Titulaire du compte", "Adresse desservie", "Relevé",
        "Début de la période", "Fin de la période", "Jours", "Consommation (m³)", "Eau",
        "Égouts", "Eaux pluviales", "Matières résiduelles", "Autres frais", "Taxes",
        "Nouveaux frais", "Montant total dû", "Date d\u2019échéance", "Lecture estimée",
    ]  # fmt: skip
    assert [r[0] for r in rows] == numbers
    helene = next(r for r in rows if r[1] == "Hélène Béliveau")
    assert helene[2] == "7 Rue de l'Église, Gatineau QC J8X 3G8" and helene[-1] == "Oui"
    assert rows[0][4:] == [
        "2026-09-01", "2026-10-31", "61", "42.318", "109.48", "71.54", "9.53", "28.50",
        "45.00", "5.85", "269.90", "259.90", "2026-11-23", rows[0][-1],
    ]  # fmt: skip
    head = boto3.client("s3", region_name=REGION).head_object(
        Bucket=BUCKET, Key=f"exports/{asked['id']}.csv"
    )
    assert head["ContentType"] == "text/csv; charset=utf-8"
    assert head["ContentDisposition"] == f'attachment; filename="billing-{run_id}.csv"'


def test_a_redelivered_message_finishes_the_export_once(
    run: Any, worker: ModuleType, queues: Any
) -> None:
    client, run_id, _ = run
    asked = export(client, run_id, "csv", report="consumption", language="en")
    deliver(worker, queues[0])
    done = ok(call(client, "GET", f"{EXPORTS}/{asked['id']}"))
    boto3.client("sqs", region_name=REGION).send_message(
        QueueUrl=queues[0], MessageBody=json.dumps({"export_id": asked["id"]})
    )
    assert deliver(worker, queues[0]) == {"batchItemFailures": []}
    again = ok(call(client, "GET", f"{EXPORTS}/{asked['id']}"))
    assert (again["finished_at"], again["rows"]) == (done["finished_at"], 3)
    _, body = fetched(client, asked["id"], "csv")
    header, *rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    assert header[-3:] == ["m³ per day", "Estimated read", "Meters"]
    assert sorted(r[-2] for r in rows) == ["No", "No", "Yes"]


def number_formats(styles: bytes) -> list[str]:
    """Each cell style's number format, by style index."""
    root = ElementTree.fromstring(styles)  # noqa: S314
    custom = {
        int(f.attrib["numFmtId"]): f.attrib["formatCode"] for f in root.iter(f"{SHEET}numFmt")
    }
    known = BUILT_IN_FORMATS | custom
    xfs = root.find(f"{SHEET}cellXfs")
    assert xfs is not None
    return [known.get(int(xf.attrib["numFmtId"]), "General") for xf in xfs]


def test_a_workbook_holds_numbers_as_numbers_and_dates_as_dates(
    run: Any, worker: ModuleType, queues: Any
) -> None:
    client, run_id, numbers = run
    asked = export(client, run_id, "xlsx")
    deliver(worker, queues[0])
    done, body = fetched(client, asked["id"], "xlsx")
    assert done["rows"] == 3

    with zipfile.ZipFile(io.BytesIO(body)) as workbook:
        sheet = cells(workbook.read("xl/worksheets/sheet1.xml"))
        formats = number_formats(workbook.read("xl/styles.xml"))
        assert b"Facturation" in workbook.read("xl/workbook.xml")

    assert [text_of(sheet[f"{c}1"]) for c in "ABI"] == [
        "Numéro de compte",
        "Titulaire du compte",
        "Eau",
    ]
    assert [text_of(sheet[f"A{r}"]) for r in (2, 3, 4)] == numbers
    water, total_due, period_end, days = sheet["I2"], sheet["P2"], sheet["F2"], sheet["G2"]
    assert "t" not in water.attrib and water.findtext(f"{SHEET}v") == "109.48"
    assert formats[int(water.attrib["s"])] == "#,##0.00"
    assert total_due.findtext(f"{SHEET}v") == "259.90"  # the Decimal, digit for digit
    excel_day = (date(2026, 10, 31) - date(1899, 12, 30)).days
    assert period_end.findtext(f"{SHEET}v") == str(excel_day)
    assert formats[int(period_end.attrib["s"])] == "yyyy-mm-dd"
    assert days.findtext(f"{SHEET}v") == "61"
    assert text_of(sheet["R2"]) in {"Oui", "Non"} and "A5" not in sheet


def test_a_pdf_report_is_tagged_text_in_the_language_asked(
    run: Any, worker: ModuleType, queues: Any
) -> None:
    client, run_id, numbers = run
    asked = export(client, run_id, "pdf")
    deliver(worker, queues[0])
    done, body = fetched(client, asked["id"], "pdf")
    assert done["rows"] == 3

    reader = PdfReader(io.BytesIO(body))
    text = " ".join(page.extract_text() for page in reader.pages)
    for expected in (
        "Ville de Pointe-aux-Érables",
        "Rapport de facturation",
        "Numéro de",
        "Eaux",
        *numbers,
    ):
        assert expected in text, expected
    assert "269,90" in text and "Hélène Béliveau" in text
    assert "premiers relevés" not in text  # three rows: nothing left out
    catalog: Any = reader.trailer["/Root"]
    assert catalog["/Lang"] == "fr" and "/StructTreeRoot" in catalog
    assert reader.pages[0].mediabox.width > reader.pages[0].mediabox.height  # landscape


def test_unknown_runs_bad_formats_and_unknown_exports_are_refused(run: Any, queues: Any) -> None:
    client, run_id, _ = run
    body = {"report": "billing", "run_id": run_id, "format": "csv"}
    for change, status, field in (
        ({"run_id": "residential-2026-07-31"}, 404, "run_id"),
        ({"run_id": "nope"}, 400, "run_id"),
        ({"format": "docx"}, 400, "format"),
        ({"report": "payments"}, 400, "report"),
        ({"language": "de"}, 400, "language"),
        ({"extra": 1}, 400, "extra"),
    ):
        answer = call(client, "POST", EXPORTS, body | change)
        assert (answer.status_code, answer.json_body["error"]["field"]) == (status, field), change
    assert "Messages" not in boto3.client("sqs", region_name=REGION).receive_message(
        QueueUrl=queues[0]
    )
    assert call(client, "GET", f"{EXPORTS}/01JNOSUCHEXPORT00000000000").status_code == 404
    final_bills = call(client, "POST", EXPORTS, body | {"run_id": "final-2026-11"})
    assert final_bills.status_code == 202  # a month's final bills need no run


def test_a_poison_message_fails_alone_and_ends_in_the_dead_letter_queue(
    run: Any, worker: ModuleType, queues: tuple[str, str]
) -> None:
    client, run_id, _ = run
    queue, dead = queues
    asked = export(client, run_id, "csv")
    sqs = boto3.client("sqs", region_name=REGION)
    poison = load_event("sqs/report_exports_with_poison.json")["Records"][1]["body"]
    sqs.send_message(QueueUrl=queue, MessageBody=poison)
    sqs.send_message(
        QueueUrl=queue, MessageBody=json.dumps({"export_id": "01JNOSUCHEXPORT00000000000"})
    )

    result = deliver(worker, queue)

    assert len(result["batchItemFailures"]) == 2  # the unreadable one and the unknown export
    assert ok(call(client, "GET", f"{EXPORTS}/{asked['id']}"))["status"] == "done"
    # Received again past maxReceiveCount, they move to the dead-letter queue instead.
    assert "Messages" not in sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)
    dead_letters = sqs.receive_message(QueueUrl=dead, MaxNumberOfMessages=10)["Messages"]
    assert sorted(m["Body"] for m in dead_letters) == sorted(
        [poison, json.dumps({"export_id": "01JNOSUCHEXPORT00000000000"})]
    )
