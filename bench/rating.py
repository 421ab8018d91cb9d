"""Rating throughput: accounts rated per second on one core (pure domain, no I/O).

Schedule: the demo town's bylaw (``infra.local.demo_rates``: fixed charge by meter size, three
inclining blocks per 30 days, sewer at 80% of the water consumption charges, stormwater by
property type, waste by cart size, HST on miscellaneous charges), built through the API's
request model as the API would store it.

Accounts: ``ACCOUNTS`` rating inputs drawn once from a seeded generator (mostly 16 mm meters,
the demo town's property mix, every cart size, 55 to 95 days, 0 to 150 m3, all four services,
one in twenty with a miscellaneous charge), built before the clock starts. Each run rates all of
them in this process, pinned to one CPU where the platform allows it; the figure is the median
of ``RUNS`` runs. A second figure rates the same accounts over periods that straddle a rate
change (the bylaw's next version from 1 July), so every bill is prorated between two versions.
"""

from __future__ import annotations

import json
import os
import random
import time
from datetime import date, timedelta
from decimal import Decimal

from bench.common import Figure, figure, median, note, run_benchmark
from civiq.accounts.domain.accounts import CartSize, ServiceType
from civiq.accounts.domain.properties import PropertyType
from civiq.metering.domain.meters import MeterSize
from civiq.rates.domain.rates import RateSchedule
from civiq.rates.domain.rating import MiscellaneousCharge, RatingInput, rate
from civiq.rates.schemas.rates import NewRateSchedule, RateVersionSpec
from infra.local.demo_rates import sample_schedule, sample_version

ACCOUNTS = int(os.environ.get("CIVIQ_BENCH_RATING_ACCOUNTS", "20000"))
RUNS = 7
SEED = 11
CHANGE = date(2026, 7, 1)  # the second version's first day
METERS = [MeterSize.MM16] * 17 + [MeterSize.MM20, MeterSize.MM25, MeterSize.MM50]
PROPERTIES = [PropertyType.SINGLE_FAMILY] * 12 + [
    PropertyType.SEMI_DETACHED,
    PropertyType.TOWNHOUSE,
    PropertyType.TOWNHOUSE,
    PropertyType.MULTI_RESIDENTIAL,
    PropertyType.MIXED_USE,
    PropertyType.COMMERCIAL,
    PropertyType.INSTITUTIONAL,
    PropertyType.INDUSTRIAL,
]


def demo_schedule(with_change: bool) -> RateSchedule:
    body = sample_schedule()
    schedule = NewRateSchedule.model_validate_json(json.dumps(body)).to_domain()
    if with_change:
        raised = sample_version(CHANGE.isoformat())
        raised["components"][1]["blocks"][0]["rate"] = "1.9800"
        version = RateVersionSpec.model_validate_json(json.dumps(raised)).to_domain()
        schedule = schedule.with_version(version)
    return schedule


def accounts(count: int, period_end: date, seed: int = SEED) -> list[RatingInput]:
    rng = random.Random(seed)
    drawn = []
    for _ in range(count):
        days = rng.randint(55, 95)
        fees = [MiscellaneousCharge("Meter test", Decimal("75.00"))] if rng.random() < 0.05 else []
        drawn.append(
            RatingInput(
                period_start=period_end - timedelta(days=days),
                period_end=period_end,
                volume=Decimal(rng.randint(0, 150_000)) / 1000,
                meter_size=rng.choice(METERS),
                property_type=rng.choice(PROPERTIES),
                services=frozenset(ServiceType),
                cart_size=rng.choice(list(CartSize)),
                miscellaneous=fees,
            )
        )
    return drawn


def _pin_to_one_cpu() -> str:
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned (no sched_setaffinity)"
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return f"pinned to CPU {cpu}"


def _per_second(schedule: RateSchedule, inputs: list[RatingInput]) -> list[float]:
    for request in inputs[:200]:  # warm the schedule's cached views and the allocator
        rate(schedule, request)
    rates = []
    for _ in range(RUNS):
        started = time.perf_counter()
        for request in inputs:
            rate(schedule, request)
        rates.append(len(inputs) / (time.perf_counter() - started))
    return rates


def run() -> list[Figure]:
    note(_pin_to_one_cpu())
    plain = demo_schedule(with_change=False)
    inputs = accounts(ACCOUNTS, date(2026, 4, 30))
    lines = sorted(len(rate(plain, request).lines) for request in inputs)
    steady = _per_second(plain, inputs)
    changed = demo_schedule(with_change=True)
    across = accounts(ACCOUNTS, CHANGE + timedelta(days=30))  # every period straddles 1 July
    if any(
        len({line.rate_effective_from for line in rate(changed, r).lines}) != 2
        for r in across[:100]
    ):
        raise AssertionError("periods across the rate change were not prorated between versions")
    prorated = _per_second(changed, across)
    note(
        f"{median(steady):,.0f} accounts/s (runs {min(steady):,.0f}..{max(steady):,.0f}); "
        f"across a rate change {median(prorated):,.0f}/s"
    )
    return [
        figure("rating_accounts_per_second_one_core", median(steady), "accounts/s"),
        figure(
            "rating_across_rate_change_accounts_per_second_one_core", median(prorated), "accounts/s"
        ),
        figure("rating_median_lines_per_bill", float(median([float(n) for n in lines])), "lines"),
        figure("rating_accounts_per_run", ACCOUNTS, "accounts"),
        figure("rating_runs", RUNS, "runs"),
    ]


def main() -> None:
    run_benchmark("rating", run)


if __name__ == "__main__":
    main()
