"""Moves and ownership transfers end to end in the local stack: HTTP API -> Step Functions (the
real ASL in moto) -> workflow tasks and the final bill -> DynamoDB and events (history entries
prove what was published, once). Bad requests are refused with the field at fault and start
nothing. The town's rates and cycle bill route 1, and each unit has its own meter, so every
move-out and sale is final-billed before the account settles.

The stack runs with TenantArrearsPolicy=stay-with-tenant (the default) and
ApprovalTimeoutSeconds=3; the other policy and balances owed are covered in
tests/integration/test_workflows.py (a stack has one policy, and the ledger does not exist yet).
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import requests

from civiq.core.dates import MUNICIPAL_TIME_ZONE
from civiq.core.staff import Role
from civiq.platform.tokens import LocalTokens
from infra.local.demo_billing import define_rates_and_cycle
from infra.local.run import staff_token
from infra.local.stack import LocalStack
from tests.helpers.polling import wait_for
from tests.helpers.stack import http_sender

pytestmark = pytest.mark.e2e
ACCOUNTS = "/api/v1/utility/accounts"
MOVES = "/api/v1/utility/moves"
TRANSFERS = "/api/v1/utility/transfers"
SINCE = "2025-01-01"
TODAY = datetime.now(MUNICIPAL_TIME_ZONE).date()


@pytest.fixture(scope="module")
def supervisor(stack: LocalStack) -> dict[str, str]:
    return {"Authorization": f"Bearer {staff_token(stack, Role.SUPERVISOR)}"}


@pytest.fixture(scope="module")
def approver(stack: LocalStack) -> dict[str, str]:
    """Another supervisor: four eyes, the one who submits a transfer does not approve it."""
    token = LocalTokens(stack.secret("LocalSigningKeySecret")).mint(
        "local-supervisor-2", [Role.SUPERVISOR], datetime.now(UTC), timedelta(hours=1)
    )
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module", autouse=True)
def billed_route(stack: LocalStack, api_url: str) -> None:
    define_rates_and_cycle(http_sender(api_url, staff_token(stack, Role.SUPERVISOR)))


def day(offset: int) -> str:
    return (TODAY + timedelta(days=offset)).isoformat()


def person(name: str) -> dict[str, Any]:
    return {"name": name, "contact": {"email": "r@example.ca"}, "preferences": {"language": "fr"}}


def post(api_url: str, path: str, body: dict[str, Any], headers: dict[str, str]) -> Any:
    return requests.post(f"{api_url}{path}", json=body, headers=headers, timeout=60)


def get(api_url: str, path: str, headers: dict[str, str]) -> Any:
    return requests.get(f"{api_url}{path}", headers=headers, timeout=60)


def open_account(api_url: str, clerk: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    services = [
        {"service_type": kind, "start_date": SINCE}
        for kind in ("water", "sewer", "stormwater", "waste")
    ]
    body = {"services": services, "cart_size": "medium", **body}  # waste is charged by cart
    response = post(api_url, ACCOUNTS, body, clerk)
    assert response.status_code == 201, response.text
    account = dict(response.json())
    meter = {
        "property_id": account["property_id"],
        "unit": account["service_address"]["unit"],
        "installed_on": SINCE,
        "meter": {
            "serial": f"E2E-{uuid.uuid4().hex[:10].upper()}",
            "size": "15mm",
            "meter_type": "displacement",
        },
        "first_value": "0",
    }
    installed = post(api_url, "/api/v1/utility/meters", meter, clerk)
    assert installed.status_code == 201, installed.text
    return account


def duplex(
    api_url: str, clerk: dict[str, str], tenant: bool = True
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """An owner in unit 1 of a new duplex, and a tenant in unit 2."""
    owner = open_account(
        api_url,
        clerk,
        {
            "customer": person("Olivia Owner"),
            "property": {
                "address": {
                    "street": f"{int(time.time() * 1000) % 9999} Rue Principale",
                    "city": "Gatineau",
                    "province": "QC",
                    "postal_code": "J8X 1A1",
                },
                "property_type": "multi-residential",
                "units": ["1", "2"],
            },
            "unit": "1",
            "holder_role": "owner",
        },
    )
    if not tenant:
        return owner, None
    renter = open_account(
        api_url,
        clerk,
        {
            "customer": person("Tom Tenant"),
            "property_id": owner["property_id"],
            "unit": "2",
            "holder_role": "tenant",
        },
    )
    return owner, renter


def move_out(account_id: str, on: str | None = None) -> dict[str, Any]:
    return {
        "account_id": account_id,
        "move_out_date": on or day(-3),
        "final_reading": {"value_m3": "321.5"},
    }


def move_in(property_id: str, on: str | None = None, **changes: Any) -> dict[str, Any]:
    return {
        "property_id": property_id,
        "unit": "2",
        "customer": person("Nina Newcomer"),
        "holder_role": "tenant",
        "move_in_date": on or day(-2),
        **changes,
    }


def finished_move(api_url: str, clerk: dict[str, str], move_id: str) -> dict[str, Any]:
    def done() -> dict[str, Any] | None:
        found = get(api_url, f"{MOVES}/{move_id}", clerk).json()
        return None if found["status"] == "RUNNING" else dict(found)

    result: dict[str, Any] = wait_for(done, timeout=60, interval=0.1)
    return result


def history(stack: LocalStack, subject: str) -> list[str]:
    items = stack.client("dynamodb").query(
        TableName=stack.outputs["MainTableName"],
        KeyConditionExpression="PK = :pk AND begins_with(SK, :audit)",
        ExpressionAttributeValues={":pk": {"S": subject}, ":audit": {"S": "AUDIT#"}},
    )["Items"]
    return [item["action"]["S"] for item in items]


def executions(stack: LocalStack, machine: str) -> list[str]:
    sfn = stack.client("stepfunctions")
    found = sfn.list_executions(stateMachineArn=stack.outputs[machine])["executions"]
    return sorted(e["name"] for e in found)


# ------------------------------------------------------------------ moves


def test_move_out_settles_on_its_final_bill_and_closes_once_paid(
    stack: LocalStack, api_url: str, clerk: dict[str, str], supervisor: dict[str, str]
) -> None:
    _, tenant = duplex(api_url, clerk)
    assert tenant is not None
    response = post(api_url, MOVES, {"move_out": move_out(tenant["id"])}, clerk)
    assert response.status_code == 202, response.text
    assert response.headers["Location"] == f"{MOVES}/{response.json()['id']}"
    done = finished_move(api_url, clerk, response.json()["id"])
    assert done["status"] == "SUCCEEDED", done["error"]
    (final,) = get(api_url, f"{ACCOUNTS}/{tenant['id']}/statements", clerk).json()["items"]
    assert final["kind"] == "final"
    assert done["move_out"] == {  # settled on what the final bill left: it waits for payment
        "account_id": tenant["id"],
        "account_number": tenant["account_number"],
        "status": "final-billed",
        "settlement": "awaiting-payment",
        "balance": final["total_due"],
    }
    assert done["move_in"] is None
    account = get(api_url, f"{ACCOUNTS}/{tenant['id']}", clerk).json()
    assert account["status"] == "final-billed"
    assert {(s["status"], s["end_date"]) for s in account["services"]} == {("closed", day(-3))}
    actions = history(stack, f"ACCOUNT#{tenant['id']}")
    for action in ("FinalBillRequested", "MoveOutCompleted", "StatementIssued"):
        assert actions.count(action) == 1, actions
    assert "AccountClosed" not in actions

    paid = requests.post(
        f"{api_url}{ACCOUNTS}/{tenant['id']}/payments",
        json={"amount": final["total_due"], "method": "cheque", "received_on": day(-1)},
        headers={**clerk, "Idempotency-Key": str(uuid.uuid4())},
        timeout=60,
    )
    assert paid.status_code == 201, paid.text
    version = get(api_url, f"{ACCOUNTS}/{tenant['id']}", clerk).json()["version"]
    closed = post(api_url, f"{ACCOUNTS}/{tenant['id']}/closure", {"version": version}, supervisor)
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed"
    # how long it takes is a figure of bench/workflow_times.py (workflow_move_out_median_s)


def test_move_in_opens_the_new_occupants_account_with_its_start_dates(
    stack: LocalStack, api_url: str, clerk: dict[str, str]
) -> None:
    owner, _ = duplex(api_url, clerk, tenant=False)
    services = [{"service_type": "water", "start_date": day(10)}, {"service_type": "waste"}]
    body = {"move_in": move_in(owner["property_id"], on=day(5), services=services)}
    response = post(api_url, MOVES, body, clerk)
    assert response.status_code == 202, response.text
    done = finished_move(api_url, clerk, response.json()["id"])
    assert done["status"] == "SUCCEEDED", done["error"]
    opened = get(api_url, f"{ACCOUNTS}/{done['move_in']['account_id']}", clerk).json()
    assert opened["status"] == "pending"  # nothing starts before day 5
    assert opened["holder"]["name"] == "Nina Newcomer"
    assert (opened["holder_role"], opened["owner_customer_id"]) == (
        "tenant",
        owner["holder"]["customer_id"],
    )
    assert {(s["service_type"], s["start_date"]) for s in opened["services"]} == {
        ("water", day(10)),
        ("waste", day(5)),
    }
    actions = history(stack, f"ACCOUNT#{opened['id']}")
    assert actions.count("AccountOpened") == actions.count("MoveInCompleted") == 1


def test_combined_move_is_one_request_and_the_same_request_is_the_same_move(
    stack: LocalStack, api_url: str, clerk: dict[str, str]
) -> None:
    owner, tenant = duplex(api_url, clerk)
    assert tenant is not None
    body = {"move_out": move_out(tenant["id"]), "move_in": move_in(owner["property_id"])}
    first = post(api_url, MOVES, body, clerk)
    again = post(api_url, MOVES, body, clerk)
    assert first.status_code == again.status_code == 202
    move_id = first.json()["id"]
    assert again.json()["id"] == move_id
    done = finished_move(api_url, clerk, move_id)
    assert done["status"] == "SUCCEEDED", done["error"]
    assert done["move_out"]["status"] == "final-billed"  # its final bill waits for payment
    assert done["move_in"]["status"] == "active"
    newcomer = get(api_url, f"{ACCOUNTS}/{done['move_in']['account_id']}", clerk).json()
    assert newcomer["cart_size"] == "medium"  # the previous occupant's, as are its services
    assert [s["service_type"] for s in newcomer["services"]] == [
        s["service_type"] for s in tenant["services"]
    ]
    assert executions(stack, "MoveStateMachineArn").count(move_id) == 1
    after = post(api_url, MOVES, body, clerk)  # after it finished: still the same move
    assert (after.status_code, after.json()["status"]) == (202, "SUCCEEDED")
    links = stack.client("dynamodb").query(
        TableName=stack.outputs["MainTableName"],
        KeyConditionExpression="PK = :pk AND begins_with(SK, :account)",
        ExpressionAttributeValues={
            ":pk": {"S": f"PROPERTY#{owner['property_id']}"},
            ":account": {"S": "ACCOUNT#"},
        },
    )["Items"]
    assert len(links) == 3  # owner, tenant (final-billed), newcomer: one account opened


def refused(
    stack: LocalStack,
    api_url: str,
    path: str,
    body: dict[str, Any],
    headers: dict[str, str],
    machine: str = "MoveStateMachineArn",
) -> tuple[int, str | None]:
    before = executions(stack, machine)
    response = post(api_url, path, body, headers)
    assert executions(stack, machine) == before  # nothing started
    return response.status_code, response.json()["error"]["field"]


def test_bad_moves_are_refused_with_the_field_and_start_nothing(
    stack: LocalStack, api_url: str, clerk: dict[str, str]
) -> None:
    owner, tenant = duplex(api_url, clerk)
    assert tenant is not None
    prop = owner["property_id"]
    cases = [
        ({}, (400, "move_out")),
        ({"move_out": move_out("01UNKNOWNACCOUNT0000000000")}, (404, "move_out.account_id")),
        ({"move_out": move_out(tenant["id"], on="2024-12-31")}, (400, "move_out.move_out_date")),
        ({"move_out": move_out(tenant["id"], on=day(3))}, (400, "move_out.move_out_date")),
        ({"move_in": move_in("01UNKNOWNPROPERTY000000000")}, (404, "move_in.property_id")),
        ({"move_in": move_in(prop)}, (409, "move_in.unit")),  # tenant still there
        (
            {"move_out": move_out(tenant["id"]), "move_in": move_in(prop, on=day(-4))},
            (400, "move_in.move_in_date"),
        ),
    ]
    history_before = history(stack, f"ACCOUNT#{tenant['id']}")
    for body, expected in cases:
        assert refused(stack, api_url, MOVES, body, clerk) == expected, body
    assert history(stack, f"ACCOUNT#{tenant['id']}") == history_before


def test_move_out_of_a_final_billed_account_conflicts(
    stack: LocalStack, api_url: str, clerk: dict[str, str]
) -> None:
    _, tenant = duplex(api_url, clerk)
    assert tenant is not None
    moved = post(api_url, MOVES, {"move_out": move_out(tenant["id"])}, clerk).json()
    assert finished_move(api_url, clerk, moved["id"])["move_out"]["status"] == "final-billed"
    body = {"move_out": move_out(tenant["id"], on=day(-1))}
    assert refused(stack, api_url, MOVES, body, clerk) == (409, "move_out.account_id")


# ------------------------------------------------------------------ transfers


def sale(owner: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {
        "property_id": owner["property_id"],
        "closing_date": day(-1),  # a past closing: the closing-date Wait ends at once
        "buyer": {"customer": person("Bea Buyer")},
        "final_reading": {"value_m3": "321.5"},
        **changes,
    }


def finished_transfer(
    api_url: str, clerk: dict[str, str], transfer_id: str, timeout: float = 60
) -> dict[str, Any]:
    def done() -> dict[str, Any] | None:
        found = get(api_url, f"{TRANSFERS}/{transfer_id}", clerk).json()
        return found if found["status"] in ("completed", "rejected") else None

    result: dict[str, Any] = wait_for(done, timeout=timeout, interval=0.1)
    return result


def waiting_on_token(stack: LocalStack, transfer_id: str) -> bool:
    """The transfer workflow waits for the decision: RequestApproval returned (its write done).

    Deciding earlier could race that write, and moto's DynamoDB is not isolated: a failed
    TransactWriteItems restores the whole table as it was when it began, undoing a concurrent
    commit (DynamoDB itself is serializable; see README "Moves and transfers").
    """
    arn = stack.outputs["TransferStateMachineArn"].replace(":stateMachine:", ":execution:")
    sfn = stack.client("stepfunctions")
    events = sfn.get_execution_history(executionArn=f"{arn}:{transfer_id}")["events"]
    return bool(events) and events[-1]["type"] == "TaskSubmitted"


def decide(
    api_url: str, supervisor: dict[str, str], transfer_id: str, decision: str, reason: str = ""
) -> Any:
    body: dict[str, Any] = {"decision": decision}
    if reason:
        body["reason"] = reason
    return post(api_url, f"{TRANSFERS}/{transfer_id}/decision", body, supervisor)


def test_approved_transfer_final_bills_the_seller_and_opens_the_buyers_account(
    stack: LocalStack,
    api_url: str,
    clerk: dict[str, str],
    supervisor: dict[str, str],
    approver: dict[str, str],
) -> None:
    owner, tenant = duplex(api_url, clerk)
    assert tenant is not None
    submitted = post(api_url, TRANSFERS, sale(owner), supervisor)
    assert submitted.status_code == 202, submitted.text
    transfer_id = submitted.json()["id"]
    again = post(api_url, TRANSFERS, sale(owner), supervisor)
    assert (again.status_code, again.json()["id"]) == (200, transfer_id)
    assert executions(stack, "TransferStateMachineArn").count(transfer_id) == 1

    wait_for(lambda: waiting_on_token(stack, transfer_id))
    waiting = get(api_url, f"{TRANSFERS}?status=awaiting-approval", clerk).json()["items"]
    assert transfer_id in [t["id"] for t in waiting]
    own = decide(api_url, supervisor, transfer_id, "approve")
    assert (own.status_code, own.json()["error"]["field"]) == (403, "decision")
    approved = decide(api_url, approver, transfer_id, "approve")
    assert approved.status_code == 200, approved.text
    done = finished_transfer(api_url, clerk, transfer_id)
    assert done["status"] == "completed"
    (buyer_account_id,) = done["buyer_account_ids"]
    buyer_account = get(api_url, f"{ACCOUNTS}/{buyer_account_id}", clerk).json()
    assert (buyer_account["holder"]["name"], buyer_account["holder_role"]) == ("Bea Buyer", "owner")
    assert buyer_account["service_address"]["unit"] == "1"
    assert {s["start_date"] for s in buyer_account["services"]} == {day(-1)}
    assert buyer_account["cart_size"] == owner["cart_size"] == "medium"  # the seller's
    seller_account = get(api_url, f"{ACCOUNTS}/{owner['id']}", clerk).json()
    assert seller_account["status"] == "final-billed"  # its final bill waits for payment
    (final,) = get(api_url, f"{ACCOUNTS}/{owner['id']}/statements", clerk).json()["items"]
    assert final["kind"] == "final"
    renter = get(api_url, f"{ACCOUNTS}/{tenant['id']}", clerk).json()
    assert renter["owner_customer_id"] == done["buyer_customer_id"]
    assert history(stack, f"TRANSFER#{transfer_id}") == ["TransferDecided", "OwnershipTransferred"]
    assert history(stack, f"ACCOUNT#{owner['id']}").count("FinalBillRequested") == 1
    late = decide(api_url, supervisor, transfer_id, "reject", "too late")
    assert (late.status_code, late.json()["error"]["field"]) == (409, "decision")


def test_rejected_transfer_changes_nothing_and_frees_the_property(
    stack: LocalStack, api_url: str, clerk: dict[str, str], supervisor: dict[str, str]
) -> None:
    owner, _ = duplex(api_url, clerk)
    transfer_id = post(api_url, TRANSFERS, sale(owner), supervisor).json()["id"]
    wait_for(lambda: waiting_on_token(stack, transfer_id))
    missing_reason = decide(api_url, supervisor, transfer_id, "reject")
    assert (missing_reason.status_code, missing_reason.json()["error"]["field"]) == (400, "reason")
    rejected = decide(api_url, supervisor, transfer_id, "reject", "the deed is not registered")
    assert rejected.status_code == 200, rejected.text
    done = finished_transfer(api_url, clerk, transfer_id)
    assert (done["status"], done["reason"]) == ("rejected", "the deed is not registered")
    assert get(api_url, f"{ACCOUNTS}/{owner['id']}", clerk).json()["status"] == "active"
    sfn = stack.client("stepfunctions")
    arn = stack.outputs["TransferStateMachineArn"].replace(":stateMachine:", ":execution:")
    wait_for(
        lambda: sfn.describe_execution(executionArn=f"{arn}:{transfer_id}")["status"] == "SUCCEEDED"
    )
    resubmitted = post(api_url, TRANSFERS, sale(owner, closing_date=day(-2)), supervisor)
    assert resubmitted.status_code == 202  # the property is free for another transfer
    again = resubmitted.json()["id"]
    wait_for(lambda: waiting_on_token(stack, again))
    decide(api_url, supervisor, again, "reject", "cleanup")
    finished_transfer(api_url, clerk, again)


def test_transfer_escalates_when_undecided_then_completes_once_approved(
    stack: LocalStack,
    api_url: str,
    clerk: dict[str, str],
    supervisor: dict[str, str],
    approver: dict[str, str],
) -> None:
    owner, _ = duplex(api_url, clerk, tenant=False)
    transfer_id = post(api_url, TRANSFERS, sale(owner), supervisor).json()["id"]

    def escalated() -> dict[str, Any] | None:
        found = get(api_url, f"{TRANSFERS}/{transfer_id}", clerk).json()
        return found if found["escalations"] >= 1 else None

    waiting = wait_for(escalated, timeout=60, interval=0.2)  # a hang guard, not a speed
    assert waiting["status"] == "awaiting-approval"
    assert history(stack, f"TRANSFER#{transfer_id}")[0] == "TransferEscalated"
    wait_for(lambda: waiting_on_token(stack, transfer_id))
    assert decide(api_url, approver, transfer_id, "approve").status_code == 200
    assert finished_transfer(api_url, clerk, transfer_id)["status"] == "completed"


def test_bad_transfers_are_refused_with_the_field_and_start_nothing(
    stack: LocalStack, api_url: str, clerk: dict[str, str], supervisor: dict[str, str]
) -> None:
    owner, _ = duplex(api_url, clerk)
    machine = "TransferStateMachineArn"
    unknown = sale(owner, property_id="01UNKNOWNPROPERTY000000000")
    assert refused(stack, api_url, TRANSFERS, unknown, supervisor, machine) == (404, "property_id")
    early = sale(owner, closing_date="2024-06-01")
    assert refused(stack, api_url, TRANSFERS, early, supervisor, machine) == (400, "closing_date")
    assert refused(stack, api_url, TRANSFERS, sale(owner), clerk, machine) == (403, None)

    transfer_id = post(api_url, TRANSFERS, sale(owner), supervisor).json()["id"]
    other = sale(owner, closing_date=day(-2))
    assert refused(stack, api_url, TRANSFERS, other, supervisor, machine) == (409, "property_id")
    wait_for(lambda: waiting_on_token(stack, transfer_id))
    as_clerk = decide(api_url, clerk, transfer_id, "approve")
    assert as_clerk.status_code == 403
    assert get(api_url, f"{TRANSFERS}/{transfer_id}", clerk).json()["decision"] is None
    assert get(api_url, f"{TRANSFERS}/01UNKNOWNTRANSFER000000000", clerk).status_code == 404
    decide(api_url, supervisor, transfer_id, "reject", "cleanup")
    finished_transfer(api_url, clerk, transfer_id)


def test_the_closing_wait_follows_the_closing_date(
    stack: LocalStack,
    api_url: str,
    clerk: dict[str, str],
    supervisor: dict[str, str],
    approver: dict[str, str],
) -> None:
    """A future closing date: approved, the transfer waits (nothing is final-billed yet)."""
    owner, _ = duplex(api_url, clerk, tenant=False)
    future = date.fromisoformat(day(30)).isoformat()
    transfer_id = post(api_url, TRANSFERS, sale(owner, closing_date=future), supervisor).json()[
        "id"
    ]
    wait_for(lambda: waiting_on_token(stack, transfer_id))
    assert decide(api_url, approver, transfer_id, "approve").status_code == 200
    time.sleep(1.0)
    assert get(api_url, f"{TRANSFERS}/{transfer_id}", clerk).json()["status"] == "approved"
    assert get(api_url, f"{ACCOUNTS}/{owner['id']}", clerk).json()["status"] == "active"
    stack.client("stepfunctions").stop_execution(
        executionArn=stack.outputs["TransferStateMachineArn"].replace(
            ":stateMachine:", ":execution:"
        )
        + f":{transfer_id}"
    )
