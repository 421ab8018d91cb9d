"""The staff dashboard: billing figures, delinquency, and views by cycle, run, charge type and
account, each read from maintained aggregates or an index (never by reading every statement).

Dates are the municipality's: a statement due yesterday (local time) is past due today.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from civiq.accounts.domain.accounts import Account
from civiq.accounts.ports import Balances
from civiq.billing.domain.statements import Statement
from civiq.billing.ports import CycleRepository, RunRepository
from civiq.core.dates import MUNICIPAL_TIME_ZONE, local_today
from civiq.core.ports import Clock, Page
from civiq.reporting.domain.dashboard import (
    AccountBalance,
    BillingTotals,
    CycleRuns,
    DashboardSummary,
    Delinquency,
    OpenStatement,
    month_series,
    months_ending,
)
from civiq.reporting.ports import DashboardReader
from civiq.reporting.services.account_balance import BalanceOfAccount

SUMMARY_MONTHS = 12
RUNS_PER_CYCLE = 3


@dataclass(frozen=True)
class Dashboard:
    reader: DashboardReader
    cycles: CycleRepository
    runs: RunRepository
    balances: Balances
    clock: Clock
    time_zone: ZoneInfo = MUNICIPAL_TIME_ZONE

    def today(self) -> date:
        return local_today(self.clock, self.time_zone)

    def summary(self, months: int = SUMMARY_MONTHS) -> DashboardSummary:
        today = self.today()
        aggregates = self.reader.aggregates()
        delinquency = Delinquency(self.reader.past_due(today), aggregates.shutoff_warned)
        return DashboardSummary.of(aggregates, delinquency, today, months)

    def cycles_with_runs(self, runs_per_cycle: int = RUNS_PER_CYCLE) -> list[CycleRuns]:
        """Every cycle with its latest runs and their billed, skipped and failed counts."""
        return [
            CycleRuns(cycle, self.runs.of_cycle(cycle.cycle_id, runs_per_cycle, None).items)
            for cycle in self.cycles.all()
        ]

    def run_statements(self, run_id: str, limit: int, cursor: str | None) -> Page[Statement]:
        return self.reader.run_statements(run_id, limit, cursor)

    def delinquent(self, limit: int, cursor: str | None) -> tuple[date, Page[OpenStatement]]:
        """Statements past due, oldest due date first, with the day they are counted on."""
        today = self.today()
        return today, self.reader.past_due_page(today, limit, cursor)

    def billed_by_type(self, months: int) -> tuple[tuple[str, BillingTotals], ...]:
        """Each of the last ``months`` months (this one included), by charge type."""
        series = months_ending(self.today(), months)
        return month_series(series, self.reader.month_totals(series[0], series[-1]))

    def balance(self, account: Account) -> AccountBalance:
        return BalanceOfAccount(self.reader, self.balances)(account)
