"""Payment arrangements over the API: what a debtor asks for, and the arrangement made (amounts
are strings of dollars and cents)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import Field

from civiq.collections.domain.arrangements import Arrangement, Instalment, InstalmentFrequency
from civiq.collections.services.arrangements import ArrangementAsked
from civiq.core.money import dollars as money
from civiq.core.schemas import WHOLE, DollarsIn, Payload, Request


class ArrangementRequest(Request):
    down_payment: DollarsIn | None = Field(
        default=None, description="Paid today toward the arrears (none: no down payment)"
    )
    instalments: Annotated[int, Field(ge=1, le=120), WHOLE] = Field(
        description="How many instalments pay the rest (the municipality's policy may allow fewer)"
    )
    frequency: InstalmentFrequency
    first_due: date = Field(description="The first instalment's due date, after today")

    def asked(self, account_id: str) -> ArrangementAsked:
        down = Decimal(self.down_payment) if self.down_payment is not None else Decimal("0.00")
        return ArrangementAsked(account_id, down, self.instalments, self.frequency, self.first_due)


class InstalmentOut(Payload):
    number: int
    due_on: date
    principal: str
    interest: str
    amount: str

    @classmethod
    def of(cls, instalment: Instalment) -> InstalmentOut:
        return cls(
            number=instalment.number,
            due_on=instalment.due_on,
            principal=money(instalment.principal),
            interest=money(instalment.interest),
            amount=money(instalment.amount),
        )


class ArrangementResponse(Payload):
    arrangement_id: str
    account_id: str
    status: str
    owed: str = Field(description="The arrears it covers: what was past due the day it was made")
    down_payment: str
    frequency: InstalmentFrequency
    made_on: date
    made_by: str
    made_at: datetime
    ended_on: date | None
    instalments: list[InstalmentOut]

    @classmethod
    def of(cls, arrangement: Arrangement) -> ArrangementResponse:
        terms = arrangement.terms
        return cls(
            arrangement_id=arrangement.arrangement_id,
            account_id=arrangement.account_id,
            status=arrangement.status.value,
            owed=money(terms.owed),
            down_payment=money(terms.down_payment),
            frequency=terms.frequency,
            made_on=terms.made_on,
            made_by=arrangement.made_by,
            made_at=arrangement.made_at,
            ended_on=arrangement.ended_on,
            instalments=[InstalmentOut.of(i) for i in arrangement.instalments],
        )


class ArrangementList(Payload):
    items: list[ArrangementResponse]


class ArrangementPage(Payload):
    items: list[ArrangementResponse]
    next_cursor: str | None
