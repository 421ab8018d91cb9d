"""Wall time of `make run` to ready: ``python -m infra.local.run`` until its "ready" line.

Each run starts the command in a process group of its own on a free 127.0.0.1 port, reads its
stdout until its "ready in X s" line (the time from process start includes the
interpreter and imports, which the self-reported X does not), then sends SIGTERM to the group,
waits for a clean exit ("stopped.") and kills the group with SIGKILL if it does not come.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time

from bench.common import ACCOUNTS_PATH, REPO, Figure, figure, median, note, run_benchmark

RUNS = 3
DEMO_ACCOUNTS = 6
READY_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 20.0
# run.py installs its SIGTERM handler just after printing the ready line; a SIGTERM sent at once
# can land before it and kill the process without its cleanup.
SIGTERM_GRACE_S = 0.5
# "CiVQ local stack ready in X s" or, since run.py listens last, "Ready in X s. Ctrl-C to stop."
READY = re.compile(r"[Rr]eady in ([0-9.]+) s")


def _pump(stream: object, lines: queue.Queue[str | None]) -> None:
    for line in stream:  # type: ignore[attr-defined]
        lines.put(line)
    lines.put(None)


def _next_line(lines: queue.Queue[str | None], deadline: float) -> str | None:
    """The next line, None at end of output; raises TimeoutError past ``deadline``."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise TimeoutError
    try:
        return lines.get(timeout=remaining)
    except queue.Empty:
        raise TimeoutError from None


def _stop(process: subprocess.Popen[str]) -> tuple[float, bool]:
    """SIGTERM the process group; seconds to exit and whether it exited cleanly (status 0).

    The leader is left unreaped (WNOWAIT) until the group has been swept with SIGKILL, so the
    group id cannot have been reused by then: only processes this benchmark started are hit.
    """
    started = time.monotonic()
    clean = False
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    deadline = started + STOP_TIMEOUT_S
    while time.monotonic() < deadline:
        info = os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        if info is not None:
            clean = info.si_code == os.CLD_EXITED and info.si_status == 0
            if not clean:
                how = "exited" if info.si_code == os.CLD_EXITED else "killed by signal"
                note(f"pid {process.pid} {how} {info.si_status} after SIGTERM")
            break
        time.sleep(0.05)
    else:
        note(f"pid {process.pid} ignored SIGTERM for {STOP_TIMEOUT_S:.0f} s; killing its group")
    elapsed = time.monotonic() - started
    with contextlib.suppress(ProcessLookupError):  # whatever is left of the group
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=STOP_TIMEOUT_S)
    return elapsed, clean


def _api_answers(port: int) -> bool:
    """Whether the API answers at once on the port (401 without a token) once "ready"."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", ACCOUNTS_PATH)
        return connection.getresponse().status == 401
    except OSError:
        return False
    finally:
        connection.close()


def _one_run() -> tuple[float, float, float, bool, bool]:
    """(wall s to ready, self-reported s, s to stop, clean stop, API answered) of one run."""
    from infra.local.stack import free_port

    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}
    for name in ("AWS_ENDPOINT_URL", "MOTO_PORT"):  # the child launches its own emulator
        env.pop(name, None)
    command = [
        sys.executable,
        "-m",
        "infra.local.run",
        "--port",
        str(port),
        "--demo-accounts",
        str(DEMO_ACCOUNTS),
    ]
    started = time.monotonic()
    process = subprocess.Popen(
        command,
        cwd=str(REPO),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=_pump, args=(process.stdout, lines), daemon=True).start()
    deadline = started + READY_TIMEOUT_S
    reported: float | None = None
    try:
        while reported is None:
            line = _next_line(lines, deadline)
            if line is None:
                raise RuntimeError(f"infra.local.run exited ({process.wait()}) before ready")
            match = READY.search(line)
            if match:
                reported = float(match.group(1))
        wall = time.monotonic() - started
    except TimeoutError:
        _stop(process)
        raise RuntimeError(f"infra.local.run not ready within {READY_TIMEOUT_S:.0f} s") from None
    except BaseException:
        _stop(process)
        raise
    answered = _api_answers(port)
    time.sleep(SIGTERM_GRACE_S)
    stop_s, clean = _stop(process)
    rest = []
    while (line := lines.get(timeout=STOP_TIMEOUT_S)) is not None:
        rest.append(line.strip())
    clean = clean and "stopped." in rest
    return wall, reported, stop_s, clean, answered


def run() -> list[Figure]:
    walls, reported, stops, clean, answered = [], [], [], 0, 0
    for index in range(RUNS):
        wall, self_reported, stop_s, ok, answers = _one_run()
        answered += int(answers)
        note(
            f"run {index + 1}: ready after {wall:.2f} s wall ({self_reported:.1f} s "
            f"self-reported), stopped in {stop_s:.2f} s, clean={ok}"
        )
        walls.append(wall)
        reported.append(self_reported)
        stops.append(stop_s)
        clean += int(ok)
    return [
        figure("make_run_ready_median_s", median(walls), "s"),
        figure("make_run_ready_max_s", max(walls), "s"),
        figure("make_run_ready_self_reported_median_s", median(reported), "s"),
        figure("make_run_stop_median_s", median(stops), "s"),
        figure("make_run_clean_stops", clean, "runs"),
        figure("make_run_api_answered_at_ready", answered, "runs"),
        figure("make_run_runs", RUNS, "runs"),
    ]


def main() -> None:
    run_benchmark("make_run_ready", run, quiet=False)


if __name__ == "__main__":
    main()
