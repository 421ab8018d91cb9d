"""No request path of the API scans the table; lookups by id and by number are one request.

Every route the Chalice app serves is called with a valid request, against in-process moto, with
a spy on botocore's ``BaseClient._make_api_call`` (the single point every client's API calls go
through, including clients built before the test): it records each DynamoDB operation and
refuses a Scan outright. A new route fails the coverage check until a request for it is added
here.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import boto3
import pytest
from botocore.client import BaseClient
from chalice.test import Client

from civiq.billing.adapters.dynamodb import OPEN_SHARDS, DynamoStatements
from civiq.collections.adapters.dynamodb_risk import DynamoRiskScores
from civiq.collections.domain.risk_scores import Band, RiskScore
from civiq.core.audit import AuditEntry
from civiq.core.dates import MUNICIPAL_TIME_ZONE
from civiq.core.staff import Role
from civiq.ledger.adapters.dynamodb_receivables import AGING_SHARDS
from civiq.notices.domain.unsubscribe import unsubscribe_token
from civiq.payments.domain.webhooks import sign
from civiq.platform.tokens import LocalTokens
from infra.local.demo import load_via_api, municipality
from infra.local.demo_rates import SCHEDULE_ID, sample_schedule, sample_version
from tests.helpers.emulator import REGION, SIGNING_KEY, UNSUBSCRIBE_KEY, WEBHOOK_SECRET
from tests.helpers.statement_builders import issue_with_ledger, statement
from tests.helpers.stores import NOW
from tests.helpers.web import Browser

API = "/api/v1/utility"
ACCOUNTS = f"{API}/accounts"
PROPERTIES = f"{API}/properties"
CUSTOMERS = f"{API}/customers"
WEBHOOK = f"{API}/webhooks/payments"


class ScanRefused(AssertionError):
    pass


class DynamoSpy:
    def __init__(self) -> None:
        self.operations: list[str] = []
        self.scans: list[dict[str, Any]] = []

    def mark(self) -> int:
        return len(self.operations)

    def since(self, mark: int) -> Counter[str]:
        return Counter(self.operations[mark:])


@pytest.fixture
def dynamodb_spy(monkeypatch: pytest.MonkeyPatch) -> Iterator[DynamoSpy]:
    spy = DynamoSpy()
    original = getattr(BaseClient, "_make_api_call")  # noqa: B009 - private, untyped

    def make_api_call(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        if client.meta.service_model.service_name == "dynamodb":
            spy.operations.append(operation)
            if operation == "Scan":
                spy.scans.append(params)
                raise ScanRefused(f"Scan on a request path: {params}")
        return original(client, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", make_api_call)
    yield spy


def _headers(role: Role) -> dict[str, str]:
    token = LocalTokens(SIGNING_KEY).mint("staff-9", [role], datetime.now(UTC), timedelta(hours=1))
    return {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}


class Driver:
    """Calls routes and remembers which (method, route) pairs were exercised."""

    def __init__(self, client: Client, spy: DynamoSpy) -> None:
        self.client = client
        self.spy = spy
        self.covered: set[tuple[str, str]] = set()

    def __call__(
        self,
        method: str,
        route: str,
        status: int,
        body: Any = None,
        query: str = "",
        role: Role = Role.CLERK,
        headers: dict[str, str] | None = None,
        **params: str,
    ) -> tuple[Any, Counter[str]]:
        path = route.format(**{k: quote(v, safe="") for k, v in params.items()})
        mark = self.spy.mark()
        answer = getattr(self.client.http, method.lower())(
            path + (f"?{query}" if query else ""),
            headers=_headers(role) | (headers or {}),
            body=json.dumps(body) if body is not None else None,
        )
        assert answer.status_code == status, (method, path, answer.json_body)
        self.covered.add((method, route))
        return answer.json_body, self.spy.since(mark)


@pytest.fixture
def readings_bucket(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where reading files are uploaded (an upload link is signed, not used, here)."""
    monkeypatch.setenv("READINGS_BUCKET", "civiq-test-readings")


@pytest.fixture
def export_queue(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where report exports and rate simulations are asked for (their workers are not run
    here)."""
    queue = boto3.client("sqs", region_name=REGION).create_queue(QueueName="exports")
    monkeypatch.setenv("EXPORT_QUEUE_URL", queue["QueueUrl"])
    queue = boto3.client("sqs", region_name=REGION).create_queue(QueueName="rate-simulations")
    monkeypatch.setenv("RATE_SIMULATION_QUEUE_URL", queue["QueueUrl"])


@pytest.fixture
def processor_queue(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where verified webhook deliveries and remittance chunks are queued (their workers are
    not run here)."""
    sqs = boto3.client("sqs", region_name=REGION)
    queue = sqs.create_queue(QueueName="processor")
    monkeypatch.setenv("PROCESSOR_EVENTS_QUEUE_URL", queue["QueueUrl"])
    queue = sqs.create_queue(QueueName="remittances")
    monkeypatch.setenv("REMITTANCE_QUEUE_URL", queue["QueueUrl"])


def test_every_route_answers_without_a_scan(
    chalice_app: Any,
    workflows: None,
    readings_bucket: None,
    export_queue: None,
    processor_queue: None,
    dynamodb_spy: DynamoSpy,
) -> None:
    with Client(chalice_app) as client:
        call = Driver(client, dynamodb_spy)
        token = _headers(Role.CLERK)["Authorization"].split()[1]
        send_headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}

        def send(method: str, path: str, body: dict[str, Any]) -> tuple[int, Any]:
            answer = client.http.post(path, headers=send_headers, body=json.dumps(body))
            call.covered.add((method, path))
            return answer.status_code, answer.json_body

        # A demo town: owners, landlords (customers), rental properties, tenants.
        opened = load_via_api(municipality(properties=6, seed=4), send)
        owner = next(a for a in opened if a["holder_role"] == "owner")
        tenant = next(a for a in opened if a["holder_role"] == "tenant")
        account_id = owner["id"]

        # accounts: lookups
        _, by_id = call("GET", f"{ACCOUNTS}/{{id}}", 200, id=account_id)
        assert by_id == Counter({"GetItem": 1}), by_id
        _, by_number = call("GET", f"{ACCOUNTS}/{{id}}", 200, id=owner["account_number"])
        assert sum(by_number.values()) == 1 and by_number["Query"] == 1, by_number
        _, by_display = call("GET", f"{ACCOUNTS}/{{id}}", 200, id=owner["account_number_display"])
        assert sum(by_display.values()) == 1, by_display

        # accounts: lists and searches
        for query in (
            "",
            "limit=2",
            "status=active&service=water",
            "q=" + quote(owner["holder"]["name"]),
            "q=" + quote(owner["account_number_display"]),
            "q=" + quote(owner["service_address"]["postal_code"]),
            "q=" + quote(owner["roll_number"]),
            "q=cote&status=active&service=waste",
        ):
            _, used = call("GET", ACCOUNTS, 200, query=query)
            assert set(used) <= {"Query"}, (query, used)
        page, _ = call("GET", ACCOUNTS, 200, query="limit=1")
        if page["next_cursor"]:
            call("GET", ACCOUNTS, 200, query=f"limit=1&cursor={page['next_cursor']}")

        # accounts: changes and history
        version = owner["version"]
        services = [{"service_type": "water", "start_date": "2024-01-01"}]
        body = {"version": version, "services": services}
        call("PUT", f"{ACCOUNTS}/{{id}}/services", 200, body, id=account_id)
        settings = {"version": version + 1, "autopay": True, "landlord_copies": False}
        call("PUT", f"{ACCOUNTS}/{{id}}/settings", 200, settings, id=account_id)
        agent = {"name": "Marc Côté", "scope": "inquire", "valid_from": "2025-01-01"}
        with_agent, _ = call(
            "POST", f"{ACCOUNTS}/{{id}}/agents", 201, {"version": 3, "agent": agent}, id=account_id
        )
        call(
            "DELETE",
            f"{ACCOUNTS}/{{id}}/agents/{{agent_id}}",
            200,
            query="version=4",
            id=account_id,
            agent_id=with_agent["agents"][0]["id"],
        )
        # No route moves an account out yet, so closing an active account is a conflict.
        closure = {"version": 5}
        call(
            "POST", f"{ACCOUNTS}/{{id}}/closure", 409, closure, role=Role.SUPERVISOR, id=account_id
        )
        call("GET", f"{ACCOUNTS}/{{id}}/history", 200, id=account_id)
        call("GET", f"{ACCOUNTS}/{{id}}/history", 200, query="limit=1", id=tenant["id"])

        # properties
        prop, _ = call("GET", f"{PROPERTIES}/{{id}}", 200, id=tenant["property_id"])
        call("GET", PROPERTIES, 200, query=f"roll_number={prop['roll_number_display']}")
        address = {k: prop["address"][k] for k in ("street", "city", "province", "postal_code")}
        edits = {k: prop[k] for k in ("property_type", "roll_number", "units", "location")} | {
            "version": prop["version"],
            "address": address,
            "meters": {k: prop["meters"][k] for k in ("arrangement", "shares")},
        }
        call("PUT", f"{PROPERTIES}/{{id}}", 200, edits, id=prop["id"])
        call("GET", f"{PROPERTIES}/{{id}}/history", 200, id=prop["id"])
        registered, _ = call(
            "POST",
            PROPERTIES,
            201,
            {
                "address": {
                    "street": "1 Rue du Quai",
                    "city": "Pointe-aux-Érables",
                    "province": "ON",
                    "postal_code": "K6A 1A1",
                },
                "roll_number": "0302999999999990000",
                "owner_customer_id": prop["owner_customer_id"],
            },
        )

        # customers
        customer_id = tenant["holder"]["customer_id"]
        customer, _ = call("GET", f"{CUSTOMERS}/{{id}}", 200, id=customer_id)
        contact = {
            "version": customer["version"],
            "contact": {"email": "new@example.com", "phone": "613-555-0199"},
        }
        call("PUT", f"{CUSTOMERS}/{{id}}/contact", 200, contact, id=customer_id)
        preferences = {
            "version": customer["version"] + 1,
            "preferences": {
                "language": "fr",
                "contact_method": "email",
                "ebilling": True,
                "email_consent": {"given": True, "source": "paper-form"},
            },
        }
        call("PUT", f"{CUSTOMERS}/{{id}}/preferences", 200, preferences, id=customer_id)
        call("GET", f"{CUSTOMERS}/{{id}}/history", 200, id=customer_id)
        call("GET", f"{CUSTOMERS}/{{id}}", 200, id=prop["owner_customer_id"])  # a landlord
        call(
            "POST",
            CUSTOMERS,
            201,
            {"name": "Hélène Béliveau", "preferences": {"language": "fr"}},
        )
        moving_in = {
            "customer_id": customer_id,
            "property_id": registered["id"],
            "holder_role": "tenant",
        }
        call("POST", ACCOUNTS, 201, moving_in)

        # moves: the tenant moves out, a new tenant moves in (the workflow itself is not run)
        today = datetime.now(MUNICIPAL_TIME_ZONE).date().isoformat()
        move = {
            "move_out": {
                "account_id": tenant["id"],
                "move_out_date": today,
                "final_reading": {"estimate": True},
            },
            "move_in": {
                "property_id": tenant["property_id"],
                "unit": tenant["service_address"]["unit"],
                "customer": {"name": "Zoé Lévesque", "preferences": {"language": "fr"}},
                "holder_role": "tenant",
                "move_in_date": today,
            },
        }
        submitted, _ = call("POST", f"{API}/moves", 202, move)
        call("GET", f"{API}/moves/{{id}}", 200, id=submitted["id"])

        # transfers: the owner sells (supervisors submit and decide)
        sale = {
            "property_id": owner["property_id"],
            "closing_date": today,
            "buyer": {"customer": {"name": "Noah Fraser", "preferences": {"language": "en"}}},
        }
        transfer, _ = call("POST", f"{API}/transfers", 202, sale, role=Role.SUPERVISOR)
        call("GET", f"{API}/transfers/{{id}}", 200, id=transfer["id"])
        _, waiting = call("GET", f"{API}/transfers", 200, query="status=submitted")
        assert waiting == Counter({"Query": 1}), waiting
        approver = LocalTokens(SIGNING_KEY).mint(  # four eyes: not the submitter
            "staff-10", [Role.SUPERVISOR], datetime.now(UTC), timedelta(hours=1)
        )
        call(
            "POST",
            f"{API}/transfers/{{id}}/decision",
            200,
            {"decision": "approve"},
            role=Role.SUPERVISOR,
            headers={"Authorization": f"Bearer {approver}"},
            id=transfer["id"],
        )

        # rate schedules: bylaw data (supervisors write, clerks read and quote)
        rates, rate = f"{API}/rates", f"{API}/rates/{{schedule_id}}"
        call("POST", rates, 201, sample_schedule(), role=Role.SUPERVISOR)
        _, listed = call("GET", rates, 200)
        assert listed == Counter({"Query": 1}), listed
        _, read = call("GET", rate, 200, schedule_id=SCHEDULE_ID)
        assert read == Counter({"GetItem": 1}), read
        version = {**sample_version("2027-01-01"), "version": 1}
        call(
            "POST", rate + "/versions", 201, version, role=Role.SUPERVISOR, schedule_id=SCHEDULE_ID
        )
        asked = {
            "period_start": "2026-12-01",
            "period_end": "2027-01-31",
            "volume": "40.500",
            "meter_size": "16mm",
            "property_type": "single-family",
            "services": ["water", "sewer", "stormwater", "waste"],
            "cart_size": "small",
        }
        _, quoted = call("POST", rate + "/quote", 200, asked, schedule_id=SCHEDULE_ID)
        assert quoted == Counter({"GetItem": 1}), quoted

        # meters and readings: install, read, review, exchange, history, a reading file
        meter_path = f"{API}/meters/{{id}}"
        spec = {"serial": "SN-NOSCAN-1", "size": "15mm", "meter_type": "displacement"}
        installation = {"property_id": registered["id"], "installed_on": "2024-01-01"}
        meter, _ = call("POST", f"{API}/meters", 201, installation | {"meter": spec})
        _, got = call("GET", meter_path, 200, id=meter["id"])
        assert got == Counter({"GetItem": 1}), got
        _, listed = call("GET", f"{PROPERTIES}/{{id}}/meters", 200, id=registered["id"])
        assert listed == Counter({"GetItem": 1, "Query": 1}), listed
        read = {"read_on": "2024-04-01", "value": "9000"}
        call("POST", meter_path + "/readings", 201, read, id=meter["id"])
        backwards = {"read_on": "2024-05-01", "value": "8000"}
        call("POST", meter_path + "/readings", 201, backwards, id=meter["id"])
        _, reads = call(
            "GET", meter_path + "/readings", 200, query="after=2024-01-01", id=meter["id"]
        )
        assert reads == Counter({"GetItem": 1, "Query": 1}), reads
        _, pending = call("GET", f"{API}/readings/review", 200, query="limit=5")
        assert pending == Counter({"Query": 1}), pending
        call(
            "POST",
            meter_path + "/readings/{read_on}/review",
            200,
            {"decision": "reject", "note": "misread"},
            id=meter["id"],
            read_on="2024-05-01",
        )
        exchange = {
            "exchanged_on": "2024-06-01",
            "final_value": "9100",
            "new_meter": spec | {"serial": "SN-NOSCAN-2"},
        }
        call("POST", meter_path + "/exchange", 201, exchange, id=meter["id"])
        call("GET", meter_path + "/history", 200, id=meter["id"])
        started, _ = call("POST", f"{API}/readings/imports", 201, {"source": "ami"})
        _, progress = call("GET", f"{API}/readings/imports/{{id}}", 200, id=started["id"])
        assert progress == Counter({"GetItem": 1, "Query": 1}), progress

        # billing: a cycle of the demo routes, a run (its workflow a stand-in), statements
        cycles, cycle = f"{API}/cycles", f"{API}/cycles/{{cycle_id}}"
        definition = {
            "name": "Residential",
            "frequency": "bimonthly",
            "routes": ["1", "2", "3"],
            "rate_schedule_id": SCHEDULE_ID,
            "first_period_end": "2026-01-31",
        }
        created = {"cycle_id": "residential", **definition}
        call("POST", cycles, 201, created, role=Role.SUPERVISOR)
        _, listed = call("GET", cycles, 200)
        assert listed == Counter({"Query": 1}), listed
        _, got = call("GET", cycle, 200, cycle_id="residential")
        assert got == Counter({"GetItem": 1}), got
        revised = definition | {"version": 1, "due_days": 30}
        call("PUT", cycle, 200, revised, role=Role.SUPERVISOR, cycle_id="residential")
        period = {"period_end": "2026-09-30"}
        run, _ = call(
            "POST", cycle + "/runs", 202, period, role=Role.SUPERVISOR, cycle_id="residential"
        )
        _, runs = call("GET", cycle + "/runs", 200, cycle_id="residential")
        assert runs == Counter({"GetItem": 1, "Query": 1}), runs
        run_path = f"{API}/runs/{{run_id}}"
        _, progress = call("GET", run_path, 200, run_id=run["id"])
        assert progress == Counter({"GetItem": 1, "Query": 1}), progress
        call("POST", run_path + "/resume", 409, role=Role.SUPERVISOR, run_id=run["id"])
        issued = statement(
            account_id=account_id, statement_id=f"{owner['account_number']}-20260930"
        )
        issue_with_ledger(
            DynamoStatements(), issued, AuditEntry("S1", "ACCOUNT#x", "T", "s", "s", NOW, "c", {})
        )
        statements = f"{ACCOUNTS}/{{id}}/statements"
        _, listed = call("GET", statements, 200, id=account_id)
        assert listed == Counter({"GetItem": 1, "Query": 1}), listed
        one = statements + "/{statement_id}"
        _, got = call("GET", one, 200, id=account_id, statement_id=issued.statement_id)
        assert got == Counter({"GetItem": 2}), got
        call("GET", one + "/document", 404, id=account_id, statement_id=issued.statement_id)
        rebill = {"reason": "rates entered late"}
        call(
            "POST",
            one + "/rebill",
            404,  # the builder's statement names a cycle this town does not have
            rebill,
            role=Role.SUPERVISOR,
            id=account_id,
            statement_id=issued.statement_id,
        )

        # the dashboard: the TOTALS partition and the statement indexes, never every statement
        dashboard = f"{API}/dashboard"
        summary, used = call("GET", dashboard, 200)
        # one Query of TOTALS, and one per open-statement shard for what is past due
        assert used == Counter({"Query": 1 + OPEN_SHARDS}), used
        assert summary["delinquency"]["past_due_statements"] == 1, summary
        _, used = call("GET", dashboard + "/cycles", 200)
        assert used == Counter({"Query": 2}), used  # the cycles, then each cycle's latest runs
        query = f"run_id={issued.run_id}&limit=5"
        _, used = call("GET", dashboard + "/statements", 200, query=query)
        assert used == Counter({"Query": 1}), used  # one Query a page
        _, used = call("GET", dashboard + "/delinquency", 200, query="limit=5")
        assert used == Counter({"Query": OPEN_SHARDS}), used  # at most one Query a shard
        _, used = call("GET", dashboard + "/types", 200, query="months=12")
        assert used == Counter({"Query": 1}), used
        _, used = call("GET", f"{ACCOUNTS}/{{id}}/balance", 200, id=account_id)
        assert used == Counter({"GetItem": 2, "Query": 1}), used  # account, balance, latest
        _, used = call("GET", f"{ACCOUNTS}/{{id}}/bill-preview", 400, id=account_id)  # no meter yet
        assert set(used) <= {"GetItem", "Query"}, used  # a preview writes nothing

        # payments and the ledger: a posting reads the account and its ledger, and writes once
        payments = f"{ACCOUNTS}/{{id}}/payments"
        cheque = {"amount": "30.00", "method": "cheque", "received_on": "2026-11-20"}
        key = {"Idempotency-Key": "no-scan-payment-1"}
        paid, used = call("POST", payments, 201, cheque, headers=key, id=account_id)
        # the account and its ledger; the posting; the key's record (in progress, then the
        # response); the published event out of the outbox
        assert used == Counter(
            {"GetItem": 2, "TransactWriteItems": 1, "PutItem": 1, "UpdateItem": 1, "DeleteItem": 1}
        ), used
        _, used = call("POST", payments, 201, cheque, headers=key, id=account_id)
        assert used == Counter({"PutItem": 1}), used  # the key's record answers
        _, used = call("GET", payments, 200, id=account_id)
        assert used == Counter({"GetItem": 1, "Query": 1}), used
        payment = payments + "/{payment_id}"
        _, used = call("GET", payment, 200, id=account_id, payment_id=paid["payment_id"])
        assert used == Counter({"GetItem": 1}), used
        refund = {"amount": "5.00", "reason": "paid twice"}
        _, used = call(
            "POST",
            payment + "/refunds",
            201,
            refund,
            role=Role.SUPERVISOR,
            headers={"Idempotency-Key": "no-scan-refund-1"},
            id=account_id,
            payment_id=paid["payment_id"],
        )
        assert used["TransactWriteItems"] == 1 and set(used) <= {
            "GetItem",
            "Query",
            "PutItem",
            "UpdateItem",
            "DeleteItem",
            "TransactWriteItems",
        }, used
        _, used = call(
            "POST",
            payment + "/dishonour",
            409,  # partly refunded: corrected by an adjustment instead
            {"reason": "NSF"},
            headers={"Idempotency-Key": "no-scan-nsf-1"},
            id=account_id,
            payment_id=paid["payment_id"],
        )
        adjustment = {"amount": "-2.50", "reason": "leak repaired within 30 days"}
        _, used = call(
            "POST",
            f"{ACCOUNTS}/{{id}}/adjustments",
            201,
            adjustment,
            role=Role.SUPERVISOR,
            headers={"Idempotency-Key": "no-scan-adjust-1"},
            id=account_id,
        )
        assert used["TransactWriteItems"] == 1 and "Scan" not in used, used
        _, used = call("GET", f"{ACCOUNTS}/{{id}}/ledger", 200, query="limit=2", id=account_id)
        assert used == Counter({"GetItem": 1, "Query": 1}), used

        # fees: the catalogue (read by staff, replaced whole by supervisors), a fee charged
        _, used = call("GET", f"{API}/fees", 200)
        assert used == Counter({"GetItem": 1}), used
        certificate = {
            "effective_from": "2024-01-01",
            "amount": "60.00",
            "label_en": "Tax certificate",
            "label_fr": "Certificat fiscal",
            "gl_code": "4110",
        }
        catalogue = {"version": 0, "fees": {"certificate": {"versions": [certificate]}}}
        call("PUT", f"{API}/fees", 200, catalogue, role=Role.SUPERVISOR)
        _, used = call(
            "POST",
            f"{ACCOUNTS}/{{id}}/fees",
            201,
            {"code": "certificate"},
            headers={"Idempotency-Key": "no-scan-fee-1"},
            id=account_id,
        )
        assert used["TransactWriteItems"] == 1 and "Scan" not in used, used
        # arrangements: none yet, and none made (the fee charged today is not past due)
        _, used = call("GET", f"{ACCOUNTS}/{{id}}/arrangements", 200, id=account_id)
        assert used == Counter({"GetItem": 1, "Query": 1}), used
        terms = {"instalments": 3, "frequency": "monthly", "first_due": "2099-01-01"}
        _, used = call(
            "POST",
            f"{ACCOUNTS}/{{id}}/arrangements",
            400,
            terms,
            headers={"Idempotency-Key": "no-scan-arrangement-1"},
            id=account_id,
        )
        assert "Scan" not in used, used
        # collection cases: the account's own (one Query); one opened (the owner's first bill is
        # past due), paused for a dispute and resumed; a second refused; the cases open, the
        # tasks and the ladders are one Query each
        _, used = call("GET", f"{ACCOUNTS}/{{id}}/collection-cases", 200, id=account_id)
        assert used == Counter({"GetItem": 1, "Query": 1}), used
        for status in (201, 409):
            _, used = call("POST", "/api/v1/ar/cases", status, {"account_id": account_id})
            assert "Scan" not in used, used
        case_path = f"{ACCOUNTS}/{{id}}/collection-case"
        for action, body in (
            ("pause", {"reason": "dispute"}),
            ("resume", None),
            ("assign", {"assignee": "staff-9"}),
            ("contacts", {"channel": "phone", "outcome": "no-answer"}),
        ):
            status = 201 if action == "contacts" else 200
            _, used = call("POST", f"{case_path}/{action}", status, body, id=account_id)
            assert "Scan" not in used, used
        _, used = call("GET", f"{case_path}/contacts", 200, id=account_id)
        assert used == Counter({"GetItem": 1, "Query": 1}), used
        for listing in ("cases", "tasks", "stages", "worklist", "arrangements"):
            _, used = call("GET", f"/api/v1/ar/{listing}", 200)
            assert used == Counter({"Query": 1}), used
        ladder = {"stages": [{"code": "reminder", "days_past_due": 30, "minimum": "10.00"}]}
        _, used = call(
            "PUT",
            "/api/v1/ar/stages/{customer_class}",
            200,
            ladder,
            role=Role.SUPERVISOR,
            customer_class="commercial",
        )
        assert "Scan" not in used, used
        # transfers to the tax roll: a tenant's debt stays with the tenant (the default bylaw);
        # an unknown transfer, one Query of the index; listings, one Query each; the files
        transfers = "/api/v1/ar/tax-roll-transfers"
        _, used = call("POST", transfers, 400, {"account_id": tenant["id"]}, role=Role.SUPERVISOR)
        assert "Scan" not in used and "TransactWriteItems" not in used, used
        for query in ("", "status=noticed", f"account_id={account_id}"):
            _, used = call("GET", transfers, 200, query=query)
            assert used == Counter({"Query": 1}), (query, used)
        unknown = "01J00000000000000000000000"
        _, used = call("GET", transfers + "/{id}", 404, id=unknown)
        assert used == Counter({"Query": 1}), used
        for action in ("withdraw", "reverse"):
            _, used = call(
                "POST",
                transfers + "/{id}/" + action,
                404,
                {"reason": "entered in error"},
                role=Role.SUPERVISOR,
                id=unknown,
            )
            assert used == Counter({"Query": 1}), used
        _, used = call("GET", "/api/v1/ar/tax-roll-files", 200)
        assert used == Counter({"Query": 1}), used
        _, used = call("GET", "/api/v1/ar/tax-roll-files/{day}", 404, day="2026-11-26")
        assert used == Counter({"Query": 1}), used
        # risk scores (written by the scoring run, which has its own tests)
        DynamoRiskScores().write([RiskScore(account_id, 0.42, Band.HIGH, (), "v1", NOW.date())])
        _, used = call("GET", "/api/v1/ar/scores", 200, query="min_score=0.3&limit=5")
        assert used == Counter({"Query": 1}), used
        _, used = call("GET", "/api/v1/ar/scores/{account_id}", 200, account_id=account_id)
        assert used == Counter({"GetItem": 1}), used
        # receivables aging: its summary, one Query of the cells written since and one of the
        # pending ones, one per snapshot compared (whatever the number of open items); the
        # drill-down, one Query per shard of the receivables index; an account: its item
        aging = "/api/v1/ar/aging"
        report, used = call("GET", aging, 200, query="service=none")
        assert report["total"]["items"] >= 1, report  # the fee charged above
        assert used == Counter({"GetItem": 1, "Query": 4}), used
        _, used = call("GET", aging, 200, query="by=customer&route=1&limit=1")
        assert used == Counter({"GetItem": 1, "Query": 4 + AGING_SHARDS}), used
        _, used = call("GET", aging + "/accounts/{id}", 200, id=account_id)
        assert used == Counter({"GetItem": 1}), used
        # write-offs: a clerk's, once per id (the retry writes nothing); newest first (one
        # Query of their index), an account's (its item, one Query), one by id (its claim, the
        # record); a supervisor's reversal
        write_offs = "/api/v1/ar/write-offs"
        asked = {
            "account_id": account_id,
            "amount": "1.00",
            "reason_category": "small-balance",
            "reason": "not worth collecting",
            "write_off_id": "01JWR1TE0FF00000000000N0SC",
        }
        made, used = call("POST", write_offs, 201, asked)
        # the write-off with its posting; the account's open case, less past due
        assert used["TransactWriteItems"] == 2 and "Scan" not in used, used
        _, used = call("POST", write_offs, 200, asked)
        assert "TransactWriteItems" not in used and "Scan" not in used, used
        _, used = call("GET", write_offs, 200, query="limit=5")
        assert used == Counter({"Query": 1}), used
        _, used = call("GET", write_offs, 200, query=f"account_id={account_id}")
        assert used == Counter({"GetItem": 1, "Query": 1}), used
        write_off = write_offs + "/{id}"
        _, used = call("GET", write_off, 200, id=made["write_off_id"])
        assert used == Counter({"GetItem": 2}), used
        reason = {"reason": "written off in error"}
        reverse = write_off + "/reverse"
        _, used = call("POST", reverse, 200, reason, role=Role.SUPERVISOR, id=made["write_off_id"])
        assert used["TransactWriteItems"] == 1 and "Scan" not in used, used
        # collection KPIs: one Query of the KPIs' counters and folds, one of the billed
        # counters of the months shown (whatever the number of accounts, items or cases)
        kpis, used = call("GET", "/api/v1/ar/kpis", 200, query="months=24")
        assert len(kpis["months"]) == 24, kpis
        assert used == Counter({"Query": 2}), used
        event = json.dumps(
            {
                "id": "evt_noscan1",
                "type": "payment.succeeded",
                "created": int(time.time()),
                "data": {
                    "payment_id": "pay_noscan1",
                    "amount": "10.00",
                    "currency": "CAD",
                    "method": "card",
                    "account_number": owner["account_number"],
                },
            }
        ).encode()
        mark = dynamodb_spy.mark()
        delivered = client.http.post(
            WEBHOOK,
            headers={"Civiq-Signature": sign(event, WEBHOOK_SECRET, int(time.time()))},
            body=event,
        )
        assert delivered.status_code == 200, delivered.json_body
        assert not dynamodb_spy.since(mark)  # acknowledged without touching the table
        call.covered.add(("POST", WEBHOOK))

        # bank remittance files (the worker that matches lines has its own tests)
        remittances = f"{API}/remittances"
        csv_file = "date,amount,reference,payer_name\n2026-11-20,12.00,,Nobody Known\n"
        mark = dynamodb_spy.mark()
        uploaded = client.http.post(
            remittances,
            headers={"Content-Type": "text/csv", "Authorization": send_headers["Authorization"]},
            body=csv_file.encode(),
        )
        assert uploaded.status_code == 202, uploaded.json_body
        assert dynamodb_spy.since(mark) == Counter({"TransactWriteItems": 1, "GetItem": 1})
        call.covered.add(("POST", remittances))
        remittance_id = uploaded.json_body["remittance_id"]
        one = remittances + "/{remittance_id}"
        _, used = call("GET", one, 200, remittance_id=remittance_id)
        assert used == Counter({"GetItem": 1}), used
        _, used = call(
            "GET", one + "/lines", 200, query="status=exception", remittance_id=remittance_id
        )
        assert used == Counter({"GetItem": 1, "Query": 1}), used
        _, used = call("GET", f"{API}/remittance-exceptions", 200)
        assert used == Counter({"Query": 1}), used
        call(
            "POST",
            one + "/lines/{line_no}/decision",
            404,  # the worker has not matched it yet
            {"action": "return", "note": "not ours"},
            remittance_id=remittance_id,
            line_no="2",
        )

        # processor exceptions (the worker that keeps them has its own tests)
        processor_exceptions = f"{API}/processor-exceptions"
        _, used = call("GET", processor_exceptions, 200, query="status=resolved")
        assert used == Counter({"Query": 1}), used
        _, used = call("GET", processor_exceptions + "/{event_id}", 404, event_id="evt_none")
        assert used == Counter({"GetItem": 1}), used
        _, used = call(
            "POST",
            processor_exceptions + "/{event_id}/decision",
            404,
            {"action": "refund", "note": "not ours"},
            event_id="evt_none",
        )
        assert used == Counter({"GetItem": 1}), used

        # the staff work queue (the function that records failures has its own tests)
        work_queue = f"{API}/work-queue"
        _, used = call("GET", work_queue, 200, query="status=retried")
        assert used == Counter({"Query": 1}), used
        _, used = call("GET", work_queue + "/{item_id}", 404, item_id="WI-NONE")
        assert used == Counter({"GetItem": 1}), used
        for action in ("retry", "resolve"):
            _, used = call(
                "POST",
                work_queue + "/{item_id}/" + action,
                404,
                {"note": "not found"},
                role=Role.SUPERVISOR,
                item_id="WI-NONE",
            )
            assert used == Counter({"GetItem": 1}), used

        # what went out: an account's deliveries, the print files (the sender and the print
        # file have their own tests), and the unsubscribe link of a customer who consented
        _, used = call(
            "GET", f"{ACCOUNTS}/{{id}}/correspondence", 200, query="limit=5", id=account_id
        )
        assert used == Counter({"GetItem": 1, "Query": 1}), used  # the account, one page
        print_files = "/api/v1/notices/print-files"
        _, used = call("GET", print_files, 200, query="limit=5")
        assert used == Counter({"Query": 1}), used
        _, used = call("GET", print_files + "/{day}", 404, day="2026-11-26")
        assert used == Counter({"GetItem": 1}), used
        unsubscribe = "/api/v1/notices/unsubscribe"
        link = f"{unsubscribe}?token={unsubscribe_token(customer_id, UNSUBSCRIBE_KEY)}"
        for method, reads in (("GET", {"GetItem"}), ("POST", {"GetItem", "Query"})):
            mark = dynamodb_spy.mark()
            answered = getattr(client.http, method.lower())(link)
            assert answered.status_code == 200, answered.body
            used = dynamodb_spy.since(mark)
            assert set(used) - {"TransactWriteItems"} <= reads, used  # the customer, once
            call.covered.add((method, unsubscribe))

        # report exports (the worker that makes the file has its own tests)
        asked = {"report": "billing", "run_id": run["id"], "format": "csv"}
        export, used = call("POST", f"{API}/exports", 202, asked)
        assert used == Counter({"GetItem": 1, "PutItem": 1}), used  # the run, the export
        _, used = call("GET", f"{API}/exports/{{id}}", 200, id=export["id"])
        assert used == Counter({"GetItem": 1}), used
        # collections report exports: the export alone (the worker reads the KPI counters, the
        # aging cells or the receivables index, as their JSON routes do)
        ar_exports = "/api/v1/ar/exports"
        for asked in (
            {"report": "ar-kpis", "format": "xlsx", "months": 24},
            {"report": "ar-aging", "format": "pdf", "by": "account", "route": "1"},
        ):
            export, used = call("POST", ar_exports, 202, asked)
            assert used == Counter({"PutItem": 1}), used
        _, used = call("GET", ar_exports + "/{id}", 200, id=export["id"])
        assert used == Counter({"GetItem": 1}), used

        # rate-change simulations (the worker that runs them has its own tests)
        simulations = f"{API}/rate-simulations"
        draft = {"schedule_id": SCHEDULE_ID, "draft_schedule_id": SCHEDULE_ID}
        key = {"Idempotency-Key": "no-scan-simulation-1"}
        simulation, used = call("POST", simulations, 202, draft, role=Role.SUPERVISOR, headers=key)
        # the schedule and the draft's; the job; the key's record (in progress, then the answer)
        assert used == Counter({"GetItem": 2, "PutItem": 2, "UpdateItem": 1}), used
        _, used = call("GET", simulations, 200, role=Role.SUPERVISOR)
        assert used == Counter({"Query": 1}), used
        simulation_path = simulations + "/{id}"
        _, used = call("GET", simulation_path, 200, role=Role.SUPERVISOR, id=simulation["id"])
        assert used == Counter({"GetItem": 1}), used
        export_path = simulation_path + "/export"
        _, used = call(
            "GET", export_path, 409, query="format=csv", role=Role.SUPERVISOR, id=simulation["id"]
        )
        assert used == Counter({"GetItem": 1}), used  # not done: no link yet

        # collection agencies: the roster (one item); the owner referred (the account's case
        # held), reported paid in part by the agency (a payment), listed, recalled; the daily
        # files (the function that writes them has its own tests)
        roster = {
            "version": 0,
            "agencies": [{"code": "northern", "name": "Northern", "commission_percent": "25"}],
        }
        _, used = call("PUT", "/api/v1/ar/agencies", 200, roster, role=Role.SUPERVISOR)
        assert "Scan" not in used, used
        _, used = call("GET", "/api/v1/ar/agencies", 200)
        assert used == Counter({"GetItem": 1}), used
        asked = {"account_id": account_id, "agency": "northern"}
        referral, used = call("POST", "/api/v1/ar/referrals", 201, asked, role=Role.SUPERVISOR)
        assert "Scan" not in used, used
        reported = {
            "remittance_id": "NC-1",
            "paid_on": datetime.now(MUNICIPAL_TIME_ZONE).date().isoformat(),
            "lines": [{"account_number": owner["account_number"], "amount": "1.00"}],
        }
        agency_remittances = "/api/v1/ar/agencies/{code}/remittances"
        _, used = call(
            "POST", agency_remittances, 201, reported, role=Role.SUPERVISOR, code="northern"
        )
        assert "Scan" not in used, used
        _, used = call(
            "GET",
            agency_remittances + "/{remittance_id}",
            200,
            code="northern",
            remittance_id="NC-1",
        )
        assert used == Counter({"GetItem": 2}), used  # the roster, the remittance
        for query in ("", "agency=northern&status=referred", f"account_id={account_id}"):
            _, used = call("GET", "/api/v1/ar/referrals", 200, query=query)
            assert set(used) <= {"Query", "BatchGetItem"}, (query, used)
        one_referral = "/api/v1/ar/referrals/{referral_id}"
        _, used = call("GET", one_referral, 200, referral_id=referral["referral_id"])
        assert used == Counter({"GetItem": 1}), used
        _, used = call(
            "POST",
            one_referral + "/recall",
            200,
            role=Role.SUPERVISOR,
            referral_id=referral["referral_id"],
        )
        assert "Scan" not in used, used
        _, used = call("GET", "/api/v1/ar/agency-files", 200)
        assert used == Counter({"Query": 1}), used
        _, used = call(
            "GET",
            "/api/v1/ar/agency-files/{agency}/{day}",
            404,
            agency="northern",
            day="2026-11-26",
        )
        assert used == Counter({"GetItem": 1}), used

        # service requests: a clerk opens one (the key, the account, one transaction: the
        # request, its key and its event), the worklist and an account's requests (one Query
        # each), one request, a reply and a status change (the request, then one transaction)
        requests_of = f"{ACCOUNTS}/{{id}}/service-requests"
        asked = {"kind": "leak", "subject": "Fuite", "description": "Sous le compteur"}
        key = {"Idempotency-Key": "no-scan-request-1"}
        opened, used = call("POST", requests_of, 201, asked, headers=key, id=account_id)
        # the key, the account; the transaction; the event marked published in the outbox
        assert used == Counter({"GetItem": 2, "TransactWriteItems": 1, "DeleteItem": 1}), used
        _, used = call("POST", requests_of, 201, asked, headers=key, id=account_id)
        assert used == Counter({"GetItem": 2}), used  # the key, the request it opened
        disputed = asked | {"kind": "billing-dispute", "statement_id": "st-none"}
        key = {"Idempotency-Key": "no-scan-request-2"}
        _, used = call("POST", requests_of, 404, disputed, headers=key, id=account_id)
        assert used == Counter({"GetItem": 3}), used  # the key, the account, no such statement
        _, used = call("GET", requests_of, 200, id=account_id)
        assert used == Counter({"GetItem": 1, "Query": 1}), used
        worklist = f"{API}/service-requests"
        _, used = call("GET", worklist, 200, query="status=open&limit=5")
        assert used == Counter({"Query": 1}), used
        one = worklist + "/{request_id}"
        _, used = call("GET", one, 200, request_id=opened["id"])
        assert used == Counter({"GetItem": 1}), used
        reply = {"text": "Nous passons demain."}
        _, used = call("POST", one + "/replies", 200, reply, request_id=opened["id"])
        assert used == Counter({"GetItem": 1, "TransactWriteItems": 1, "DeleteItem": 1}), used
        moved = {"status": "in-progress", "version": 2}
        _, used = call("POST", one + "/status", 200, moved, request_id=opened["id"])
        assert used == Counter({"GetItem": 1, "TransactWriteItems": 1, "DeleteItem": 1}), used

        # the API document (no DynamoDB at all)
        _, used = call("GET", "/api/v1/openapi.json", 200)
        assert not used

        # the staff console's pages: what their JSON routes read, and the sign-in none
        browser = Browser(client, form_page="/dashboard/local-sign-in")

        def page(method: str, route: str, status: int, fields: Any = None, **params: str) -> Any:
            path = route.format(**{k: quote(v, safe="") for k, v in params.items()})
            mark = dynamodb_spy.mark()
            if method == "GET":
                answered = browser.get(path)
            else:
                answered = browser.post(path, fields, csrf=False)
            assert answered.status_code == status, (method, path, answered.body)
            call.covered.add((method, route.partition("?")[0]))
            return answered.body.decode(), dynamodb_spy.since(mark)

        for route, status in (
            ("/dashboard/sign-in", 303),
            ("/dashboard/local-sign-in", 200),
            ("/dashboard/auth/callback", 404),  # Cognito's only
            ("/dashboard/signed-out", 200),
        ):
            _, used = page("GET", route, status)
            assert not used, (route, used)
        asked = {"role": "supervisor", "next": "/dashboard/utilities", "csrf": browser.csrf()}
        _, used = page("POST", "/dashboard/local-sign-in", 303, asked)
        assert used == Counter({"PutItem": 1}), used  # the sign-in on the staff member's history
        reads = {"GetItem", "Query", "BatchGetItem"}
        for route in (
            "/dashboard/utilities",
            "/dashboard/utilities/cycles",
            f"/dashboard/utilities/statements?run_id={quote(run['id'])}",
            "/dashboard/utilities/types",
            "/dashboard/utilities/accounts?status=active&limit=5",
            "/dashboard/utilities/accounts?q=" + quote(owner["holder"]["name"]),
        ):
            _, used = page("GET", route, 200)
            assert set(used) <= reads, (route, used)
        # the past-due statements as the JSON delinquency (a Query a shard), above the aging
        # as the JSON aging reads it (its cells, its snapshots)
        _, used = page("GET", "/dashboard/utilities/delinquencies", 200)
        assert used == Counter({"GetItem": 1, "Query": OPEN_SHARDS + 4}), used
        console_account = "/dashboard/utilities/accounts/{id}"
        shown, used = page("GET", console_account, 200, id=owner["account_number"])
        assert set(used) <= reads, used
        hidden = dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', shown))
        paid = {**hidden, "payment-amount": "1.00", "payment-method": "cash"}
        paid["payment-received_on"] = datetime.now(MUNICIPAL_TIME_ZONE).date().isoformat()
        _, used = page("POST", console_account + "/payments", 303, paid, id=owner["account_number"])
        assert "Scan" not in used, used
        adjusted = {**hidden, "adjustment-amount": "-1.00", "adjustment-reason": "no scan"}
        adjustments = console_account + "/adjustments"
        _, used = page("POST", adjustments, 303, adjusted, id=owner["account_number"])
        assert "Scan" not in used, used
        new_account = "/dashboard/utilities/accounts/new"
        form, used = page("GET", new_account, 200)
        assert not used, used
        key = re.search(r'name="key" value="([^"]+)"', form)
        assert key
        typed = {"csrf": hidden["csrf"], "key": key.group(1), "account-name": "Zoé Scan"}
        typed |= {"account-language": "fr", "account-contact_method": "mail"}
        typed |= {"account-street": "3 Rue Sans Balayage", "account-city": "Gatineau"}
        typed |= {"account-province": "QC", "account-postal_code": "J8X 3G8"}
        typed |= {"account-property_type": "single-family", "account-water": "yes"}
        typed |= {"account-latitude": "45.48", "account-longitude": "-75.70"}
        typed["account-start_date"] = datetime.now(MUNICIPAL_TIME_ZONE).date().isoformat()
        _, used = page("POST", new_account, 303, typed)
        assert "Scan" not in used, used
        console_run = "/dashboard/utilities/runs/{run_id}"
        _, used = page("GET", console_run, 200, run_id=run["id"])
        assert used == Counter({"GetItem": 1, "Query": 1}), used  # as the JSON run
        again = {"csrf": hidden["csrf"], "run-period_end": "2026-09-30"}
        start = "/dashboard/utilities/cycles/{cycle_id}/runs"
        _, used = page("POST", start, 303, again, cycle_id="residential")  # the same run
        assert "Scan" not in used, used
        exceptions_page = "/dashboard/utilities/processor-exceptions"
        _, used = page("GET", exceptions_page + "?status=resolved", 200)
        assert used == Counter({"Query": 1}), used  # as the JSON list
        refund = {"csrf": hidden["csrf"], "decision-action": "refund", "decision-note": "not ours"}
        decision = exceptions_page + "/{event_id}/decision"
        _, used = page("POST", decision, 404, refund, event_id="evt_none")
        assert used == Counter({"GetItem": 1}), used
        _, used = page("GET", "/dashboard/utilities/reads", 200)
        assert used == Counter({"Query": 1}), used  # the reads waiting, one page
        review = {"csrf": hidden["csrf"], "review-decision": "accept"}
        read_path = "/dashboard/utilities/reads/{meter_id}/{read_on}"
        _, used = page("POST", read_path, 409, review, meter_id=meter["id"], read_on="2024-05-01")
        assert "Scan" not in used, used  # reviewed above: a 409 page
        requests_page = "/dashboard/utilities/service-requests"
        _, used = page("GET", requests_page + "?status=open", 200)
        assert used == Counter({"Query": 1}), used  # as the JSON worklist
        one_request = requests_page + "/{request_id}"
        _, used = page("GET", one_request, 404, request_id=unknown)
        assert used == Counter({"GetItem": 1}), used
        answer = {"csrf": hidden["csrf"], "reply-text": "We are on our way."}
        _, used = page("POST", one_request + "/replies", 404, answer, request_id=unknown)
        assert used == Counter({"GetItem": 1}), used
        moved = {"csrf": hidden["csrf"], "move-status": "resolved", "move-version": "1"}
        _, used = page("POST", one_request + "/status", 404, moved, request_id=unknown)
        assert used == Counter({"GetItem": 1}), used
        _, used = page("GET", "/dashboard/utilities/collections?assignee=unassigned", 200)
        assert used == Counter({"Query": 1}), used  # as the JSON worklist
        _, used = page("GET", "/dashboard/utilities/transfers", 200)
        assert used == Counter({"Query": 1}), used  # as the JSON list
        decided = {"csrf": hidden["csrf"], "decision-decision": "approve"}
        decision = "/dashboard/utilities/transfers/{transfer_id}/decision"
        _, used = page("POST", decision, 404, decided, transfer_id=unknown)
        assert "Scan" not in used, used
        _, used = page("GET", "/dashboard/utilities/remittance-exceptions", 200)
        assert used == Counter({"Query": 1}), used  # as the JSON list
        returned = {"csrf": hidden["csrf"], "decision-action": "return"}
        returned["decision-note"] = "not ours"
        line = "/dashboard/utilities/remittance-exceptions/{remittance_id}/{line_no}/decision"
        _, used = page("POST", line, 404, returned, remittance_id=unknown, line_no="1")
        assert "Scan" not in used, used
        _, used = page("POST", "/dashboard/sign-out", 303, {"csrf": hidden["csrf"]})
        assert used == Counter({"PutItem": 1}), used  # and the sign-out

    routes = {(m, path) for path, methods in chalice_app.routes.items() for m in methods}
    assert routes - call.covered == set(), "routes without a request in this test"
    assert dynamodb_spy.scans == []
    assert "Scan" not in dynamodb_spy.operations


def test_the_spy_counts_requests_and_refuses_a_scan(aws: None, dynamodb_spy: DynamoSpy) -> None:
    from civiq.platform.dynamodb.table import AccountItem

    with pytest.raises(AccountItem.DoesNotExist):
        AccountItem.get("ACCOUNT#none", "ACCOUNT")
    assert dynamodb_spy.operations == ["GetItem"]
    with pytest.raises(ScanRefused):
        list(AccountItem.scan())
    assert len(dynamodb_spy.scans) == 1
