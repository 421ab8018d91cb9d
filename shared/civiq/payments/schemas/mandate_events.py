"""The events of PAD agreements: autopay enrolled (an agreement signed) and cancelled."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AutopayEnrolledV1(_Strict):
    """A PAD agreement was signed for the account (on the portal); its bank account is kept
    sealed by us, only its masked form travels."""

    account_id: str
    mandate_id: str
    bank_account: str  # masked: "001-12345 •••789"
    prenotification_days: int
    accepted_at: str


class AutopayCancelledV1(_Strict):
    account_id: str
    mandate_id: str
    cancelled_at: str


MANDATE_EVENT_SCHEMAS: dict[tuple[str, int], type[BaseModel]] = {
    ("AutopayEnrolled", 1): AutopayEnrolledV1,
    ("AutopayCancelled", 1): AutopayCancelledV1,
}
