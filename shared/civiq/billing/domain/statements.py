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
from civiq.ledger.domain.journal import (
    AccountLedger,
    Charges,
    EntryKind,
    Posting,
    statement_posting,
)
from civiq.ledger.domain.receivables import Revenue, charges, tax_on
from civiq.rates.domain.charges import ChargeLine, RatedBill

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
    # A meter the building shares: its volume (the reads' difference, trued up) and the unit's
    # share of it, so the statement shows how ``volume`` was reached. None: the unit's own meter.
    building_volume: Decimal | None = None
    share: Decimal | None = None


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


class Direction(StrEnum):
    CREDIT = "credit"  # the account owes less (a payment, a credit)
    CHARGE = "charge"  # the account owes more (a penalty, a fee, a payment taken back)


@dataclass(frozen=True, slots=True)
class ForwardLine:
    """One line of the balance forward: the ledger entries of one ``kind`` since the previous
    statement that moved the balance in one ``direction``, added up (``amount`` > 0). A kind
    that moved it both ways (a credit and a charge adjustment) has two lines, never a net.

    A fee of the catalogue and its tax are a line each, in their own wording (``text``, in the
    account's language); ``text`` is None for the lines that add up a kind."""

    kind: EntryKind
    direction: Direction
    amount: Decimal
    text: str | None = None

    def __post_init__(self) -> None:
        if self.amount <= 0:
            raise ValueError("a balance-forward line is a positive amount; its direction signs it")

    @property
    def signed(self) -> Decimal:
        """As it counts towards the balance: negative for a credit."""
        return self.amount if self.direction is Direction.CHARGE else -self.amount


# The order lines print in: money received and what became of it, then corrections, then the
# charges between statements, then charges taken back; unusual directions last.
FORWARD_LINE_ORDER: tuple[tuple[EntryKind, Direction], ...] = (
    (EntryKind.PAYMENT, Direction.CREDIT),
    (EntryKind.REVERSAL, Direction.CHARGE),  # payments taken back: dishonoured, charged back
    (EntryKind.REFUND, Direction.CHARGE),
    (EntryKind.ADJUSTMENT, Direction.CREDIT),
    (EntryKind.ADJUSTMENT, Direction.CHARGE),
    (EntryKind.WRITE_OFF, Direction.CREDIT),
    (EntryKind.TAX_ROLL, Direction.CREDIT),
    (EntryKind.PENALTY, Direction.CHARGE),
    (EntryKind.FEE, Direction.CHARGE),
    (EntryKind.DEPOSIT, Direction.CHARGE),
    (EntryKind.REVERSAL, Direction.CREDIT),  # charges taken back: a penalty or fee waived
    (EntryKind.DEPOSIT, Direction.CREDIT),
    (EntryKind.PENALTY, Direction.CREDIT),
    (EntryKind.FEE, Direction.CREDIT),
    (EntryKind.REFUND, Direction.CREDIT),
    (EntryKind.PAYMENT, Direction.CHARGE),
    (EntryKind.WRITE_OFF, Direction.CHARGE),  # a write-off reinstated
    (EntryKind.TAX_ROLL, Direction.CHARGE),  # a tax-roll transfer taken back
)


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
    previous_balance: Decimal  # the previous statement's total due
    since: Sequence[ForwardLine]  # the ledger's entries since then, by kind (FORWARD_LINE_ORDER)
    reads: Sequence[MeterRead]
    usage_history: Sequence[UsagePoint]  # oldest first, ending with this period
    issued_at: datetime
    status: StatementStatus = StatementStatus.ISSUED
    replaces: str | None = None
    document_key: str | None = None  # the PDF in S3, once rendered
    # The account's ledger head when the balance forward was read: the next statement itemizes
    # the entries after it. None: issued before statements kept it (see balance_forward).
    ledger_sequence: int | None = None
    # The account pays by autopay: the statement is charged as it is issued (ChargeAutopay).
    autopay: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "since", tuple(self.since))
        object.__setattr__(self, "reads", tuple(self.reads))
        object.__setattr__(self, "usage_history", tuple(self.usage_history))

    @property
    def estimated(self) -> bool:
        return any(read.estimated for read in self.reads)

    @property
    def ledger_reason(self) -> str:
        """Why its charges are on the ledger."""
        bill = self.bill
        return f"{self.kind.value} statement for {bill.first_day} to {bill.period_end}"

    def posting(self, basis: AccountLedger, by: str, replacing: Statement | None = None) -> Posting:
        """Its charges on the account's ledger as it stands (``basis``), the account's credit
        applied to them; ``replacing`` is the statement it rebills, whose charges are reversed
        and what was paid on which counts towards this one."""
        return statement_posting(
            basis,
            self.statement_id,
            self.due_on,
            self.bill.total,
            self.issued_at,
            by,
            self.ledger_reason,
            replacing=(replacing.statement_id, replacing.bill.total) if replacing else None,
            charged=revenue_charges(self.bill),
        )

    @property
    def balance_forward(self) -> Decimal:
        return self.previous_balance + sum((line.signed for line in self.since), Decimal(0))

    @property
    def total_due(self) -> Decimal:
        return self.balance_forward + self.bill.total


def revenue_charges(bill: RatedBill) -> Charges:
    """What a bill charges by revenue (:mod:`civiq.ledger.domain.receivables`): each line for
    its charge type, as the rate schedule's own charge type it is printed under (else the
    charge type itself); each tax as its charge type's tax."""
    lines = [
        (Revenue(line.charge_type.value, _revenue_type(line)), line.amount) for line in bill.lines
    ]
    taxes = [(tax_on(tax.charge_type.value), tax.amount) for tax in bill.taxes]
    return charges(lines + taxes)


def _revenue_type(line: ChargeLine) -> str:
    return line.category.code if line.category else line.charge_type.value
