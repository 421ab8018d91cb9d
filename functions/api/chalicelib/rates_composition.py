"""The API's side of rate schedules (bylaw rates as versioned data), built at its first request
by :mod:`civiq.rates.wiring` from the settings of :mod:`chalicelib.composition`."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from chalicelib.composition import api

if TYPE_CHECKING:
    from civiq.rates.wiring import RateServices


@cache
def rates() -> RateServices:
    from civiq.rates.wiring import rate_services

    return rate_services(api().settings)
