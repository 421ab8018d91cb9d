"""End-to-end time of the move and transfer workflows in the local stack, through the HTTP API.

Each figure is the median, over RUNS runs, of the wall time from the POST to the workflow's end
as the API reports it:

- move-out: POST /moves -> GET /moves/{id} SUCCEEDED (services ended, the final bill rated,
  issued and rendered, the account settled on it);
- move-in: the new occupant's account opened (AccountOpened, MoveInCompleted);
- combined: both, for one unit;
- transfer: POST /transfers, the approval sent as soon as the workflow waits for it -> GET
  /transfers/{id} completed (the status is written with OwnershipTransferred, in one
  transaction).

Before each run the welcome-letter pipeline (PDF rendering, started by every AccountOpened) is
left to finish, so the figures time the workflows rather than the renderer; a move-in still
renders its own letter while its workflow ends. The target in AWS is under 2 minutes; moto's
timings are not AWS timings (see ../shared/notes/local-aws.md).
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.common import (
    Figure,
    figure,
    median,
    note,
    run_benchmark,
    served_stack,
    settle,
)
from civiq.core.dates import MUNICIPAL_TIME_ZONE

RUNS = 5
POLL_S = 0.02
TIMEOUT_S = 120.0
MOVES = "/api/v1/utility/moves"
TRANSFERS = "/api/v1/utility/transfers"
ACCOUNTS = "/api/v1/utility/accounts"


class Client:
    def __init__(self, api_url: str, clerk: str, supervisor: str, approver: str) -> None:
        self.api_url = api_url
        # four eyes: a transfer is approved by another supervisor than the one who submitted it
        self.tokens = {"clerk": clerk, "supervisor": supervisor, "approver": approver}

    def call(
        self, method: str, path: str, body: Any = None, role: str = "clerk"
    ) -> tuple[int, Any]:
        request = urllib.request.Request(  # noqa: S310 - loopback URL
            f"{self.api_url}{path}",
            data=json.dumps(body).encode() if body is not None else None,
            headers={
                "Authorization": f"Bearer {self.tokens[role]}",
                "Content-Type": "application/json",
            },
            method=method,
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as refused:
            return refused.code, json.loads(refused.read())

    def sender(self, role: str) -> Any:
        return lambda method, path, body: self.call(method, path, body, role)

    def until(self, path: str, done: Any) -> dict[str, Any]:
        deadline = time.monotonic() + TIMEOUT_S
        while time.monotonic() < deadline:
            _, found = self.call("GET", path)
            if done(found):
                return dict(found)
            time.sleep(POLL_S)
        raise TimeoutError(path)


def _person(name: str) -> dict[str, Any]:
    return {"name": name, "preferences": {"language": "en"}}


def _metered(client: Client, account: dict[str, Any], run: int) -> dict[str, Any]:
    """Its unit's own meter: the town's rates bill water by meter size and volume."""
    meter = {
        "property_id": account["property_id"],
        "unit": account["service_address"]["unit"],
        "installed_on": "2025-01-01",
        "meter": {
            "serial": f"BENCH-{run}-{account['service_address']['unit']}",
            "size": "15mm",
            "meter_type": "displacement",
        },
        "first_value": "0",
    }
    status, _ = client.call("POST", "/api/v1/utility/meters", meter)
    assert status == 201, status
    return account


def _duplex(client: Client, run: int, tenant: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    services = [
        {"service_type": kind, "start_date": "2025-01-01"}
        for kind in ("water", "sewer", "stormwater", "waste")
    ]
    _, owner = client.call(
        "POST",
        ACCOUNTS,
        {
            "customer": _person(f"Owner {run}"),
            "property": {
                "address": {
                    "street": f"{100 + run} Maple Avenue",
                    "city": "Ottawa",
                    "province": "ON",
                    "postal_code": "K1P 1J1",
                },
                "property_type": "multi-residential",
                "units": ["1", "2"],
            },
            "unit": "1",
            "services": services,
            "cart_size": "medium",
        },
    )
    occupant = _metered(client, owner, run)
    if tenant:
        _, occupant = client.call(
            "POST",
            ACCOUNTS,
            {
                "customer": _person(f"Tenant {run}"),
                "property_id": owner["property_id"],
                "unit": "2",
                "holder_role": "tenant",
                "services": services,
                "cart_size": "medium",
            },
        )
        _metered(client, occupant, run)
    return owner, occupant


def waiting_for_decision(stack: Any, transfer_id: str) -> None:
    """Until the workflow waits on its approval token (its RequestApproval write is done).

    The approval is sent then: a decision racing that write could be lost to moto's DynamoDB,
    whose failed transactions restore the whole table (see README "Moves and transfers").
    """
    prefix = stack.outputs["TransferStateMachineArn"].replace(":stateMachine:", ":execution:")
    sfn = stack.client("stepfunctions")
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        events = sfn.get_execution_history(executionArn=f"{prefix}:{transfer_id}")["events"]
        if events and events[-1]["type"] == "TaskSubmitted":
            return
        time.sleep(POLL_S)
    raise TimeoutError(transfer_id)


def transfer_ended(stack: Any, transfer_id: str) -> Any:
    """A check of GET /transfers/{id} that also fails fast if the workflow failed."""
    prefix = stack.outputs["TransferStateMachineArn"].replace(":stateMachine:", ":execution:")
    sfn = stack.client("stepfunctions")

    def ended(found: dict[str, Any]) -> bool:
        if found["status"] in ("completed", "rejected"):
            return True
        run = sfn.describe_execution(executionArn=f"{prefix}:{transfer_id}")
        if run["status"] not in ("RUNNING", "SUCCEEDED"):
            raise RuntimeError(f"transfer {run['status']}: {run.get('cause')}")
        return False

    return ended


def run() -> list[Figure]:
    from civiq.core.staff import Role
    from civiq.platform.tokens import LocalTokens
    from infra.local.demo_billing import define_rates_and_cycle
    from infra.local.run import staff_token

    with served_stack() as (stack, port):
        approver = LocalTokens(stack.secret("LocalSigningKeySecret")).mint(
            "bench-approver", [Role.SUPERVISOR], datetime.now(UTC), timedelta(hours=1)
        )
        client = Client(
            f"http://127.0.0.1:{port}",
            staff_token(stack, Role.CLERK),
            staff_token(stack, Role.SUPERVISOR),
            approver,
        )
        define_rates_and_cycle(client.sender("supervisor"))
        today = datetime.now(MUNICIPAL_TIME_ZONE).date()
        moved_out = (today - timedelta(days=2)).isoformat()
        moved_in = (today - timedelta(days=1)).isoformat()
        letters = 0
        samples: dict[str, list[float]] = {"move_out": [], "move_in": [], "combined": []}
        samples["transfer"] = []
        for index in range(RUNS):
            setups = {
                kind: _duplex(client, index * 10 + n, tenant=kind != "move_in")
                for n, kind in enumerate(("move_out", "move_in", "combined", "transfer"))
            }
            letters += 7  # three duplexes with a tenant, one without
            for kind in ("move_out", "move_in", "combined"):
                owner, occupant = setups[kind]
                body: dict[str, Any] = {}
                if kind in ("move_out", "combined"):
                    body["move_out"] = {
                        "account_id": occupant["id"],
                        "move_out_date": moved_out,
                        "final_reading": {"value_m3": "321.5"},
                    }
                if kind in ("move_in", "combined"):
                    body["move_in"] = {
                        "property_id": owner["property_id"],
                        "unit": "2",
                        "customer": _person(f"Newcomer {index}"),
                        "holder_role": "tenant",
                        "move_in_date": moved_in,
                    }
                    letters += 1
                settle(stack, letters - (1 if "move_in" in body else 0))
                started = time.monotonic()
                _, accepted = client.call("POST", MOVES, body)
                done = client.until(f"{MOVES}/{accepted['id']}", lambda m: m["status"] != "RUNNING")
                samples[kind].append(time.monotonic() - started)
                if done["status"] != "SUCCEEDED":
                    raise RuntimeError(f"{kind} move failed: {done['error']}")
            owner, _ = setups["transfer"]
            letters += 1  # the buyer's account
            settle(stack, letters - 1)
            started = time.monotonic()
            _, transfer = client.call(
                "POST",
                TRANSFERS,
                {
                    "property_id": owner["property_id"],
                    "closing_date": moved_in,
                    "buyer": {"customer": _person(f"Buyer {index}")},
                    "final_reading": {"value_m3": "321.5"},
                },
                role="supervisor",
            )
            waiting_for_decision(stack, transfer["id"])
            client.call(
                "POST",
                f"{TRANSFERS}/{transfer['id']}/decision",
                {"decision": "approve"},
                role="approver",
            )
            done = client.until(
                f"{TRANSFERS}/{transfer['id']}", transfer_ended(stack, transfer["id"])
            )
            samples["transfer"].append(time.monotonic() - started)
            if done["status"] != "completed":
                raise RuntimeError(f"transfer ended {done['status']}")
        for kind, values in samples.items():
            note(f"{kind}: " + ", ".join(f"{v:.2f}" for v in values) + " s")
        figures = [
            figure(f"workflow_{kind}_median_s", median(values), "s")
            for kind, values in samples.items()
        ]
        figures.append(figure("workflow_runs", RUNS, "runs"))
        return figures


def main() -> None:
    run_benchmark("workflow_times", run)


if __name__ == "__main__":
    main()
