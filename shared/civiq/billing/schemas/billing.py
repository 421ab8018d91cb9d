"""Billing API payloads: cycles, runs and statements. Amounts are decimal strings."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from annotated_types import Interval
from pydantic import Field
from pydantic.json_schema import JsonDict

from civiq.accounts.domain.properties import ROUTE
from civiq.billing.domain.cycles import (
    MAX_ROUTES,
    AccountOutcome,
    BillingRun,
    CycleDefinition,
    Frequency,
    Outcome,
    Progress,
    RunStatus,
)
from civiq.billing.domain.statements import (
    Direction,
    ForwardLine,
    MeterRead,
    Statement,
    StatementKind,
    StatementStatus,
    UsagePoint,
)
from civiq.billing.services.preview import BillPreview, PeriodEnd
from civiq.core.language import Language
from civiq.core.money import dollars as money
from civiq.core.schemas import WHOLE, AddressOut, Name, Payload, Request, Versioned
from civiq.ledger.domain.journal import EntryKind
from civiq.rates.domain.charges import ChargeLine, ChargeType, TaxLine, Unit
from civiq.rates.schemas.rates import ChargeCategoryOut

CycleId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$")]
UNIQUE: JsonDict = {"uniqueItems": True}
EXCEPTIONS_SHOWN = 100  # a run's skipped and failed accounts listed with its progress


FIRST_DAY = "The period's first day: the day after the previous period's end"


def _optional_money(amount: Decimal | None) -> str | None:
    return None if amount is None else money(amount)


def _left_out_unless_set(description: str) -> Any:
    """A line's field only some lines have: left out of the response when unset."""
    return Field(default=None, exclude_if=lambda value: value is None, description=description)


CATEGORY = "The schedule's own charge type the line is printed and totalled under"
AFTER_DUE = "The amount when paid after the due date, when it differs"


# A meter-reading route, as the cycle stores it (capitals: routes typed in lower case are taken
# too), each listed once.
Route = Annotated[str, Field(max_length=12, json_schema_extra={"pattern": f"^{ROUTE.pattern}$"})]
ReadDays = Annotated[int, Interval(ge=0, le=30), WHOLE]
DueDays = Annotated[int, Interval(ge=10, le=60), WHOLE]


class CycleIn(Request):
    name: Name = Field(min_length=1, max_length=100)
    frequency: Frequency
    routes: list[Route] = Field(min_length=1, max_length=MAX_ROUTES, json_schema_extra=UNIQUE)
    rate_schedule_id: str = Field(min_length=1, max_length=60)
    first_period_end: date = Field(description="The end of the cycle's first billing period")
    read_days: ReadDays = Field(default=5, description="Days after a period end to wait for reads")
    due_days: DueDays = Field(default=21, description="Days from issue to the due date")

    def to_domain(self, cycle_id: str, version: int = 1) -> CycleDefinition:
        return CycleDefinition(
            cycle_id=cycle_id,
            name=self.name,
            frequency=self.frequency,
            routes=tuple(self.routes),
            rate_schedule_id=self.rate_schedule_id,
            first_period_end=self.first_period_end,
            read_days=self.read_days,
            due_days=self.due_days,
            version=version,
        )


class CreateCycleRequest(CycleIn):
    cycle_id: CycleId = Field(description="Lower case, digits and dashes, e.g. residential-a")


class CycleUpdate(Versioned):
    """Only what is named changes: a field left out (or null) keeps its value."""

    name: Name | None = Field(default=None, min_length=1, max_length=100)
    frequency: Frequency | None = None
    routes: list[Route] | None = Field(
        default=None, min_length=1, max_length=MAX_ROUTES, json_schema_extra=UNIQUE
    )
    rate_schedule_id: str | None = Field(default=None, min_length=1, max_length=60)
    first_period_end: date | None = None
    read_days: ReadDays | None = Field(
        default=None, description="Days after a period end for reads"
    )
    due_days: DueDays | None = Field(default=None, description="Days from issue to the due date")

    def over(self, current: CycleDefinition) -> CycleDefinition:
        named = {
            field: value
            for field, value in self.model_dump(exclude={"version"}).items()
            if value is not None
        }
        if "routes" in named:
            named["routes"] = tuple(named["routes"])
        return replace(current, **named)


class CycleResponse(Payload):
    id: str
    name: str
    frequency: Frequency
    routes: list[str]
    rate_schedule_id: str
    first_period_end: date
    read_days: int
    due_days: int
    version: int

    @classmethod
    def of(cls, cycle: CycleDefinition) -> CycleResponse:
        return cls(
            id=cycle.cycle_id,
            name=cycle.name,
            frequency=cycle.frequency,
            routes=list(cycle.routes),
            rate_schedule_id=cycle.rate_schedule_id,
            first_period_end=cycle.first_period_end,
            read_days=cycle.read_days,
            due_days=cycle.due_days,
            version=cycle.version,
        )


class CycleList(Payload):
    items: list[CycleResponse]


class StartRunRequest(Request):
    period_end: date | None = Field(
        default=None, description="A period end of the cycle; omit for its latest ended period"
    )


class OutcomeOut(Payload):
    account_id: str
    outcome: Outcome
    reason: str | None = Field(
        description="A stable code: `read-needs-review`, `invalid_input:meter_size`, "
        "`not_rendered:<error type>` (billed, but its statement could not be rendered or stored: "
        "not issued until the run is resumed)..."
    )
    detail: str | None = Field(description="What went wrong, in words, when known")

    @classmethod
    def of(cls, outcome: AccountOutcome) -> OutcomeOut:
        return cls(
            account_id=outcome.account_id,
            outcome=outcome.outcome,
            reason=outcome.reason,
            detail=outcome.detail,
        )


class RunResponse(Payload):
    id: str
    cycle_id: str
    status: RunStatus
    period_start: date = Field(description=FIRST_DAY)
    period_end: date
    read_until: date
    issued_on: date
    due_on: date
    rate_schedule_id: str
    started_at: datetime
    started_by: str
    finished_at: datetime | None
    attempts: int
    batches: int
    batches_done: int = Field(description="Batches billed and then issued")
    selected: int
    billed: int = Field(description="Billed, with the statement issued or on its way")
    skipped: int
    failed: int = Field(
        description="Not billed for an error, or billed but the statement could not be rendered"
    )
    reasons: dict[str, int]
    exceptions: list[OutcomeOut] = Field(
        description=f"First {EXCEPTIONS_SHOWN} skipped or failed, with their reasons"
    )

    @classmethod
    def of(cls, run: BillingRun, progress: Progress | None = None) -> RunResponse:
        """``progress``: live counts from the batch records while the run is running."""
        counts = progress.counts if progress else run.counts
        exceptions = progress.exceptions if progress else ()
        return cls(
            id=run.run_id,
            cycle_id=run.cycle_id,
            status=run.status,
            period_start=run.first_day,
            period_end=run.period_end,
            read_until=run.read_until,
            issued_on=run.issued_on,
            due_on=run.due_on,
            rate_schedule_id=run.rate_schedule_id,
            started_at=run.started_at,
            started_by=run.started_by,
            finished_at=run.finished_at,
            attempts=run.attempts,
            batches=run.batches,
            batches_done=progress.batches_done if progress else run.batches_done,
            selected=run.selected,
            billed=counts.get(Outcome.BILLED, 0),
            skipped=counts.get(Outcome.SKIPPED, 0),
            failed=counts.get(Outcome.FAILED, 0),
            reasons=dict(progress.reasons if progress else run.reasons),
            exceptions=[OutcomeOut.of(e) for e in exceptions[:EXCEPTIONS_SHOWN]],
        )


class RunPage(Payload):
    items: list[RunResponse]
    next_cursor: str | None


class ChargeLineOut(Payload):
    charge_type: ChargeType
    kind: str
    quantity: str
    unit: Unit
    unit_price: str
    days: int | None
    basis_days: int | None
    tier: int | None
    season: str | None
    detail: str | None
    amount: str
    rate_effective_from: date
    percent: str | None = Field(
        default=None, description="Only this percent of the quantity is charged"
    )
    included_volume: str | None = Field(
        default=None, description="The m3 a fixed charge includes for its days"
    )
    category: ChargeCategoryOut | None = _left_out_unless_set(CATEGORY)
    amount_after_due: str | None = _left_out_unless_set(AFTER_DUE)

    @classmethod
    def of(cls, line: ChargeLine) -> ChargeLineOut:
        return cls(
            charge_type=line.charge_type,
            kind=line.kind,
            quantity=str(line.quantity),
            unit=line.unit,
            unit_price=str(line.unit_price),
            days=line.days,
            basis_days=line.basis_days,
            tier=line.tier,
            season=line.season,
            detail=line.detail,
            amount=money(line.amount),
            rate_effective_from=line.rate_effective_from,
            percent=None if line.percent is None else str(line.percent),
            included_volume=None if line.included_volume is None else str(line.included_volume),
            category=ChargeCategoryOut.of(line.category),
            amount_after_due=_optional_money(line.amount_after_due),
        )


class TaxLineOut(Payload):
    charge_type: ChargeType
    name: str
    rate: str
    base: str
    amount: str
    category: ChargeCategoryOut | None = _left_out_unless_set(CATEGORY)
    amount_after_due: str | None = _left_out_unless_set(AFTER_DUE)

    @classmethod
    def of(cls, tax: TaxLine) -> TaxLineOut:
        return cls(
            charge_type=tax.charge_type,
            name=tax.name,
            rate=str(tax.rate),
            base=money(tax.base),
            amount=money(tax.amount),
            category=ChargeCategoryOut.of(tax.category),
            amount_after_due=_optional_money(tax.amount_after_due),
        )


class MeterReadOut(Payload):
    meter_serial: str
    previous_on: date
    previous_value: str
    current_on: date
    current_value: str
    volume_m3: str
    estimated: bool

    @classmethod
    def of(cls, read: MeterRead) -> MeterReadOut:
        return cls(
            meter_serial=read.meter_serial,
            previous_on=read.previous_on,
            previous_value=str(read.previous_value),
            current_on=read.current_on,
            current_value=str(read.current_value),
            volume_m3=str(read.volume),
            estimated=read.estimated,
        )


class ForwardLineOut(Payload):
    """One line of the balance forward: the ledger entries of one kind since the previous
    statement that moved the balance one way, added up."""

    kind: EntryKind = Field(description="The ledger entries' kind: payment, penalty, fee...")
    direction: Direction = Field(
        description="credit: the account owes less by the amount; charge: it owes more"
    )
    amount: str = Field(description="Positive; the direction says which way it counts")
    text: str | None = Field(
        default=None,
        exclude_if=lambda value: value is None,
        description="A fee of the catalogue or its tax, as the statement words it (a line each); "
        "absent for the lines that add up a kind",
    )

    @classmethod
    def of(cls, line: ForwardLine) -> ForwardLineOut:
        return cls(
            kind=line.kind, direction=line.direction, amount=money(line.amount), text=line.text
        )


class UsagePointOut(Payload):
    period_end: date
    days: int
    volume_m3: str
    estimated: bool

    @classmethod
    def of(cls, point: UsagePoint) -> UsagePointOut:
        return cls(
            period_end=point.period_end,
            days=point.days,
            volume_m3=str(point.volume),
            estimated=point.estimated,
        )


class StatementSummaryOut(Payload):
    id: str
    account_id: str
    account_number: str
    kind: StatementKind
    status: StatementStatus
    period_start: date = Field(description=FIRST_DAY)
    period_end: date
    issued_on: date
    due_on: date
    new_charges: str
    total_due: str
    total_after_due: str | None
    estimated: bool
    has_document: bool

    @classmethod
    def of(cls, statement: Statement) -> StatementSummaryOut:
        bill = statement.bill
        after_due = bill.total_after_due
        return cls(
            id=statement.statement_id,
            account_id=statement.account_id,
            account_number=statement.account_number,
            kind=statement.kind,
            status=statement.status,
            period_start=bill.first_day,
            period_end=bill.period_end,
            issued_on=statement.issued_on,
            due_on=statement.due_on,
            new_charges=money(bill.total),
            total_due=money(statement.total_due),
            total_after_due=None
            if after_due is None
            else money(statement.balance_forward + after_due),
            estimated=statement.estimated,
            has_document=statement.document_key is not None,
        )


class StatementResponse(StatementSummaryOut):
    cycle_id: str | None
    run_id: str | None
    language: Language
    recipient_name: str
    mailing_address: AddressOut
    service_address: AddressOut
    previous_balance: str
    since: list[ForwardLineOut] = Field(
        description="What the ledger recorded since the previous statement, one line per kind "
        "and direction (payments, reversed payments, refunds, credits, charges, penalties, "
        "fees...): previous_balance plus the lines is balance_forward"
    )
    balance_forward: str
    lines: list[ChargeLineOut]
    subtotal: str
    taxes: list[TaxLineOut]
    reads: list[MeterReadOut]
    usage_history: list[UsagePointOut]
    replaces: str | None

    @classmethod
    def of(cls, statement: Statement) -> StatementResponse:
        bill = statement.bill
        return cls(
            **StatementSummaryOut.of(statement).model_dump(),
            cycle_id=statement.cycle_id,
            run_id=statement.run_id,
            language=statement.language,
            recipient_name=statement.recipient.name,
            mailing_address=AddressOut.of(statement.recipient.mailing_address),
            service_address=AddressOut.of(statement.service_address),
            previous_balance=money(statement.previous_balance),
            since=[ForwardLineOut.of(line) for line in statement.since],
            balance_forward=money(statement.balance_forward),
            lines=[ChargeLineOut.of(line) for line in bill.lines],
            subtotal=money(bill.subtotal),
            taxes=[TaxLineOut.of(tax) for tax in bill.taxes],
            reads=[MeterReadOut.of(read) for read in statement.reads],
            usage_history=[UsagePointOut.of(p) for p in statement.usage_history],
            replaces=statement.replaces,
        )


class StatementPage(Payload):
    items: list[StatementSummaryOut]
    next_cursor: str | None


class RebillRequest(Request):
    reason: str = Field(min_length=3, max_length=500, description="Why the statement was wrong")


class DocumentLink(Payload):
    url: str = Field(description="A presigned GET of the PDF")
    expires_in: int = Field(description="Seconds the URL stays valid")


class BillPreviewResponse(Payload):
    """What the account's next bill would be if billed now; nothing is written."""

    account_id: str
    account_number: str
    rate_schedule_id: str
    period_start: date = Field(description=FIRST_DAY)
    period_end: date
    period_ends_at: PeriodEnd = Field(
        description="latest-read: the latest actual read since the last statement; "
        "estimate-today: no read since, each meter's use estimated for today (not recorded); "
        "today: no meter, the charges through today"
    )
    days: int
    lines: list[ChargeLineOut]
    subtotal: str
    taxes: list[TaxLineOut]
    new_charges: str
    total_after_due: str | None = Field(
        description="The new charges paid after the due date, when the rates differ then"
    )
    balance_forward: str
    total_due: str
    reads: list[MeterReadOut]

    @classmethod
    def of(cls, preview: BillPreview) -> BillPreviewResponse:
        statement = preview.statement
        bill = statement.bill
        return cls(
            account_id=statement.account_id,
            account_number=statement.account_number,
            rate_schedule_id=preview.rate_schedule_id,
            period_start=bill.first_day,
            period_end=bill.period_end,
            period_ends_at=preview.period_end,
            days=bill.days,
            lines=[ChargeLineOut.of(line) for line in bill.lines],
            subtotal=money(bill.subtotal),
            taxes=[TaxLineOut.of(tax) for tax in bill.taxes],
            new_charges=money(bill.total),
            total_after_due=None if bill.total_after_due is None else money(bill.total_after_due),
            balance_forward=money(statement.balance_forward),
            total_due=money(statement.total_due),
            reads=[MeterReadOut.of(read) for read in statement.reads],
        )
