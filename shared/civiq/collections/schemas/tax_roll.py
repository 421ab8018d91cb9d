"""Transfers of arrears to the tax roll over the API, and the daily files for the tax system
(amounts are strings of dollars and cents), and the task of their workflow."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Literal

from pydantic import Field

from civiq.collections.domain.tax_roll import (
    Debtor,
    LineType,
    SelectedItem,
    TaxRollLine,
    TaxRollTransfer,
    TransferStatus,
)
from civiq.collections.schemas.cases import ACCOUNT_ID, WAIT_UNTIL
from civiq.collections.services.tax_roll_transfer import Outcome, TransferStep
from civiq.collections.services.tax_roll_views import TaxRollFile
from civiq.core.money import dollars as money
from civiq.core.schemas import PageQuery, Payload, Request

ULID = r"^[0-9A-HJKMNP-TV-Z]{26}$"


class TransferRequest(Request):
    account_id: str = Field(pattern=ACCOUNT_ID, description="The account whose arrears go")
    transfer_id: str | None = Field(
        default=None,
        pattern=ULID,
        description="The transfer's id, chosen by the client (the same id again answers the "
        "transfer noticed); none: a new one",
    )


class ReasonRequest(Request):
    reason: str = Field(min_length=3, max_length=500, description="Why, for the record")


class TransferQuery(PageQuery):
    status: TransferStatus | None = Field(default=None, description="Only transfers this status")
    account_id: str | None = Field(
        default=None, pattern=ACCOUNT_ID, description="Only this account's transfers"
    )


class ItemOut(Payload):
    item_id: str = Field(description="A statement, or an unbilled item (a fee)")
    due_on: date
    amount: str

    @classmethod
    def of(cls, item: SelectedItem) -> ItemOut:
        return cls(item_id=item.statement_id, due_on=item.due_on, amount=money(item.owed))


class TransferOut(Payload):
    transfer_id: str
    account_id: str
    account_number: str
    roll_number: str
    debtor: Debtor
    owner_customer_id: str
    status: TransferStatus
    items: list[ItemOut] = Field(description="The items past due the notice selected")
    noticed_arrears: str
    fee: str = Field(description="The transfer fee as noticed (0.00: none in force)")
    noticed_on: date
    deadline: date = Field(description="The last day to pay: the transfer is made the day after")
    noticed_by: str
    noticed_at: datetime
    arrears: str = Field(description="Transferred: what was still owed of the items")
    fee_charged: str
    total: str = Field(description="What went on the tax roll, else what the notice stated")
    taken: list[ItemOut] = Field(description="Transferred: what each item gave")
    transferred_on: date | None
    ended_on: date | None
    ended_by: str | None
    reason: str | None

    @classmethod
    def of(cls, transfer: TaxRollTransfer) -> TransferOut:
        return cls(
            transfer_id=transfer.transfer_id,
            account_id=transfer.account_id,
            account_number=transfer.account_number,
            roll_number=transfer.roll_number,
            debtor=transfer.debtor,
            owner_customer_id=transfer.owner_customer_id,
            status=transfer.status,
            items=[ItemOut.of(i) for i in transfer.items],
            noticed_arrears=money(transfer.noticed_arrears),
            fee=money(transfer.fee),
            noticed_on=transfer.noticed_on,
            deadline=transfer.deadline,
            noticed_by=transfer.noticed_by,
            noticed_at=transfer.noticed_at,
            arrears=money(transfer.arrears),
            fee_charged=money(transfer.fee_charged),
            total=money(transfer.total),
            taken=[ItemOut.of(i) for i in transfer.taken],
            transferred_on=transfer.transferred_on,
            ended_on=transfer.ended_on,
            ended_by=transfer.ended_by,
            reason=transfer.reason,
        )


class TransferPage(Payload):
    items: list[TransferOut]
    next_cursor: str | None


class FileDayPage(Payload):
    days: list[date] = Field(description="The days with a file, the latest first")
    next_cursor: str | None


class LineOut(Payload):
    roll_number: str
    account_number: str
    owner_name: str
    amount: str
    fee: str
    total: str
    transfer_id: str
    transfer_date: date
    line_type: LineType

    @classmethod
    def of(cls, line: TaxRollLine) -> LineOut:
        return cls(
            roll_number=line.roll_number,
            account_number=line.account_number,
            owner_name=line.owner_name,
            amount=money(line.amount),
            fee=money(line.fee),
            total=money(line.total),
            transfer_id=line.transfer_id,
            transfer_date=line.transfer_date,
            line_type=line.line_type,
        )


class TaxRollFileOut(Payload):
    day: date
    url: str = Field(description="A short-lived link to the CSV file")
    lines: list[LineOut] = Field(description="Its lines, by roll number")

    @classmethod
    def of(cls, file: TaxRollFile) -> TaxRollFileOut:
        return cls(day=file.day, url=file.url, lines=[LineOut.of(line) for line in file.lines])


# --- the TaxRollTransfer state machine's task ----------------------------------------------------


class TransferTask(Request):
    task: Literal["transfer_to_tax_roll"]
    execution: str = Field(min_length=1, max_length=80)
    transfer_id: str = Field(min_length=1)
    account_id: str = Field(min_length=1)


class TransferStepOutput(Payload):
    """``next``: "wait" until ``wake_at`` (the deadline has not passed), or "end"."""

    next: Literal["wait", "end"]
    wake_at: str | None
    outcome: Outcome
    status: TransferStatus

    @classmethod
    def of(cls, step: TransferStep) -> TransferStepOutput:
        wake_at = step.wake_at
        return cls(
            next="wait" if wake_at is not None else "end",
            wake_at=wake_at.astimezone(UTC).strftime(WAIT_UNTIL) if wake_at else None,
            outcome=step.outcome,
            status=step.transfer.status,
        )
