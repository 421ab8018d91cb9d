"""Moves: the final meter reading of a move-out or sale, and what happens to a tenant's arrears.

Meters and billing arrive later. Until then the final reading is data: a value in cubic metres
read on a date, or an estimate for a date. It travels in the FinalBillRequested event (and the
account's history) and billing produces the final bill from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from civiq.accounts.domain.properties import CONSUMPTION_PLACES
from civiq.core.errors import InvalidInput

MAX_READING_M3 = Decimal("99999999.999")  # eight digits and litres: any municipal meter


class ArrearsPolicy(StrEnum):
    """What happens to a moved-out tenant's unpaid balance (a bylaw choice, set per deployment).

    ``stay-with-tenant``: the account stays final-billed until the tenant pays (a supervisor
    then closes it). ``roll-to-owner``: the balance is transferred to the property owner
    (ArrearsTransferRequested) and the tenant's account closes.
    """

    STAY_WITH_TENANT = "stay-with-tenant"
    ROLL_TO_OWNER = "roll-to-owner"


class Settlement(StrEnum):
    """Where a final-billed account stands after the settle step."""

    CLOSED = "closed"  # nothing owed: closed
    ARREARS_ROLLED_TO_OWNER = "arrears-rolled-to-owner"  # owed, moved to the owner: closed
    AWAITING_PAYMENT = "awaiting-payment"  # owed (or in credit): stays final-billed


class FinalBillReason(StrEnum):
    MOVE_OUT = "move-out"
    SALE = "sale"


@dataclass(frozen=True, slots=True)
class FinalReading:
    """A meter reading in m3 (up to 3 decimals: litres) on ``read_on``, or an estimate for it."""

    read_on: date
    value_m3: Decimal | None = None
    estimate: bool = False

    def __post_init__(self) -> None:
        if self.estimate:
            if self.value_m3 is not None:
                raise InvalidInput("an estimate has no value; omit value_m3", "value_m3")
            return
        if self.value_m3 is None:
            raise InvalidInput("give value_m3, or estimate: true", "value_m3")
        try:
            value = Decimal(self.value_m3)
        except (InvalidOperation, TypeError, ValueError):
            raise InvalidInput("value_m3 must be a decimal number", "value_m3") from None
        if not value.is_finite() or not Decimal(0) <= value <= MAX_READING_M3:
            raise InvalidInput(f"value_m3 must be from 0 to {MAX_READING_M3}", "value_m3")
        if value != value.quantize(CONSUMPTION_PLACES):
            raise InvalidInput("value_m3 has more than 3 decimal places", "value_m3")
        object.__setattr__(self, "value_m3", value)

    @classmethod
    def estimated(cls, on: date) -> FinalReading:
        return cls(read_on=on, estimate=True)

    def as_payload(self) -> dict[str, Any]:
        return {
            "value_m3": None if self.value_m3 is None else str(self.value_m3),
            "read_on": self.read_on.isoformat(),
            "estimate": self.estimate,
        }

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> FinalReading:
        value = payload.get("value_m3")
        return cls(
            read_on=date.fromisoformat(payload["read_on"]),
            value_m3=None if value is None else Decimal(value),
            estimate=bool(payload.get("estimate", False)),
        )
