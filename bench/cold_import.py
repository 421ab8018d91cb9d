"""Cold import of the API function's module (``import app``) against ``import boto3`` alone.

Each sample is a fresh interpreter (``python -c``) with sys.path led by functions/api, as in the
Lambda's code directory, and the function's variables set to dummy values (nothing here touches
the network). Runs of the two alternate; medians of RUNS each. Also reported: whether the API
module pulls in ``weasyprint`` (it must not: the PDF stack belongs to the letter function), first
after ``import app``, then after building the composition root as the first request does.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from typing import Any

from bench.common import API_DIR, Figure, figure, median, note, run_benchmark

RUNS = 9
TIMEOUT_S = 60

DUMMY_ENV = {
    "TABLE_NAME": "civiq-bench-table",
    "EVENT_BUS_NAME": "civiq-bench-bus",
    "AUTH_MODE": "local",
    "LOCAL_SIGNING_KEY": "bench-signing-key-that-is-long-enough-0123456789",
    "ACCOUNT_NUMBER_PREFIX": "UB",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
    "AWS_REGION": "ca-central-1",
    "AWS_DEFAULT_REGION": "ca-central-1",
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_ENDPOINT_URL": "http://127.0.0.1:9",  # discard port; never contacted
}

PROBE = """
import json, sys, time
sys.path.insert(0, {api_dir!r})
started = time.perf_counter()
import {module}
imported = time.perf_counter() - started
result = {{"import_s": imported, "weasyprint": "weasyprint" in sys.modules,
          "modules": len(sys.modules)}}
if {compose!r}:
    from chalicelib.composition import api
    started = time.perf_counter()
    api()
    result["compose_s"] = time.perf_counter() - started
    result["weasyprint_after_compose"] = "weasyprint" in sys.modules
print(json.dumps(result))
"""


def _probe(module: str, compose: bool) -> dict[str, Any]:
    """One fresh interpreter importing ``module``; also times its whole run."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/"),
        **DUMMY_ENV,
    }
    code = PROBE.format(api_dir=str(API_DIR), module=module, compose=compose)
    started = time.perf_counter()
    finished = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=str(API_DIR),
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )
    wall = time.perf_counter() - started
    if finished.returncode != 0:
        raise RuntimeError(f"import {module} failed:\n{finished.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(finished.stdout.strip().splitlines()[-1])
    result["process_s"] = wall
    return result


def _top_imports(limit: int = 8) -> list[tuple[str, float]]:
    """Top-level packages by summed self import time under ``-X importtime`` (diagnostic)."""
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
    for line in finished.stderr.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if len(parts) != 3 or not parts[0].strip().isdigit():
            continue
        top = parts[2].strip().split(".")[0]
        totals[top] = totals.get(top, 0.0) + int(parts[0]) / 1000
    return sorted(totals.items(), key=lambda item: -item[1])[:limit]


def run() -> list[Figure]:
    api_runs: list[dict[str, Any]] = []
    boto3_runs: list[dict[str, Any]] = []
    _probe("boto3", compose=False)  # warm the OS file cache and .pyc files once, untimed
    _probe("app", compose=True)
    for _ in range(RUNS):
        api_runs.append(_probe("app", compose=True))
        boto3_runs.append(_probe("boto3", compose=False))
    api_ms = median([r["import_s"] * 1000 for r in api_runs])
    boto3_ms = median([r["import_s"] * 1000 for r in boto3_runs])
    top = _top_imports()
    note(
        "API import, top-level packages by self time (ms, one run): "
        + ", ".join(f"{name} {ms:.0f}" for name, ms in top)
    )
    return [
        figure("api_module_import_median_ms", api_ms, "ms"),
        figure("boto3_import_median_ms", boto3_ms, "ms"),
        figure("api_module_vs_boto3_import_ratio", api_ms / boto3_ms, "ratio"),
        figure(
            "api_composition_build_median_ms",
            median([r["compose_s"] * 1000 for r in api_runs]),
            "ms",
        ),
        figure(
            "api_module_process_median_ms", median([r["process_s"] * 1000 for r in api_runs]), "ms"
        ),
        figure(
            "boto3_process_median_ms", median([r["process_s"] * 1000 for r in boto3_runs]), "ms"
        ),
        figure(
            "api_module_loaded_modules", int(median([r["modules"] for r in api_runs])), "modules"
        ),
        figure("api_imports_weasyprint", int(any(r["weasyprint"] for r in api_runs)), "bool"),
        figure(
            "api_composition_imports_weasyprint",
            int(any(r["weasyprint_after_compose"] for r in api_runs)),
            "bool",
        ),
        figure("cold_import_runs", RUNS, "runs"),
    ]


def main() -> None:
    run_benchmark("cold_import", run, quiet=False)


if __name__ == "__main__":
    main()
