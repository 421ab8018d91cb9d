"""Demo history: the demo town as if it had billed on CiVQ for the last thirteen months.

Everything goes through the API and the deployed functions, on the days the town would have
acted: the municipal clock every service reads (:class:`civiq.core.clock.SystemClock`) is set
to each of those days in turn (:func:`municipal_clock_at`), in order, so statements carry their
real issue and due dates, payments their received dates and penalties the day the daily job
would have posted them. For each bimonthly period of the last 13 months: the meters are read the
day after it ends, the cycle runs on the fifth day (statements issued, PDFs rendered, posted to
the ledger), most accounts pay by cheque, cash or e-transfer before the due date, autopay
accounts are charged when their statement is issued (the sandbox processor answers through the
payment webhook), and the late-penalty job runs the day after the due date. The latest ended
period is billed today, as :func:`infra.local.demo_billing.load_billing` bills it.

Two accounts stop paying: one in arrears (its last ``ARREARS_BILLS`` bills unpaid, each with
its penalty: a case for a payment arrangement) and one simply past due (its previous bill
unpaid). Loading again on the same stack adds nothing: rates and cycle exist already, meters
and reads are the same requests again, a run of a period is the same run, payments carry an
idempotency key per statement and a statement's penalty is posted once.
"""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from time import monotonic
from typing import Any, Protocol
from unittest.mock import patch

from civiq.billing.domain.cycles import CycleDefinition, add_months
from civiq.core.clock import SystemClock
from civiq.core.dates import MUNICIPAL_TIME_ZONE
from civiq.core.staff import Role
from civiq.platform.tokens import LocalTokens
from infra.local.demo import API, DemoLoadError, Send, gateway_sender
from infra.local.demo_billing import (
    DemoRun,
    call_api,
    cycle,
    define_rates_and_cycle,
    install_meters,
    period_ends,
    post_reads,
    run_period,
)
from infra.local.gateway import Handle, LocalApiGateway, write_answer
from infra.local.stack import LocalStack

HISTORY_MONTHS = 13
ARREARS_BILLS = 4  # unpaid bills of the account in arrears, the latest not yet due among them
READ_HOUR = time(9)  # local: the reader's round, the day after a period ends
RUN_AT = time(10, tzinfo=UTC)  # the billing scheduler's cron(0 10 * * ? *)
PENALTIES_AT = time(11, tzinfo=UTC)  # the late-penalty job's cron(0 11 * * ? *)
PAYMENT_HOUR = time(14)  # local: the counter, the mail or the bank
PAYMENT_METHODS = ("cheque", "e-transfer", "e-transfer", "cash")
WEBHOOK_PATH = f"{API}/webhooks/payments"
PENALTY_RULE = "LatePenaltiesFunction"


class Story(Protocol):
    """What happens to the account in arrears besides its bills, on days of its own."""

    told: list[str]

    def begin(self, first_unpaid_due_on: date) -> None: ...

    def catch_up(self, until: datetime) -> None:
        """Play what happens before ``until``."""
        ...


KeyedPost = Callable[[str, dict[str, Any], str], Any]  # path, body, Idempotency-Key
# The account in arrears, a supervisor's sender, and one that POSTs with an Idempotency-Key
StoryOf = Callable[[str, "Send", KeyedPost], Story]


@contextmanager
def municipal_clock_at(instant: datetime) -> Iterator[None]:
    """Inside, every service's clock reads ``instant`` and runs on from it (in this process:
    the API and the functions the local stack runs here). Staff tokens, presigned links and
    the emulator keep the real time."""
    started = monotonic()

    def now(_: SystemClock) -> datetime:
        return instant + timedelta(seconds=monotonic() - started)

    with patch.object(SystemClock, "now", now):
        yield


def local_instant(day: date, at: time) -> datetime:
    return datetime.combine(day, at.replace(tzinfo=MUNICIPAL_TIME_ZONE))


@contextmanager
def webhooks_only(gateway: LocalApiGateway, port: int) -> Iterator[None]:
    """Inside, the API's port answers the payment webhook only (the sandbox processor's answers
    to autopay charges) and 503 to everything else: the API is served once the demo is in."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path.split("?")[0] == WEBHOOK_PATH:
                answer = gateway.handle("POST", self.path, dict(self.headers.items()), body)
            else:
                answer = 503, [], b""
            write_answer(self, answer)

        def do_GET(self) -> None:
            self.send_response(503)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, name="demo-webhooks", daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()


def keyed_sender(handle: Handle, token: str) -> KeyedPost:
    """POST with an Idempotency-Key (payments): the same key is the same payment."""

    def post(path: str, body: dict[str, Any], key: str) -> Any:
        headers = {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Idempotency-Key": key,
        }
        status, _, raw = handle("POST", path, headers, json.dumps(body).encode())
        if status not in (200, 201):
            raise DemoLoadError(f"demo payment {path} ({status}): {raw[:300]!r}")
        return json.loads(raw)

    return post


def penalty_job(stack: LocalStack) -> Callable[[datetime], object]:
    """Fire the late-penalty job's scheduled rule as EventBridge would at an instant."""
    rule, target = next(
        (rule, target) for rule, _, target in stack.scheduled_targets() if PENALTY_RULE in rule
    )
    return lambda at: stack.fire_schedule(rule, target, at)


def _parameter(stack: LocalStack, name: str) -> str:
    value = stack.parameters.get(name, stack.template["Parameters"][name].get("Default"))
    return str(value)


@dataclass(frozen=True)
class DemoHistory:
    latest: DemoRun
    periods: tuple[date, ...]  # the period ends billed before the latest, oldest first
    statements: int
    payments: int
    autopay: tuple[str, ...]  # account ids
    arrears: str  # account id
    past_due: str  # account id
    story: tuple[str, ...] = ()  # what happened to the account in arrears, day by day


def history_periods(definition: CycleDefinition, today: date) -> tuple[list[date], date]:
    """The period ends of the last ``HISTORY_MONTHS`` months before the latest ended period,
    and that latest one."""
    latest = definition.latest_period_end(today)
    if latest is None:
        raise DemoLoadError(f"no billing period has ended by {today}")
    since = add_months(today, -HISTORY_MONTHS, today.day)
    return [d for d in period_ends(definition, latest) if since <= d < latest], latest


def _statement_of(send: Send, account_id: str, period_end: date) -> dict[str, Any] | None:
    page = call_api(send, "GET", f"{API}/accounts/{account_id}/statements", {}, expected=(200,))
    found = [s for s in page["items"] if s["period_end"] == period_end.isoformat()]
    return found[0] if found else None


def _on_autopay(send: Send, accounts: list[dict[str, Any]]) -> tuple[str, ...]:
    """The accounts the plan put on autopay; in a small town with none, its last account
    joins (through the API)."""
    chosen = [a["id"] for a in accounts if a["autopay"]]
    if chosen or len(accounts) < 3:
        return tuple(chosen)
    last = call_api(send, "GET", f"{API}/accounts/{accounts[-1]['id']}", {}, expected=(200,))
    if last["autopay"]:
        return (last["id"],)  # loaded before
    call_api(
        send,
        "PUT",
        f"{API}/accounts/{last['id']}/settings",
        {"version": last["version"], "autopay": True},
        expected=(200,),
    )
    return (last["id"],)


def load_history(
    stack: LocalStack,
    gateway: LocalApiGateway,
    accounts: list[dict[str, Any]],
    today: date,
    definition: CycleDefinition | None = None,
    seed: int = 11,
    story: StoryOf | None = None,
) -> DemoHistory:
    """Bill ``accounts`` for the last 13 months as the town would have (see the module), then
    the latest ended period today. ``story``: what happens to the account in arrears besides,
    told on its own days in between the history's."""
    definition = definition or cycle()
    periods, latest = history_periods(definition, today)
    if not periods or len(accounts) < 3:
        raise DemoLoadError("the demo history needs a period before the latest and 3 accounts")
    token = LocalTokens(stack.secret("LocalSigningKeySecret")).mint(
        "local-demo-history", [Role.SUPERVISOR], datetime.now(UTC), timedelta(hours=1)
    )
    send = gateway_sender(gateway.handle, token)
    pay = keyed_sender(gateway.handle, token)
    penalties = penalty_job(stack)
    grace = int(_parameter(stack, "PenaltyGraceDays"))
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    start = definition.period_start(periods[0])
    with municipal_clock_at(local_instant(start + timedelta(days=1), READ_HOUR)):
        define_rates_and_cycle(send, definition)
        meters = install_meters(accounts, send, definition, latest, seed)
        reads = post_reads(send, meters, [d for d in period_ends(definition, start)])
        autopay = _on_autopay(send, accounts)
    others = [a["id"] for a in accounts if a["id"] not in autopay]
    arrears, past_due = others[0], others[1]
    arrears_story = story(arrears, send, pay) if story is not None else None

    @contextmanager
    def on(instant: datetime) -> Iterator[None]:
        """The history's next day: the story's days before it first."""
        if arrears_story is not None:
            arrears_story.catch_up(instant)
        with municipal_clock_at(instant):
            yield

    unpaid = {arrears: set(periods[-(ARREARS_BILLS - 1) :]), past_due: {periods[-1]}}
    statements = payments = 0
    # Between the days, the clock stays back at the history's start: nothing the story left
    # waiting (a collection case's execution) wakes before its day.
    with municipal_clock_at(local_instant(start, READ_HOUR)):
        for period_end in periods:
            with on(local_instant(period_end + timedelta(days=1), READ_HOUR)):
                reads += post_reads(send, meters, [period_end])
            run_day = period_end + timedelta(days=definition.read_days)
            with on(datetime.combine(run_day, RUN_AT)):
                run = run_period(send, definition, period_end)
            if run["status"] != "completed":
                raise DemoLoadError(f"the demo history's run {run['id']} is {run['status']}: {run}")
            due: list[tuple[date, str, dict[str, Any]]] = []
            for account in accounts:
                account_id = account["id"]
                statement = _statement_of(send, account_id, period_end)
                if statement is None:
                    continue
                statements += 1
                if account_id in autopay or period_end in unpaid.get(account_id, set()):
                    if account_id == arrears and arrears_story is not None:
                        arrears_story.begin(date.fromisoformat(statement["due_on"]))
                    continue
                paid_on = date.fromisoformat(statement["issued_on"]) + timedelta(rng.randint(4, 18))
                due.append((paid_on, account_id, statement))
            for paid_on, account_id, statement in sorted(due, key=lambda d: (d[0], d[1])):
                with on(local_instant(paid_on, PAYMENT_HOUR)):
                    pay(
                        f"{API}/accounts/{account_id}/payments",
                        {
                            "amount": statement["total_due"],
                            "method": rng.choice(PAYMENT_METHODS),
                            "received_on": paid_on.isoformat(),
                        },
                        f"demo-payment-{statement['id']}",
                    )
                payments += 1
            penalty_day = run_day + timedelta(days=definition.due_days + grace + 1)
            with on(datetime.combine(penalty_day, PENALTIES_AT)):
                penalties(datetime.combine(penalty_day, PENALTIES_AT))
        if arrears_story is not None:
            arrears_story.catch_up(datetime.now(UTC))  # what the story has left is after today
    reads += post_reads(send, meters, [latest])
    run = run_period(send, definition, latest)
    return DemoHistory(
        DemoRun(run, len(meters), reads),
        tuple(periods),
        statements,
        payments,
        autopay,
        arrears,
        past_due,
        tuple(arrears_story.told) if arrears_story is not None else (),
    )
