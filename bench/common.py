"""Helpers shared by the benchmarks: figures, statistics, quiet output, the API in-process.

Every benchmark prints one JSON object on stdout, ``{"benchmark": name, "figures": [...]}``, each
figure ``{"name": snake_case, "value": number, "unit": ...}``. While a benchmark runs, file
descriptor 1 points at /dev/null: the API function logs one JSON line per request on stdout
(Powertools), and those lines would otherwise be mixed into the figures.
"""

from __future__ import annotations

import json
import logging
import math
import os
import statistics
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

from infra.local.run import API_STAGE

REPO = Path(__file__).resolve().parent.parent
API_DIR = REPO / "functions" / "api"
ACCOUNTS_PATH = "/api/v1/utility/accounts"

Figure = dict[str, Any]


def figure(name: str, value: float, unit: str) -> Figure:
    """One figure; floats are rounded to 3 decimals so results diff cleanly."""
    return {
        "name": name,
        "value": round(value, 3) if isinstance(value, float) else value,
        "unit": unit,
    }


def median(values: list[float]) -> float:
    return float(statistics.median(values))


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0..100) of ``values``."""
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return float(ordered[rank - 1])


def emit(benchmark: str, figures: list[Figure]) -> None:
    """Print the benchmark's figures as one JSON object on stdout."""
    names = [f["name"] for f in figures]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"duplicate figure names: {duplicates}")
    print(json.dumps({"benchmark": benchmark, "figures": figures}, indent=2), flush=True)


def note(message: str) -> None:
    """A finding or progress line, on stderr (stdout carries only the figures)."""
    print(f"[bench] {message}", file=sys.stderr, flush=True)


@contextmanager
def silenced_stdout() -> Iterator[None]:
    """Point file descriptor 1 at /dev/null (threads and C code included) for the block."""
    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


def quiet_logging() -> None:
    """Silence the emulator's per-request access log, as `make run` does."""
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    logging.getLogger("weasyprint").setLevel(logging.ERROR)  # font fallback notice, per letter
    logging.getLogger("fontTools").setLevel(logging.ERROR)


@contextmanager
def served_stack() -> Iterator[tuple[Any, int]]:
    """A local stack with the API served over HTTP on a free port, stopped afterwards."""
    from infra.local.run import serve_api
    from infra.local.stack import LocalStack, free_port

    quiet_logging()
    stack = LocalStack.launch()
    server = None
    try:
        port = free_port()
        server = serve_api(stack, port)
        yield stack, port
    finally:
        if server is not None:
            server.shutdown()
        stack.stop()


def settle(stack: Any, expected: int, timeout: float = 60.0) -> float:
    """Wait until ``expected`` welcome-letter executions exist and none is running.

    Opening an account starts the letter pipeline (PDF rendering) in background threads of this
    process; measuring while it runs would time the renderer's CPU use, not the request.
    Returns the seconds waited.
    """
    started = time.monotonic()
    stepfunctions = stack.client("stepfunctions")
    arn = stack.outputs["WelcomeLetterStateMachineArn"]
    while time.monotonic() - started < timeout:
        executions = stepfunctions.list_executions(stateMachineArn=arn)["executions"]
        running = [e for e in executions if e["status"] == "RUNNING"]
        if len(executions) >= expected and not running:
            return time.monotonic() - started
        time.sleep(0.2)
    note(f"letter pipeline still busy after {timeout:.0f} s; measuring anyway")
    return time.monotonic() - started


def api_environment(stack: Any) -> dict[str, str]:
    """The environment variables of the API function as the emulator deployed it."""
    configuration = stack.client("lambda").get_function_configuration(
        FunctionName=stack.physical_ids["ApiFunction"]
    )
    variables: dict[str, str] = configuration["Environment"]["Variables"]
    return variables


def load_api_module(environment: dict[str, str]) -> ModuleType:
    """Import functions/api/app.py under a name of its own, as the local Lambda runtime does,
    after applying the function's variables to os.environ (as the runtime does)."""
    from infra.local.lambda_runtime import import_isolated

    os.environ.update(environment)
    return import_isolated(API_DIR, API_DIR / "app.py", f"_bench_api_{uuid.uuid4().hex[:8]}")


def http_sender(api_url: str, token: str) -> Callable[[str, str, dict[str, Any]], tuple[int, Any]]:
    """Send demo-plan calls over HTTP (infra.local.demo.Send); errors come back as statuses."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def send(method: str, path: str, body: dict[str, Any]) -> tuple[int, Any]:
        request = urllib.request.Request(  # noqa: S310 - loopback URL
            f"{api_url}{path}", data=json.dumps(body).encode(), headers=headers, method=method
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as refused:
            return refused.code, json.loads(refused.read() or b"null")

    return send


def open_accounts_http(api_url: str, token: str, count: int) -> list[dict[str, Any]]:
    """Load a demo town of ``count`` accounts over HTTP (its landlords and rental properties
    too); the accounts' JSON as the API answered."""
    from infra.local.demo import load_via_api, municipality

    return load_via_api(municipality(accounts=count), http_sender(api_url, token))


def run_benchmark(name: str, run: Callable[[], list[Figure]], quiet: bool = True) -> None:
    """Run one benchmark and print its figures (stdout silenced meanwhile when ``quiet``)."""
    started = time.monotonic()
    with silenced_stdout() if quiet else nullcontext():
        figures = run()
    note(f"{name} took {time.monotonic() - started:.1f} s")
    emit(name, figures)


class InProcessApi:
    """Calls the Chalice app object with the REST proxy events the local gateway would send."""

    def __init__(self, app: Any, stack: Any, token: str) -> None:
        from infra.local.gateway import load_routes
        from infra.local.lambda_runtime import LambdaContext

        self._app = app
        self._routes = load_routes(stack.client("apigateway"), stack.physical_ids["StaffApi"])
        self._stage = API_STAGE
        self._headers = {
            "Host": "127.0.0.1",
            "User-Agent": "civiq-bench",
            "Accept": "application/json",
            "Authorization": f"Bearer {token}",
        }
        self._context = LambdaContext(
            function_name="bench-api",
            invoked_function_arn="arn:aws:lambda:ca-central-1:123456789012:function:bench-api",
            memory_limit_in_mb=512,
            aws_request_id=str(uuid.uuid4()),
        )

    def event(self, method: str, target: str, body: Any = None) -> dict[str, Any]:
        from infra.local.gateway import proxy_event

        url = urlsplit(target)
        raw = json.dumps(body).encode() if body is not None else b""
        headers = dict(self._headers)
        if raw:
            headers["Content-Type"] = "application/json"
            headers["Content-Length"] = str(len(raw))
        for route in self._routes:
            match = route.pattern.fullmatch(url.path)
            if match and route.method == method:
                return proxy_event(
                    route, method, url.path, url.query, headers, raw, self._stage, match.groupdict()
                )
        raise LookupError(f"no route for {method} {url.path}")

    def call(self, event: dict[str, Any]) -> tuple[int, Any]:
        """Invoke the app with a prepared event; returns (status, parsed JSON body)."""
        response = self._app(event, self._context)
        return int(response["statusCode"]), json.loads(response.get("body") or "null")

    def request(self, method: str, target: str, body: Any = None) -> tuple[int, Any]:
        return self.call(self.event(method, target, body))
