"""Bill accounts: gather their reads (estimating a missing one), rate them, issue statements.

A cycle run calls :class:`BillBatch` for each batch of the accounts it selected; final bills at
move-out and transfer go through the same :class:`BillAccount` with a period ending on the move
date. Each account is billed at most once per period: a statement's id is the account number
and the period end, and the statement store refuses a second one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_DOWN, Decimal

from civiq.accounts.domain.accounts import Account
from civiq.accounts.domain.properties import Property
from civiq.accounts.ports import AccountRepository, PropertyRepository
from civiq.billing.domain.billing import (
    BillingPeriod,
    BillingRequest,
    Skip,
    balance_forward,
    billed_services,
    billed_volume,
    credited_back,
    estimate_credit,
    over_estimated_volume,
    period_for,
    read_end,
    unit_share,
    winter_daily_average,
    year_to_date_volume,
)
from civiq.billing.domain.cycles import AccountOutcome, BatchRecord, BillingRun, Outcome
from civiq.billing.domain.statements import (
    USAGE_HISTORY_PERIODS,
    MeterRead,
    Recipient,
    Statement,
    StatementKind,
    StatementStatus,
    UsagePoint,
)
from civiq.billing.ports import (
    AccountOnFile,
    AccountsOnFile,
    Premises,
    RunRepository,
    StatementRepository,
)
from civiq.billing.services.pricing import dwelling_units, meter_owner
from civiq.core.audit import AuditEntry
from civiq.core.errors import Conflict, DomainError
from civiq.core.events import Actor
from civiq.core.history import subject_of
from civiq.core.ports import Clock, IdGenerator
from civiq.ledger.domain.journal import AccountLedger, EntriesSince
from civiq.ledger.ports import JournalReader
from civiq.ledger.services.posting import post_until_settled
from civiq.metering.domain.metering import InstalledMeter, Reading
from civiq.metering.domain.meters import Meter, MeterOwner, MeterSize
from civiq.metering.ports import MeterRepository, ReadingRepository
from civiq.metering.services.readings import RecordEstimate
from civiq.rates.domain.charges import ChargeLine, RatedBill, TaxLine
from civiq.rates.domain.rates import RateSchedule
from civiq.rates.domain.rating import RatingInput, rate

BILLING = Actor(subject="civiq-billing", role="system")
SIZES = list(MeterSize)


def statement_id_of(account: Account, period_end: date) -> str:
    return f"{account.account_number}-{period_end:%Y%m%d}"


def issue_statement(
    statements: StatementRepository,
    ledger: JournalReader,
    statement: Statement,
    entry: AuditEntry,
    read: AccountLedger | None = None,
) -> bool:
    """Issue ``statement`` with its charges posted to the account's ledger, through the ledger's
    one retry policy (computed again from the ledger as it then stands when another posting went
    first); False when the account has this statement already. The first posting is computed
    from ``read``, the ledger as read with the account, when given."""
    first = [read] if read is not None else []

    def state(account_id: str) -> AccountLedger:
        return first.pop() if first else ledger.state(account_id)

    return post_until_settled(
        statement.account_id,
        state,
        lambda basis: statements.issue(
            statement, entry, statement.posting(basis, entry.actor_subject)
        ),
    )


def reissue_statement(
    statements: StatementRepository,
    ledger: JournalReader,
    cancelled: Statement,
    rebill: Statement,
    entries: Sequence[AuditEntry],
) -> None:
    """Cancel ``cancelled`` and issue ``rebill`` in its place, the ledger moved by the difference
    (its charges reversed, the new ones charged), through the same retry policy."""
    by = entries[-1].actor_subject if entries else BILLING.subject
    post_until_settled(
        rebill.account_id,
        ledger.state,
        lambda basis: statements.cancel_and_rebill(
            cancelled, rebill, entries, rebill.posting(basis, by, replacing=cancelled)
        ),
    )


@dataclass(frozen=True)
class MeteredUse:
    volume: Decimal
    reads: tuple[MeterRead, ...]
    meter_size: MeterSize | None
    meter_share: Decimal  # the unit's share of a shared meter (1: its own meter)
    meter_owner: MeterOwner | None = None  # of the meter the fixed charge is sized by
    # What earlier estimates billed beyond what this period's actual reads measured
    over_estimated: Decimal = Decimal(0)


@dataclass(frozen=True)
class Past:
    """What billing needs of an account's issued statements (cancelled ones left out): the
    latest, the usage the consumption chart shows before the new period (oldest first), and
    the statements themselves, newest first, read only when asked (an over-estimate's credit
    goes back to them)."""

    previous: Statement | None
    history: tuple[UsagePoint, ...]
    read: Callable[[], Sequence[Statement]]
    # the ledger head the previous statement's posting left, when known
    posted_through: int | None = None

    def statements(self) -> Sequence[Statement]:
        return self.read()

    def nothing_posted_since(self, ledger: AccountLedger) -> bool:
        """Whether ``ledger`` (the account's, as read) has no entry after the previous
        statement's own: its head is where that statement's posting left it."""
        return (
            self.previous is not None
            and self.previous.ledger_sequence is not None
            and ledger.head is not None
            and ledger.head.sequence == self.posted_through
        )


def past_of(issued: Sequence[Statement]) -> Past:
    """The past of an account's issued statements at hand, newest first (cancelled ones are
    left out, and any beyond what the chart shows)."""
    kept = [s for s in issued if s.status is StatementStatus.ISSUED][: USAGE_HISTORY_PERIODS - 1]
    history = tuple(
        UsagePoint(s.bill.period_end, s.bill.days, _volume_of(s), s.estimated)
        for s in reversed(kept)
    )
    return Past(kept[0] if kept else None, history, lambda: kept)


def past_after(
    latest: Statement, read: Callable[[], Sequence[Statement]], posted_through: int | None = None
) -> Past:
    """The past that ends with ``latest``, the account's latest issued statement: its chart
    is the history (each point is what the statement it stands for billed), so no other
    statement is read unless ``read`` is asked."""
    history = tuple(latest.usage_history[-(USAGE_HISTORY_PERIODS - 1) :])
    return Past(latest, history, read, posted_through)


@dataclass(frozen=True)
class BillAccount:
    accounts: AccountRepository
    properties: PropertyRepository
    meters: MeterRepository
    readings: ReadingRepository
    statements: StatementRepository
    ledger: JournalReader
    estimate: RecordEstimate
    clock: Clock
    ids: IdGenerator

    def __call__(
        self,
        account_id: str,
        request: BillingRequest,
        schedule: RateSchedule,
        on_file: AccountOnFile | None = None,
        past: Past | None = None,
    ) -> AccountOutcome:
        """Bill the account; ``on_file``: the account with its ledger as a batch read them,
        ``past``: its issued statements as the caller read them (else read here)."""
        account = on_file.account if on_file is not None else self.accounts.get(account_id)
        read = on_file.ledger if on_file is not None else None
        if past is None:
            past = (
                self.past(account_id, on_file.latest, on_file.posted_through)
                if on_file is not None
                else self.past(account_id)
            )
        previous = past.previous
        if previous is not None and request.run_id and previous.run_id == request.run_id:
            return AccountOutcome(account_id, Outcome.BILLED, statement_id=previous.statement_id)
        nominal = period_for(account, previous, request)
        if isinstance(nominal, Skip):
            return AccountOutcome(account_id, Outcome.SKIPPED, nominal.value)
        premises = on_file.premises if on_file is not None else None
        drafted = self.draft(
            account, nominal, request, schedule, past, ledger=read, premises=premises
        )
        if isinstance(drafted, Skip):
            return AccountOutcome(account_id, Outcome.SKIPPED, drafted.value)
        entry = self.entry(account, drafted, "StatementCreated")
        issue_statement(self.statements, self.ledger, drafted, entry, read)
        return AccountOutcome(account_id, Outcome.BILLED, statement_id=drafted.statement_id)

    def issue(self, statement: Statement, entry: AuditEntry) -> bool:
        return issue_statement(self.statements, self.ledger, statement, entry)

    def reissue(
        self, cancelled: Statement, rebill: Statement, entries: Sequence[AuditEntry]
    ) -> None:
        reissue_statement(self.statements, self.ledger, cancelled, rebill, entries)

    def past(
        self,
        account_id: str,
        latest: Statement | None = None,
        posted_through: int | None = None,
    ) -> Past:
        """The account's issued statements as billing needs them: from ``latest``, its latest
        issued statement when the account named it (the rest read only if asked), else read."""
        if latest is not None and latest.status is StatementStatus.ISSUED and latest.usage_history:
            return past_after(latest, lambda: self.issued(account_id), posted_through)
        return past_of(self.issued(account_id))

    def issued(self, account_id: str) -> list[Statement]:
        """The account's issued statements (cancelled ones left out), newest first, as many as
        the consumption chart shows before the new one."""
        recent = self.statements.recent(account_id, 2 * USAGE_HISTORY_PERIODS)
        issued = [s for s in recent if s.status is StatementStatus.ISSUED]
        return issued[: USAGE_HISTORY_PERIODS - 1]

    def draft(
        self,
        account: Account,
        nominal: BillingPeriod,
        request: BillingRequest,
        schedule: RateSchedule,
        past: Past,
        *,
        replacing: Statement | None = None,
        ledger: AccountLedger | None = None,
        premises: Premises | None = None,
    ) -> Statement | Skip:
        """The statement for ``nominal`` (moved to the account's latest read in it, unless it
        ``replaces`` a statement, which keeps that statement's period), not yet issued; its
        balance forward itemizes the ledger's entries since ``past.previous``
        (BalanceForwardMismatch when they do not explain the balance), up to the head of
        ``ledger`` when the account's ledger was read with it; its property and meters are
        ``premises`` when they were read with it."""
        if premises is None:
            prop = self.properties.get(account.property_id)
            premises = Premises(prop, tuple(self.meters.at_property(prop.property_id)))
        prop = premises.prop
        serving = _serving(premises.meters, account, nominal)
        histories = {m.meter_id: list(self.readings.of_meter(m.meter_id)) for m in serving}
        period = (
            nominal
            if replacing is not None
            else BillingPeriod(
                nominal.start, read_end(list(histories.values()), nominal, request.read_until)
            )
        )
        use = self._metered_use(account, prop, period, serving, histories, request)
        if isinstance(use, Skip):
            return use
        history = past.history
        rated = RatingInput(
            period_start=period.start,
            period_end=period.end,
            volume=use.volume,
            meter_size=use.meter_size,
            property_type=prop.property_type,
            services=billed_services(account, period),
            cart_size=account.cart_size,
            year_to_date_volume=year_to_date_volume(history, period),
            winter_daily_average=winter_daily_average(history),
            meter_share=use.meter_share,
            property_share=property_share(prop, account.service_address.unit),
            attributes=prop.attributes,
            impervious_area=prop.impervious_area,
            dwelling_units=dwelling_units(prop, account.service_address.unit),
            meter_owner=use.meter_owner,
        )
        bill = with_estimate_credit(
            rate(schedule, rated), schedule, rated, history, past, use.over_estimated
        )
        # Since the previous statement's ledger head (from the first entry: a first statement,
        # or one issued before statements kept their head, which balance_forward places)
        previous = past.previous
        after = previous.ledger_sequence if previous is not None else None
        head = ledger.head if ledger is not None else None
        if ledger is not None and head is not None and past.nothing_posted_since(ledger):
            # the entries since are the previous statement's own, which it does not itemize
            journal = EntriesSince(ledger.account_id, head.sequence, head, ledger.balance, ())
        elif ledger is not None:
            journal = self.ledger.entries_after(ledger, after or 0)
        else:
            journal = self.ledger.entries_since(account.account_id, after or 0)
        forward = balance_forward(previous, journal, replacing)
        estimated = any(r.estimated for r in use.reads)
        current = UsagePoint(period.end, period.days, use.volume, estimated)
        return Statement(
            statement_id=statement_id_of(account, period.end),
            account_id=account.account_id,
            account_number=account.account_number,
            kind=request.kind,
            cycle_id=request.cycle_id,
            run_id=request.run_id,
            language=account.language,
            recipient=recipient_of(account, request.kind),
            service_address=account.service_address,
            issued_on=request.issued_on,
            due_on=request.due_on,
            bill=bill,
            previous_balance=forward.previous_balance,
            since=forward.since,
            reads=use.reads,
            usage_history=(*history, current),
            issued_at=self.clock.now(),
            replaces=replacing.statement_id if replacing is not None else None,
            ledger_sequence=forward.through,
            autopay=account.autopay,
        )

    def _metered_use(
        self,
        account: Account,
        prop: Property,
        period: BillingPeriod,
        serving: Sequence[InstalledMeter],
        histories: dict[str, list[Reading]],
        request: BillingRequest,
    ) -> MeteredUse | Skip:
        volume = over = Decimal(0)
        reads: list[MeterRead] = []
        sizes: list[MeterSize] = []
        measuring: list[Meter] = []
        share = Decimal(1)
        for installed in serving:
            history = histories[installed.meter_id]
            used = billed_volume(history, period)
            if used is None and installed.meter.removed_on is None:
                try:
                    estimate = self.estimate(
                        installed.meter_id, period.end, BILLING, request.correlation_id
                    )
                except Conflict:
                    return Skip.NO_READ_NO_HISTORY
                history.append(estimate)
                used = billed_volume(history, period)
            if isinstance(used, Skip):
                return used
            sizes.append(installed.meter.size)
            measuring.append(installed.meter)
            if used is None:
                continue
            shared, building_volume = installed.unit is None and bool(prop.meters.shares), used
            over_here = over_estimated_volume(history, period)
            if shared:
                used = unit_share(prop.meters, account.service_address.unit, used)
                over_here = unit_share(prop.meters, account.service_address.unit, over_here)
                share = property_share(prop, account.service_address.unit)
            volume += used
            over += over_here
            read = _meter_read(installed, history, period, used)
            if shared:
                read = replace(read, building_volume=building_volume, share=share)
            reads.append(read)
        return MeteredUse(volume, tuple(reads), largest(sizes), share, meter_owner(measuring), over)

    def entry(self, account: Account, statement: Statement, action: str) -> AuditEntry:
        return AuditEntry(
            entry_id=self.ids.new_id(),
            subject_id=subject_of(account),
            action=action,
            actor_subject=BILLING.subject,
            actor_role=BILLING.role,
            occurred_at=statement.issued_at,
            correlation_id=statement.run_id or statement.statement_id,
            detail={
                "statement_id": statement.statement_id,
                "period_start": statement.bill.first_day.isoformat(),
                "period_end": statement.bill.period_end.isoformat(),
                "new_charges": str(statement.bill.total),
                "total_due": str(statement.total_due),
            },
        )


def with_estimate_credit(
    bill: RatedBill,
    schedule: RateSchedule,
    rated: RatingInput,
    history: Sequence[UsagePoint],
    past: Past,
    over: Decimal,
) -> RatedBill:
    """``bill`` with the credit of an over-estimate of ``over`` m3: each estimated statement
    it goes back to (:func:`credited_back`) rated again for its own period, at the volume it
    billed and at that volume less its part of the over-estimate, with the account's current
    meter, property and services; the difference is credited (:func:`estimate_credit`). What
    no statement at hand billed is credited at this period's rates, rated the same way."""
    if over <= 0:
        return bill
    periods = credited_back(over, past.statements())
    lines: list[ChargeLine] = []
    taxes: list[TaxLine] = []
    for estimated in periods:
        then = estimated.statement.bill
        earlier = [p for p in history if p.period_end < then.period_end]
        billed = replace(
            rated,
            period_start=then.period_start,
            period_end=then.period_end,
            volume=estimated.billed,
            year_to_date_volume=year_to_date_volume(
                earlier, BillingPeriod(then.period_start, then.period_end)
            ),
            winter_daily_average=winter_daily_average(earlier),
        )
        corrected = replace(billed, volume=estimated.billed - estimated.credited)
        credit = estimate_credit(
            rate(schedule, billed), rate(schedule, corrected), estimated.credited
        )
        lines += credit[0]
        taxes += credit[1]
    left = over - sum((p.credited for p in periods), Decimal(0))
    if left > 0:  # estimated before the statements at hand: at this period's rates
        plus = replace(rated, volume=rated.volume + left)
        credit = estimate_credit(rate(schedule, plus), bill, left)
        lines += credit[0]
        taxes += credit[1]
    credited = sum((line.amount for line in lines), Decimal(0))
    credited += sum((tax.amount for tax in taxes), Decimal(0))
    after_due = bill.total_after_due
    return replace(
        bill,
        lines=(*bill.lines, *lines),
        taxes=(*bill.taxes, *taxes),
        total_after_due=None if after_due is None else after_due + credited,
    )


def recipient_of(account: Account, kind: StatementKind) -> Recipient:
    """Who the statement is mailed to, and where: a final bill to the forwarding address the
    move-out or sale gave, else (and any other statement) to the holder's mailing address, or
    the service address when the holder has none."""
    holder = account.holder
    forwarding = account.forwarding_address if kind is StatementKind.FINAL else None
    return Recipient(holder.name, forwarding or holder.mailing_address or account.service_address)


def largest(sizes: Sequence[MeterSize]) -> MeterSize | None:
    """The size an account's fixed charge is priced by: its largest meter's (None: no meter)."""
    return max(sizes, key=SIZES.index) if sizes else None


def property_share(prop: Property, unit: str | None) -> Decimal:
    """A unit's part of what its property is charged as a whole (a shared meter's fixed charge,
    stormwater): its meter share, or an equal part of the units (to 4 places, rounded down)."""
    if unit is None or not prop.units:
        return Decimal(1)
    if prop.meters.shares:
        return prop.meters.shares[unit]
    return (Decimal(1) / len(prop.units)).quantize(Decimal("0.0001"), ROUND_DOWN)


def _serving(
    installed: Sequence[InstalledMeter], account: Account, period: BillingPeriod
) -> list[InstalledMeter]:
    """The account's meters in service at some time in the period: its unit's meters, or the
    property's whole-property (or shared) meters."""
    unit = account.service_address.unit
    return [
        m
        for m in installed
        if m.unit in (unit, None)
        and m.meter.installed_on <= period.end
        and (m.meter.removed_on is None or m.meter.removed_on > period.start)
    ]


def _meter_read(
    installed: InstalledMeter, history: Sequence[Reading], period: BillingPeriod, volume: Decimal
) -> MeterRead:
    counting = [r for r in history if r.counts]
    before = [r for r in counting if r.read_on <= period.start] or counting[:1]
    current = [r for r in counting if period.start < r.read_on <= period.end][-1]
    previous = before[-1]
    return MeterRead(
        meter_serial=installed.meter.serial,
        previous_on=previous.read_on,
        previous_value=previous.value,
        current_on=current.read_on,
        current_value=current.value,
        volume=volume,
        estimated=current.estimated,
    )


def _volume_of(statement: Statement) -> Decimal:
    return sum((r.volume for r in statement.reads), Decimal(0))


@dataclass(frozen=True)
class BillBatch:
    """Bill one batch of a run's accounts and record what became of each.

    An account that cannot be billed for a reason a person must fix (a price missing from the
    schedule, a flagged read) is reported and the batch goes on; an infrastructure error stops
    the batch, which the workflow retries (the accounts billed already are found billed). The
    batch's accounts are read together with their ledgers, once.
    """

    bill_account: BillAccount
    runs: RunRepository
    on_file: AccountsOnFile

    def __call__(
        self, run: BillingRun, batch: int, account_ids: Sequence[str], schedule: RateSchedule
    ) -> list[AccountOutcome]:
        outcomes = []
        read = self.on_file.several(account_ids)
        for account_id in account_ids:
            try:
                outcomes.append(
                    self.bill_account(account_id, run.request(), schedule, read.get(account_id))
                )
            except DomainError as error:
                reason = f"{error.code}:{error.field}" if error.field else error.code
                outcomes.append(AccountOutcome(account_id, Outcome.FAILED, reason))
        self.runs.record_batch(run.run_id, BatchRecord.of(batch, outcomes))
        return outcomes
