"""Write-offs over the API: what staff ask to write off or reverse, and the write-off as they
read it (amounts are strings of dollars and cents)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import Field

from civiq.collections.domain.write_offs import (
    Authority,
    Reinstatement,
    WriteOff,
    WriteOffCategory,
)
from civiq.collections.schemas.cases import ACCOUNT_ID
from civiq.collections.services.write_off import WriteOffAsked
from civiq.core.money import dollars
from civiq.core.schemas import DollarsIn, PageQuery, Payload, Request

WRITE_OFF_ID = r"^[0-9A-HJKMNP-TV-Z]{26}$"

WriteOffId = Annotated[str, Field(pattern=WRITE_OFF_ID, description="The write-off's id (a ULID)")]


class WriteOffRequest(Request):
    account_id: str = Field(pattern=ACCOUNT_ID, description="The account whose arrears")
    amount: DollarsIn = Field(
        description="At most what the account owes; above the clerk's authority, a supervisor's"
    )
    reason_category: WriteOffCategory
    reason: str = Field(min_length=3, max_length=500)
    write_off_id: str | None = Field(
        default=None,
        pattern=WRITE_OFF_ID,
        description="Yours, to retry safely: the same id again changes nothing",
    )

    def asked(self) -> WriteOffAsked:
        return WriteOffAsked(
            self.account_id,
            Decimal(self.amount),
            self.reason_category,
            self.reason,
            self.write_off_id,
        )


class ReverseWriteOffRequest(Request):
    reason: str = Field(min_length=3, max_length=500, description="Why it was made in error")


class WriteOffQuery(PageQuery):
    account_id: str | None = Field(
        default=None, pattern=ACCOUNT_ID, description="Only this account's write-offs"
    )


class ReinstatementOut(Payload):
    amount: str
    on: date
    payment_id: str | None = Field(description="The payment that reinstated it (null: reversed)")

    @classmethod
    def of(cls, reinstatement: Reinstatement) -> ReinstatementOut:
        return cls(
            amount=dollars(reinstatement.amount),
            on=reinstatement.on,
            payment_id=reinstatement.payment_id,
        )


class WriteOffOut(Payload):
    write_off_id: str
    account_id: str
    amount: str
    reason_category: WriteOffCategory
    reason: str
    authority: Authority
    written_off_by: str
    written_off_at: datetime
    reinstated: str = Field(description="How much of it is owed again since")
    left: str = Field(description="How much of it is still written off")
    reinstatements: list[ReinstatementOut]

    @classmethod
    def of(cls, write_off: WriteOff) -> WriteOffOut:
        return cls(
            write_off_id=write_off.write_off_id,
            account_id=write_off.account_id,
            amount=dollars(write_off.amount),
            reason_category=write_off.category,
            reason=write_off.reason,
            authority=write_off.authority,
            written_off_by=write_off.written_off_by,
            written_off_at=write_off.written_off_at,
            reinstated=dollars(write_off.reinstated),
            left=dollars(write_off.left),
            reinstatements=[ReinstatementOut.of(r) for r in write_off.reinstatements],
        )


class WriteOffList(Payload):
    items: list[WriteOffOut]
    next_cursor: str | None
