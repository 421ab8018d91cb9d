"""Demo data: the water, wastewater, stormwater and waste rates of the demo town's bylaw.

Shaped like a small Ontario town's rates bylaw: a fixed water charge by meter size (a year's
worth, billed per day: $372.00 a year is $31.00 a month for a 15/16 mm meter, larger meters in
proportion to their flow capacity), three inclining blocks per 30 days, wastewater at 80% of the
water consumption charges, stormwater by property type, curbside waste by cart size, and HST on
miscellaneous charges (water and wastewater are exempt). :func:`sample_schedule` is the body of
``POST /api/v1/utility/rates``; the demo loader posts it through the API.
"""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

SCHEDULE_ID = "pointe-aux-erables"
EFFECTIVE_FROM = "2026-01-01"
PREVIOUS_EFFECTIVE_FROM = "2025-01-01"  # the year before: every figure 4% lower
PREVIOUS_EFFECTIVE_TO = "2025-12-31"
PREVIOUS_YEAR_FACTOR = Decimal("0.96")

FIXED_WATER_BY_METER = {  # dollars a year; AWWA capacity ratios 1 : 1.5 : 2.5 : 5 : 8 : 16 ...
    "15mm": "372.00",
    "16mm": "372.00",
    "20mm": "558.00",
    "25mm": "930.00",
    "40mm": "1860.00",
    "50mm": "2976.00",
    "75mm": "5952.00",
    "100mm": "9300.00",
    "150mm": "18600.00",
}
WATER_BLOCKS = [  # per 30 days, scaled to the days billed
    {"limit": "15", "rate": "1.8900"},
    {"limit": "30", "rate": "2.3400"},
    {"rate": "2.9800"},
]
STORMWATER_BY_PROPERTY = {  # dollars a year
    "single-family": "110.40",
    "semi-detached": "96.00",
    "townhouse": "82.80",
    "multi-residential": "331.20",
    "mixed-use": "441.60",
    "commercial": "552.00",
    "industrial": "828.00",
    "institutional": "552.00",
    "vacant-land": "55.20",
}
WASTE_BY_CART = {"small": "150.00", "medium": "200.00", "large": "260.00"}  # dollars a year


def sample_version(effective_from: str = EFFECTIVE_FROM) -> dict[str, Any]:
    """One version of the bylaw's rates (open-ended), as the API takes it (a fresh copy)."""
    return copy.deepcopy(
        {
            "effective_from": effective_from,
            "components": [
                {"component": "fixed", "charge_type": "water", "annual": FIXED_WATER_BY_METER},
                {
                    "component": "blocks",
                    "charge_type": "water",
                    "blocks": WATER_BLOCKS,
                    "basis": {"per": "days", "days": 30},
                },
                {"component": "sewer", "percent": "80"},
                {"component": "stormwater", "annual": STORMWATER_BY_PROPERTY},
                {"component": "waste", "annual": WASTE_BY_CART},
            ],
            "taxes": [{"charge_type": "miscellaneous", "name": "HST", "rate": "0.13"}],
        }
    )


def sample_schedule() -> dict[str, Any]:
    """The body of ``POST /api/v1/utility/rates`` for the demo town's residential rates."""
    return {
        "schedule_id": SCHEDULE_ID,
        "name": "Pointe-aux-Érables water, wastewater, stormwater and waste rates",
        "versions": [sample_version()],
    }


def _lower(figure: str, places: str) -> str:
    return str((Decimal(figure) * PREVIOUS_YEAR_FACTOR).quantize(Decimal(places)))


def previous_version() -> dict[str, Any]:
    """The rates of the year before (closed on Dec 31): the same bylaw with every figure 4%
    lower, as councils raise rates each January."""
    version = sample_version(PREVIOUS_EFFECTIVE_FROM)
    version["effective_to"] = PREVIOUS_EFFECTIVE_TO
    for component in version["components"]:
        if "annual" in component:
            component["annual"] = {k: _lower(v, "0.01") for k, v in component["annual"].items()}
        for block in component.get("blocks", ()):
            block["rate"] = _lower(block["rate"], "0.0001")
    return version


def town_schedule() -> dict[str, Any]:
    """The demo town's schedule with its history: last year's rates, then this year's (what
    `make run` bills 13 months of history with)."""
    schedule = sample_schedule()
    schedule["versions"] = [previous_version(), *schedule["versions"]]
    return schedule
