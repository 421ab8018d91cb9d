"""Utility arrears added to the property tax roll (Ontario Municipal Act, 2001, s.398: unpaid
fees and charges for water and sewer may be added to the tax roll of the property and collected
like taxes).

A **transfer** starts with a notice: the items past due at least ``min_days_past_due`` days are
selected, with the transfer fee the catalogue has in force that day (none: no fee), and the
debtor is told the amount, the fee, the roll number and the deadline (``notice_days`` later). Until
the deadline the account may still pay: at the deadline what is still owed of the selected
items (never more than was noticed) is transferred with the fee, or the transfer is cancelled
when nothing is. Staff may withdraw a noticed transfer, and reverse a transferred one (made in
error, or cancelled by council): the arrears are owed on the utility account again and the tax
system receives a reversal line.

    noticed -> transferred -> reversed
            -> cancelled (paid before the deadline, or withdrawn)

Only the owner's debt goes on the owner's tax bill: a tenant's arrears may be transferred only
where the bylaw makes the owner liable for them (the deployment's tenant arrears policy is
``roll-to-owner``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from civiq.core.errors import Conflict, FieldError
from civiq.ledger.domain.journal import OpenStatement

ZERO = Decimal(0)
MIN_DAYS_PAST_DUE = 60
NOTICE_DAYS = 30


class TransferStatus(StrEnum):
    NOTICED = "noticed"  # the notice went out: the account may still pay until the deadline
    TRANSFERRED = "transferred"
    CANCELLED = "cancelled"  # paid before the deadline, or withdrawn by staff
    REVERSED = "reversed"  # taken back after it was transferred


class Debtor(StrEnum):
    """Whose debt it is: the owner's (an owner's account), or a tenant's."""

    OWNER = "owner"
    TENANT = "tenant"


class LineType(StrEnum):
    TRANSFER = "transfer"
    REVERSAL = "reversal"


@dataclass(frozen=True)
class TaxRollPolicy:
    """How old arrears must be to go on the tax roll, how long the notice gives to pay, and
    whether the bylaw makes the owner liable for a tenant's arrears."""

    min_days_past_due: int = MIN_DAYS_PAST_DUE
    notice_days: int = NOTICE_DAYS
    owner_liable_for_tenants: bool = False


@dataclass(frozen=True)
class SelectedItem:
    """An item past due the notice selected, and what it owed then (never more is
    transferred)."""

    statement_id: str
    due_on: date
    owed: Decimal


@dataclass(frozen=True)
class TaxRollTransfer:
    transfer_id: str
    account_id: str
    account_number: str
    roll_number: str
    debtor: Debtor
    owner_customer_id: str
    owner_name: str
    items: tuple[SelectedItem, ...]
    fee: Decimal  # the catalogue's fee and its tax, as noticed (0: none in force)
    noticed_on: date
    deadline: date  # the last day to pay: the transfer is made the day after
    noticed_by: str
    noticed_at: datetime
    status: TransferStatus = TransferStatus.NOTICED
    arrears: Decimal = ZERO  # transferred: what was still owed of the items
    fee_charged: Decimal = ZERO  # transferred: the fee as charged
    taken: tuple[SelectedItem, ...] = ()  # transferred: what each item gave (the fee's too)
    ended_on: date | None = None  # transferred, cancelled or reversed on
    ended_by: str | None = None
    reason: str | None = None  # cancelled, reversed: why
    transferred_on: date | None = None

    @property
    def noticed_arrears(self) -> Decimal:
        return sum((i.owed for i in self.items), ZERO)

    @property
    def total(self) -> Decimal:
        """What went on the tax roll (transferred, reversed), else what the notice stated."""
        if self.transferred_on is not None:
            return self.arrears + self.fee_charged
        return self.noticed_arrears + self.fee

    @property
    def execution(self) -> str:
        """The name of the transfer's workflow execution (one per transfer)."""
        return f"tax-roll-{self.transfer_id}"


class TransferMoved(Conflict):
    """The transfer changed since it was read (withdrawn, transferred by another run)."""

    def __init__(self, transfer_id: str) -> None:
        super().__init__(f"transfer {transfer_id} changed meanwhile", "transfer_id")


def tax_roll_hold(transfer_id: str) -> str:
    """Why a collection case is paused while a transfer to the tax roll is pending."""
    return f"tax-roll:{transfer_id}"


def eligible(
    open_items: Sequence[OpenStatement], today: date, min_days_past_due: int
) -> tuple[SelectedItem, ...]:
    """The items owed whose due date is at least ``min_days_past_due`` days before ``today``,
    oldest first."""
    latest = today - timedelta(days=min_days_past_due)
    return tuple(
        SelectedItem(item.statement_id, item.due_on, item.owed)
        for item in sorted(open_items, key=lambda i: (i.due_on, i.statement_id))
        if item.owed > ZERO and item.due_on <= latest
    )


def refusals(
    roll_number: str | None,
    debtor: Debtor,
    items: Sequence[SelectedItem],
    policy: TaxRollPolicy,
) -> list[FieldError]:
    """Every reason the account's arrears cannot go on the tax roll (none: they can)."""
    refused = []
    if not roll_number:
        refused.append(
            FieldError("roll_number", "the property has no roll number: nothing can be added to")
        )
    if debtor is Debtor.TENANT and not policy.owner_liable_for_tenants:
        refused.append(
            FieldError(
                "account_id",
                "a tenant's arrears stay with the tenant under the bylaw: they cannot go on the "
                "owner's tax roll",
            )
        )
    if not items:
        refused.append(
            FieldError(
                "account_id",
                f"nothing has been past due {policy.min_days_past_due} days or more",
            )
        )
    return refused


def noticed(
    transfer_id: str,
    *,
    account_id: str,
    account_number: str,
    roll_number: str,
    debtor: Debtor,
    owner_customer_id: str,
    owner_name: str,
    items: Sequence[SelectedItem],
    fee: Decimal,
    today: date,
    policy: TaxRollPolicy,
    by: str,
    at: datetime,
) -> TaxRollTransfer:
    return TaxRollTransfer(
        transfer_id=transfer_id,
        account_id=account_id,
        account_number=account_number,
        roll_number=roll_number,
        debtor=debtor,
        owner_customer_id=owner_customer_id,
        owner_name=owner_name,
        items=tuple(items),
        fee=fee,
        noticed_on=today,
        deadline=today + timedelta(days=policy.notice_days),
        noticed_by=by,
        noticed_at=at,
    )


@dataclass(frozen=True)
class Taken:
    """What a transfer takes off one open item: the item, what it owes now, and the part
    transferred (never more than the notice selected)."""

    statement_id: str
    due_on: date
    owed: Decimal
    taken: Decimal


def still_owed(transfer: TaxRollTransfer, open_items: Sequence[OpenStatement]) -> list[Taken]:
    """What the account still owes of the selected items: partial payments since the notice
    reduce it; a charge added to an item since (a penalty) is not transferred."""
    owing = {item.statement_id: item.owed for item in open_items}
    found = []
    for item in transfer.items:
        owed = owing.get(item.statement_id, ZERO)
        taken = min(owed, item.owed)
        if taken > ZERO:
            found.append(Taken(item.statement_id, item.due_on, owed, taken))
    return found


def is_due(transfer: TaxRollTransfer, today: date) -> bool:
    """Whether the deadline has passed (the transfer is made the day after it)."""
    return today > transfer.deadline


def transferred(
    transfer: TaxRollTransfer,
    taken: Sequence[SelectedItem],
    arrears: Decimal,
    fee: Decimal,
    today: date,
    by: str,
) -> TaxRollTransfer:
    return replace(
        transfer,
        status=TransferStatus.TRANSFERRED,
        taken=tuple(taken),
        arrears=arrears,
        fee_charged=fee,
        ended_on=today,
        ended_by=by,
        transferred_on=today,
    )


def cancelled(transfer: TaxRollTransfer, reason: str, today: date, by: str) -> TaxRollTransfer:
    return replace(
        transfer, status=TransferStatus.CANCELLED, ended_on=today, ended_by=by, reason=reason
    )


def taken_back(transfer: TaxRollTransfer, reason: str, today: date, by: str) -> TaxRollTransfer:
    return replace(
        transfer, status=TransferStatus.REVERSED, ended_on=today, ended_by=by, reason=reason
    )


# --- the file for the tax system -----------------------------------------------------------------

HEADER = (
    "roll_number",
    "account_number",
    "owner_name",
    "amount",
    "fee",
    "total",
    "transfer_id",
    "transfer_date",
    "line_type",
)


@dataclass(frozen=True)
class TaxRollLine:
    """One line of a day's file: a transfer added to the roll, or one taken off it."""

    day: date
    roll_number: str
    account_number: str
    owner_name: str
    amount: Decimal  # the arrears (negative on a reversal)
    fee: Decimal
    transfer_id: str
    transfer_date: date  # the day the arrears went on the roll
    line_type: LineType

    @property
    def total(self) -> Decimal:
        return self.amount + self.fee

    @property
    def key(self) -> str:
        """Where it sorts in its day's file: by roll number, then transfer, then type."""
        return f"{self.roll_number}#{self.transfer_id}#{self.line_type.value}"


def line_of(transfer: TaxRollTransfer, day: date) -> TaxRollLine:
    """The line a transferred (or reversed, on ``day``) transfer writes in ``day``'s file."""
    assert transfer.transferred_on is not None
    sign = Decimal(-1) if transfer.status is TransferStatus.REVERSED else Decimal(1)
    return TaxRollLine(
        day=day,
        roll_number=transfer.roll_number,
        account_number=transfer.account_number,
        owner_name=transfer.owner_name,
        amount=sign * transfer.arrears,
        fee=sign * transfer.fee_charged,
        transfer_id=transfer.transfer_id,
        transfer_date=transfer.transferred_on,
        line_type=(
            LineType.REVERSAL if transfer.status is TransferStatus.REVERSED else LineType.TRANSFER
        ),
    )


def file_text(lines: Iterable[TaxRollLine]) -> bytes:
    """A day's file: a header, then its lines by roll number (the same lines always give the
    same bytes)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for line in sorted(lines, key=lambda item: item.key):
        writer.writerow(
            (
                line.roll_number,
                line.account_number,
                line.owner_name,
                f"{line.amount:.2f}",
                f"{line.fee:.2f}",
                f"{line.total:.2f}",
                line.transfer_id,
                line.transfer_date.isoformat(),
                line.line_type.value,
            )
        )
    return out.getvalue().encode("utf-8")
