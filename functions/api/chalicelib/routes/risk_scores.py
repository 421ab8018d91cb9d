"""Delinquency risk scores for the collections worklist (/api/v1/ar/scores).

Read only: the scores are computed by the weekly scoring run (functions/risk_scoring) and stored;
a request reads one item, or one Query page of the scores' index, highest first. A score orders
the worklist and says whom to offer an arrangement early; it never moves an account to a
collection stage.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint

from chalicelib.collections_composition import risk_worklist
from chalicelib.http import Reply, json_response, staff_route
from chalicelib.routes import deferred
from civiq.core.staff import Role

if TYPE_CHECKING:
    from civiq.collections.schemas import risk_scores as schemas
else:
    schemas = deferred("civiq.collections.schemas.risk_scores")

blueprint = Blueprint(__name__)
SCORES = "/api/v1/ar/scores"
TAG = "risk scores"


@staff_route(blueprint, SCORES, "GET", Role.CLERK, tag=TAG)
def list_risk_scores(query: schemas.RiskScoreQuery) -> Reply[schemas.RiskScorePage]:
    """Scored accounts, the most likely to become 60 days delinquent first."""
    page = risk_worklist().ranked(query.min_score, query.limit, query.cursor)
    items = [schemas.RiskScoreOut.of(s) for s in page.items]
    return json_response(schemas.RiskScorePage(items=items, next_cursor=page.next_cursor))


@staff_route(blueprint, SCORES + "/{account_id}", "GET", Role.CLERK, tag=TAG)
def get_risk_score(account_id: schemas.AccountId) -> Reply[schemas.RiskScoreOut]:
    """An account's risk score, its band and what moved it most (404: not scored)."""
    return json_response(schemas.RiskScoreOut.of(risk_worklist().of_account(account_id)))
