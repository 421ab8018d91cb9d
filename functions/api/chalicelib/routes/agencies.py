"""Collection agencies (/api/v1/ar/agencies, /api/v1/ar/referrals, /api/v1/ar/agency-files).

A supervisor keeps the roster of agencies the municipality contracts (each one's commission, at
most 50 % of what it collects), refers a delinquent account's arrears to one of them (its
collection case is held meanwhile, and the account goes in the agency's file of the day), and
recalls a referral (the case goes on where it left off). What an agency reports it collected is
recorded as a remittance: each line a payment on the account's ledger, with the agency's
commission on it; a referral whose amount is collected is paid. Each agency's daily file
(CSV: the day's referrals and recalls) is assembled after midnight.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from chalice import Blueprint
from chalice.app import Request

from chalicelib.collections_composition import agencies
from chalicelib.http import Reply, correlation_id, json_response, staff_route
from chalicelib.routes import deferred
from civiq.core.schemas import PageQuery
from civiq.core.staff import Role, StaffIdentity

if TYPE_CHECKING:
    from civiq.collections.schemas import agencies as schemas
else:
    schemas = deferred("civiq.collections.schemas.agencies")

blueprint = Blueprint(__name__)
AGENCIES = "/api/v1/ar/agencies"
REMITTANCES = AGENCIES + "/{code}/remittances"
REFERRALS = "/api/v1/ar/referrals"
REFERRAL = REFERRALS + "/{referral_id}"
FILES = "/api/v1/ar/agency-files"
TAG = "collection-agencies"


@staff_route(blueprint, AGENCIES, "GET", Role.CLERK, tag=TAG)
def get_collection_agencies() -> Reply[schemas.AgencyRosterResponse]:
    """The collection agencies the municipality contracts, with their commission."""
    return json_response(schemas.AgencyRosterResponse.of(agencies().rosters.get()))


@staff_route(blueprint, AGENCIES, "PUT", Role.SUPERVISOR, tag=TAG)
def put_collection_agencies(
    request: Request, staff: StaffIdentity, body: schemas.AgencyRosterRequest
) -> Reply[schemas.AgencyRosterResponse]:
    """Replace the roster of agencies read at ``version`` (supervisors)."""
    roster = agencies().configure(body.to_domain(), staff.as_actor(), correlation_id(request))
    return json_response(schemas.AgencyRosterResponse.of(roster))


@staff_route(
    blueprint,
    REFERRALS,
    "POST",
    Role.SUPERVISOR,
    tag=TAG,
    status=201,
    also={200: "The same referral_id again: the referral, as it stands."},
)
def refer_to_an_agency(
    request: Request, staff: StaffIdentity, body: schemas.ReferralRequest
) -> Reply[schemas.ReferralOut]:
    """Refer what an account owes past due to a collection agency; its case is held."""
    referred = agencies().refer(body.asked(), staff.as_actor(), correlation_id(request))
    return json_response(schemas.ReferralOut.of(referred.referral), 201 if referred.new else 200)


@staff_route(blueprint, REFERRALS, "GET", Role.CLERK, tag=TAG)
def list_agency_referrals(query: schemas.ReferralQuery) -> Reply[schemas.ReferralList]:
    """Referrals to collection agencies, newest first (by agency, status or account)."""
    page = agencies().views.referral_page(
        query.limit, query.cursor, query.agency, query.status, query.account_id
    )
    return json_response(
        schemas.ReferralList(
            referrals=[schemas.ReferralOut.of(r) for r in page.items],
            next_cursor=page.next_cursor,
        )
    )


@staff_route(blueprint, REFERRAL, "GET", Role.CLERK, tag=TAG)
def get_agency_referral(referral_id: str) -> Reply[schemas.ReferralOut]:
    """One referral: what was referred, collected, and the agency's commission."""
    return json_response(schemas.ReferralOut.of(agencies().views.referral(referral_id)))


@staff_route(blueprint, REFERRAL + "/recall", "POST", Role.SUPERVISOR, tag=TAG)
def recall_agency_referral(
    request: Request, staff: StaffIdentity, referral_id: str
) -> Reply[schemas.ReferralOut]:
    """Take a referral back from its agency: the account's case goes on where it left off."""
    recalled = agencies().recall(referral_id, staff.as_actor(), correlation_id(request))
    return json_response(schemas.ReferralOut.of(recalled))


@staff_route(
    blueprint,
    REMITTANCES,
    "POST",
    Role.SUPERVISOR,
    tag=TAG,
    status=201,
    also={200: "The same remittance again: as it was recorded."},
)
def record_agency_remittance(
    request: Request, staff: StaffIdentity, code: str, body: schemas.RemittanceRequest
) -> Reply[schemas.RemittanceResponse]:
    """Record what an agency collected: each line a payment, with the agency's commission."""
    recorded = agencies().record_remittance(
        code, body.reported(), staff.as_actor(), correlation_id(request)
    )
    return json_response(
        schemas.RemittanceResponse.of(recorded.remittance), 201 if recorded.new else 200
    )


@staff_route(blueprint, REMITTANCES + "/{remittance_id}", "GET", Role.CLERK, tag=TAG)
def get_agency_remittance(code: str, remittance_id: str) -> Reply[schemas.RemittanceResponse]:
    """A remittance: its lines, what was collected, the commission, and the net due."""
    remittance = agencies().views.remittance(code, remittance_id)
    return json_response(schemas.RemittanceResponse.of(remittance))


@staff_route(blueprint, FILES, "GET", Role.CLERK, tag=TAG)
def list_agency_files(query: PageQuery) -> Reply[schemas.AgencyFileList]:
    """The agencies' daily files, the latest day first."""
    page = agencies().views.file_page(query.limit, query.cursor)
    return json_response(
        schemas.AgencyFileList(
            files=[schemas.AgencyFileOut.of(f) for f in page.items],
            next_cursor=page.next_cursor,
        )
    )


@staff_route(blueprint, FILES + "/{agency}/{day}", "GET", Role.CLERK, tag=TAG)
def get_agency_file(agency: str, day: date) -> Reply[schemas.AgencyFileDetailsOut]:
    """One agency's file of a day: a short-lived link to the CSV, and its lines."""
    return json_response(schemas.AgencyFileDetailsOut.of(agencies().views.file(agency, day)))
