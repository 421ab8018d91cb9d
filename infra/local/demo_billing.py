"""Demo billing: a meter on every demo property (or one per unit), reads every two months since
the rates took effect, the town's rates, a bimonthly cycle of its routes, and the latest ended
period billed, so `make run` ends with real statements in S3.

Two accounts are made interesting: one meter's last read is missing (the run estimates it, and
the statement marks it), and one shows a leak (a read far above its history: it waits for staff
review and the run reports the account skipped).
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from civiq.billing.domain.cycles import CycleDefinition, Frequency
from infra.local.demo import API, DemoLoadError, Send
from infra.local.demo_rates import SCHEDULE_ID, town_schedule

CYCLE_ID = "residential"
CYCLE_ROUTES = ("1", "2", "3")
FIRST_PERIOD_END = date(2025, 1, 31)  # bimonthly, month ends, since the 2025 rates took effect
INSTALLED_ON = "2024-06-01"
DAILY_USE = Decimal("0.45")  # m3 a day for a household: about 27 m3 every two months
LEAK_FACTOR = 5


def cycle(routes: tuple[str, ...] = CYCLE_ROUTES, cycle_id: str = CYCLE_ID) -> CycleDefinition:
    return CycleDefinition(
        cycle_id,
        "Residential (bimonthly)",
        Frequency.BIMONTHLY,
        routes,
        SCHEDULE_ID,
        FIRST_PERIOD_END,
    )


def cycle_body(definition: CycleDefinition) -> dict[str, Any]:
    return {
        "cycle_id": definition.cycle_id,
        "name": definition.name,
        "frequency": definition.frequency.value,
        "routes": list(definition.routes),
        "rate_schedule_id": definition.rate_schedule_id,
        "first_period_end": definition.first_period_end.isoformat(),
        "read_days": definition.read_days,
        "due_days": definition.due_days,
    }


def define_rates_and_cycle(send: Send, definition: CycleDefinition | None = None) -> None:
    """The town's rates (last year's and this year's) and its cycle through the API (a
    supervisor's ``send``); defined already (409) is as good."""
    call_api(send, "POST", f"{API}/rates", town_schedule(), expected=(201, 409))
    call_api(send, "POST", f"{API}/cycles", cycle_body(definition or cycle()), expected=(201, 409))


@dataclass(frozen=True)
class DemoRun:
    run: dict[str, Any]
    meters: int
    reads: int


def period_ends(definition: CycleDefinition, last: date) -> Iterator[date]:
    """Every period end of the cycle up to ``last``: the days its meters are read."""
    index = 0
    while (end := definition.period_end(index)) <= last:
        yield end
        index += 1


@dataclass(frozen=True)
class _Meter:
    property_id: str
    unit: str | None  # None: the whole property (a house, or a meter its units share)
    property_type: str
    accounts: int  # accounts it bills


def _meters_of(accounts: list[dict[str, Any]], send: Send) -> list[_Meter]:
    """One meter per property for a house or a shared meter, one per unit with an account in
    an individually metered building."""
    meters = []
    for property_id in sorted({a["property_id"] for a in accounts}):
        prop = call_api(send, "GET", f"{API}/properties/{property_id}", {}, expected=(200,))
        units = [a["service_address"]["unit"] for a in accounts if a["property_id"] == property_id]
        kind = prop["property_type"]
        if prop["units"] and prop["meters"]["arrangement"] == "individual":
            meters += [_Meter(property_id, unit, kind, 1) for unit in sorted(set(units))]
        else:
            meters.append(_Meter(property_id, None, kind, len(units)))
    return meters


@dataclass(frozen=True)
class MeterReads:
    """A demo meter and its register on each period end it is read (``None``: the read is
    missing and the run estimates it)."""

    meter_id: str
    reads: dict[date, Decimal | None]


def install_meters(
    accounts: list[dict[str, Any]],
    send: Send,
    definition: CycleDefinition,
    last: date,
    seed: int = 11,
) -> list[MeterReads]:
    """A meter on every demo place through the API (installed, with its first value), and the
    register it will show on each period end up to ``last``: a household's use with some
    variation; one meter shows a leak on ``last`` and one misses its read there. Serials name
    the cycle, so two demo towns on one stack (as tests make) never share one."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    places = _meters_of(accounts, send)
    singles = [m for m in places if m.accounts == 1]
    leaking = singles[1] if len(singles) > 2 else None
    missing_last = singles[2] if len(singles) > 2 else None
    installed = []
    for number, place in enumerate(places, start=1):
        large = place.property_type in ("multi-residential", "mixed-use", "commercial")
        meter = call_api(
            send,
            "POST",
            f"{API}/meters",
            {
                "property_id": place.property_id,
                "unit": place.unit,
                "installed_on": INSTALLED_ON,
                "meter": {
                    "serial": f"PAE-{definition.cycle_id[:12].upper()}-{number:05d}",
                    "size": "25mm" if large and place.unit is None else "15mm",
                    "meter_type": "displacement",
                },
                "first_value": "0",
            },
        )
        register = Decimal(0)
        previous = date.fromisoformat(INSTALLED_ON)
        reads: dict[date, Decimal | None] = {}
        for day in period_ends(definition, last):
            use = (
                place.accounts
                * DAILY_USE
                * (day - previous).days
                * Decimal(rng.randint(80, 120))
                / 100
            )
            if place is leaking and day == last:
                use *= LEAK_FACTOR
            register += use.quantize(Decimal("0.001"))
            previous = day
            reads[day] = None if place is missing_last and day == last else register
        installed.append(MeterReads(meter["id"], reads))
    return installed


def post_reads(send: Send, meters: list[MeterReads], days: list[date]) -> int:
    """Each meter's reads on ``days`` through the API (a read posted again is accepted as
    the same read); returns how many were posted."""
    posted = 0
    for meter in meters:
        for day in days:
            value = meter.reads.get(day)
            if value is None:
                continue
            call_api(
                send,
                "POST",
                f"{API}/meters/{meter.meter_id}/readings",
                {"read_on": day.isoformat(), "value": str(value)},
            )
            posted += 1
    return posted


def run_period(send: Send, definition: CycleDefinition, period_end: date) -> dict[str, Any]:
    """Start the cycle's run of one period (the same run if it was started before) and wait
    for it to finish."""
    run = call_api(
        send,
        "POST",
        f"{API}/cycles/{definition.cycle_id}/runs",
        {"period_end": period_end.isoformat()},
    )
    return _wait_for(send, run["id"])


def load_billing(
    accounts: list[dict[str, Any]],
    send: Send,
    today: date,
    seed: int = 11,
    definition: CycleDefinition | None = None,
) -> DemoRun:
    """Meters, reads, rates and the cycle (the town's, unless ``definition`` is another of its
    routes) through the API (a supervisor's ``send``), then run the cycle's latest ended period
    and wait for it."""
    definition = definition or cycle()
    period_end = definition.latest_period_end(today)
    if period_end is None:
        raise DemoLoadError(f"no billing period has ended by {today}")
    define_rates_and_cycle(send, definition)
    meters = install_meters(accounts, send, definition, period_end, seed)
    reads = post_reads(send, meters, list(period_ends(definition, period_end)))
    return DemoRun(run_period(send, definition, period_end), len(meters), reads)


def _wait_for(send: Send, run_id: str, timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = call_api(send, "GET", f"{API}/runs/{run_id}", {}, expected=(200,))
        if run["status"] != "running":
            return run
        time.sleep(0.2)
    raise DemoLoadError(f"the demo billing run {run_id} did not finish in {timeout:.0f} s")


def call_api(
    send: Send,
    method: str,
    path: str,
    body: dict[str, Any],
    expected: tuple[int, ...] = (200, 201, 202),
) -> dict[str, Any]:
    status, answer = send(method, path, body)
    if status not in expected:
        raise DemoLoadError(f"demo billing {method} {path} ({status}): {answer}")
    result: dict[str, Any] = answer
    return result
