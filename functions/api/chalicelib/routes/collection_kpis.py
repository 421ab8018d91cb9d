"""Collection KPIs for the treasurer (/api/v1/ar/kpis): the collection rate at 60 days, DSO,
the aging trend and the recovery per dunning stage, read from counters kept as postings, the
aging upkeep and case changes happen (two requests, whatever the size of the town). See
:mod:`civiq.collections.domain.kpis` for the formulas."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint

from chalicelib.collections_composition import aging
from chalicelib.http import Reply, json_response, staff_route
from chalicelib.routes import deferred
from civiq.core.staff import Role

if TYPE_CHECKING:
    from civiq.collections.schemas import kpis as schemas
else:
    schemas = deferred("civiq.collections.schemas.kpis")

blueprint = Blueprint(__name__)
KPIS = "/api/v1/ar/kpis"
TAG = "aging"


@staff_route(blueprint, KPIS, "GET", Role.CLERK, tag=TAG)
def collection_kpis(query: schemas.KpiQuery) -> Reply[schemas.KpisResponse]:
    """Collection KPIs by month: the collection rate at 60 days of the items due that month
    ((billed - still owed on day 61) / billed), DSO at its end (receivables outstanding at
    month end / billed in the 90 days before x 90), the aging at its end (yesterday, for this
    month); and for each dunning stage, the cases that reached it, what was past due then and
    how much of it was recovered."""
    return json_response(schemas.KpisResponse.of(aging().kpis(query.months)))
