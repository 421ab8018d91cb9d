"""Fees: the catalogue (/api/v1/utility/fees) and a fee charged to an account
(/api/v1/utility/accounts/{id}/fees).

Supervisors replace the catalogue whole, at the version they read; clerks read it and charge its
fees (the amount, tax and wording are the catalogue's, never typed). A charge carries an
``Idempotency-Key`` like a payment: the same key charges once, even after the key's record has
expired (the charge is named by it on the ledger).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint
from chalice.app import Request

from chalicelib.http import Reply, correlation_id, json_response, staff_route
from chalicelib.payments_composition import payments
from chalicelib.routes import deferred
from chalicelib.routes.payments import KEYED, once
from civiq.core.staff import Role, StaffIdentity

if TYPE_CHECKING:
    from civiq.ledger.schemas import fees as schemas
else:
    schemas = deferred("civiq.ledger.schemas.fees")

blueprint = Blueprint(__name__)
FEES = "/api/v1/utility/fees"
ACCOUNT_FEES = "/api/v1/utility/accounts/{id}/fees"
TAG = "fees"


@staff_route(blueprint, FEES, "GET", Role.CLERK, tag=TAG)
def get_fee_catalogue() -> Reply[schemas.FeeCatalogueResponse]:
    """The fee catalogue: every fee with its versions (amount, tax, GL code, wording)."""
    catalogue = payments().fees.catalogues.get()
    return json_response(schemas.FeeCatalogueResponse.of(catalogue))


@staff_route(blueprint, FEES, "PUT", Role.SUPERVISOR, tag=TAG)
def put_fee_catalogue(
    request: Request, staff: StaffIdentity, body: schemas.FeeCatalogueRequest
) -> Reply[schemas.FeeCatalogueResponse]:
    """Replace the fee catalogue read at ``version`` (supervisors)."""
    catalogue = payments().fees.configure(
        body.to_domain(), staff.as_actor(), correlation_id(request)
    )
    return json_response(schemas.FeeCatalogueResponse.of(catalogue))


@staff_route(blueprint, ACCOUNT_FEES, "POST", Role.CLERK, tag=TAG, status=201, inject=KEYED)
def charge_fee(
    request: Request, staff: StaffIdentity, id: str, key: str, body: schemas.ChargeFeeRequest
) -> Reply[schemas.FeeChargeResponse]:
    """Charge a fee of the catalogue (in effect today) to the account, with its tax."""

    def respond() -> tuple[int, schemas.FeeChargeResponse, dict[str, str]]:
        charged = payments().fees.charge(
            id,
            body.code,
            f"request:{key}",
            staff.as_actor(),
            correlation_id(request),
            because=body.reason or "staff",
        )
        return 201, schemas.FeeChargeResponse.of(id, body.code, charged.entries), {}

    return once("charge-fee", key, body, {"id": id}, respond)
