"""Cold import of the API function's module (``import app``) against ``import boto3`` alone.

Each sample is a fresh interpreter (``python -c``), a child of this process, with sys.path led by
functions/api, as in the Lambda's code directory, and the function's variables set to dummy
values (nothing here reaches AWS). The two are measured in pairs, one right after the
other, and the ratio is the median of the pairs' ratios: load on the machine that slows one
sample of a pair slows its twin too and cancels out. Which of the two goes first alternates from
pair to pair, so neither always runs on a warmer or a busier machine. The same ratio is also
given on CPU time (``time.process_time``), which waiting for a core does not inflate at all.

An API sample then goes on, as the first request of a cold start does, to build the composition
root (``api()``, its module imported if ``import app`` has not) and to answer one request: an
authenticated ``POST /api/v1/utility/accounts`` with an empty body, refused with 400 after the
token is checked and the body validated. Its only AWS call reads the token key from Secrets
Manager (a moto server this bench starts on 127.0.0.1, as a cold start reads it in AWS). What is
deferred at import is
paid there, for that request's route group only: ``api_first_request_median_ms`` is the whole
cold start of that request (import, composition, response).

Also reported: whether the API pulls in ``weasyprint`` (it must not: the PDF stack belongs to the
letter and statement functions), after ``import app`` and after the first request, and how many
of the workers' rendering modules (``RENDERING``) the first request has loaded (none, it must be).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.common import ACCOUNTS_PATH, API_DIR, Figure, figure, median, note, run_benchmark

PAIRS = 11
# What renders documents (statements, notices, exports): the workers' code, never the API's.
RENDERING = (
    "weasyprint",
    "jinja2",
    "xlsxwriter",
    "civiq.platform.pdf",
    "civiq.billing.services.issue_statements",
    "civiq.billing.services.statement_document",
    "civiq.reporting.adapters.reports",
)
TIMEOUT_S = 60
SIGNING_KEY = "bench-signing-key-that-is-long-enough-0123456789"
SIGNING_KEY_SECRET_ID = "bench-signing-key"  # noqa: S105 - its name in the bench's moto

DUMMY_ENV = {
    "TABLE_NAME": "civiq-bench-table",
    "LEDGER_TABLE_NAME": "civiq-bench-ledger",
    "EVENT_BUS_NAME": "civiq-bench-bus",
    "AUTH_MODE": "local",
    "LOCAL_SIGNING_KEY_SECRET_ID": SIGNING_KEY_SECRET_ID,
    "ACCOUNT_NUMBER_PREFIX": "UB",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
    "AWS_REGION": "ca-central-1",
    "AWS_DEFAULT_REGION": "ca-central-1",
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_ENDPOINT_URL": "http://127.0.0.1:9",  # discard port; never contacted
}

BOTO3_PROBE = """
import json, sys, time
sys.path.insert(0, {api_dir!r})
started, cpu = time.perf_counter(), time.process_time()
import boto3
imported, cpu = time.perf_counter() - started, time.process_time() - cpu
print(json.dumps({{"import_s": imported, "import_cpu_s": cpu, "modules": len(sys.modules)}}))
"""

API_PROBE = """
import json, sys, time
from types import SimpleNamespace
sys.path.insert(0, {api_dir!r})
started, cpu = time.perf_counter(), time.process_time()
import app
imported, cpu = time.perf_counter(), time.process_time() - cpu
result = {{"import_s": imported - started, "import_cpu_s": cpu,
          "weasyprint": "weasyprint" in sys.modules, "modules": len(sys.modules)}}
from chalicelib.composition import api
api()
composed = time.perf_counter()
context = SimpleNamespace(function_name="bench-api", aws_request_id="bench",
                          invoked_function_arn="arn:aws:lambda:ca-central-1:1:function:bench-api",
                          memory_limit_in_mb=512)
response = app.app(json.loads(sys.argv[1]), context)
answered = time.perf_counter()
result.update(compose_s=composed - imported, request_s=answered - composed,
              first_request_s=answered - started, status=response["statusCode"],
              weasyprint_after_request="weasyprint" in sys.modules,
              rendering=[m for m in {rendering!r} if m in sys.modules],
              modules_after_request=len(sys.modules))
print(json.dumps(result))
"""


def _first_request() -> str:
    """The proxy event of the first request: a clerk opening an account with an empty body."""
    from civiq.core.staff import Role
    from civiq.platform.tokens import LocalTokens
    from infra.local.gateway import Route, proxy_event
    from infra.local.run import API_STAGE

    token = LocalTokens(SIGNING_KEY).mint(
        "bench-clerk", [Role.CLERK], datetime.now(UTC), timedelta(hours=1)
    )
    route = Route(ACCOUNTS_PATH, "POST", "arn:bench", re.compile(re.escape(ACCOUNTS_PATH)))
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    event = proxy_event(route, "POST", ACCOUNTS_PATH, "", headers, b"{}", API_STAGE, {})
    return json.dumps(event)


@contextmanager
def _key_in_secrets_manager() -> Iterator[str]:
    """A moto server holding the token key's secret; its endpoint."""
    import boto3
    from moto.server import ThreadedMotoServer

    from infra.local.stack import free_port

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        endpoint = f"http://127.0.0.1:{port}"
        boto3.client(
            "secretsmanager",
            region_name=DUMMY_ENV["AWS_REGION"],
            endpoint_url=endpoint,
            aws_access_key_id="bench",
            aws_secret_access_key="bench",  # noqa: S106 - moto accepts any credentials
        ).create_secret(Name=SIGNING_KEY_SECRET_ID, SecretString=SIGNING_KEY)
        yield endpoint
    finally:
        server.stop()


def _probe(code: str, *args: str, endpoint: str | None = None) -> dict[str, Any]:
    """One fresh interpreter running ``code`` (its AWS calls to ``endpoint``, if given); also
    times its whole run."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/"),
        **DUMMY_ENV,
        **({"AWS_ENDPOINT_URL": endpoint} if endpoint else {}),
    }
    started = time.perf_counter()
    finished = subprocess.run(
        [sys.executable, "-c", code, *args],
        env=env,
        cwd=str(API_DIR),
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )
    wall = time.perf_counter() - started
    if finished.returncode != 0:
        raise RuntimeError(f"probe failed:\n{finished.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(finished.stdout.strip().splitlines()[-1])
    result["process_s"] = wall
    return result


def _top_imports(limit: int = 8) -> tuple[list[tuple[str, float]], list[tuple[str, float]]]:
    """Under ``-X importtime`` (one run, diagnostic): top-level packages by summed self import
    time, and the project's own modules (civiq, chalicelib) by cumulative time."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **DUMMY_ENV}
    code = f"import sys; sys.path.insert(0, {str(API_DIR)!r}); import app"
    finished = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        env=env,
        cwd=str(API_DIR),
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )
    totals: dict[str, float] = {}
    own: dict[str, float] = {}
    for line in finished.stderr.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if len(parts) != 3 or not parts[0].strip().isdigit():
            continue
        name = parts[2].strip()
        top = name.split(".")[0]
        totals[top] = totals.get(top, 0.0) + int(parts[0]) / 1000
        if top in ("civiq", "chalicelib") and name.count(".") <= 2:
            own[name] = int(parts[1]) / 1000
    by_self = sorted(totals.items(), key=lambda item: -item[1])[:limit]
    by_cumulative = sorted(own.items(), key=lambda item: -item[1])[:limit]
    return by_self, by_cumulative


def run() -> list[Figure]:
    api_code = API_PROBE.format(api_dir=str(API_DIR), rendering=RENDERING)
    boto3_code = BOTO3_PROBE.format(api_dir=str(API_DIR))
    event = _first_request()
    _probe(boto3_code)  # warm the OS file cache and .pyc files once, untimed
    api_runs: list[dict[str, Any]] = []
    boto3_runs: list[dict[str, Any]] = []
    ratios: list[float] = []
    cpu_ratios: list[float] = []
    with _key_in_secrets_manager() as endpoint:
        warm = _probe(api_code, event, endpoint=endpoint)
        if warm["status"] != 400:
            raise RuntimeError(f"the first request answered {warm['status']}, expected 400")
        for pair in range(PAIRS):
            if pair % 2 == 0:
                api_run = _probe(api_code, event, endpoint=endpoint)
                boto3_run = _probe(boto3_code)
            else:
                boto3_run = _probe(boto3_code)
                api_run = _probe(api_code, event, endpoint=endpoint)
            api_runs.append(api_run)
            boto3_runs.append(boto3_run)
            ratios.append(api_run["import_s"] / boto3_run["import_s"])
            cpu_ratios.append(api_run["import_cpu_s"] / boto3_run["import_cpu_s"])
    by_self, by_cumulative = _top_imports()
    note("pairwise API/boto3 import ratios: " + ", ".join(f"{r:.2f}" for r in sorted(ratios)))
    rendering = sorted({m for r in api_runs for m in r["rendering"]})
    if rendering:
        note(f"the first request loaded rendering modules: {', '.join(rendering)}")
    note(
        "API import, top-level packages by self time (ms, one run): "
        + ", ".join(f"{name} {ms:.0f}" for name, ms in by_self)
    )
    note(
        "API import, own modules by cumulative time (ms, one run): "
        + ", ".join(f"{name} {ms:.0f}" for name, ms in by_cumulative)
    )

    def ms(key: str, runs: list[dict[str, Any]]) -> float:
        return median([r[key] * 1000 for r in runs])

    return [
        figure("api_module_import_median_ms", ms("import_s", api_runs), "ms"),
        figure("boto3_import_median_ms", ms("import_s", boto3_runs), "ms"),
        figure("api_module_vs_boto3_import_ratio", median(ratios), "ratio"),
        figure("api_module_vs_boto3_import_cpu_ratio", median(cpu_ratios), "ratio"),
        figure("api_composition_build_median_ms", ms("compose_s", api_runs), "ms"),
        figure("api_first_request_handling_median_ms", ms("request_s", api_runs), "ms"),
        figure("api_first_request_median_ms", ms("first_request_s", api_runs), "ms"),
        figure("api_module_process_median_ms", ms("process_s", api_runs), "ms"),
        figure("boto3_process_median_ms", ms("process_s", boto3_runs), "ms"),
        figure(
            "api_module_loaded_modules", int(median([r["modules"] for r in api_runs])), "modules"
        ),
        figure(
            "api_first_request_loaded_modules",
            int(median([r["modules_after_request"] for r in api_runs])),
            "modules",
        ),
        figure("api_imports_weasyprint", int(any(r["weasyprint"] for r in api_runs)), "bool"),
        figure(
            "api_first_request_imports_weasyprint",
            int(any(r["weasyprint_after_request"] for r in api_runs)),
            "bool",
        ),
        figure("api_first_request_rendering_modules", len(rendering), "modules"),
        figure("cold_import_pairs", PAIRS, "runs"),
    ]


def main() -> None:
    run_benchmark("cold_import", run, quiet=False)


if __name__ == "__main__":
    main()
