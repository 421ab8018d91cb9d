"""Versioned payloads of the collection agencies' events, registered in
:data:`civiq.event_catalog.EVENT_SCHEMAS` (samples in ``events/eventbridge/``)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from civiq.billing.schemas.events import AMOUNT


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AccountReferredToAgencyV1(_Strict):
    """An account's arrears (``amount``: what was past due, the oldest due ``oldest_due_on``)
    referred to a collection agency on ``referred_on``: its collection case is held."""

    referral_id: str
    account_id: str
    agency: str
    amount: str = Field(pattern=AMOUNT)
    oldest_due_on: date
    referred_on: date


class AgencyReferralRecalledV1(_Strict):
    """A referral taken back from its agency (``collected``: what the agency had collected):
    the account's collection case goes on."""

    referral_id: str
    account_id: str
    agency: str
    amount: str = Field(pattern=AMOUNT)
    collected: str = Field(pattern=AMOUNT)
    recalled_on: date


AGENCY_EVENT_SCHEMAS: dict[tuple[str, int], type[BaseModel]] = {
    ("AccountReferredToAgency", 1): AccountReferredToAgencyV1,
    ("AgencyReferralRecalled", 1): AgencyReferralRecalledV1,
}
