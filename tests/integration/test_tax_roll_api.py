"""Transfers of arrears to the tax roll through real Chalice routing against in-process moto: a
supervisor notices one (its workflow started, stand-in), a second is refused while it is
pending, the refusals name their field and write nothing (no roll number, a tenant's debt the
bylaw keeps with the tenant, nothing old enough), a withdrawal cancels it, and a transfer made
at the deadline is reversed, both lines in the day's file for the tax system."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3
import pytest
from chalice.test import Client

from civiq.billing.adapters.dynamodb import DynamoStatements
from civiq.collections.config import TaxRollSettings
from civiq.collections.wiring import transfer_arrears
from civiq.core.clock import SystemClock
from civiq.core.staff import Role
from civiq.platform.dynamodb.audit import DynamoAuditLog
from tests.helpers.api import call, ok
from tests.helpers.builders import open_body
from tests.helpers.emulator import REGION
from tests.helpers.statement_builders import issue_with_ledger, issued_entry, owing_statement

API = "/api/v1/utility"
TRANSFERS = "/api/v1/ar/tax-roll-transfers"
FILES = "/api/v1/ar/tax-roll-files"
UNKNOWN = "01J00000000000000000000000"


@pytest.fixture
def machine(aws: None, monkeypatch: pytest.MonkeyPatch) -> str:
    """A stand-in TaxRollTransfer workflow: executions are started and recorded, not run."""
    sfn = boto3.client("stepfunctions", region_name=REGION)
    definition = '{"StartAt": "Wait", "States": {"Wait": {"Type": "Pass", "End": true}}}'
    arn = sfn.create_state_machine(
        name="tax-roll", definition=definition, roleArn="arn:aws:iam::123456789012:role/x"
    )["stateMachineArn"]
    monkeypatch.setenv("TAX_ROLL_STATE_MACHINE_ARN", arn)
    return str(arn)


@pytest.fixture
def client(chalice_app: Any, machine: str) -> Iterator[Client]:
    with Client(chalice_app) as test_client:
        yield test_client


def owing(client: Client, roll_number: str | None = "0614-000-123-45678", days: int = 61) -> Any:
    """An owner's account whose bill of 240.00 fell due ``days`` ago."""
    body = open_body()
    if roll_number is None:
        del body["property"]["roll_number"]
    else:
        body["property"]["roll_number"] = roll_number
    account = ok(call(client, "POST", f"{API}/accounts", body), 201)
    billed(account, days)
    return account


def billed(account: dict[str, Any], days: int) -> None:
    due = date.today() - timedelta(days=days)
    statement = owing_statement(account["id"], account["account_number"], due, "240.00")
    assert issue_with_ledger(DynamoStatements(), statement, issued_entry(statement))


def notice(client: Client, account_id: str, role: Role = Role.SUPERVISOR) -> Any:
    return call(client, "POST", TRANSFERS, {"account_id": account_id}, role=role)


def history(account_id: str) -> list[str]:
    found = DynamoAuditLog().entries_for(f"ACCOUNT#{account_id}", 100, None).items
    return [e.action for e in found]


def executions(machine: str) -> list[str]:
    sfn = boto3.client("stepfunctions", region_name=REGION)
    return [e["name"] for e in sfn.list_executions(stateMachineArn=machine)["executions"]]


def test_a_supervisor_notices_a_transfer_read_back_and_listed(client: Client, machine: str) -> None:
    account = owing(client)

    assert notice(client, account["id"], role=Role.CLERK).status_code == 403
    transfer = ok(notice(client, account["id"]), 201)

    assert (transfer["status"], transfer["debtor"]) == ("noticed", "owner")
    assert (transfer["noticed_arrears"], transfer["fee"]) == ("240.00", "0.00")
    assert transfer["roll_number"] == "0614000123456780000"
    assert date.fromisoformat(transfer["deadline"]) - date.fromisoformat(
        transfer["noticed_on"]
    ) == timedelta(days=30)
    assert ok(call(client, "GET", f"{TRANSFERS}/{transfer['transfer_id']}")) == transfer
    query = f"{TRANSFERS}?status=noticed&account_id={account['id']}"
    assert ok(call(client, "GET", query))["items"] == [transfer]
    assert ok(call(client, "GET", f"{TRANSFERS}?status=transferred"))["items"] == []
    assert executions(machine) == [f"tax-roll-{transfer['transfer_id']}"]
    assert "TaxRollTransferNoticed" in history(account["id"])
    same = {"account_id": account["id"], "transfer_id": transfer["transfer_id"]}
    again = call(client, "POST", TRANSFERS, same, role=Role.SUPERVISOR)
    assert ok(again, 201) == transfer  # the same transfer id: the same transfer
    assert len(executions(machine)) == 1


def test_a_second_transfer_while_one_is_pending_is_a_conflict(client: Client) -> None:
    account = owing(client)
    first = ok(notice(client, account["id"]), 201)

    second = notice(client, account["id"])

    assert second.status_code == 409, second.json_body
    assert ok(call(client, "GET", f"{TRANSFERS}?account_id={account['id']}"))["items"] == [first]


@pytest.mark.parametrize(
    ("roll_number", "days", "field"),
    [(None, 61, "roll_number"), ("0614-000-123-45678", 59, "account_id")],
)
def test_refusals_name_their_field_and_write_nothing(
    client: Client, machine: str, roll_number: str | None, days: int, field: str
) -> None:
    account = owing(client, roll_number=roll_number, days=days)
    before = history(account["id"])

    refused = notice(client, account["id"])

    assert refused.status_code == 400, refused.json_body
    assert refused.json_body["error"]["field"] == field
    assert ok(call(client, "GET", TRANSFERS))["items"] == []
    assert history(account["id"]) == before
    assert executions(machine) == []


def test_a_tenants_debt_the_bylaw_keeps_with_the_tenant_is_refused(client: Client) -> None:
    owner = ok(call(client, "POST", f"{API}/accounts", open_body()), 201)
    tenant_body = copy.deepcopy(open_body())
    tenant_body["customer"]["name"] = "Marc Gagnon"
    del tenant_body["property"]
    tenant_body |= {"property_id": owner["property_id"], "unit": "2", "holder_role": "tenant"}
    tenant = ok(call(client, "POST", f"{API}/accounts", tenant_body), 201)
    billed(tenant, 61)

    refused = notice(client, tenant["id"])

    assert refused.status_code == 400, refused.json_body
    assert refused.json_body["error"]["field"] == "account_id"
    assert "tenant" in refused.json_body["error"]["message"]
    assert ok(call(client, "GET", TRANSFERS))["items"] == []


def test_unknown_accounts_transfers_and_days_are_not_found(client: Client) -> None:
    reason = {"reason": "entered in error"}
    assert notice(client, UNKNOWN).status_code == 404
    assert call(client, "GET", f"{TRANSFERS}/{UNKNOWN}").status_code == 404
    for action in ("withdraw", "reverse"):
        path = f"{TRANSFERS}/{UNKNOWN}/{action}"
        assert call(client, "POST", path, reason, role=Role.SUPERVISOR).status_code == 404
    assert call(client, "GET", f"{FILES}/2027-01-01").status_code == 404
    assert ok(call(client, "GET", FILES)) == {"days": [], "next_cursor": None}


def test_a_withdrawn_transfer_is_cancelled_and_cannot_be_reversed(client: Client) -> None:
    account = owing(client)
    transfer = ok(notice(client, account["id"]), 201)
    path = f"{TRANSFERS}/{transfer['transfer_id']}"

    withdrawn = ok(
        call(client, "POST", f"{path}/withdraw", {"reason": "billing error"}, Role.SUPERVISOR)
    )

    assert (withdrawn["status"], withdrawn["reason"]) == ("cancelled", "withdrawn: billing error")
    reversed_ = call(client, "POST", f"{path}/reverse", {"reason": "council"}, Role.SUPERVISOR)
    assert reversed_.status_code == 409, reversed_.json_body
    assert "TaxRollTransferWithdrawn" in history(account["id"])


def test_a_transfer_made_at_the_deadline_is_reversed_and_both_lines_are_in_the_days_file(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    account = owing(client)
    transfer = ok(notice(client, account["id"]), 201)
    after_deadline = date.fromisoformat(transfer["deadline"]) + timedelta(days=2)
    ahead = datetime.combine(after_deadline, datetime.min.time(), UTC) - datetime.now(UTC)
    monkeypatch.setattr(SystemClock, "now", lambda self: datetime.now(UTC) + ahead)
    step = transfer_arrears(TaxRollSettings())(transfer["transfer_id"], "corr-deadline")
    assert step.transfer.status.value == "transferred"
    path = f"{TRANSFERS}/{transfer['transfer_id']}"

    reversed_ = ok(
        call(client, "POST", f"{path}/reverse", {"reason": "cancelled by council"}, Role.SUPERVISOR)
    )

    assert (reversed_["status"], reversed_["total"]) == ("reversed", "240.00")
    balance = ok(call(client, "GET", f"{API}/accounts/{account['id']}/balance"))
    assert balance["balance"] == "240.00"
    days = ok(call(client, "GET", FILES))["days"]
    assert days == [reversed_["transferred_on"]]
    day_file = ok(call(client, "GET", f"{FILES}/{days[0]}"))
    assert sorted((line["line_type"], line["total"]) for line in day_file["lines"]) == [
        ("reversal", "-240.00"),
        ("transfer", "240.00"),
    ]
    assert "tax-roll/" in day_file["url"]
    s3 = boto3.client("s3", region_name=REGION)
    bucket = TaxRollSettings().documents_bucket
    text = s3.get_object(Bucket=bucket, Key=f"tax-roll/{days[0]}.csv")["Body"].read().decode()
    assert text.count("\r\n") == 3 and ",reversal\r\n" in text
    again = call(client, "POST", f"{path}/reverse", {"reason": "again"}, Role.SUPERVISOR)
    assert again.status_code == 409
    assert "TaxRollTransferReversed" in history(account["id"])
