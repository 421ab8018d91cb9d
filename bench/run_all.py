"""`make bench`: run every benchmark, each in its own interpreter, and keep the figures.

``make bench ONLY="cold_import read_reminders"`` (``python -m bench.run_all NAME...``) runs those
alone and replaces only their figures in the results, keeping the others' (each benchmark's
entry records when it ran).

One LocalStack fits in a process, so each benchmark runs as ``python -m bench.<name>`` in a
subprocess, one after the other (never concurrently: they would time each other). Their figures
go to bench/results/latest.json with the date, the machine (nproc, platform) and the Python
version. A benchmark that fails or times out is recorded as such; the others still run, and the
exit status is then 1.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import REPO, Figure

BENCHMARKS = (
    "api_latency",
    "dynamodb_requests",
    "cold_import",
    "make_run_ready",
    "workflow_times",
    "search",
    "rating",
    "rate_simulation",
    "statement_render",
    "billing_cycle",
    "payments",
    "remittance",
    "read_reminders",
    "ledger_digest",
    "collection_cases",
    "tax_roll",
    "write_offs",
    "aging_report",
    "collection_kpis",
    "risk_scoring",
    "delivery",
    "agencies",
    "portal_pages",
    "service_requests",
)
TIMEOUT_S = 240
# search loads 50,000 accounts into in-process moto first (about 6 minutes on 2 cores);
# billing_cycle loads 10,000 accounts with meters and reads, then bills them (see its docstring);
# payments opens ~50 accounts in the local stack; remittance loads a town into moto (docstrings);
# rate_simulation re-rates 50,000 generated accounts' years twice in memory (about 3 minutes);
# read_reminders loads 360 accounts into moto and reminds them five times; ledger_digest loads
# 1,000 accounts into moto and digests them three times; risk_scoring scores 1,000,000 generated
# accounts three times over and writes 40 accounts' histories into moto; tax_roll loads 60
# accounts into moto and notices, transfers and reverses their owners'; delivery opens 60
# accounts in moto, delivers their messages twice, and renders three print-file parts of 200
# letters; agencies refers 60 accounts in moto, records their remittances and writes the file;
# service_requests opens 40 accounts' cases in moto and opens, answers, disputes and settles
TIMEOUTS = {
    "search": 2400,
    "rate_simulation": 900,
    "billing_cycle": 5400,
    "payments": 1200,
    "remittance": 1800,
    "read_reminders": 900,
    "ledger_digest": 900,
    "collection_cases": 900,
    "tax_roll": 900,
    "write_offs": 900,
    "aging_report": 1800,
    "collection_kpis": 2400,
    "risk_scoring": 1200,
    "delivery": 900,
    "agencies": 900,
    "service_requests": 900,
}
RESULTS = REPO / "bench" / "results" / "latest.json"


def _run_one(name: str) -> dict[str, Any]:
    """Run ``bench.<name>``; its figures, or the error it ended with."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", f"bench.{name}"],
        cwd=str(REPO),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        start_new_session=True,  # its own group, so a timeout can end all it started
    )
    try:
        stdout, stderr = process.communicate(timeout=TIMEOUTS.get(name, TIMEOUT_S))
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # the leader is unreaped: the id is ours
        process.communicate()
        limit = TIMEOUTS.get(name, TIMEOUT_S)
        return {"ok": False, "seconds": limit, "error": f"timed out after {limit} s"}
    finished = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
    seconds = round(time.monotonic() - started, 1)
    notes = [line for line in finished.stderr.splitlines() if line.startswith("[bench]")]
    if finished.returncode != 0:
        tail = "\n".join(finished.stderr.strip().splitlines()[-15:])
        return {"ok": False, "seconds": seconds, "error": tail, "notes": notes}
    try:
        output = json.loads(finished.stdout)
        figures: list[Figure] = output["figures"]
    except (ValueError, KeyError) as exc:
        return {"ok": False, "seconds": seconds, "error": f"unreadable output: {exc}"}
    return {"ok": True, "seconds": seconds, "figures": figures, "notes": notes}


def _previous() -> tuple[dict[str, dict[str, Any]], list[Figure]]:
    """The runs and figures already recorded (none when there is no readable file)."""
    try:
        report = json.loads(Path(RESULTS).read_text(encoding="utf-8"))
        return dict(report["benchmarks"]), list(report["figures"])
    except (OSError, ValueError, KeyError):
        return {}, []


def main(names: list[str]) -> int:
    unknown = sorted(set(names) - set(BENCHMARKS))
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}", file=sys.stderr)
        return 2
    chosen = [n for n in BENCHMARKS if n in names] if names else list(BENCHMARKS)
    runs, figures = _previous() if names else ({}, [])
    for name in chosen:
        figures = [f for f in figures if f["name"] not in runs.get(name, {}).get("figures", [])]
    for name in chosen:
        print(f"{name} ...", flush=True)
        result = _run_one(name)
        runs[name] = {k: v for k, v in result.items() if k != "figures"}
        runs[name]["ran_at"] = datetime.now(UTC).isoformat(timespec="seconds")
        runs[name]["figures"] = [f["name"] for f in result.get("figures", [])]
        figures.extend(result.get("figures", []))
        status = "ok" if result["ok"] else "FAILED"
        print(f"{name}: {status} in {result['seconds']} s", flush=True)
        for line in result.get("notes", []):
            print(f"  {line}", flush=True)
        if not result["ok"]:
            print(f"  {result['error']}", flush=True)
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "nproc": len(os.sched_getaffinity(0)),
            "platform": platform.platform(),
            "processor": platform.machine(),
        },
        "python": platform.python_version(),
        "benchmarks": runs,
        "figures": figures,
    }
    Path(RESULTS).parent.mkdir(parents=True, exist_ok=True)
    Path(RESULTS).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"\n{len(figures)} figures written to {RESULTS.relative_to(REPO)}")
    width = max((len(f["name"]) for f in figures), default=0)
    for found in figures:
        print(f"  {found['name']:<{width}}  {found['value']} {found['unit']}")
    names = [f["name"] for f in figures]
    if len(set(names)) != len(names):
        print("duplicate figure names across benchmarks", file=sys.stderr)
        return 1
    return 0 if all(runs[name]["ok"] for name in chosen) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
