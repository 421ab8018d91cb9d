"""Rating: one account's charges for one period under a rate schedule.

The period (``period_start`` exclusive, ``period_end`` inclusive, as between two reads) is cut
where one version ends and the next starts and, within a version, on the first day of a month
that starts or ends one of its seasons (and on 1 January when it has annual thresholds). The
volume is shared among those pieces by days, to the litre (:func:`share_by_days`). Then each
version's components are rated over its days: a component without a season over all of them and
all their volume, a seasonal component over its in-season pieces only. Every line records the
version it was rated under (``rate_effective_from``).

Each line is rounded once (:meth:`Money.rounded`); a percentage sewer charge is a percentage of
the rounded water consumption lines of the same version (what the water used costs, even on an
account without water service), so it adds up on paper; a minimum tops up one charge type's
lines of one version over that version's days; taxes are on rounded lines. Miscellaneous charges
are billed, and taxed, under the version in effect on the period's last day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from civiq.accounts.domain.accounts import ServiceType
from civiq.accounts.domain.properties import PropertyType
from civiq.core.dates import period_first_day
from civiq.core.errors import InvalidInput
from civiq.core.money import CENT, RATE_PLACES, Money
from civiq.metering.domain.meters import VOLUME_PLACES, MeterSize
from civiq.rates.domain.charges import ChargeLine, ChargeType, RatedBill, TaxLine, Unit
from civiq.rates.domain.rates import (
    PER_YEAR,
    YEAR_DAYS,
    Basis,
    CartSize,
    Charge,
    ConsumptionBlocks,
    DayCount,
    FixedCharge,
    MinimumCharge,
    Per,
    RateSchedule,
    RateVersion,
    SewerCharge,
    StormwaterCharge,
    VolumeCap,
    VolumetricRate,
    WasteCharge,
    check_price,
)
from civiq.rates.domain.requirements import PricedCharge, Unpriced, billed_types, price_of

ZERO = Decimal(0)
ONE = Decimal(1)
SHARE_PLACES = Decimal("0.0001")  # as property shares are given
HUNDRED = Decimal(100)
ONE_DAY = timedelta(days=1)
TYPE_ORDER = {charge_type: index for index, charge_type in enumerate(ChargeType)}


@dataclass(frozen=True, slots=True)
class MiscellaneousCharge:
    """A one-off charge on the bill (a meter test, a hydrant permit): a MISCELLANEOUS line."""

    description: str
    amount: Decimal

    def __post_init__(self) -> None:
        if not self.description.strip():
            raise InvalidInput("a miscellaneous charge needs a description", "description")
        check_price(self.amount, "amount", CENT)


@dataclass(frozen=True, slots=True)
class RatingInput:
    """What one account is rated on for one period.

    ``services``: only the charge types of services the account has are charged.
    ``year_to_date_volume``: the volume billed earlier in the calendar year of the period's
    first day (annual thresholds count from it). ``winter_daily_average``: m3 per day, for a
    sewer charge capped at winter use; None when the account has no winter history.
    """

    period_start: date
    period_end: date
    volume: Decimal
    meter_size: MeterSize | None
    property_type: PropertyType
    services: frozenset[ServiceType]
    cart_size: CartSize | None = None
    year_to_date_volume: Decimal = ZERO
    winter_daily_average: Decimal | None = None
    miscellaneous: Sequence[MiscellaneousCharge] = ()
    meter_share: Decimal = ONE  # a unit's share of a shared meter: its part of the fixed charge
    property_share: Decimal = ONE  # a unit's share of its property: its part of stormwater
    billed: frozenset[ChargeType] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.period_end <= self.period_start:
            raise InvalidInput("period_end is after period_start", "period_end")
        check_price(self.volume, "volume", VOLUME_PLACES)
        _check_amount(self.year_to_date_volume, "year_to_date_volume")
        if self.winter_daily_average is not None:
            _check_amount(self.winter_daily_average, "winter_daily_average")
        for name in ("meter_share", "property_share"):
            share = getattr(self, name)
            if not 0 < share <= 1 or share != share.quantize(SHARE_PLACES):
                raise InvalidInput("a share is above 0, at most 1, to 4 decimals", name)
        for index, charge in enumerate(self.miscellaneous):
            if not isinstance(charge, MiscellaneousCharge):
                raise InvalidInput("not a miscellaneous charge", f"miscellaneous.{index}")
        object.__setattr__(self, "billed", billed_types(self.services))

    @property
    def days(self) -> int:
        return (self.period_end - self.period_start).days


def _check_amount(value: Decimal, field_name: str) -> None:
    if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
        raise InvalidInput("must be a decimal number, zero or more", field_name)


def share_by_days(volume: Decimal, days: Sequence[int]) -> list[Decimal]:
    """``volume`` shared in proportion to ``days``: each share rounded down to the litre, the
    last share what is left, so the shares add up to exactly ``volume``."""
    total = sum(days)
    shares = [(volume * d / total).quantize(VOLUME_PLACES, ROUND_DOWN) for d in days[:-1]]
    shares.append(volume - sum(shares, ZERO))
    return shares


def rounded(amount: Decimal) -> Decimal:
    return Money(amount).rounded().amount


@dataclass(frozen=True, slots=True)
class _Term:
    """Part of a figure published per some basis that a stretch of days bills: the figure
    times ``numerator / denominator`` (a yearly figure on a quarterly bill: 1/4), times
    ``days / basis_days`` when those are set (62 of 60 days)."""

    numerator: int
    denominator: int
    days: int | None
    basis_days: int | None

    def scaled(self, figure: Decimal) -> Decimal:
        if self.days is None or self.basis_days is None:
            return figure * self.numerator / self.denominator
        return figure * self.numerator * self.days / (self.denominator * self.basis_days)

    def unit_price(self, figure: Decimal) -> Decimal:
        """The figure a line shows: the published one, or its multiple for the line's basis."""
        if self.numerator == self.denominator:
            return figure
        return (figure * self.numerator / self.denominator).quantize(RATE_PLACES, ROUND_HALF_UP)


def _terms(
    basis: Basis, version: RateVersion, scope: list[_Piece], days: int, bill_days: int
) -> list[_Term]:
    """How a figure per ``basis`` is prorated over ``days`` (the ``scope`` pieces) of a bill of
    ``bill_days`` under ``version``'s day count."""
    if basis.days is not None:  # N days are N days, whatever the day count
        return [_Term(1, 1, days, basis.days)]
    per_year = PER_YEAR.get(basis.per, 1)
    if version.day_count is DayCount.FIXED_PERIOD:
        assert version.periods_per_year is not None
        numerator, denominator = (
            (1, 1) if basis.per is Per.PERIOD else (per_year, version.periods_per_year)
        )
        if days == bill_days:
            return [_Term(numerator, denominator, None, None)]
        return [_Term(numerator, denominator, days, bill_days)]
    if basis.per is Per.PERIOD:
        return [_Term(1, 1, None, None)] if days == bill_days else [_Term(1, 1, days, bill_days)]
    if version.day_count is DayCount.ACTUAL_365:
        return [_Term(per_year, 1, days, YEAR_DAYS)]
    by_year: dict[int, int] = {}
    for piece in scope:  # actual/actual: pieces never cross 1 January
        by_year[piece.first.year] = by_year.get(piece.first.year, 0) + piece.days
    return [
        _Term(per_year, 1, year_days, _year_length(year)) for year, year_days in by_year.items()
    ]


def _year_length(year: int) -> int:
    return 366 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else YEAR_DAYS


def _scaled(figure: Decimal, terms: list[_Term]) -> Decimal:
    if len(terms) == 1:
        return terms[0].scaled(figure)
    return sum((term.scaled(figure) for term in terms), ZERO)


def _volume_cap(
    cap: VolumeCap | None, version: RateVersion, scope: list[_Piece], days: int, bill_days: int
) -> Decimal | None:
    """The most volume a capped component charges over ``days``, to the litre."""
    if cap is None:
        return None
    terms = _terms(cap.basis, version, scope, days, bill_days)
    return _scaled(cap.volume, terms).quantize(VOLUME_PLACES, ROUND_HALF_UP)


@dataclass(slots=True)
class _Piece:
    """Consecutive days billed under one version, within one season state and calendar year."""

    first: date
    days: int
    volume: Decimal = ZERO
    year_before: Decimal = ZERO  # volume billed earlier in this piece's calendar year


@dataclass(slots=True)
class _Stretch:
    """The days of the period one version is in effect, as pieces."""

    version: RateVersion
    pieces: list[_Piece]


@dataclass(slots=True)
class _Bill:
    """Lines as they are rated, the after-due amounts beside them, and the taxable bases."""

    lines: list[ChargeLine] = field(default_factory=list)
    late: list[Decimal] = field(default_factory=list)
    taxed: dict[tuple[ChargeType, str, Decimal], list[Decimal]] = field(default_factory=dict)

    def add(self, line: ChargeLine, late: Decimal, version: RateVersion) -> None:
        self.lines.append(line)
        self.late.append(late)
        tax = version.tax_of.get(line.charge_type)
        if tax is not None:
            bases = self.taxed.setdefault((tax.charge_type, tax.name, tax.rate), [ZERO, ZERO])
            bases[0] += line.amount
            bases[1] += late


def rate(schedule: RateSchedule, request: RatingInput) -> RatedBill:
    """The itemized charges of ``request`` under ``schedule``.

    Raises InvalidInput naming ``period`` when no version is in effect on a day of the period,
    and ``meter_size``, ``property_type`` or ``cart_size`` when the schedule has no price for
    the account's.
    """
    stretches = _stretches(schedule, period_first_day(request.period_start), request.period_end)
    pieces = [piece for stretch in stretches for piece in stretch.pieces]
    volumes = share_by_days(request.volume, [piece.days for piece in pieces])
    year, year_volume = pieces[0].first.year, request.year_to_date_volume
    for piece, volume in zip(pieces, volumes, strict=True):
        if piece.first.year != year:
            year, year_volume = piece.first.year, ZERO
        piece.volume, piece.year_before = volume, year_volume
        year_volume += volume
    bill = _Bill()
    for stretch in stretches:
        _rate_stretch(stretch, request, bill)
    last_version = stretches[-1].version
    for charge in request.miscellaneous:
        amount = rounded(charge.amount)
        line = ChargeLine(
            ChargeType.MISCELLANEOUS,
            "miscellaneous",
            ONE,
            Unit.BILL,
            charge.amount,
            amount,
            last_version.effective_from,
            detail=charge.description,
        )
        bill.add(line, amount, last_version)
    bill.lines.sort(key=lambda line: TYPE_ORDER[line.charge_type])
    taxes = [
        TaxLine(charge_type, name, tax_rate, bases[0], rounded(bases[0] * tax_rate))
        for (charge_type, name, tax_rate), bases in sorted(
            bill.taxed.items(), key=lambda item: (TYPE_ORDER[item[0][0]], item[0][1])
        )
    ]
    total_after_due = None
    if any(stretch.version.has_late_rates for stretch in stretches):
        late_taxes = sum((rounded(b[1] * key[2]) for key, b in bill.taxed.items()), ZERO)
        total_after_due = sum(bill.late, ZERO) + late_taxes
    return RatedBill(
        request.period_start, request.period_end, tuple(bill.lines), tuple(taxes), total_after_due
    )


def _stretches(schedule: RateSchedule, first_day: date, last_day: date) -> list[_Stretch]:
    index = schedule.version_index_on(first_day)
    if index is None:
        raise InvalidInput(f"no rate in effect on {first_day}", "period")
    versions = schedule.versions
    stretches = []
    day = first_day
    while True:
        version = versions[index]
        until = version.effective_to
        end = last_day if until is None or until >= last_day else until
        stretches.append(_Stretch(version, _pieces(version, day, end)))
        if end == last_day:
            return stretches
        day = end + ONE_DAY
        index += 1
        if index == len(versions) or versions[index].effective_from != day:
            raise InvalidInput(f"no rate in effect on {day}", "period")


def _pieces(version: RateVersion, first: date, last: date) -> list[_Piece]:
    """``first``..``last`` cut before the first day of each of the version's ``cut_months``."""
    cuts = version.cut_months
    if not cuts:
        return [_Piece(first, (last - first).days + 1)]
    pieces = []
    start = first
    month = _next_month(first)
    while month <= last:
        if month.month in cuts:
            pieces.append(_Piece(start, (month - start).days))
            start = month
        month = _next_month(month)
    pieces.append(_Piece(start, (last - start).days + 1))
    return pieces


def _next_month(day: date) -> date:
    return date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)


def _rate_stretch(stretch: _Stretch, request: RatingInput, bill: _Bill) -> None:
    version, pieces = stretch.version, stretch.pieces
    billed = request.billed
    all_days = sum(piece.days for piece in pieces)
    all_volume = sum((piece.volume for piece in pieces), ZERO)
    first_line = len(bill.lines)
    water_use = [ZERO, ZERO]  # the water consumption lines' amounts, and after the due date
    needs_water_use = version.sewer_on_water_charges and ChargeType.SEWER in billed
    percent_sewers: list[SewerCharge] = []
    for component in version.charges:
        water = _is_water_consumption(component)
        if component.charge_type not in billed and not (water and needs_water_use):
            continue
        if isinstance(component, SewerCharge) and component.percent is not None:
            percent_sewers.append(component)
            continue
        season = component.season
        if season is None:
            scope, days, volume = pieces, all_days, all_volume
        else:
            scope = [piece for piece in pieces if piece.first.month in season.months]
            if not scope:
                continue
            days = sum(piece.days for piece in scope)
            volume = sum((piece.volume for piece in scope), ZERO)
        for line, late in _charge(component, version, scope, days, volume, request):
            if water:
                water_use[0] += line.amount
                water_use[1] += late
            if component.charge_type in billed:
                bill.add(line, late, version)
    for sewer in percent_sewers:
        assert sewer.percent is not None
        if water_use[0] or water_use[1]:
            fraction = (sewer.percent / HUNDRED).quantize(RATE_PLACES)
            line = ChargeLine(
                ChargeType.SEWER,
                sewer.kind,
                water_use[0],
                Unit.BILL,
                fraction,
                rounded(water_use[0] * fraction),
                version.effective_from,
            )
            bill.add(line, rounded(water_use[1] * fraction), version)
    for minimum in version.minimums:
        if minimum.charge_type in billed:
            terms = _terms(minimum.basis, version, pieces, all_days, request.days)
            _top_up(
                minimum,
                rounded(_scaled(minimum.amount, terms)),
                version,
                all_days,
                bill,
                first_line,
            )


def _is_water_consumption(component: Charge) -> bool:
    return (
        isinstance(component, (ConsumptionBlocks, VolumetricRate))
        and component.charge_type is ChargeType.WATER
    )


def _charge(
    component: Charge,
    version: RateVersion,
    scope: list[_Piece],
    days: int,
    volume: Decimal,
    request: RatingInput,
) -> list[tuple[ChargeLine, Decimal]]:
    """The lines of one component over ``days`` and ``volume``, each with its amount after the
    due date."""
    season = component.season.name if component.season is not None else None
    bill_days = request.days
    if isinstance(component, (FixedCharge, StormwaterCharge, WasteCharge)):
        terms = _terms(component.basis, version, scope, days, bill_days)
        price = _price(component, request)
        chosen_by: MeterSize | PropertyType | CartSize | None
        if isinstance(component, FixedCharge):
            chosen_by, share = request.meter_size, request.meter_share
        elif isinstance(component, StormwaterCharge):
            chosen_by, share = request.property_type, request.property_share
        else:
            chosen_by, share = request.cart_size, ONE
        return [
            _prorated(component, version, price, chosen_by, term, season, share) for term in terms
        ]
    cap = _volume_cap(component.cap, version, scope, days, bill_days)
    if cap is not None:
        volume = min(volume, cap)
    if isinstance(component, ConsumptionBlocks):
        terms = _terms(component.basis, version, scope, days, bill_days)
        return _blocks(component, version, days, volume, season, terms)
    if isinstance(component, VolumetricRate):
        return _volumetric(component, version, scope, volume, season)
    if isinstance(component, SewerCharge):
        return _sewer_by_volume(component, version, days, volume, request, season)
    raise TypeError(f"not a charging component: {component!r}")


def _price(charge: PricedCharge, request: RatingInput) -> Decimal:
    """The price of ``charge`` for the account, by the rule billing checks accounts by when
    they are opened (:func:`civiq.rates.domain.requirements.unpriced`)."""
    price = price_of(charge, request)
    if isinstance(price, Unpriced):
        raise InvalidInput(price.message, price.attribute)
    return price


def _prorated(
    component: FixedCharge | StormwaterCharge | WasteCharge,
    version: RateVersion,
    price: Decimal,
    chosen_by: MeterSize | PropertyType | CartSize | None,
    term: _Term,
    season: str | None,
    share: Decimal,
) -> tuple[ChargeLine, Decimal]:
    """``share`` (a unit's part of its building's meter or property, 1 for its own) of a
    charge of ``price`` per its basis, for the part of it ``term`` bills."""
    unit_price = term.unit_price(price)
    if term.days is None or term.basis_days is None:
        amount = rounded(share * unit_price)
        unit = Unit.BILL
    else:
        amount = rounded(share * unit_price * term.days / term.basis_days)
        unit = Unit.DAY
    line = ChargeLine(
        component.charge_type,
        component.kind,
        share,
        unit,
        unit_price,
        amount,
        version.effective_from,
        days=term.days,
        basis_days=term.basis_days,
        season=season,
        detail=chosen_by,
    )
    return line, amount


def _blocks(
    component: ConsumptionBlocks,
    version: RateVersion,
    days: int,
    volume: Decimal,
    season: str | None,
    terms: list[_Term],
) -> list[tuple[ChargeLine, Decimal]]:
    """Each block takes the volume up to its allowance for ``days`` (its limit prorated from
    the component's basis, to the litre), above what the blocks before it took."""
    lines = []
    taken = ZERO
    for tier, block in enumerate(component.blocks, 1):
        if taken >= volume:
            break
        if block.limit is None:
            top = volume
        else:
            allowance = _scaled(block.limit, terms)
            top = min(volume, allowance.quantize(VOLUME_PLACES, ROUND_HALF_UP))
        quantity = top - taken
        if quantity > 0:
            taken = top
            lines.append(
                _per_m3(
                    component, version, quantity, block.rate, block.late_rate, season, tier, days
                )
            )
    return lines


def _volumetric(
    component: VolumetricRate,
    version: RateVersion,
    scope: list[_Piece],
    volume: Decimal,
    season: str | None,
) -> list[tuple[ChargeLine, Decimal]]:
    """A single rate on the whole volume; with annual thresholds, each piece's volume is placed
    after the volume billed earlier in its calendar year."""
    blocks = component.blocks
    if len(blocks) == 1:
        if not volume:
            return []
        block = blocks[0]
        return [_per_m3(component, version, volume, block.rate, block.late_rate, season)]
    quantities = [ZERO] * len(blocks)
    for piece in scope:
        start, end = piece.year_before, piece.year_before + piece.volume
        lower = ZERO
        for index, block in enumerate(blocks):
            upper = end if block.limit is None else min(end, block.limit)
            if upper > start and upper > lower:
                quantities[index] += upper - max(start, lower)
            if block.limit is None or block.limit >= end:
                break
            lower = block.limit
    return [
        _per_m3(component, version, quantity, block.rate, block.late_rate, season, tier)
        for tier, (block, quantity) in enumerate(zip(blocks, quantities, strict=True), 1)
        if quantity
    ]


def _sewer_by_volume(
    component: SewerCharge,
    version: RateVersion,
    days: int,
    volume: Decimal,
    request: RatingInput,
    season: str | None,
) -> list[tuple[ChargeLine, Decimal]]:
    assert component.rate is not None
    winter = request.winter_daily_average
    if component.winter_cap and winter is not None:
        volume = min(volume, (winter * days).quantize(VOLUME_PLACES, ROUND_HALF_UP))
    if not volume:
        return []
    return [_per_m3(component, version, volume, component.rate, component.late_rate, season)]


def _per_m3(
    component: ConsumptionBlocks | VolumetricRate | SewerCharge,
    version: RateVersion,
    quantity: Decimal,
    price: Decimal,
    late_price: Decimal | None,
    season: str | None,
    tier: int | None = None,
    days: int | None = None,
) -> tuple[ChargeLine, Decimal]:
    amount = rounded(quantity * price)
    late = amount if late_price is None else rounded(quantity * late_price)
    line = ChargeLine(
        component.charge_type,
        component.kind,
        quantity,
        Unit.CUBIC_METRE,
        price,
        amount,
        version.effective_from,
        days=days,
        tier=tier,
        season=season,
    )
    return line, late


def _top_up(
    component: MinimumCharge,
    minimum: Decimal,
    version: RateVersion,
    days: int,
    bill: _Bill,
    first_line: int,
) -> None:
    """A ``minimum`` line bringing the charge type's lines of this version up to ``minimum``,
    the component's amount for ``days`` (the after-due amount tops up the after-due lines the
    same way)."""
    charge_type = component.charge_type
    charged = late_charged = ZERO
    for line, late in zip(bill.lines[first_line:], bill.late[first_line:], strict=True):
        if line.charge_type is charge_type:
            charged += line.amount
            late_charged += late
    if charged >= minimum:
        return
    top_up = minimum - charged
    line = ChargeLine(
        charge_type, "minimum", ONE, Unit.BILL, top_up, top_up, version.effective_from, days=days
    )
    bill.add(line, max(ZERO, minimum - late_charged), version)
