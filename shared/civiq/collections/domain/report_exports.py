"""The collections reports as files (CSV, XLSX, PDF), made by the report worker: the collection
KPIs (one row per month), the recovery per dunning stage (one row per stage) and the
receivables aging (one row per bucket, then the total and the credits; or, by customer or by
account, one row per customer or account that owes).

An export keeps what it was asked with as strings (:class:`civiq.reporting.domain.exports.Export`
``parameters``): ``months`` for the KPIs; ``as_of``, the aging filters, ``by`` and
``customer_id`` for the aging. The rows hold the figures of the JSON reports
(``GET /api/v1/ar/kpis``, ``GET /api/v1/ar/aging``), typed for the writers.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from enum import StrEnum

from civiq.collections.domain.aging import Aging, AgingFilter, AgingRow, Bucket, RowKind
from civiq.collections.domain.kpis import DEFAULT_MONTHS, MAX_MONTHS, Kpis, MonthKpis, StageRecovery
from civiq.core.errors import InvalidInput
from civiq.reporting.domain.exports import Cell, CellKind, Column


class CollectionReport(StrEnum):
    KPIS = "ar-kpis"
    RECOVERY = "ar-recovery"
    AGING = "ar-aging"


FILTERS = tuple(f.name for f in fields(AgingFilter))  # route, customer_class, ...


@dataclass(frozen=True, slots=True)
class AgingAsked:
    """The aging an export was asked for: on which day, narrowed how, listed by whom."""

    as_of: date
    filters: AgingFilter = field(default_factory=AgingFilter)
    by: RowKind | None = None
    customer_id: str | None = None  # with by: that customer's row, or accounts

    @property
    def parameters(self) -> dict[str, str]:
        named = {name: getattr(self.filters, name) for name in FILTERS}
        named |= {"by": self.by, "customer_id": self.customer_id}
        return {"as_of": self.as_of.isoformat()} | {k: str(v) for k, v in named.items() if v}

    @classmethod
    def of(cls, parameters: Mapping[str, str]) -> AgingAsked:
        by = parameters.get("by")
        return cls(
            date.fromisoformat(parameters["as_of"]),
            AgingFilter(**{name: parameters.get(name) for name in FILTERS}),
            None if by is None else RowKind(by),
            parameters.get("customer_id"),
        )

    @property
    def report_kind(self) -> str:
        """The report's kind (its title and caption): the buckets, or who owes."""
        return CollectionReport.AGING.value if self.by is None else f"ar-aging-{self.by.value}"

    @property
    def name(self) -> str:
        return self.as_of.isoformat()

    @property
    def subject(self) -> dict[str, str]:
        narrowed = [f"{n}={v}" for n in FILTERS if (v := getattr(self.filters, n)) is not None]
        if self.customer_id is not None:
            narrowed.append(f"customer_id={self.customer_id}")
        return {"as_of": self.as_of.isoformat(), "filters": ", ".join(narrowed) or "-"}


def _column(name: str, kind: CellKind) -> Column:
    return Column(f"report.column.{name}", kind)


def bucket_label(bucket: Bucket) -> str:
    return f"report.bucket.{bucket.value}"


BUCKET_COLUMNS = tuple(Column(bucket_label(b), CellKind.MONEY) for b in Bucket)
OWED_COLUMNS = (
    *BUCKET_COLUMNS,
    _column("total_owed", CellKind.MONEY),
    _column("credit", CellKind.MONEY),
)

# ------------------------------------------------------------------ the KPIs

KPI_COLUMNS = (
    _column("month", CellKind.TEXT),
    _column("rate_status", CellKind.LABEL),
    _column("billed_due", CellKind.MONEY),
    _column("collected_60", CellKind.MONEY),
    _column("collection_rate_60", CellKind.RATE),
    _column("dso_as_of", CellKind.DATE),
    _column("receivables", CellKind.MONEY),
    _column("billed_90_days", CellKind.MONEY),
    _column("dso", CellKind.DAYS),
    *OWED_COLUMNS,
)


def _owed(aging: Aging | None) -> tuple[Cell, ...]:
    if aging is None:
        return (None,) * len(OWED_COLUMNS)
    return (
        *(aging.tally(b).amount for b in Bucket),
        aging.total.amount,
        aging.credit.amount,
    )


def kpi_row(month: MonthKpis) -> tuple[Cell, ...]:
    rate, dso = month.collection_rate, month.dso
    return (
        month.month,
        f"report.rate_status.{rate.status.value}",
        rate.billed,
        rate.collected,
        rate.rate,
        dso.as_of,
        dso.receivables,
        dso.billed_90_days,
        dso.days,
        *_owed(month.aging),
    )


def kpi_subject(kpis: Kpis) -> dict[str, str]:
    return {"first": kpis.months[0].month, "last": kpis.months[-1].month}


# ------------------------------------------------------------------ the recovery per stage

RECOVERY_COLUMNS = (
    _column("stage", CellKind.TEXT),
    _column("cases_reached", CellKind.COUNT),
    _column("past_due_at_stage", CellKind.MONEY),
    _column("recovered", CellKind.MONEY),
    _column("recovery_rate", CellKind.RATE),
)


def recovery_row(stage: StageRecovery) -> tuple[Cell, ...]:
    return (stage.stage, stage.reached, stage.past_due, stage.recovered, stage.rate)


# ------------------------------------------------------------------ the aging

AGING_COLUMNS = (
    _column("bucket", CellKind.LABEL),
    _column("amount", CellKind.MONEY),
    _column("open_items", CellKind.COUNT),
    _column("accounts", CellKind.COUNT),
)


def aging_rows(aging: Aging) -> Iterator[tuple[Cell, ...]]:
    """Each bucket, then the total; then the credits of accounts in credit (no items)."""
    for bucket in Bucket:
        tally = aging.tally(bucket)
        yield bucket_label(bucket), tally.amount, tally.items, tally.accounts
    total = aging.total
    yield "report.bucket.total", total.amount, total.items, total.accounts
    yield "report.bucket.credit", aging.credit.amount, None, aging.credit.accounts


OWING_COLUMNS = (
    _column("name", CellKind.TEXT),
    _column("account_number", CellKind.TEXT),
    _column("accounts", CellKind.COUNT),
    *OWED_COLUMNS,
)


def owing_rows(rows: Iterable[AgingRow]) -> Iterator[tuple[Cell, ...]]:
    """Who owes, in the drill-down's order."""
    for row in rows:
        yield (
            row.name,
            row.account_number,
            row.accounts,
            *(row.buckets.get(b) for b in Bucket),
            row.total,
            row.credit,
        )


# ------------------------------------------------------------------ what an export is asked with

AGING_ONLY = (*FILTERS, "as_of", "by", "customer_id")


@dataclass(frozen=True, slots=True)
class CollectionExportAsk:
    """What a clerk asked for: a report and the parameters that apply to it (None: not given)."""

    report: CollectionReport
    months: int | None = None  # ar-kpis
    as_of: date | None = None  # ar-aging, and its filters, by and customer_id
    filters: AgingFilter = field(default_factory=AgingFilter)
    by: RowKind | None = None
    customer_id: str | None = None

    def given(self) -> list[str]:
        """The names of the parameters given."""
        named = {
            "months": self.months,
            "as_of": self.as_of,
            "by": self.by,
            "customer_id": self.customer_id,
        } | {name: getattr(self.filters, name) for name in FILTERS}
        return [name for name, value in named.items() if value is not None]


def parameters_of(ask: CollectionExportAsk, today: date) -> dict[str, str]:
    """The export's parameters, defaults filled in (12 months; the aging of ``today``): kept at
    once, so a file made later is of the day it was asked for. Raises InvalidInput naming a
    parameter that does not apply to the report, or is out of range."""
    applies = {
        CollectionReport.KPIS: ("months",),
        CollectionReport.RECOVERY: (),
        CollectionReport.AGING: AGING_ONLY,
    }[ask.report]
    for name in ask.given():
        if name not in applies:
            raise InvalidInput(f"{name} does not apply to the {ask.report.value} report", name)
    if ask.report is CollectionReport.KPIS:
        months = DEFAULT_MONTHS if ask.months is None else ask.months
        if not 1 <= months <= MAX_MONTHS:
            raise InvalidInput(f"months is from 1 to {MAX_MONTHS}", "months")
        return {"months": str(months)}
    if ask.report is CollectionReport.RECOVERY:
        return {}
    if ask.customer_id is not None and ask.by is None:
        raise InvalidInput("customer_id narrows the rows of by: give by too", "customer_id")
    return AgingAsked(ask.as_of or today, ask.filters, ask.by, ask.customer_id).parameters
