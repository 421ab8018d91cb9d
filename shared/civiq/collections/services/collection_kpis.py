"""The collection KPIs report (collection rate at 60 days, DSO, aging trend, recovery per
stage) from the counters kept as things happen: two requests, whatever the number of accounts,
open items or cases (:mod:`civiq.collections.adapters.dynamodb_kpis`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from civiq.collections.domain.kpis import (
    DEFAULT_MONTHS,
    MAX_MONTHS,
    Kpis,
    billed_months,
    kpis_of,
)
from civiq.collections.ports import CollectionKpis
from civiq.core.errors import InvalidInput


@dataclass(frozen=True)
class CollectionKpiReport:
    kpis: CollectionKpis
    today: Callable[[], date]  # the municipal date

    def __call__(self, months: int = DEFAULT_MONTHS) -> Kpis:
        """The KPIs of the ``months`` months up to this one (1 to MAX_MONTHS)."""
        if not 1 <= months <= MAX_MONTHS:
            raise InvalidInput(f"months is from 1 to {MAX_MONTHS}", "months")
        today = self.today()
        kept = self.kpis.kept()
        billed = self.kpis.billed(*billed_months(today, months))
        return kpis_of(today, months, billed, kept.months, kept.folded_through, kept.stages)
