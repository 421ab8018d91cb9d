"""Preview an account's next bill: what billing would issue today, written nowhere.

The period runs from the account's last statement to its meters' latest read; when no meter was
read since, to today, with each unread meter's estimate for today (computed as billing would
record it, and not recorded). The rates are its cycle's schedule; the meter size, property type,
cart size and services are the account's own: the statement is drafted by the same
:meth:`BillAccount.draft` a cycle run issues from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from civiq.accounts.ports import AccountRepository
from civiq.accounts.services.recording import Recorder
from civiq.billing.domain.billing import BillingRequest, Skip, period_for
from civiq.billing.domain.cycles import cycle_of_route
from civiq.billing.domain.statements import Statement, StatementKind
from civiq.billing.ports import CycleRepository
from civiq.billing.services.billing import BillAccount
from civiq.core.errors import Conflict
from civiq.core.events import Actor
from civiq.metering.domain.metering import Reading
from civiq.metering.services.readings import RecordEstimate
from civiq.rates.ports import RateScheduleRepository


class EstimateUnrecorded(RecordEstimate):
    """A missing read estimated as billing would estimate it, and not recorded."""

    def __call__(self, meter_id: str, read_on: date, actor: Actor, correlation_id: str) -> Reading:
        stored = self.readings.find(meter_id, read_on)
        return stored if stored is not None else self.unrecorded(meter_id, read_on, actor)


class PeriodEnd(StrEnum):
    """Where a previewed period ends."""

    LATEST_READ = "latest-read"  # the latest actual read since the last statement
    ESTIMATE_TODAY = "estimate-today"  # no actual read since: estimated for today
    TODAY = "today"  # no meter: the charges through today


def period_end_of(statement: Statement) -> PeriodEnd:
    end = statement.bill.period_end
    if not statement.reads:
        return PeriodEnd.TODAY
    if any(not read.estimated and read.current_on == end for read in statement.reads):
        return PeriodEnd.LATEST_READ
    return PeriodEnd.ESTIMATE_TODAY


@dataclass(frozen=True, slots=True)
class BillPreview:
    statement: Statement  # drafted, never issued
    period_end: PeriodEnd
    rate_schedule_id: str


@dataclass(frozen=True)
class PreviewBill:
    """``bill_account`` must estimate without recording (:class:`EstimateUnrecorded`)."""

    accounts: AccountRepository
    cycles: CycleRepository
    rates: RateScheduleRepository
    bill_account: BillAccount
    recorder: Recorder

    def __call__(self, account_id: str) -> BillPreview:
        account = self.accounts.get(account_id)
        cycle = cycle_of_route(self.cycles.all(), account.route)
        today = self.recorder.today()
        past = self.bill_account.past(account_id)
        request = BillingRequest(
            kind=StatementKind.REGULAR,
            cycle_id=cycle.cycle_id,
            run_id=None,
            period_start=date.min,  # a first bill starts with the account's first service day
            period_end=today,
            read_until=today,
            issued_on=today,
            due_on=today + timedelta(days=cycle.due_days),
        )
        nominal = period_for(account, past.previous, request)
        if isinstance(nominal, Skip):
            raise Conflict(f"the account has no bill to preview: {nominal.value}", "account")
        schedule = self.rates.get(cycle.rate_schedule_id)
        drafted = self.bill_account.draft(account, nominal, request, schedule, past)
        if isinstance(drafted, Skip):
            raise Conflict(f"the account has no bill to preview: {drafted.value}", "account")
        return BillPreview(drafted, period_end_of(drafted), schedule.schedule_id)
