"""The rate-change simulation over issued statements, in memory: each period is rated again on
what it was billed on, so the current rates give back the bills issued."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from civiq.accounts.domain.accounts import HolderRole
from civiq.billing.services.simulation import SimulateRateChange
from civiq.metering.domain.meters import MeterSize
from civiq.rates.domain.charges import ChargeType
from civiq.rates.domain.rates import Block, FixedCharge, RateVersion, SewerCharge, VolumetricRate
from tests.helpers.billing_world import SCHEDULE, BillingWorld

DRAFT = RateVersion(
    date(2027, 1, 1),
    None,
    (
        FixedCharge(ChargeType.WATER, {MeterSize.MM15: D("240.00")}),
        VolumetricRate(ChargeType.WATER, (Block(None, D("2.5000")),)),
        SewerCharge(percent=D(80)),
    ),
)


def test_the_last_year_of_bills_rated_again_under_the_current_and_the_draft_rates() -> None:
    world = BillingWorld()
    house = world.account()
    house_meter = world.meter(world.properties.get(house.property_id))
    world.read(house_meter, "2026-09-30", "100")
    world.read(house_meter, "2026-12-02", "130")
    building = world.shared_building()
    units = [
        world.account(building, "1", "Marc Roy"),
        world.account(building, "2", "Ana Silva", HolderRole.TENANT),
    ]
    meter = world.meter(building, serial="SN-2002")
    world.read(meter, "2026-09-30", "0")
    world.read(meter, "2026-11-30", "100")
    run = world.run()
    issued = {}
    for account in (house, *units):
        outcome = world.bill_account(account.account_id, run.request(), SCHEDULE)
        issued[account.account_id] = world.statements.get(
            account.account_id, outcome.statement_id or ""
        ).bill.total
    simulate = SimulateRateChange(
        world.store,
        world.properties,
        world.metering,
        world.statements,
        world.cycles,
        world.rates,
        world.recorder,
    )

    report = simulate(SCHEDULE.schedule_id, DRAFT)

    assert (report.accounts, report.bills, report.unrated) == (3, 3, [])
    typical = {t.account.account_id: t.account for t in report.typical}
    assert {a: typical[a].current for a in typical} == {a: issued[a] for a in typical}
    # the house: 63 days, 30 m3.  current 120.00 x 63/365 = 20.71 + 60.00 + 48.00 = 128.71
    #   draft 240.00 x 63/365 = 41.42 + 30 x 2.50 = 75.00 + 80% = 60.00 -> 176.42 (+47.71)
    # unit 1: 61 days, 60% of 100 m3.  current 0.6 x 120 x 61/365 = 12.03 + 120.00 + 96.00
    #   = 228.03; draft 0.6 x 240 x 61/365 = 24.07 + 150.00 + 120.00 = 294.07 (+66.04)
    # unit 2: 40 m3.  current 8.02 + 80.00 + 64.00 = 152.02; draft 16.04 + 100 + 80 = 196.04
    #   (+44.02)
    assert issued == {
        house.account_id: D("128.71"),
        units[0].account_id: D("228.03"),
        units[1].account_id: D("152.02"),
    }
    assert report.revenue.current == D("508.76")  # 128.71 + 228.03 + 152.02
    assert report.revenue.draft == D("666.53")  # 176.42 + 294.07 + 196.04
    # changes 44.02, 47.71, 66.04: the median the second, the 90th percentile the third
    assert (report.dollars.median, report.dollars.percentile_90) == (D("47.71"), D("66.04"))
    assert report.dollars.largest_account_id == units[0].account_id
    # volumes 30 (house), 40 (unit 2), 60 (unit 1)
    assert [t.account.account_id for t in report.typical] == [
        house.account_id,
        units[1].account_id,
        units[0].account_id,
    ]
