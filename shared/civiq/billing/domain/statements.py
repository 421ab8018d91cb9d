"""Statements: what one account owes for one billing period, frozen once issued.

A statement is immutable: a correction is a later adjustment, or a cancel-and-rebill that keeps
the cancelled statement and points the new one at it (``replaces``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from civiq.core.addresses import Address
from civiq.core.language import Language
from civiq.rates.domain.charges import RatedBill

USAGE_HISTORY_PERIODS = 12  # the consumption chart: this period and up to 11 before it


class StatementKind(StrEnum):
    REGULAR = "regular"  # from a billing cycle run
    FINAL = "final"  # at move-out or ownership transfer
    REBILL = "rebill"  # replaces a cancelled statement


class StatementStatus(StrEnum):
    ISSUED = "issued"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class MeterRead:
    """A meter's reads that bound the period, as the statement prints them."""

    meter_serial: str
    previous_on: date
    previous_value: Decimal
    current_on: date
    current_value: Decimal
    volume: Decimal  # cubic metres billed from this meter (after multiplier and true-up)
    estimated: bool  # the current read is an estimate


@dataclass(frozen=True, slots=True)
class UsagePoint:
    """One period of the consumption chart."""

    period_end: date
    days: int
    volume: Decimal
    estimated: bool


@dataclass(frozen=True, slots=True)
class Recipient:
    name: str
    mailing_address: Address


@dataclass(frozen=True, slots=True)
class Statement:
    statement_id: str
    account_id: str
    account_number: str
    kind: StatementKind
    cycle_id: str | None  # None for a final bill
    run_id: str | None
    language: Language
    recipient: Recipient
    service_address: Address
    issued_on: date
    due_on: date
    bill: RatedBill  # the period and its itemized charges and taxes
    previous_balance: Decimal  # owed when the previous statement was issued
    payments_since: Decimal  # received since then (positive)
    adjustments_since: Decimal  # credits negative, charges positive
    reads: Sequence[MeterRead]
    usage_history: Sequence[UsagePoint]  # oldest first, ending with this period
    issued_at: datetime
    status: StatementStatus = StatementStatus.ISSUED
    replaces: str | None = None
    document_key: str | None = None  # the PDF in S3, once rendered

    def __post_init__(self) -> None:
        object.__setattr__(self, "reads", tuple(self.reads))
        object.__setattr__(self, "usage_history", tuple(self.usage_history))

    @property
    def estimated(self) -> bool:
        return any(read.estimated for read in self.reads)

    @property
    def ledger_reason(self) -> str:
        """Why its charges are on the ledger."""
        bill = self.bill
        return f"{self.kind.value} statement for {bill.period_start} to {bill.period_end}"

    @property
    def balance_forward(self) -> Decimal:
        return self.previous_balance - self.payments_since + self.adjustments_since

    @property
    def total_due(self) -> Decimal:
        return self.balance_forward + self.bill.total
