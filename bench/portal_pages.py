"""The resident portal's pages as a browser gets them: through the local API gateway (HTTP, the
gateway, Lambda Invoke, the portal function in-process), warm.

A demo town of a few accounts is billed once (statements with PDFs), then a resident looks up
one account and the pages are fetched in rounds, one of each page per round (the order
rotating, so drift in the machine's load hits them alike): the lookup page, the account page, a
bill explained, and the style sheet. Reported per page: median and p95 milliseconds (the budget
is a warm p95 under 300 ms), and each page's weight in bytes (HTML; the style sheet on its own;
the budget is under 100 KB before the PDF).

Refused lookups: a wrong account number and a wrong postal code, tried alternately in this
process against the stack's tables (the lookup service as the portal wires it, but with a policy
that never throttles), must do the same work: the DynamoDB requests each makes are counted
(exact), and their median times compared, unpaced (the work itself: reading an account that
exists costs a little more) and paced as the portal answers a refusal (``paced_``: both take the
refusal time).

Cold start: a fresh interpreter imports the portal function's module and answers its first page
(GET /portal: settings, the Jinja environment, the catalogs, the secret read from the stack's
Secrets Manager), paired with a fresh interpreter importing the staff API's module; the ratio is
the median of the pairs' (load on the machine slows both of a pair alike).
"""

from __future__ import annotations

import http.client
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from bench.common import (
    API_DIR,
    REPO,
    Figure,
    figure,
    http_sender,
    median,
    note,
    percentile,
    run_benchmark,
    served_stack,
)

PORTAL_DIR = REPO / "functions" / "portal"
ROUNDS = 120
WARMUP = 10
PAIRS = 7
TIMEOUT_S = 60

PORTAL_PROBE = """
import json, sys, time
sys.path.insert(0, {portal_dir!r})
started = time.perf_counter()
import app
imported = time.perf_counter() - started
event = {{
    "resource": "/portal", "path": "/portal", "httpMethod": "GET",
    "headers": {{"Accept-Language": "fr-CA"}}, "multiValueHeaders": {{}},
    "queryStringParameters": None, "multiValueQueryStringParameters": None,
    "pathParameters": None, "stageVariables": None, "body": None, "isBase64Encoded": False,
    "requestContext": {{"resourcePath": "/portal", "httpMethod": "GET", "path": "/v1/portal",
                        "stage": "v1", "identity": {{"sourceIp": "127.0.0.1"}}}},
}}
answer = app.app(event, None)
assert answer["statusCode"] == 200, answer
first = time.perf_counter() - started
print(json.dumps({{"import_s": imported, "first_page_s": first,
                   "weasyprint": "weasyprint" in sys.modules,
                   "staff_routes": any(m.startswith("chalicelib") for m in sys.modules),
                   "modules": len(sys.modules)}}))
"""
API_PROBE = """
import json, sys, time
sys.path.insert(0, {api_dir!r})
started = time.perf_counter()
import app
print(json.dumps({{"import_s": time.perf_counter() - started, "modules": len(sys.modules)}}))
"""


class Resident:
    """A browser: keeps the cookies the portal sets."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Accept-Language": "fr-CA", "Accept": "text/html"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            content = response.read()
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    cookie_name, _, rest = value.partition("=")
                    self.cookies[cookie_name] = rest.split(";")[0]
            return response.status, content
        finally:
            connection.close()

    def get(self, path: str) -> bytes:
        status, content = self.request("GET", path)
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}")
        return content


def _probe(code: str, cwd: str, environment: dict[str, str]) -> dict[str, Any]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/")}
    env.update({name: str(value) for name, value in environment.items()})
    finished = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )
    if finished.returncode != 0:
        raise RuntimeError(f"probe failed:\n{finished.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(finished.stdout.strip().splitlines()[-1])
    return result


def _function_environment(stack: Any, function: str) -> dict[str, str]:
    configuration = stack.client("lambda").get_function_configuration(
        FunctionName=stack.physical_ids[function]
    )
    variables = dict(configuration["Environment"]["Variables"])
    variables.update(
        {
            "AWS_ENDPOINT_URL": stack.endpoint,
            "AWS_REGION": "ca-central-1",
            "AWS_DEFAULT_REGION": "ca-central-1",
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "POWERTOOLS_LOG_LEVEL": "WARNING",
            "TEMPLATES_DIR": str(REPO / "templates"),
            "PYTHONPATH": str(REPO / "shared"),
        }
    )
    return variables


LOOKUP_ROUNDS = 60


def _refused_lookups(stack: Any, account: dict[str, Any]) -> list[Figure]:
    from datetime import timedelta
    from unittest import mock

    import botocore.client

    from civiq.accounts.adapters.dynamodb_accounts import DynamoAccountRepository
    from civiq.accounts.domain.account_numbers import AccountNumberScheme
    from civiq.core.clock import SystemClock
    from civiq.core.ids import UlidGenerator
    from civiq.platform.dynamodb.audit import DynamoAuditLog
    from civiq.platform.dynamodb.table import configure_models
    from civiq.portal.adapters.dynamodb_attempts import DynamoLookupAttempts
    from civiq.portal.domain.lookup import LookupRefused
    from civiq.portal.domain.throttle import Backoff
    from civiq.portal.services.look_up_account import LookUpAccount, LookupPolicy

    configure_models(
        stack.outputs["MainTableName"],
        stack.outputs["LedgerTableName"],
        "ca-central-1",
        stack.endpoint,
    )
    never = Backoff(10**9, timedelta(seconds=1), timedelta(seconds=1))
    numbering = AccountNumberScheme()

    def service(refusal_time: timedelta) -> LookUpAccount:
        policy = LookupPolicy(never, never, refusal_time=refusal_time)
        return LookUpAccount(
            DynamoAccountRepository(),
            DynamoLookupAttempts(),
            DynamoAuditLog(),
            numbering,
            policy,
            SystemClock(),
            UlidGenerator(),
            time.sleep,
        )

    # the work itself, then what a client sees (the refusals paced as the portal paces them)
    paced = LookupPolicy(never, never).refusal_time
    services = {"": service(timedelta(0)), "paced_": service(paced)}
    calls: list[str] = []
    original = botocore.client.BaseClient._make_api_call

    def counted(client: Any, operation: str, params: Any) -> Any:
        calls.append(operation)
        return original(client, operation, params)

    tries = {
        "wrong_number": (
            numbering.display(numbering.number_for(999_999)),
            account["service_address"]["postal_code"],
        ),
        "wrong_code": (account["account_number_display"], "X0X 0X0"),
    }
    times: dict[str, list[float]] = {f"{p}{n}": [] for p in services for n in tries}
    requests: dict[str, list[str]] = {}
    with mock.patch.object(botocore.client.BaseClient, "_make_api_call", counted):
        for prefix, look_up in services.items():
            rounds = LOOKUP_ROUNDS if not prefix else LOOKUP_ROUNDS // 4
            for round_index in range(rounds):
                names = list(tries) if round_index % 2 == 0 else list(reversed(tries))
                for name in names:
                    calls.clear()
                    started = time.perf_counter()
                    outcome = look_up(*tries[name], "203.0.113.9", "bench")
                    times[prefix + name].append((time.perf_counter() - started) * 1000)
                    if not isinstance(outcome, LookupRefused):
                        raise RuntimeError(f"{name} was not refused: {outcome}")
                    requests[name] = list(calls)
    if sorted(requests["wrong_number"]) != sorted(requests["wrong_code"]):
        raise RuntimeError(f"refusals do different work: {requests}")
    note(f"a refused lookup's requests: {requests['wrong_code']}")
    figures = [
        figure("refused_lookup_dynamodb_requests", float(len(requests["wrong_code"])), "requests")
    ]
    for prefix in services:
        number, code = median(times[f"{prefix}wrong_number"]), median(times[f"{prefix}wrong_code"])
        figures.append(figure(f"{prefix}wrong_number_median_ms", number, "ms"))
        figures.append(figure(f"{prefix}wrong_code_median_ms", code, "ms"))
        figures.append(figure(f"{prefix}wrong_number_vs_wrong_code_ratio", number / code, "ratio"))
    return figures


def _cold_starts(stack: Any) -> list[Figure]:
    portal_env = _function_environment(stack, "PortalFunction")
    api_env = _function_environment(stack, "ApiFunction")
    portal_code = PORTAL_PROBE.format(portal_dir=str(PORTAL_DIR))
    api_code = API_PROBE.format(api_dir=str(API_DIR))
    portal_first, portal_import, api_import, ratios = [], [], [], []
    last: dict[str, Any] = {}
    for pair in range(PAIRS):
        order = [
            ("portal", portal_code, PORTAL_DIR, portal_env),
            ("api", api_code, API_DIR, api_env),
        ]
        results = {}
        for name, code, cwd, env in order if pair % 2 == 0 else reversed(order):
            results[name] = _probe(code, str(cwd), env)
        last = results["portal"]
        portal_first.append(results["portal"]["first_page_s"] * 1000)
        portal_import.append(results["portal"]["import_s"] * 1000)
        api_import.append(results["api"]["import_s"] * 1000)
        ratios.append(results["portal"]["import_s"] / results["api"]["import_s"])
    if last["weasyprint"] or last["staff_routes"]:
        raise RuntimeError(f"the portal's first page loaded what it must not: {last}")
    return [
        figure("portal_cold_first_page_median_ms", median(portal_first), "ms"),
        figure("portal_cold_import_median_ms", median(portal_import), "ms"),
        figure("api_cold_import_median_ms", median(api_import), "ms"),
        figure("portal_vs_api_cold_import_ratio", median(ratios), "ratio"),
        figure("portal_cold_modules", float(last["modules"]), "modules"),
    ]


def run() -> list[Figure]:
    from civiq.core.clock import SystemClock
    from civiq.core.dates import local_today
    from civiq.core.staff import Role
    from infra.local.demo import load_via_api, municipality
    from infra.local.demo_billing import load_billing
    from infra.local.run import staff_token

    with served_stack() as (stack, port):
        api_url = f"http://127.0.0.1:{port}"
        clerk = http_sender(api_url, staff_token(stack, Role.CLERK))
        supervisor = http_sender(api_url, staff_token(stack, Role.SUPERVISOR))
        accounts = load_via_api(municipality(properties=3, seed=4), clerk)
        load_billing(accounts, supervisor, local_today(SystemClock()))
        billed = None
        for account in accounts:
            _, page = clerk("GET", f"/api/v1/utility/accounts/{account['id']}/statements", {})
            if page["items"]:
                billed = (account, page["items"][0]["id"])
                break
        if billed is None:
            raise RuntimeError("the demo run billed no account")
        account, statement_id = billed
        resident = Resident(port)
        lookup_page = resident.get("/portal").decode()
        token = re.search(r'name="csrf" value="([^"]+)"', lookup_page)
        assert token is not None
        status, _ = resident.request(
            "POST",
            "/portal",
            {
                "csrf": token.group(1),
                "account_number": account["account_number_display"],
                "postal_code": account["service_address"]["postal_code"],
            },
        )
        if status != 303:
            raise RuntimeError(f"the lookup answered {status}")
        pages: dict[str, Callable[[], bytes]] = {
            "lookup": lambda: resident.get("/portal"),
            "account": lambda: resident.get("/portal/account"),
            "bill": lambda: resident.get(f"/portal/statements/{statement_id}"),
            "stylesheet": lambda: resident.get("/assets/site.css"),
        }
        weights = {name: len(fetch()) for name, fetch in pages.items()}
        for _ in range(WARMUP):
            for fetch in pages.values():
                fetch()
        samples: dict[str, list[float]] = {name: [] for name in pages}
        names = list(pages)
        for round_index in range(ROUNDS):
            shift = round_index % len(names)
            for name in names[shift:] + names[:shift]:
                started = time.perf_counter()
                pages[name]()
                samples[name].append((time.perf_counter() - started) * 1000)
        figures: list[Figure] = []
        for name, values in samples.items():
            figures.append(figure(f"{name}_warm_median_ms", median(values), "ms"))
            figures.append(figure(f"{name}_warm_p95_ms", percentile(values, 95), "ms"))
            figures.append(figure(f"{name}_bytes", float(weights[name]), "bytes"))
        heaviest = max(weights[n] for n in ("lookup", "account", "bill"))
        figures.append(
            figure(
                "heaviest_page_with_stylesheet_kb", (heaviest + weights["stylesheet"]) / 1024, "KB"
            )
        )
        note(f"pages: {weights}")
        figures.extend(_refused_lookups(stack, account))
        figures.extend(_cold_starts(stack))
        return figures


if __name__ == "__main__":
    run_benchmark("portal_pages", run)
