"""Simulate a draft rate version on the last year of bills of every account its schedule bills.

The accounts are those on the routes of the cycles billed by the schedule (closed accounts are
left out). Each issued statement whose period ended in the 365 days to today is one period,
rated again on what it was billed on: its days and billed volume (after a unit's share and
true-ups), and the account's property type, cart size, services in the period, and the largest
meter serving it then. The calendar year's volume before the period and the winter average come
from the usage history the statement printed. One-off miscellaneous charges are left out: they
do not change with the rates.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from civiq.accounts.domain.accounts import Account
from civiq.accounts.domain.properties import Property
from civiq.accounts.ports import AccountRepository, PropertyRepository
from civiq.accounts.services.recording import Recorder
from civiq.billing.domain.billing import (
    BillingPeriod,
    billed_services,
    winter_daily_average,
    year_to_date_volume,
)
from civiq.billing.domain.simulation import (
    AccountYear,
    SimulationPart,
    SimulationReport,
    merge,
    simulate_part,
    spanning,
)
from civiq.billing.domain.statements import Statement, StatementStatus
from civiq.billing.ports import CycleRepository, StatementRepository
from civiq.billing.services.billing import largest, property_share
from civiq.billing.services.pricing import dwelling_units, meter_owner
from civiq.metering.domain.metering import InstalledMeter
from civiq.metering.ports import MeterRepository
from civiq.rates.domain.rates import RateVersion
from civiq.rates.domain.rating import RatingInput
from civiq.rates.ports import RateScheduleRepository

SIMULATED_DAYS = 365
ZERO = Decimal(0)
ONE = Decimal(1)
STATEMENTS_READ = 40  # a year of monthly statements, with cancelled ones and their rebills


@dataclass(frozen=True)
class SimulateRateChange:
    accounts: AccountRepository
    properties: PropertyRepository
    meters: MeterRepository
    statements: StatementRepository
    cycles: CycleRepository
    rates: RateScheduleRepository
    recorder: Recorder

    def __call__(
        self, schedule_id: str, draft: RateVersion, year_ending: date | None = None
    ) -> SimulationReport:
        """``draft`` against the version of the schedule in effect on ``year_ending`` (today by
        default), both applied to the year of bills ending that day, in one pass."""
        last_day = year_ending or self.recorder.today()
        routes = self.routes(schedule_id)
        return merge([self.part(schedule_id, draft, last_day, routes)])

    def routes(self, schedule_id: str) -> list[str]:
        """The routes of the cycles the schedule bills, in order (NotFound: no schedule)."""
        self.rates.get(schedule_id)
        return sorted(
            {
                route
                for cycle in self.cycles.all()
                if cycle.rate_schedule_id == schedule_id
                for route in cycle.routes
            }
        )

    def part(
        self, schedule_id: str, draft: RateVersion, year_ending: date, routes: Sequence[str]
    ) -> SimulationPart:
        """The accounts on ``routes`` simulated, to be merged with the other routes'."""
        schedule = self.rates.get(schedule_id)
        current = schedule.current_version(year_ending)
        return simulate_part(
            spanning(schedule, current),
            spanning(schedule, draft),
            self.years(routes, year_ending),
        )

    def years(self, routes: Sequence[str], today: date) -> Iterator[AccountYear]:
        """Each billed account's year on ``routes``, read as the simulation consumes it."""
        since = today - timedelta(days=SIMULATED_DAYS)
        for route in routes:
            for summary in self.accounts.on_route(route):
                recent = self.statements.recent(summary.account_id, STATEMENTS_READ)
                billed = [
                    s
                    for s in reversed(recent)
                    if s.status is StatementStatus.ISSUED and since < s.bill.period_end <= today
                ]
                if billed:
                    yield self.year_of(self.accounts.get(summary.account_id), billed)

    def year_of(self, account: Account, billed: Sequence[Statement]) -> AccountYear:
        prop = self.properties.get(account.property_id)
        installed = self.meters.at_property(prop.property_id)
        return AccountYear(
            account.account_id,
            prop.property_type.value,
            [rating_input(account, prop, installed, statement) for statement in billed],
        )


def rating_input(
    account: Account, prop: Property, installed: Sequence[InstalledMeter], statement: Statement
) -> RatingInput:
    """What ``statement`` was rated on, as the account, its property and meters now say."""
    bill = statement.bill
    period = BillingPeriod(bill.period_start, bill.period_end)
    unit = account.service_address.unit
    serving = [
        m
        for m in installed
        if m.unit in (unit, None)
        and m.meter.installed_on <= period.end
        and (m.meter.removed_on is None or m.meter.removed_on > period.start)
    ]
    history = [p for p in statement.usage_history if p.period_end < period.end]
    share = property_share(prop, unit)
    shared_meter = bool(prop.meters.shares) and any(m.unit is None for m in serving)
    return RatingInput(
        period_start=period.start,
        period_end=period.end,
        volume=sum((read.volume for read in statement.reads), ZERO),
        meter_size=largest([m.meter.size for m in serving]),
        property_type=prop.property_type,
        services=billed_services(account, period),
        cart_size=account.cart_size,
        year_to_date_volume=year_to_date_volume(history, period),
        winter_daily_average=winter_daily_average(history),
        meter_share=share if shared_meter else ONE,
        property_share=share,
        attributes=prop.attributes,
        impervious_area=prop.impervious_area,
        dwelling_units=dwelling_units(prop, unit),
        meter_owner=meter_owner([m.meter for m in serving]),
    )
