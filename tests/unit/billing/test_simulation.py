"""The rate-change simulator on a tiny town whose every figure is worked out by hand."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, timedelta
from decimal import Decimal as D

import pytest

from civiq.accounts.domain.accounts import ServiceType
from civiq.accounts.domain.properties import PropertyType
from civiq.billing.adapters.simulation_export import simulation_csv, simulation_xlsx
from civiq.billing.domain.simulation import (
    AccountYear,
    Revenue,
    SimulationReport,
    merge,
    percentile,
    simulate,
    simulate_part,
    spanning,
    statistics,
)
from civiq.metering.domain.meters import MeterSize
from civiq.rates.domain.charges import ChargeType
from civiq.rates.domain.rates import (
    Block,
    FixedCharge,
    RateSchedule,
    RateVersion,
    SewerCharge,
    VolumetricRate,
)
from civiq.rates.domain.rating import RatingInput

YEAR_START = date(2025, 12, 31)  # the first period starts the day after


def version(fixed: dict[MeterSize, str], water: str, sewer: str) -> RateVersion:
    return RateVersion(
        date(2026, 1, 1),
        None,
        (
            FixedCharge(ChargeType.WATER, {size: D(price) for size, price in fixed.items()}),
            VolumetricRate(ChargeType.WATER, (Block(None, D(water)),)),
            SewerCharge(rate=D(sewer)),
        ),
    )


# Current: 365.00 a year (30.00 per 30 days) + 2.00/m3 water + 1.00/m3 sewer = 30 + 3v a period.
CURRENT = RateSchedule(
    "town", "Town", (version({MeterSize.MM15: "365.00", MeterSize.MM25: "730.00"}, "2", "1"),)
)
# Draft: 438.00 a year (36.00 per 30 days) + 2.50/m3 + 1.50/m3 = 36 + 4v; no 25 mm price.
DRAFT = version({MeterSize.MM15: "438.00"}, "2.5", "1.5")


def year(
    account_id: str, kind: PropertyType, volumes: list[str], size: MeterSize = MeterSize.MM15
) -> AccountYear:
    """Consecutive 30-day periods from 1 January 2026, one per volume."""
    periods = []
    start = YEAR_START
    for volume in volumes:
        end = start + timedelta(days=30)
        periods.append(
            RatingInput(
                period_start=start,
                period_end=end,
                volume=D(volume),
                meter_size=size,
                property_type=kind,
                services=frozenset({ServiceType.WATER, ServiceType.SEWER}),
            )
        )
        start = end
    return AccountYear(account_id, kind.value, periods)


TOWN = [
    # A: 10 + 20 m3.  current (30+30) + (30+60) = 150.00;  draft (36+40) + (36+80) = 192.00
    year("A", PropertyType.SINGLE_FAMILY, ["10", "20"]),
    # B: 5 + 5 m3.    current 2 x (30+15) = 90.00;         draft 2 x (36+20) = 112.00
    year("B", PropertyType.SINGLE_FAMILY, ["5", "5"]),
    # C: 50 + 70 m3.  current (30+150) + (30+210) = 420.00; draft (36+200) + (36+280) = 552.00
    year("C", PropertyType.COMMERCIAL, ["50", "70"]),
    # D: a 25 mm meter the draft has no price for
    year("D", PropertyType.COMMERCIAL, ["40"], MeterSize.MM25),
]


def town_report() -> SimulationReport:
    return simulate(
        spanning(CURRENT, CURRENT.versions[0]),
        spanning(CURRENT, DRAFT),
        TOWN,
    )


def test_revenue_by_charge_type_and_customer_class_current_beside_draft() -> None:
    report = town_report()

    assert (report.accounts, report.bills) == (3, 6)
    # water: current A 30+20+30+40=120, B 2x(30+10)=80, C 30+100+30+140=300 -> 500.00
    #        draft   A 36+25+36+50=147, B 2x(36+12.5)=97, C 36+125+36+175=372 -> 616.00
    # sewer: current 30 + 10 + 120 = 160.00; draft 45 + 15 + 180 = 240.00
    assert list(report.by_charge_type) == [
        Revenue("water", D("500.00"), D("616.00")),
        Revenue("sewer", D("160.00"), D("240.00")),
    ]
    # single-family: 150 + 90 = 240.00 -> 192 + 112 = 304.00; commercial: C alone
    assert list(report.by_customer_class) == [
        Revenue("commercial", D("420.00"), D("552.00")),
        Revenue("single-family", D("240.00"), D("304.00")),
    ]
    assert report.revenue == Revenue("revenue", D("660.00"), D("856.00"))
    assert report.revenue.change_percent == D("29.7")  # 196 / 660 = 29.69%
    assert report.taxes == Revenue("taxes", D(0), D(0))
    assert [(u.account_id, u.reason) for u in report.unrated] == [("D", "invalid_input:meter_size")]


@pytest.mark.parametrize("split", [0, 1, 2, 3, 4])
def test_the_town_simulated_in_parts_and_merged_is_the_one_pass_report(split: int) -> None:
    current, draft = spanning(CURRENT, CURRENT.versions[0]), spanning(CURRENT, DRAFT)
    # Every cut of A, B, C, D into two parts (the first, or the last, part may be empty)
    parts = [
        simulate_part(current, draft, TOWN[:split]),
        simulate_part(current, draft, TOWN[split:]),
    ]

    assert merge(parts) == town_report()


def test_the_distribution_of_bill_changes_in_dollars_and_percent() -> None:
    report = town_report()

    # changes B 22.00, A 42.00, C 132.00: nearest rank of 3 -> median the 2nd, p90 the 3rd
    dollars = report.dollars
    assert (dollars.median, dollars.percentile_90) == (D("42.00"), D("132.00"))
    assert (dollars.largest, dollars.largest_account_id) == (D("132.00"), "C")
    # B 22/90 = 24.4%, A 42/150 = 28.0%, C 132/420 = 31.4%
    percent = report.percent
    assert (percent.median, percent.percentile_90, percent.largest) == (
        D("28.0"),
        D("31.4"),
        D("31.4"),
    )
    # volumes B 10, A 30, C 120 m3: p10 -> rank 1, p50 -> rank 2, p90 -> rank 3
    assert [
        (t.label, t.account.account_id, t.account.current, t.account.draft) for t in report.typical
    ] == [
        ("low", "B", D("90.00"), D("112.00")),
        ("median", "A", D("150.00"), D("192.00")),
        ("high", "C", D("420.00"), D("552.00")),
    ]


@pytest.mark.parametrize(
    ("p", "expected"),
    [(10, "1"), (50, "5"), (90, "9"), (91, "10"), (100, "10"), (1, "1")],
)
def test_percentiles_are_nearest_rank(p: int, expected: str) -> None:
    assert percentile([D(n) for n in range(1, 11)], p) == D(expected)


def test_when_every_bill_goes_down_the_largest_is_the_smallest_decrease() -> None:
    stats = statistics([(D("-5"), "x"), (D("-1"), "y"), (D("-9"), "z")])
    assert (stats.median, stats.largest, stats.largest_account_id) == (D("-5"), D("-1"), "y")
    assert statistics([]).median is None


def test_an_empty_town_reports_nothing() -> None:
    report = simulate(CURRENT, spanning(CURRENT, DRAFT), [])
    assert (report.accounts, report.typical, report.dollars.largest) == (0, [], None)


def test_the_csv_has_one_row_per_figure() -> None:
    report = town_report()

    data = simulation_csv(report)

    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == [
        "section",
        "item",
        "account_id",
        "volume_m3",
        "current",
        "draft",
        "change",
        "change_percent",
    ]
    assert rows[1] == ["charge-type", "water", "", "", "500.00", "616.00", "116.00", "23.2"]
    assert rows[6] == ["revenue", "revenue", "", "", "660.00", "856.00", "196.00", "29.7"]
    assert ["change-dollars", "largest", "C", "", "", "", "132.00", ""] in rows
    assert ["change-percent", "median", "", "", "", "", "", "28.0"] in rows
    assert [
        "typical-bill",
        "median (p50 of volume)",
        "A",
        "30",
        "150.00",
        "192.00",
        "42.00",
        "28.0",
    ] in rows
    assert rows[-1] == ["unrated", "invalid_input:meter_size", "D", "", "", "", "", ""]


def test_the_xlsx_holds_the_same_rows() -> None:
    report = town_report()

    with zipfile.ZipFile(io.BytesIO(simulation_xlsx(report))) as book:
        strings = book.read("xl/sharedStrings.xml").decode()
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
    assert "change_percent" in strings and "single-family" in strings
    assert "<v>616</v>" in sheet and "<v>196</v>" in sheet
