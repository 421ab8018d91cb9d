"""The collection KPIs over the API: how many months, and the figures answered (amounts are
strings of dollars and cents, rates strings of a fraction with four places)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import Field

from civiq.collections.domain.aging import Aging
from civiq.collections.domain.kpis import (
    DEFAULT_MONTHS,
    MAX_MONTHS,
    CollectionRate,
    Dso,
    Kpis,
    MonthKpis,
    RateStatus,
    StageRecovery,
)
from civiq.collections.schemas.aging import BucketOut, CreditOut, TallyOut, bucket_list
from civiq.core.money import dollars as money
from civiq.core.schemas import Payload, Request

MONTH = r"^[0-9]{4}-(0[1-9]|1[0-2])$"


class KpiQuery(Request):
    months: Annotated[
        int,
        Field(
            strict=False,
            ge=1,
            le=MAX_MONTHS,
            description="How many months up to this one (the current month included)",
        ),
    ] = DEFAULT_MONTHS


def _text(value: object | None) -> str | None:
    return None if value is None else str(value)


class CollectionRateOut(Payload):
    status: RateStatus = Field(
        description="measured; pending: the 60 days of some of its due dates are not over yet; "
        "incomplete: some of its due dates were never measured (before the KPIs were kept)"
    )
    billed: str = Field(
        description="What the items due that month were billed (within 60 days of their due date)"
    )
    collected: str | None = Field(
        description="Billed less what they still owed on their 61st day: paid or credited within "
        "60 days (null: pending, incomplete)"
    )
    rate: str | None = Field(
        description="collected / billed (null: not measured, or nothing billed)"
    )

    @classmethod
    def of(cls, rate: CollectionRate) -> CollectionRateOut:
        return cls(
            status=rate.status,
            billed=money(rate.billed),
            collected=None if rate.collected is None else money(rate.collected),
            rate=_text(rate.rate),
        )


class DsoOut(Payload):
    as_of: date | None = Field(
        description="The day of the receivables (the month's last, or yesterday)"
    )
    receivables: str | None = Field(description="Everything owed that day (credits not netted)")
    billed_90_days: str | None = Field(description="Billed in the 90 days up to that day")
    days: str | None = Field(
        description="receivables / billed_90_days x 90 (null: no aging kept, or nothing billed)"
    )

    @classmethod
    def of(cls, dso: Dso) -> DsoOut:
        return cls(
            as_of=dso.as_of,
            receivables=None if dso.receivables is None else money(dso.receivables),
            billed_90_days=None if dso.billed_90_days is None else money(dso.billed_90_days),
            days=_text(dso.days),
        )


class MonthAgingOut(Payload):
    as_of: date
    buckets: list[BucketOut]
    total: TallyOut
    credit: CreditOut

    @classmethod
    def of(cls, aging: Aging) -> MonthAgingOut:
        return cls(
            as_of=aging.as_of,
            buckets=bucket_list(aging),
            total=TallyOut.of(aging.total),
            credit=CreditOut.of(aging.credit),
        )


class MonthKpisOut(Payload):
    month: str = Field(pattern=MONTH)
    collection_rate_60: CollectionRateOut = Field(description="Of the items due that month")
    dso: DsoOut = Field(description="At the month's end (as of yesterday, for this month)")
    aging: MonthAgingOut | None = Field(
        description="The aging at the month's end (yesterday's, for this month); null: not kept"
    )

    @classmethod
    def of(cls, month: MonthKpis) -> MonthKpisOut:
        return cls(
            month=month.month,
            collection_rate_60=CollectionRateOut.of(month.collection_rate),
            dso=DsoOut.of(month.dso),
            aging=None if month.aging is None else MonthAgingOut.of(month.aging),
        )


class StageRecoveryOut(Payload):
    stage: str = Field(description="The dunning stage's code")
    reached: int = Field(description="Cases that reached it")
    past_due: str = Field(description="What was past due on them when they reached it")
    recovered: str = Field(
        description="Of that, what is no longer past due (paid or credited since; net of new "
        "bills falling past due; at most what was past due at the stage)"
    )
    recovery_rate: str | None = Field(description="recovered / past_due")

    @classmethod
    def of(cls, stage: StageRecovery) -> StageRecoveryOut:
        return cls(
            stage=stage.stage,
            reached=stage.reached,
            past_due=money(stage.past_due),
            recovered=money(stage.recovered),
            recovery_rate=_text(stage.rate),
        )


class KpisResponse(Payload):
    as_of: date = Field(description="Today (the municipality's date)")
    months: list[MonthKpisOut] = Field(description="Oldest first, up to this month")
    stages: list[StageRecoveryOut] = Field(description="Most cases reached first")

    @classmethod
    def of(cls, kpis: Kpis) -> KpisResponse:
        return cls(
            as_of=kpis.as_of,
            months=[MonthKpisOut.of(m) for m in kpis.months],
            stages=[StageRecoveryOut.of(s) for s in kpis.stages],
        )
