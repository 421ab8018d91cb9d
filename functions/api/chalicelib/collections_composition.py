"""The API's side of collections (payment arrangements), built at its first request by
:mod:`civiq.collections.wiring` from the settings of :mod:`chalicelib.composition`."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from chalicelib.composition import api

if TYPE_CHECKING:
    from civiq.collections.wiring import ArrangementServices


@cache
def arrangements() -> ArrangementServices:
    from civiq.collections.domain.arrangements import ArrangementPolicy
    from civiq.collections.wiring import arrangement_services

    settings = api().settings
    policy = ArrangementPolicy(
        max_instalments=settings.arrangement_max_instalments,
        min_instalment=settings.arrangement_min_instalment,
        min_down_payment_percent=settings.arrangement_min_down_payment_percent,
        interest_percent_per_year=settings.arrangement_interest_percent_per_year,
        grace_days=settings.arrangement_grace_days,
        broken_limit=settings.arrangement_broken_limit,
    )
    return arrangement_services(settings, policy)
