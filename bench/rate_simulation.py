"""The rate-change simulator on a generated town, in memory: time and peak memory.

Town: ``ACCOUNTS`` accounts (50,000 unless ``CIVIQ_BENCH_SIMULATION_ACCOUNTS`` says otherwise),
each billed six bimonthly periods of 2026 (the demo town's meter and property mix, every cart
size, all four services, 0 to 75 m3 a period, a seeded generator). The accounts' years are
generated as the simulation consumes them, as the service reads them from the table, so the
memory figure is the simulator's and not a list of inputs held beside it.

Current rates: the demo town's bylaw (``infra.local.demo_rates``); draft: the same with the
first block's rate and the 16 mm fixed charge up 10%. Each year is rated
under both (2 x 6 x ACCOUNTS bills) by :func:`civiq.billing.domain.simulation.simulate`.
Time: one run, wall clock (one process, not pinned); memory: the process's peak resident set
size, and how far the run raised it above the peak before it (interpreter, imports, schedule).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import resource
import time
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

from bench.common import Figure, figure, note, run_benchmark
from bench.rating import METERS, PROPERTIES
from civiq.accounts.domain.accounts import CartSize, ServiceType
from civiq.billing.domain.simulation import AccountYear, simulate, spanning
from civiq.rates.domain.rates import RateSchedule, RateVersion
from civiq.rates.domain.rating import RatingInput
from civiq.rates.schemas.rates import NewRateSchedule, RateVersionSpec
from infra.local.demo_rates import sample_schedule, sample_version

ACCOUNTS = int(os.environ.get("CIVIQ_BENCH_SIMULATION_ACCOUNTS", "50000"))
PERIODS = 6
SEED = 15
YEAR_START = date(2025, 12, 31)
RAISE = Decimal("1.1")


def schedules() -> tuple[RateSchedule, RateVersion, RateVersion]:
    schedule = NewRateSchedule.model_validate_json(json.dumps(sample_schedule())).to_domain()
    draft = sample_version("2027-01-01")
    first_block = draft["components"][1]["blocks"][0]
    first_block["rate"] = str((Decimal(first_block["rate"]) * RAISE).quantize(Decimal("0.0001")))
    fixed = draft["components"][0]["annual"]
    fixed["16mm"] = str((Decimal(fixed["16mm"]) * RAISE).quantize(Decimal("0.01")))
    draft_version = RateVersionSpec.model_validate_json(json.dumps(draft)).to_domain()
    return schedule, schedule.versions[0], draft_version


def town(count: int, seed: int = SEED) -> Iterator[AccountYear]:
    rng = random.Random(seed)
    ends = [YEAR_START + timedelta(days=61 * n) for n in range(PERIODS + 1)]
    for number in range(count):
        meter, kind, cart = rng.choice(METERS), rng.choice(PROPERTIES), rng.choice(list(CartSize))
        periods = [
            RatingInput(
                period_start=start,
                period_end=end,
                volume=Decimal(rng.randint(0, 75_000)) / 1000,
                meter_size=meter,
                property_type=kind,
                services=frozenset(ServiceType),
                cart_size=cart,
            )
            for start, end in itertools.pairwise(ends)
        ]
        yield AccountYear(f"A{number:06d}", kind.value, periods)


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def run() -> list[Figure]:
    schedule, current, draft = schedules()
    before = _peak_rss_mib()
    started = time.perf_counter()
    report = simulate(spanning(schedule, current), spanning(schedule, draft), town(ACCOUNTS))
    seconds = time.perf_counter() - started
    peak = _peak_rss_mib()
    if report.accounts != ACCOUNTS or report.unrated:
        raise AssertionError(f"{report.accounts} accounts rated, {len(report.unrated)} unrated")
    note(
        f"{ACCOUNTS:,} accounts, {report.bills:,} bills under both rates in {seconds:.1f} s; "
        f"peak RSS {peak:.0f} MiB ({peak - before:.0f} MiB above the {before:.0f} MiB before); "
        f"revenue {report.revenue.current:,.2f} -> {report.revenue.draft:,.2f}, median change "
        f"{report.dollars.median} ({report.percent.median}%)"
    )
    return [
        figure("rate_simulation_accounts", ACCOUNTS, "accounts"),
        figure("rate_simulation_bills_rated", 2 * report.bills, "bills"),
        figure("rate_simulation_seconds", seconds, "s"),
        figure("rate_simulation_peak_rss_mib", peak, "MiB"),
        figure("rate_simulation_rss_growth_mib", peak - before, "MiB"),
    ]


def main() -> None:
    run_benchmark("rate_simulation", run)


if __name__ == "__main__":
    main()
