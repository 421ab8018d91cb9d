"""What a service request costs: the exact AWS requests of each use case, and what the portal's
import of the service requests' wiring loads.

Set-up (in-process moto, ``mock_aws``): a town of ``ACCOUNTS`` accounts each owing one statement
``DAYS_PAST_DUE`` days past due, with its collection case opened (collections' ``OpenCase``).
The services are the deployed ones (:func:`civiq.service_requests.wiring.service_request_services`
with collections' casework, over DynamoDB, Step Functions and EventBridge; the case's state
machine is a stand-in). For every account, in turn: a leak opened, the same form sent again, a
reply, a billing dispute opened (pausing the case), the dispute resolved (resuming it); then the
worklist and every account's list read page by page.

Every AWS call is counted at botocore's single entry point, by service, per use case. The cold
import is ``import civiq.service_requests.wiring`` in fresh interpreters (``IMPORTS`` of them):
its median time (this machine's, loaded or not: quote it as a size, not an AWS figure), the
modules it loads, and whether collections, the notices or the PDF stack are among them (they must
not be: collections' casework is built at the first dispute).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from functools import partial
from typing import TypeVar

from bench.collection_cases import Spy, owing_town, per
from bench.common import REPO, Figure, figure, median, note, run_benchmark

ACCOUNTS = int(os.environ.get("CIVIQ_BENCH_REQUEST_ACCOUNTS", "40"))
TABLE = "civiq-bench-requests"
PAGE = 25
IMPORTS = 7
T = TypeVar("T")
HEAVY = ("civiq.collections", "civiq.notices", "civiq.reporting", "weasyprint", "jinja2")
IMPORT_PROBE = """
import json, sys, time
started = time.perf_counter()
import civiq.service_requests.wiring
print(json.dumps({"s": time.perf_counter() - started, "modules": sorted(sys.modules)}))
"""


def cold_import() -> list[Figure]:
    seconds, loaded = [], []
    for _ in range(IMPORTS):
        probe = subprocess.run(
            [sys.executable, "-c", IMPORT_PROBE],
            capture_output=True,
            text=True,
            check=True,
            env=os.environ | {"PYTHONPATH": str(REPO / "shared")},
            timeout=60,
        )
        answer = json.loads(probe.stdout)
        seconds.append(answer["s"])
        loaded = answer["modules"]
    heavy = [m for m in loaded if m.startswith(HEAVY)]
    if heavy:
        note(f"the wiring's import loads {heavy[:5]}...")
    return [
        figure("service_requests_wiring_import_median_ms", median(seconds) * 1000, "ms"),
        figure("service_requests_wiring_import_modules", len(loaded), "modules"),
        figure("service_requests_wiring_import_heavy_modules", len(heavy), "modules"),
    ]


def run() -> list[Figure]:
    from civiq.collections.config import CollectionSettings
    from civiq.collections.services.casework import COLLECTIONS
    from civiq.collections.wiring import case_services, casework
    from civiq.core.events import Actor
    from civiq.service_requests.domain.requests import Asked, RequestKind, RequestStatus
    from civiq.service_requests.wiring import service_request_services

    figures = cold_import()
    resident, clerk = Actor("resident-bench", "resident"), Actor("clerk-bench", "clerk")
    with owing_town(TABLE, ACCOUNTS) as (accounts, _), Spy().installed() as spy:
        settings = CollectionSettings()
        work = casework(settings)
        open_case = case_services(work).open
        for account_id, _ in accounts:  # one at a time: moto copies its tables in a transaction
            open_case(account_id, COLLECTIONS, "bench-open")
        note(f"{len(accounts)} accounts, each with its collection case open")
        services = service_request_services(settings, lambda: work)
        statements = {a: services.open.statements.recent(a, 1)[0] for a, _ in accounts}
        spy.taken()
        taken: dict[str, Counter[tuple[str, str]]] = {}
        times: dict[str, list[float]] = {}

        def measure(name: str, call: Callable[[], T]) -> T:
            began = time.perf_counter()
            result = call()
            times.setdefault(name, []).append(time.perf_counter() - began)
            taken.setdefault(name, Counter()).update(spy.taken())
            return result

        for n, (account_id, _) in enumerate(accounts):
            leak = Asked(account_id, f"leak-{n:05d}", RequestKind.LEAK, "Fuite", "Au compteur")
            request = measure("open", partial(services.open, leak, resident, "b"))
            measure("open_again", partial(services.open, leak, resident, "b"))
            measure(
                "reply",
                partial(services.reply, request.request_id, "Nous passons.", clerk, "b"),
            )
            disputed = Asked(
                account_id,
                f"dispute-{n:05d}",
                RequestKind.BILLING_DISPUTE,
                "Relevé",
                "Contesté",
                statements[account_id].statement_id,
            )
            dispute = measure("open_dispute", partial(services.open, disputed, resident, "b"))
            assert dispute.held_case_id is not None
            measure(
                "resolve_dispute",
                partial(
                    services.change_status,
                    dispute.request_id,
                    RequestStatus.RESOLVED,
                    1,
                    clerk,
                    "b",
                ),
            )
        pages = 0
        cursor = None
        while True:
            page = services.worklist(RequestStatus.OPEN, PAGE, cursor)
            pages += 1
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        taken["worklist_page"] = spy.taken()
        for account_id, _ in accounts:
            services.for_account(account_id, PAGE, None)
        taken["account_page"] = spy.taken()

    count = len(accounts)
    for name, calls in taken.items():
        each = pages if name == "worklist_page" else count
        figures.append(figure(f"service_request_{name}_requests", per(calls, each), "requests"))
        figures.append(
            figure(
                f"service_request_{name}_dynamodb_requests",
                per(calls, each, "dynamodb"),
                "requests",
            )
        )
    for name, spent in times.items():
        figures.append(figure(f"service_request_{name}_median_ms", median(spent) * 1000, "ms"))
    return figures


if __name__ == "__main__":
    run_benchmark("service_requests", run)
