"""DynamoDB requests per API operation, counted exactly with a botocore event hook.

Every botocore client created in this process (PynamoDB makes its own, one per ``Connection``,
from a fresh botocore session) gets a ``before-call`` handler, so the count includes clients the
API builds per request. Calls are attributed by thread: the API runs in-process on the
benchmark's thread, so its requests are exactly those made on that thread during the call.
Work the call sets off elsewhere (EventBridge -> SQS -> audit writer and letter Lambdas, run by
the emulator in its own threads) is reported apart as ``..._downstream``.

The counter is checked first: a bare boto3 ``get_item`` and a bare PynamoDB ``AccountItem.get``
must each count exactly one ``GetItem``; otherwise the benchmark fails.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import botocore.session

from bench.common import (
    ACCOUNTS_PATH,
    Figure,
    InProcessApi,
    api_environment,
    figure,
    load_api_module,
    median,
    note,
    quiet_logging,
    run_benchmark,
    settle,
)

REPEATS = 5
WARMUP_OPENS = 2
DEMO_ACCOUNTS = 40  # the demo town measured: enough calls of each kind after the warm-up
OPERATIONS = ("open_account", "open_tenant_account", "register_customer", "register_property")
DOWNSTREAM_QUIET_S = 1.0
DOWNSTREAM_MAX_S = 20.0


@dataclass(frozen=True)
class Call:
    thread: int
    service: str
    operation: str
    kind: str  # "call": one API call (before-call); "send": one HTTP attempt; "client": created
    seconds: float = 0.0  # for "client": time spent creating it


@dataclass
class Window:
    """What one measured block saw: API calls on the caller's thread and on other threads."""

    mine: list[Call] = field(default_factory=list)
    others: list[Call] = field(default_factory=list)

    def operations(self, service: str = "dynamodb", downstream: bool = False) -> Counter[str]:
        calls = self.others if downstream else self.mine
        return Counter(c.operation for c in calls if c.service == service and c.kind == "call")

    def attempts(self, service: str = "dynamodb") -> int:
        return sum(1 for c in self.mine if c.service == service and c.kind == "send")

    def clients(self) -> list[Call]:
        """botocore clients created on the caller's thread (each loads its service model)."""
        return [c for c in self.mine if c.kind == "client"]


class RequestCounter:
    """Registers a handler on every botocore client the process creates from now on."""

    UNIQUE_ID = "civiq-bench-request-counter"

    def __init__(self) -> None:
        self._calls: list[Call] = []
        self._lock = threading.Lock()

    def install(self) -> None:
        original = botocore.session.Session.create_client
        counter = self

        def create_client(session: Any, *args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            client = original(session, *args, **kwargs)
            elapsed = time.perf_counter() - started
            counter.attach(client)
            service = client.meta.service_model.service_name
            with counter._lock:
                counter._calls.append(
                    Call(threading.get_ident(), service, "CreateClient", "client", elapsed)
                )
            return client

        botocore.session.Session.create_client = create_client  # type: ignore[method-assign,assignment]

    def attach(self, client: Any) -> None:
        events = client.meta.events
        events.register("before-call", self._on_call, unique_id=self.UNIQUE_ID + "-call")
        events.register("before-send", self._on_send, unique_id=self.UNIQUE_ID + "-send")

    def _record(self, event_name: str, kind: str) -> None:
        _, service, operation = event_name.split(".", 2)
        with self._lock:
            self._calls.append(Call(threading.get_ident(), service, operation, kind))

    def _on_call(self, event_name: str, **_: Any) -> None:
        self._record(event_name, "call")

    def _on_send(self, event_name: str, **_: Any) -> None:
        self._record(event_name, "send")

    def mark(self) -> int:
        with self._lock:
            return len(self._calls)

    def since(self, mark: int) -> list[Call]:
        with self._lock:
            return list(self._calls[mark:])

    @contextmanager
    def window(self, downstream: bool = False) -> Iterator[Window]:
        """Calls made during the block; with ``downstream``, wait for other threads to go quiet."""
        me = threading.get_ident()
        start = self.mark()
        seen = Window()
        yield seen
        end = self.mark()
        if downstream:
            deadline = time.monotonic() + DOWNSTREAM_MAX_S
            quiet_since = time.monotonic()
            while time.monotonic() < deadline:
                time.sleep(0.1)
                now = self.mark()
                if now != end:
                    end, quiet_since = now, time.monotonic()
                elif time.monotonic() - quiet_since >= DOWNSTREAM_QUIET_S:
                    break
        calls = self.since(start)[: end - start]
        seen.mine.extend(c for c in calls if c.thread == me)
        seen.others.extend(c for c in calls if c.thread != me)


def _snake(operation: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation).lower()


def _check_counter(counter: RequestCounter, stack: Any, account_id: str) -> None:
    from civiq.platform.dynamodb.table import AccountItem

    key = {"PK": {"S": f"ACCOUNT#{account_id}"}, "SK": {"S": "ACCOUNT"}}
    client = stack.client("dynamodb")
    with counter.window() as bare:
        client.get_item(TableName=stack.outputs["MainTableName"], Key=key)
    with counter.window() as model:
        AccountItem.get(f"ACCOUNT#{account_id}", "ACCOUNT")
    for label, seen in (("boto3 get_item", bare), ("PynamoDB AccountItem.get", model)):
        counted = seen.operations()
        if counted != Counter({"GetItem": 1}):
            raise AssertionError(f"request counter is wrong: {label} counted {dict(counted)}")


def _count(values: list[int]) -> int | float:
    middle = median([float(v) for v in values])
    return int(middle) if middle.is_integer() else middle


def _figures(name: str, windows: list[Window], downstream: bool) -> list[Figure]:
    totals = [sum(w.operations().values()) for w in windows]
    if len(set(totals)) > 1:
        note(f"{name}: DynamoDB requests vary between calls: {totals}")
    figures = [figure(f"dynamodb_requests_{name}", _count(totals), "requests")]
    for operation in sorted(set().union(*(w.operations() for w in windows))):
        counts = [w.operations()[operation] for w in windows]
        figures.append(
            figure(f"dynamodb_requests_{name}_{_snake(operation)}", _count(counts), "requests")
        )
    retries = [w.attempts() - sum(w.operations().values()) for w in windows]
    figures.append(figure(f"dynamodb_retries_{name}", max(retries), "requests"))
    services = sorted({c.service for w in windows for c in w.mine if c.kind == "call"})
    for service in [s for s in services if s != "dynamodb"]:
        counts = [sum(w.operations(service).values()) for w in windows]
        figures.append(figure(f"{service}_requests_{name}", _count(counts), "requests"))
    created = [len(w.clients()) for w in windows]
    figures.append(figure(f"botocore_clients_created_{name}", _count(created), "clients"))
    if any(created):
        spent = [sum(c.seconds for c in w.clients()) * 1000 for w in windows]
        figures.append(figure(f"botocore_client_creation_{name}_median_ms", median(spent), "ms"))
    if downstream:
        counts = [sum(w.operations(downstream=True).values()) for w in windows]
        figures.append(figure(f"dynamodb_requests_{name}_downstream", _count(counts), "requests"))
        seen = Counter[str]()
        for w in windows:
            seen.update(w.operations(downstream=True))
        note(f"{name}: downstream DynamoDB operations over {len(windows)} calls: {dict(seen)}")
    note(f"{name}: clients created per call: {created}")
    first = windows[0]
    other = [
        (c.service, c.operation) for c in first.mine if c.service != "dynamodb" and c.kind == "call"
    ]
    note(
        f"{name}: on the API thread: DynamoDB {dict(first.operations())}, other calls {other}, "
        f"clients created {[c.service for c in first.clients()]}"
    )
    return figures


def _operation(path: str, body: dict[str, Any]) -> str:
    """What a demo-plan call does, as a figure name."""
    from infra.local.demo import CUSTOMERS, PROPERTIES

    if path == CUSTOMERS:
        return "register_customer"
    if path == PROPERTIES:
        return "register_property"
    # open_account: a new owner at a new property (the most common opening); a tenant's
    # account opens at a property the landlord registered
    return "open_account" if "property" in body else "open_tenant_account"


def run() -> list[Figure]:
    from civiq.core.staff import Role
    from civiq.platform.dynamodb.table import AccountItem
    from infra.local.demo import ACCOUNTS, municipality
    from infra.local.run import staff_token
    from infra.local.stack import LocalStack

    quiet_logging()
    counter = RequestCounter()
    counter.install()  # before anything builds a client
    stack = LocalStack.launch()
    try:
        module = load_api_module(api_environment(stack))
        api = InProcessApi(module.app, stack, staff_token(stack, Role.CLERK))
        plan = municipality(accounts=DEMO_ACCOUNTS)

        def expect(status: int, wanted: int, what: str, body: Any) -> None:
            if status != wanted:
                raise RuntimeError(f"{what} answered {status}: {body}")

        # The demo town's calls in order (landlords, their properties, owner and tenant
        # accounts). Warm-up: the first call builds the composition root (no requests of its
        # own), and the downstream functions cold-start. Each calls configure_models(), which
        # resets the process-wide PynamoDB connections (all functions share one process
        # locally), so the API's next call would rebuild its clients; WARMUP_OPENS account
        # openings (each followed by a GET) reach the steady state. Then up to REPEATS calls of
        # each kind are measured; the others run unmeasured.
        ids: list[str] = []
        opened: list[dict[str, Any]] = []
        windows: dict[str, list[Window]] = {}
        for call in plan.calls:
            body = call.resolved(ids)
            operation = _operation(call.path, call.body)
            warm = len(opened) < WARMUP_OPENS
            measured = not warm and len(windows.setdefault(operation, [])) < REPEATS
            if measured:
                with counter.window(downstream=call.path == ACCOUNTS) as seen:
                    status, answer = api.request(call.method, call.path, body)
                windows[operation].append(seen)
            else:
                status, answer = api.request(call.method, call.path, body)
            expect(status, 201, f"{call.method} {call.path}", answer)
            ids.append(answer["id"])
            if call.path == ACCOUNTS:
                opened.append(answer)
                if warm:
                    settle(stack, len(opened))
                    status, found = api.request("GET", f"{ACCOUNTS_PATH}/{answer['id']}")
                    expect(status, 200, "GET warm-up", found)
            if all(len(windows.get(op, [])) >= REPEATS for op in OPERATIONS):
                break
        # The hook is on every client created since install(); attaching again is a no-op.
        counter.attach(AccountItem._get_connection().connection.client)
        _check_counter(counter, stack, opened[0]["id"])
        settle(stack, len(opened))
        sampled = opened[WARMUP_OPENS:][:REPEATS]

        def windows_of(targets: list[str]) -> list[Window]:
            found = []
            for target in targets:
                with counter.window() as seen:
                    status, answer = api.request("GET", target)
                expect(status, 200, f"GET {target}", answer)
                found.append(seen)
            return found

        by_id = windows_of([f"{ACCOUNTS_PATH}/{a['id']}" for a in sampled])
        by_number = windows_of([f"{ACCOUNTS_PATH}/{a['account_number']}" for a in sampled])
        by_display = windows_of([f"{ACCOUNTS_PATH}/{a['account_number_display']}" for a in sampled])
        list_page = windows_of([ACCOUNTS_PATH] * REPEATS)
        list_small = windows_of([f"{ACCOUNTS_PATH}?limit=2"] * REPEATS)

        figures: list[Figure] = []
        for operation in OPERATIONS:
            samples = windows.get(operation, [])
            if not samples:
                raise RuntimeError(f"the demo plan has no {operation} call to measure")
            note(f"{operation}: {len(samples)} calls measured")
            figures += _figures(operation, samples, downstream=operation.startswith("open"))
        figures += _figures("get_by_id", by_id, downstream=False)
        figures += _figures("get_by_number", by_number, downstream=False)
        figures += _figures("get_by_display_number", by_display, downstream=False)
        figures += _figures("list_page", list_page, downstream=False)
        figures += _figures("list_page_limit_2", list_small, downstream=False)
        single = all(w.operations() == Counter({"GetItem": 1}) for w in by_id)
        if not single:
            note(
                f"FINDING: GET by id is not exactly 1 GetItem: "
                f"{[dict(w.operations()) for w in by_id]}"
            )
        figures.append(figure("get_by_id_is_single_get_item", int(single), "bool"))
        one_query = all(sum(w.operations().values()) == 1 for w in by_number + by_display)
        figures.append(figure("get_by_number_is_single_request", int(one_query), "bool"))
        figures.append(figure("dynamodb_requests_samples_per_operation", REPEATS, "requests"))
        return figures
    finally:
        stack.stop()


def main() -> None:
    run_benchmark("dynamodb_requests", run)


if __name__ == "__main__":
    main()
