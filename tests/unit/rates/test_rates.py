"""Rate schedules as data: every bad figure is refused, naming the field it is in."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from civiq.accounts.domain.accounts import CartSize
from civiq.accounts.domain.properties import PropertyType
from civiq.core.errors import Conflict, InvalidInput
from civiq.metering.domain.meters import MeterSize
from civiq.rates.domain.charges import ChargeType
from civiq.rates.domain.rates import (
    Block,
    ConsumptionBlocks,
    FixedCharge,
    MinimumCharge,
    RateSchedule,
    RateVersion,
    Season,
    SewerCharge,
    StormwaterCharge,
    Tax,
    VolumetricRate,
    WasteCharge,
)

D = Decimal
WATER, SEWER = ChargeType.WATER, ChargeType.SEWER
SUMMER = Season("summer", 5, 9)


def blocks(*figures: tuple[str | None, str]) -> list[Block]:
    return [Block(D(limit) if limit else None, D(rate)) for limit, rate in figures]


def water_use() -> ConsumptionBlocks:
    return ConsumptionBlocks(WATER, blocks(("15", "1.89"), ("30", "2.34"), (None, "2.98")))


def version(start: date, end: date | None = None, **changes: Any) -> RateVersion:
    fields: dict[str, Any] = {"components": [water_use()], "taxes": ()}
    fields.update(changes)
    return RateVersion(start, end, **fields)


def refused(build: Any, *args: Any, **kwargs: Any) -> InvalidInput:
    with pytest.raises(InvalidInput) as error:
        build(*args, **kwargs)
    return error.value


# blocks


@pytest.mark.parametrize(
    ("limit", "rate", "late_rate", "field"),
    [
        (None, "-0.01", None, "rate"),
        (None, "1.23456", None, "rate"),
        ("0", "1", None, "limit"),
        ("-5", "1", None, "limit"),
        ("10.0001", "1", None, "limit"),  # limits are in litres
        (None, "2.00", "1.99", "late_rate"),
        (None, "2.00", "-3", "late_rate"),
    ],
)
def test_a_bad_block_figure_is_refused(
    limit: str | None, rate: str, late_rate: str | None, field: str
) -> None:
    error = refused(
        Block, D(limit) if limit else None, D(rate), D(late_rate) if late_rate else None
    )
    assert error.field == field


def test_a_float_rate_is_refused() -> None:
    assert refused(Block, None, 1.89).field == "rate"


@pytest.mark.parametrize(
    ("figures", "field"),
    [
        ((), "blocks"),
        ((("15", "1"), ("30", "2"), ("20", "3"), (None, "4")), "blocks.2.limit"),
        ((("15", "1"), ("15", "2"), (None, "3")), "blocks.1.limit"),
        (((None, "1"), ("15", "2")), "blocks.0.limit"),
        ((("15", "1"), ("30", "2"), ("45", "3")), "blocks.2.limit"),
    ],
    ids=["none", "out-of-order", "repeated-limit", "unlimited-first", "last-limited"],
)
def test_blocks_ascend_and_only_the_last_is_unlimited(
    figures: tuple[tuple[str | None, str], ...], field: str
) -> None:
    for component in (ConsumptionBlocks, VolumetricRate):
        assert refused(component, WATER, blocks(*figures)).field == field


# components


def test_fixed_charges_are_water_or_sewer_and_need_a_price() -> None:
    assert refused(FixedCharge, ChargeType.WASTE, {"16mm": D(300)}).field == "charge_type"
    assert refused(FixedCharge, WATER, {}).field == "prices"
    assert refused(FixedCharge, WATER, {"16mm": D("-1")}).field == "prices.16mm"
    assert refused(FixedCharge, WATER, {"17mm": D(300)}).field == "prices.17mm"


def test_price_tables_are_keyed_by_the_enum_whatever_was_passed() -> None:
    charge = FixedCharge("sewer", {"16mm": D(300)})  # type: ignore[arg-type]
    assert charge.charge_type is SEWER
    assert list(charge.prices) == [MeterSize.MM16]
    assert list(WasteCharge({"large": D(260)}).prices) == [CartSize.LARGE]  # type: ignore[dict-item]


def test_stormwater_and_waste_prices_are_checked() -> None:
    assert refused(StormwaterCharge, {"castle": D(1)}).field == "prices.castle"
    assert refused(StormwaterCharge, {PropertyType.COMMERCIAL: D("1.00001")}).field == (
        "prices.commercial"
    )
    assert refused(WasteCharge, {CartSize.SMALL: D("-150")}).field == "prices.small"
    assert refused(WasteCharge, {}).field == "prices"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({}, "rate"),
        ({"percent": D(80), "rate": D("1.95")}, "rate"),
        ({"percent": D("80.125")}, "percent"),
        ({"percent": D("-80")}, "percent"),
        ({"percent": D(80), "winter_cap": True}, "winter_cap"),
        ({"percent": D(80), "season": SUMMER}, "season"),
        ({"rate": D("-1.95")}, "rate"),
        ({"rate": D("1.95"), "late_rate": D("1.90")}, "late_rate"),
    ],
)
def test_a_sewer_charge_is_a_percent_or_a_rate_per_m3(fields: dict[str, Any], field: str) -> None:
    assert refused(SewerCharge, **fields).field == field


def test_sewer_kinds() -> None:
    assert SewerCharge(percent=D(80)).kind == "sewer-percent"
    assert SewerCharge(rate=D("1.95"), winter_cap=True).kind == "sewer-volumetric"


def test_minimums_and_taxes() -> None:
    assert refused(MinimumCharge, ChargeType.MISCELLANEOUS, D(10)).field == "charge_type"
    assert refused(MinimumCharge, WATER, D("-10")).field == "amount"
    assert refused(Tax, ChargeType.MISCELLANEOUS, "HST", D("13")).field == "rate"
    assert refused(Tax, ChargeType.MISCELLANEOUS, "HST", D("-0.13")).field == "rate"
    assert refused(Tax, ChargeType.MISCELLANEOUS, " ", D("0.13")).field == "name"


@pytest.mark.parametrize(
    ("first", "last", "field"),
    [(0, 9, "first_month"), (5, 13, "last_month"), (1, 12, "last_month"), (4, 3, "last_month")],
)
def test_a_season_is_months_of_the_year_shorter_than_it(first: int, last: int, field: str) -> None:
    assert refused(Season, "summer", first, last).field == field


def test_a_season_may_wrap_the_year_end() -> None:
    winter = Season("winter", 11, 3)
    assert winter.months == {11, 12, 1, 2, 3}
    assert winter.boundaries == {11, 4}
    assert refused(Season, " ", 5, 9).field == "name"


# versions


def test_a_version_ends_after_it_starts_and_has_components() -> None:
    assert refused(version, date(2026, 1, 1), date(2025, 12, 31)).field == "effective_to"
    assert refused(version, date(2026, 1, 1), components=[]).field == "components"
    assert refused(version, date(2026, 1, 1), components=["fixed"]).field == "components.0"
    assert version(date(2026, 1, 1), date(2026, 1, 1)).covers(date(2026, 1, 1))


def test_one_minimum_and_one_tax_per_charge_type() -> None:
    components = [water_use(), MinimumCharge(WATER, D(20)), MinimumCharge(WATER, D(25))]
    assert refused(version, date(2026, 1, 1), components=components).field == (
        "components.2.charge_type"
    )
    hst = Tax(ChargeType.MISCELLANEOUS, "HST", D("0.13"))
    assert refused(version, date(2026, 1, 1), taxes=[hst, hst]).field == "taxes.1.charge_type"


def test_a_percentage_sewer_charge_needs_a_water_consumption_rate() -> None:
    components = [FixedCharge(WATER, {"16mm": D(372)}), SewerCharge(percent=D(80))]
    assert refused(version, date(2026, 1, 1), components=components).field == (
        "components.1.percent"
    )


def test_what_rating_needs_is_worked_out_from_the_version() -> None:
    plain = version(date(2026, 1, 1))
    assert plain.cut_months == frozenset()
    assert not plain.has_late_rates and not plain.sewer_on_water_charges
    seasonal = version(
        date(2026, 1, 1),
        components=[
            VolumetricRate(WATER, [Block(None, D("2.50"))], season=SUMMER),
            VolumetricRate(SEWER, [Block(D(300), D("2.10"), D("2.31")), Block(None, D("1.65"))]),
            SewerCharge(percent=D(80)),
            MinimumCharge(WATER, D(20)),
        ],
        taxes=[Tax(ChargeType.MISCELLANEOUS, "HST", D("0.13"))],
    )
    assert seasonal.cut_months == {5, 10, 1}  # summer starts and ends; the year restarts
    assert seasonal.has_late_rates and seasonal.sewer_on_water_charges
    assert seasonal.minimums == (MinimumCharge(WATER, D(20)),)
    assert list(seasonal.tax_of) == [ChargeType.MISCELLANEOUS]
    assert len(seasonal.charges) == 3


# schedules


def test_versions_are_in_order_and_do_not_overlap() -> None:
    first = version(date(2025, 1, 1), date(2025, 12, 31))
    assert refused(RateSchedule, "town", "Town", []).field == "versions"
    for second in (
        version(date(2025, 12, 31)),  # overlaps the last day
        version(date(2024, 1, 1), date(2024, 6, 30)),  # out of order
    ):
        assert refused(RateSchedule, "town", "Town", [first, second]).field == (
            "versions.1.effective_from"
        )
    open_ended = version(date(2025, 1, 1))
    later = version(date(2026, 1, 1))
    assert refused(RateSchedule, "town", "Town", [first, open_ended, later]).field == (
        "versions.1.effective_from"
    )
    assert refused(RateSchedule, "town", " ", [first]).field == "name"
    assert refused(RateSchedule, " ", "Town", [first]).field == "schedule_id"


def test_the_version_in_effect_on_a_day() -> None:
    schedule = RateSchedule(
        "town",
        "Town",
        [version(date(2025, 1, 1), date(2025, 6, 30)), version(date(2025, 8, 1))],
    )
    assert schedule.version_index_on(date(2024, 12, 31)) is None
    assert schedule.version_index_on(date(2025, 1, 1)) == 0
    assert schedule.version_index_on(date(2025, 6, 30)) == 0
    assert schedule.version_index_on(date(2025, 7, 15)) is None  # a gap
    assert schedule.version_index_on(date(2030, 1, 1)) == 1


def test_a_new_version_closes_the_open_ended_one_the_day_before() -> None:
    schedule = RateSchedule("town", "Town", [version(date(2025, 1, 1))])
    after = schedule.with_version(version(date(2026, 1, 1)))
    assert [(v.effective_from, v.effective_to) for v in after.versions] == [
        (date(2025, 1, 1), date(2025, 12, 31)),
        (date(2026, 1, 1), None),
    ]
    assert after.version == schedule.version + 1
    assert after.versions[0].components == schedule.versions[0].components


def test_a_new_version_may_fill_a_gap_but_never_overlap() -> None:
    schedule = RateSchedule(
        "town",
        "Town",
        [version(date(2025, 1, 1), date(2025, 6, 30)), version(date(2025, 8, 1))],
    )
    filled = schedule.with_version(version(date(2025, 7, 1), date(2025, 7, 31)))
    assert [v.effective_from.month for v in filled.versions] == [1, 7, 8]
    for overlapping in (
        version(date(2025, 6, 30), date(2025, 7, 5)),
        version(date(2025, 7, 1), date(2025, 8, 1)),
        version(date(2024, 1, 1)),
        version(date(2025, 8, 1)),  # the same start as the open-ended version
    ):
        with pytest.raises(Conflict) as error:
            schedule.with_version(overlapping)
        assert error.value.field == "effective_from"
