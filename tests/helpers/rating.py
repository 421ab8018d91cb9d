"""Rating fixtures shared by the rate-structure tests: a one-version schedule from 2026-01-01,
and one account's rating input (a 16 mm meter, a single-family house, every service)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from civiq.accounts.domain.accounts import CartSize, ServiceType
from civiq.accounts.domain.properties import PropertyType
from civiq.metering.domain.meters import MeterSize
from civiq.rates.domain.rates import Component, DayCount, RateSchedule, RateVersion, Tax
from civiq.rates.domain.rating import RatingInput

JAN_1 = date(2026, 1, 1)


def schedule(
    *components: Component,
    taxes: tuple[Tax, ...] = (),
    day_count: DayCount = DayCount.ACTUAL_365,
    periods: int | None = None,
) -> RateSchedule:
    version = RateVersion(JAN_1, None, components, taxes, day_count, periods)
    return RateSchedule("town", "Town of Example", [version])


def request(start: date, end: date, volume: str, **changes: Any) -> RatingInput:
    fields: dict[str, Any] = {
        "period_start": start,
        "period_end": end,
        "volume": Decimal(volume),
        "meter_size": MeterSize.MM16,
        "property_type": PropertyType.SINGLE_FAMILY,
        "services": frozenset(ServiceType),
        "cart_size": CartSize.MEDIUM,
    }
    fields.update(changes)
    return RatingInput(**fields)
