"""Billing cycles, runs and statements through real Chalice routing, against in-process moto
(the billing workflow is a stand-in here: tests/integration/test_billing_cycle.py runs it)."""

from __future__ import annotations

import json
from decimal import Decimal as D
from typing import Any
from urllib.parse import parse_qs, urlparse

import boto3
import pytest
from chalice.test import Client

from civiq.accounts.adapters.dynamodb_accounts import DynamoAccountRepository
from civiq.accounts.adapters.dynamodb_properties import DynamoPropertyRepository
from civiq.accounts.adapters.dynamodb_workflows import DynamoBalances
from civiq.accounts.services.recording import Recorder
from civiq.billing.adapters.dynamodb import DynamoRuns, DynamoStatements
from civiq.billing.ports import Attachment
from civiq.billing.services.billing import BillAccount
from civiq.core.audit import AuditEntry
from civiq.core.clock import SystemClock
from civiq.core.ids import UlidGenerator
from civiq.core.staff import Role
from civiq.ledger.adapters.dynamodb_journal import DynamoJournal
from civiq.metering.adapters.dynamodb import DynamoMetering
from civiq.metering.services.readings import RecordEstimate
from civiq.rates.adapters.dynamodb import DynamoRateSchedules
from infra.local.demo_rates import SCHEDULE_ID
from tests.helpers.api import API, CYCLE, CYCLES, DEFINITION, headers, ok, token
from tests.helpers.builders import open_body
from tests.helpers.emulator import BUCKET, REGION, table_items
from tests.helpers.statement_builders import issue_with_ledger, statement
from tests.helpers.stores import NOW
from tests.helpers.workflows import metered_account, read, zipped


def call(
    client: Client, method: str, path: str, body: Any = None, role: Role = Role.SUPERVISOR
) -> Any:
    raw = None if body is None else json.dumps(body)
    return getattr(client.http, method.lower())(path, headers=headers(token(role)), body=raw)


def executions(machine: str) -> list[dict[str, Any]]:
    sfn = boto3.client("stepfunctions", region_name=REGION)
    found = sfn.list_executions(stateMachineArn=machine)["executions"]
    return [sfn.describe_execution(executionArn=e["executionArn"]) for e in found]


def test_a_supervisor_defines_a_cycle_and_clerks_read_it(
    chalice_app: Any, billing_machine: str
) -> None:
    with Client(chalice_app) as client:
        refused = call(client, "POST", CYCLES, DEFINITION, role=Role.CLERK)
        assert refused.status_code == 403
        created = call(client, "POST", CYCLES, DEFINITION)
        assert created.status_code == 201, created.json_body
        assert created.headers["Location"] == CYCLE
        assert created.json_body["routes"] == ["1", "2"] and created.json_body["version"] == 1
        assert call(client, "POST", CYCLES, DEFINITION).status_code == 409
        listed = call(client, "GET", CYCLES, role=Role.CLERK).json_body
        assert [c["id"] for c in listed["items"]] == ["residential"]
        changed = {k: v for k, v in DEFINITION.items() if k != "cycle_id"}
        revised = call(client, "PUT", CYCLE, changed | {"version": 1, "due_days": 30})
        assert revised.json_body["due_days"] == 30 and revised.json_body["version"] == 2
        stale = call(client, "PUT", CYCLE, changed | {"version": 1})
        assert stale.status_code == 409
        assert stale.json_body["error"]["current_version"] == 2
        renamed = ok(call(client, "PUT", CYCLE, {"version": 2, "name": "Residential east"}))
        assert renamed["name"] == "Residential east" and renamed["due_days"] == 30
        assert renamed["routes"] == ["1", "2"] and renamed["read_days"] == 5
        kept = {k: v for k, v in renamed.items() if k not in {"name", "version"}}
        assert kept == {k: v for k, v in revised.json_body.items() if k not in {"name", "version"}}
        refused_route = call(client, "PUT", CYCLE, {"version": 3, "routes": []})
        assert refused_route.status_code == 400
        assert refused_route.json_body["error"]["field"] == "routes"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"routes": []}, "routes"),
        ({"routes": ["bad route!"]}, "routes.0"),
        ({"frequency": "weekly"}, "frequency"),
        ({"first_period_end": "2026-02-30"}, "first_period_end"),
        ({"due_days": 3}, "due_days"),
        ({"cycle_id": "Has Spaces"}, "cycle_id"),
        ({"first_period_end": 20260131}, "first_period_end"),
        ({"rate_schedule_id": "no-such-rates"}, "rate_schedule_id"),
    ],
)
def test_a_bad_cycle_names_its_field_and_writes_nothing(
    chalice_app: Any, billing_machine: str, change: dict[str, Any], field: str
) -> None:
    with Client(chalice_app) as client:
        answer = call(client, "POST", CYCLES, DEFINITION | change)
    assert 400 <= answer.status_code < 500
    assert answer.json_body["error"]["field"] == field, answer.json_body
    assert [i for i in table_items() if i["PK"]["S"] == "CYCLES"] == []


def test_a_run_starts_once_per_period_and_reports_its_progress(
    chalice_app: Any, billing_machine: str
) -> None:
    with Client(chalice_app) as client:
        call(client, "POST", CYCLES, DEFINITION)
        started = call(client, "POST", f"{CYCLE}/runs", {"period_end": "2026-09-30"})
        assert started.status_code == 202, started.json_body
        run = started.json_body
        assert (run["id"], run["status"]) == ("residential-2026-09-30", "running")
        assert (run["period_start"], run["due_on"] > run["issued_on"]) == ("2026-08-01", True)
        again = call(client, "POST", f"{CYCLE}/runs", {"period_end": "2026-09-30"})
        assert again.json_body["started_at"] == run["started_at"]
        (execution,) = executions(billing_machine)
        assert json.loads(execution["input"]) == {"run_id": run["id"], "routes": ["1", "2"]}
        progress = call(client, "GET", f"{API}/runs/{run['id']}", role=Role.CLERK)
        assert progress.json_body["billed"] == 0 and progress.json_body["batches_done"] == 0
        listed = call(client, "GET", f"{CYCLE}/runs", role=Role.CLERK).json_body
        assert [r["id"] for r in listed["items"]] == [run["id"]]
        resume = call(client, "POST", f"{API}/runs/{run['id']}/resume")
        assert resume.status_code == 409 and resume.json_body["error"]["field"] == "status"


@pytest.mark.parametrize(
    ("period", "status", "field"),
    [
        ({"period_end": "2026-10-31"}, 400, "period_end"),  # not a period end of the cycle
        ({"period_end": "2099-01-31"}, 400, "period_end"),  # not ended yet
        ({"period_end": "yesterday"}, 400, "period_end"),
    ],
)
def test_a_run_of_a_period_that_is_not_billable_is_refused(
    chalice_app: Any, billing_machine: str, period: dict[str, Any], status: int, field: str
) -> None:
    with Client(chalice_app) as client:
        call(client, "POST", CYCLES, DEFINITION)
        answer = call(client, "POST", f"{CYCLE}/runs", period)
    assert answer.status_code == status, answer.json_body
    assert answer.json_body["error"]["field"] == field
    assert executions(billing_machine) == []


def test_unknown_cycles_and_runs_are_404(chalice_app: Any, billing_machine: str) -> None:
    with Client(chalice_app) as client:
        assert call(client, "GET", f"{CYCLES}/nope", role=Role.CLERK).status_code == 404
        assert call(client, "GET", f"{API}/runs/nope-2026-09-30").status_code == 404
        assert call(client, "GET", f"{API}/runs/x").status_code == 404
        assert call(client, "POST", f"{CYCLES}/nope/runs", {}).status_code == 404


def test_statements_are_listed_read_and_fetched_through_a_short_lived_link(
    chalice_app: Any, billing_machine: str
) -> None:
    with Client(chalice_app) as client:
        account = call(client, "POST", f"{API}/accounts", open_body(), role=Role.CLERK).json_body
        issued = statement(
            account_id=account["id"], statement_id=f"{account['account_number']}-20261031"
        )
        statements = DynamoStatements()
        issue_with_ledger(
            statements, issued, AuditEntry("S1", "ACCOUNT#x", "T", "s", "s", NOW, "c", {})
        )
        path = f"{API}/accounts/{account['account_number']}/statements"

        listed = call(client, "GET", path, role=Role.CLERK).json_body
        assert [s["id"] for s in listed["items"]] == [issued.statement_id]
        assert listed["items"][0]["total_due"] == f"{issued.total_due:.2f}"
        detail = call(client, "GET", f"{path}/{issued.statement_id}", role=Role.CLERK).json_body
        assert [line["amount"] for line in detail["lines"]] == [
            f"{line.amount:.2f}" for line in issued.bill.lines
        ]
        assert detail["lines"][0]["basis_days"] == issued.bill.lines[0].basis_days
        not_yet = call(client, "GET", f"{path}/{issued.statement_id}/document", role=Role.CLERK)
        assert not_yet.status_code == 404 and not_yet.json_body["error"]["field"] == "document"

        key = f"statements/{account['id']}/2026-10-31/{issued.statement_id}.pdf"
        boto3.client("s3", region_name=REGION).put_object(Bucket=BUCKET, Key=key, Body=b"%PDF")
        statements.attach_documents([Attachment(issued, key, ())])
        link = call(client, "GET", f"{path}/{issued.statement_id}/document", role=Role.CLERK)
        assert link.status_code == 200
        url = urlparse(link.json_body["url"])
        assert url.path.endswith(key) and parse_qs(url.query)["X-Amz-Expires"] == ["300"]
        assert link.json_body["expires_in"] == 300
        missing = call(client, "GET", f"{path}/UB00000000-20261031", role=Role.CLERK)
        assert missing.status_code == 404


@pytest.fixture
def renderer_function(aws: None) -> str:
    """The statement renderer, as the API sees it: a function it invokes asynchronously."""
    role = boto3.client("iam").create_role(RoleName="renderer", AssumeRolePolicyDocument="{}")
    boto3.client("lambda", region_name=REGION).create_function(
        FunctionName="statement-renderer",
        Runtime="python3.12",
        Role=role["Role"]["Arn"],
        Handler="handler.handler",
        Code={"ZipFile": zipped({"handler.py": b""})},
    )
    return "statement-renderer"


def test_a_supervisor_cancels_and_rebills_the_latest_statement_keeping_both(
    chalice_app: Any, billing_machine: str, renderer_function: str
) -> None:
    account, meter = metered_account("Élise Tremblay", "12 Rue Laurier")
    read(meter, "2026-09-30", "100")
    read(meter, "2026-11-02", "140")
    with Client(chalice_app) as client:
        call(client, "POST", CYCLES, DEFINITION | {"routes": ["1"]})
        run = call(client, "POST", f"{CYCLE}/runs", {"period_end": "2026-09-30"}).json_body
        issued = bill(account.account_id, run["id"])
        path = f"{API}/accounts/{account.account_id}/statements/{issued}"
        refused = call(client, "POST", f"{path}/rebill", {"reason": "misread"}, Role.CLERK)
        assert refused.status_code == 403

        answer = call(client, "POST", f"{path}/rebill", {"reason": "rates entered late"})

        assert answer.status_code == 201, answer.json_body
        rebill = answer.json_body
        assert (rebill["id"], rebill["kind"], rebill["replaces"]) == (
            f"{issued}-R1",
            "rebill",
            issued,
        )
        listed = call(client, "GET", f"{API}/accounts/{account.account_id}/statements").json_body
        assert [(s["id"], s["status"]) for s in listed["items"]] == [
            (f"{issued}-R1", "issued"),
            (issued, "cancelled"),
        ]
        again = call(client, "POST", f"{path}/rebill", {"reason": "twice"})
        assert again.status_code == 409 and again.json_body["error"]["field"] == "statement_id"
        short = call(client, "POST", f"{path}-R1/rebill", {"reason": "x"})
        assert short.status_code == 400 and short.json_body["error"]["field"] == "reason"
    assert DynamoBalances().balance_of(account.account_id).amount == D(rebill["new_charges"])


def bill(account_id: str, run_id: str) -> str:
    """Bill the account in the run, as the workflow's batch task does."""
    run = DynamoRuns().get(run_id)
    metering = DynamoMetering()
    recorder = Recorder(SystemClock(), UlidGenerator())
    bill_account = BillAccount(
        DynamoAccountRepository(),
        DynamoPropertyRepository(),
        metering,
        metering,
        DynamoStatements(),
        DynamoJournal(),
        RecordEstimate(metering, metering, metering, recorder),
        SystemClock(),
        UlidGenerator(),
    )
    schedule = DynamoRateSchedules().get(SCHEDULE_ID)
    outcome = bill_account(account_id, run.request(), schedule)
    assert outcome.statement_id is not None, outcome
    return outcome.statement_id
