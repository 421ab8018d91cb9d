"""Billing one account for one period: which days, which volume, what came before.

Pure decisions the billing service takes from what it read: the period an account is billed for
(from its previous statement, or from its first service day), the volume its meters billed in
that period (estimates billed once and trued up by the next actual read), the winter average a
sewer cap uses, the year's volume an annual block counts from, and the balance forward: the
previous statement's total and the ledger's entries since, itemized by kind.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from civiq.accounts.domain.accounts import Account, AccountStatus, ServiceType
from civiq.accounts.domain.properties import MeterConfiguration
from civiq.billing.domain.statements import (
    FORWARD_LINE_ORDER,
    Direction,
    ForwardLine,
    Statement,
    StatementKind,
    UsagePoint,
)
from civiq.core.dates import period_first_day
from civiq.core.errors import Conflict
from civiq.ledger.domain.fees import is_fee_line
from civiq.ledger.domain.journal import EntriesSince, EntryKind, LedgerEntry, carries_a_statement
from civiq.metering.domain.metering import Reading, ReadStatus, trued_up_volume
from civiq.metering.domain.meters import VOLUME_PLACES
from civiq.rates.domain.charges import ChargeLine, ChargeType, RatedBill, TaxLine, Unit

WINTER_MONTHS = frozenset({1, 2, 3})  # a sewer cap averages January to March
ZERO = Decimal(0)


class Skip(StrEnum):
    """Why an account selected by a run is not billed; stable codes for the run report."""

    NOT_ACTIVE = "not-active"  # pending, final-billed or closed
    NOTHING_TO_BILL = "nothing-to-bill"  # no service days in the period
    READ_NEEDS_REVIEW = "read-needs-review"  # a flagged read waits for staff
    NO_READ_NO_HISTORY = "no-read-no-history"  # nothing to estimate from
    ALREADY_BILLED = "already-billed"


@dataclass(frozen=True, slots=True)
class BillingPeriod:
    start: date  # exclusive: the previous statement's end, or the day before service began
    end: date

    @property
    def first_day(self) -> date:
        return period_first_day(self.start)

    @property
    def days(self) -> int:
        return (self.end - self.start).days


@dataclass(frozen=True, slots=True)
class BillingRequest:
    """What to bill: a cycle run's period (``run_id`` set), or a final bill through the day
    services ended (a move-out or a sale)."""

    kind: StatementKind
    cycle_id: str
    run_id: str | None
    period_start: date  # the cycle period's start: where an account's first statement starts
    period_end: date
    read_until: date  # reads up to this day count (a final bill: the period end itself)
    issued_on: date
    due_on: date

    @property
    def correlation_id(self) -> str:
        return self.run_id or f"final-{self.cycle_id}-{self.period_end.isoformat()}"


BILLABLE = {
    StatementKind.REGULAR: frozenset({AccountStatus.ACTIVE}),
    StatementKind.FINAL: frozenset({AccountStatus.FINAL_BILLED}),
}


def period_for(
    account: Account, previous: Statement | None, request: BillingRequest
) -> BillingPeriod | Skip:
    """The days to bill ``account`` through the request's period end (a cycle's period end;
    the service moves it to the account's reads, see :func:`read_end`)."""
    if account.status not in BILLABLE[request.kind]:
        return Skip.NOT_ACTIVE
    end = request.period_end
    if previous is not None:
        start = previous.bill.period_end
        if start >= end or previous.kind is StatementKind.FINAL:
            return Skip.ALREADY_BILLED
    else:  # a first statement: from the first service day, within the cycle's period (earlier
        # service was billed before this system, or by the previous cycle period)
        starts = [s.start_date for s in account.services]
        if not starts:
            return Skip.NOTHING_TO_BILL
        start = max(min(starts) - timedelta(days=1), request.period_start)
    if start >= end:
        return Skip.NOTHING_TO_BILL
    return BillingPeriod(start, end)


def billed_services(account: Account, period: BillingPeriod) -> frozenset[ServiceType]:
    """Services in place for some of the period: started by its end, not ended before it."""
    return frozenset(
        s.service_type
        for s in account.services
        if s.start_date <= period.end and (s.end_date is None or s.end_date > period.start)
    )


def read_end(
    readings: Sequence[Sequence[Reading]], period: BillingPeriod, read_until: date
) -> date:
    """Where the account's period really ends: its meters' latest read taken after the period
    start and by ``read_until`` (reads come in over the days after a cycle's period end); the
    cycle's period end when no meter was read (the missing reads are estimated for that day)."""
    dates = [
        r.read_on
        for reads in readings
        for r in reads
        if r.counts and period.start < r.read_on <= read_until
    ]
    return max(dates, default=period.end)


def billed_volume(readings: Sequence[Reading], period: BillingPeriod) -> Decimal | Skip | None:
    """The volume a meter's reads bill in ``period``; None when it has no read in the period.

    An actual read bills its volume less the estimates billed before it (trued up); a read
    waiting for review holds the whole account back. A true-up larger than the period's use
    bills zero: the over-estimate (:func:`over_estimated_volume`) is credited on its own lines,
    at the rates the estimates were billed at (:func:`estimate_credit`).
    """
    inside = [r for r in readings if period.start < r.read_on <= period.end and r.counts]
    if any(r.status is ReadStatus.PENDING_REVIEW for r in inside):
        return Skip.READ_NEEDS_REVIEW
    if not inside:
        return None
    volume = sum((trued_up_volume(r, readings) for r in inside if r.billable), ZERO)
    return max(volume, ZERO).quantize(VOLUME_PLACES)


def over_estimated_volume(readings: Sequence[Reading], period: BillingPeriod) -> Decimal:
    """The volume the estimates before the period's actual reads billed beyond what those reads
    measured (0 when the reads measured at least as much)."""
    inside = [r for r in readings if period.start < r.read_on <= period.end and r.billable]
    volume = sum((trued_up_volume(r, readings) for r in inside), ZERO)
    return max(-volume, ZERO).quantize(VOLUME_PLACES)


@dataclass(frozen=True, slots=True)
class EstimatedPeriod:
    """An estimated statement an over-estimate is credited back to, and how much of it."""

    statement: Statement
    billed: Decimal  # the volume it billed
    credited: Decimal  # the part of that volume the actual read showed was not used


def credited_back(over: Decimal, recent: Sequence[Statement]) -> tuple[EstimatedPeriod, ...]:
    """Where an over-estimate of ``over`` m3 goes back: to the estimated statements of
    ``recent`` (newest first), newest first, each credited at most the volume it billed. What
    no statement at hand billed is left out (the caller credits it as best it can)."""
    periods = []
    left = over
    for statement in recent:
        if left <= 0:
            break
        if not statement.estimated:
            break  # an actual read before it: the estimates trued up now are all newer
        billed = sum((read.volume for read in statement.reads), ZERO)
        credited = min(left, billed)
        if credited > 0:
            periods.append(EstimatedPeriod(statement, billed, credited))
            left -= credited
    return tuple(periods)


ESTIMATE_CREDIT = "estimate-credit"
PRICE_PLACES = Decimal("0.0001")


def estimate_credit(
    billed: RatedBill, corrected: RatedBill, volume: Decimal
) -> tuple[tuple[ChargeLine, ...], tuple[TaxLine, ...]]:
    """The credit of an over-estimate of ``volume`` m3: what an estimated period's charges
    (``billed``, rated at the volume billed) were above the same period rated at the volume the
    actual read showed (``corrected``), per charge type and per tax.

    Each credit line prints as ``-volume m3 x the average price per m3`` of the difference (the
    price itself under one price per m3; the average of the blocks it came from under blocks),
    its amount the difference to the cent. Charges that do not depend on the volume (fixed,
    stormwater, waste) are the same in both and are not credited.
    """
    lines = []
    for kind in dict.fromkeys(line.charge_type for line in billed.lines):
        difference = _total(billed.lines, kind) - _total(corrected.lines, kind)
        if difference <= 0:
            continue
        lines.append(
            ChargeLine(
                charge_type=kind,
                kind=ESTIMATE_CREDIT,
                quantity=-volume,
                unit=Unit.CUBIC_METRE,
                unit_price=(difference / volume).quantize(PRICE_PLACES),
                amount=-difference,
                rate_effective_from=billed.lines[0].rate_effective_from,
            )
        )
    taxes = []
    for tax in billed.taxes:
        same = [
            t
            for t in corrected.taxes
            if (t.charge_type, t.name, t.rate) == (tax.charge_type, tax.name, tax.rate)
        ]
        base = tax.base - sum((t.base for t in same), ZERO)
        amount = tax.amount - sum((t.amount for t in same), ZERO)
        if amount > 0:
            taxes.append(TaxLine(tax.charge_type, tax.name, tax.rate, -base, -amount))
    return tuple(lines), tuple(taxes)


def _total(lines: Sequence[ChargeLine], kind: ChargeType) -> Decimal:
    return sum((line.amount for line in lines if line.charge_type is kind), ZERO)


def unit_share(config: MeterConfiguration, unit: str | None, volume: Decimal) -> Decimal:
    """A unit's part of a shared meter's volume (the whole volume for an individual meter)."""
    if not config.shares or unit is None:
        return volume
    return config.allocate(volume)[unit]


def winter_daily_average(history: Sequence[UsagePoint]) -> Decimal | None:
    """Daily use over the most recent winter's periods (those ending January to March)."""
    winters = [p for p in history if p.period_end.month in WINTER_MONTHS and not p.estimated]
    if not winters:
        return None
    latest_year = max(p.period_end.year for p in winters)
    last = [p for p in winters if p.period_end.year == latest_year]
    days = sum(p.days for p in last)
    return sum((p.volume for p in last), ZERO) / days if days else None


def year_to_date_volume(history: Sequence[UsagePoint], period: BillingPeriod) -> Decimal:
    """Volume billed earlier in the calendar year the period starts in."""
    year = period.first_day.year
    return sum((p.volume for p in history if p.period_end.year == year), ZERO)


class BalanceForwardMismatch(Conflict):
    """The previous statement's total and the ledger's entries since do not add up to the
    balance: the books need a person's look before the account is billed."""

    code = "balance_forward_mismatch"


@dataclass(frozen=True, slots=True)
class BalanceForward:
    previous_balance: Decimal  # the previous statement's total due (0: none)
    since: tuple[ForwardLine, ...]  # in FORWARD_LINE_ORDER
    through: int  # the ledger head it was read at: where the next statement's lines start

    @property
    def amount(self) -> Decimal:
        return self.previous_balance + sum((line.signed for line in self.since), ZERO)


def balance_forward(
    previous: Statement | None, journal: EntriesSince, replacing: Statement | None = None
) -> BalanceForward:
    """What the account owes before this period's charges, itemized from the ledger.

    ``journal`` holds the account's entries after ``previous.ledger_sequence`` (from the first
    without a previous statement) and its balance. Each entry between the statements is a line
    of its kind and direction (:func:`itemize`); the statements' own charges (the previous one's,
    a cancelled one's and their reversal) are not, being in the previous total already, or being
    replaced: ``replacing`` is the statement a rebill cancels, whose charges leave the balance.

    Raises BalanceForwardMismatch unless the previous total and the lines add up to the balance
    to the cent: a statement never prints lines that do not explain what it forwards.
    """
    before = previous.total_due if previous is not None else ZERO
    entries: Sequence[LedgerEntry] = journal.entries
    if previous is not None and previous.ledger_sequence is None:
        entries = recorded_after(entries, previous.issued_at)
    forward = BalanceForward(
        before,
        itemize(e for e in entries if not carries_a_statement(e)),
        journal.through,
    )
    balance = journal.balance - (replacing.bill.total if replacing is not None else ZERO)
    if forward.amount != balance:
        raise BalanceForwardMismatch(
            f"the previous statement's {before:.2f} and the ledger's entries since "
            f"({forward.amount - before:.2f}) do not add up to the balance of {balance:.2f} "
            f"on account {journal.account_id}",
            "balance",
        )
    return forward


def itemize(entries: Iterable[LedgerEntry]) -> tuple[ForwardLine, ...]:
    """One line per kind and direction of the entries, added up, in FORWARD_LINE_ORDER; a fee
    of the catalogue and its tax (:func:`is_fee_line`) each on a line of its own, worded as
    charged, after the fees added up, in the order charged."""
    totals: dict[tuple[EntryKind, Direction], Decimal] = {}
    fees: list[ForwardLine] = []
    for entry in entries:
        direction = Direction.CHARGE if entry.amount > 0 else Direction.CREDIT
        if is_fee_line(entry) and direction is Direction.CHARGE:
            fees.append(ForwardLine(entry.kind, direction, entry.amount, entry.reason))
            continue
        key = (entry.kind, direction)
        totals[key] = totals.get(key, ZERO) + abs(entry.amount)
    unknown = totals.keys() - set(FORWARD_LINE_ORDER)
    if unknown:
        raise ValueError(f"no balance-forward line for {sorted(unknown)}")
    lines: list[ForwardLine] = []
    for kind, direction in FORWARD_LINE_ORDER:
        if (kind, direction) in totals:
            lines.append(ForwardLine(kind, direction, totals[kind, direction]))
        lines += [f for f in fees if (f.kind, f.direction) == (kind, direction)]
    return tuple(lines)


def recorded_after(entries: Sequence[LedgerEntry], issued_at: datetime) -> Sequence[LedgerEntry]:
    """The entries after the last one recorded by ``issued_at``: since a statement issued
    before statements kept their ledger head (its charges are recorded at its issue time)."""
    seen = [e.sequence for e in entries if e.occurred_at <= issued_at]
    point = max(seen, default=0)
    return [e for e in entries if e.sequence > point]
