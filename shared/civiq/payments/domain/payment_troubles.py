"""A payment attempt that failed on our side: the processor, the gateway or CiVQ itself, not the
payer (a declined card or a lack of funds are the payer's).

A resident who tried to pay and could not, through no fault of theirs, is shielded for a grace
period from the day it happened: the late-penalty job does not penalize their statements, and
their collection case reaches no new stage, until the grace is over (the shield postpones, it
forgives nothing).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

SHIELD_DAYS = 5  # the default grace after a failed attempt (template PaymentShieldDays)
# The processor's failure reasons that are not the payer's doing
OUR_SIDE = frozenset(
    {
        "processing_error",
        "processor_unavailable",
        "gateway_error",
        "gateway_timeout",
        "service_unavailable",
        "internal_error",
        "timeout",
    }
)


def on_our_side(failure_reason: str | None) -> bool:
    return failure_reason in OUR_SIDE


@dataclass(frozen=True)
class PaymentTrouble:
    """A failed attempt on our side: ``reference`` names it once (the processor's payment, or
    the portal's request), so recording it again changes nothing."""

    account_id: str
    on: date
    reason: str
    reference: str


def shielded_through(latest_trouble: date | None, grace_days: int) -> date | None:
    """The last day an account is shielded after its latest trouble (None: no trouble)."""
    return None if latest_trouble is None else latest_trouble + timedelta(days=grace_days)


def shielded(latest_trouble: date | None, grace_days: int, today: date) -> bool:
    through = shielded_through(latest_trouble, grace_days)
    return through is not None and today <= through
