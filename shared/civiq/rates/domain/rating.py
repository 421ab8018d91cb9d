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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from civiq.accounts.domain.accounts import ServiceType
from civiq.accounts.domain.properties import PropertyType
from civiq.core.dates import period_first_day
from civiq.core.errors import InvalidInput
from civiq.core.money import CENT, RATE_PLACES, Money
from civiq.metering.domain.meters import VOLUME_PLACES, MeterOwner, MeterSize
from civiq.rates.domain.charges import (
    ChargeLine,
    ChargeType,
    RatedBill,
    Rounding,
    TaxLine,
    Unit,
)
from civiq.rates.domain.rates import (
    PER_YEAR,
    PROPERTY_TYPE,
    YEAR_DAYS,
    Basis,
    CartSize,
    Charge,
    ConsumptionBlocks,
    DayCount,
    FixedCharge,
    MinimumBill,
    MinimumCharge,
    Per,
    PropertyCharge,
    RateSchedule,
    RateVersion,
    SewerCharge,
    StormwaterCharge,
    StormwaterTiers,
    StormwaterUnits,
    VolumeCap,
    VolumetricRate,
    WasteCharge,
    check_price,
)
from civiq.rates.domain.requirements import (
    PricedCharge,
    Unpriced,
    applies,
    billed_types,
    price_of,
)

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
    ``meter_size`` None: the account has no meter. ``attributes``, ``impervious_area`` (m2):
    the property's, for charges priced by them; ``dwelling_units``: how many a charge per
    dwelling unit bills (a whole building's, or 1 for one unit's account).
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
    attributes: Mapping[str, str] = field(default_factory=dict)
    impervious_area: Decimal | None = None
    dwelling_units: int = 1
    meter_owner: MeterOwner | None = None
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
        if self.impervious_area is not None:
            _check_amount(self.impervious_area, "impervious_area")
        if isinstance(self.dwelling_units, bool) or not (
            isinstance(self.dwelling_units, int) and self.dwelling_units >= 1
        ):
            raise InvalidInput("dwelling units are a whole number, at least 1", "dwelling_units")
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
    included: dict[ChargeType, Decimal] = field(default_factory=dict)  # in its fixed charges

    def included_of(self, charge_type: ChargeType) -> Decimal:
        """The part of this piece's volume the fixed charges of ``charge_type`` include."""
        return min(self.volume, self.included.get(charge_type, ZERO))


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
    taxed: dict[tuple[ChargeType, str | None, str, Decimal], list[Decimal]] = field(
        default_factory=dict
    )

    def add(
        self, line: ChargeLine, late: Decimal, version: RateVersion, category: str | None = None
    ) -> None:
        """``line`` under its version's defined ``category`` (when given), with its after-due
        amount when that differs, added to its tax's bases."""
        if category is not None or late != line.amount:
            line = replace(
                line,
                category=None if category is None else version.categories[category],
                amount_after_due=None if late == line.amount else late,
            )
        self.lines.append(line)
        self.late.append(late)
        tax = version.tax_on(line.charge_type, category)
        if tax is not None:
            key = (line.charge_type, category, tax.name, tax.rate)
            bases = self.taxed.setdefault(key, [ZERO, ZERO])
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
    if last_version.rounding is not Rounding.LINE:
        _round_totals(bill, last_version)
    bill.lines.sort(key=_line_order)
    taxes = [
        _tax_line(key, bases, last_version)
        for key, bases in sorted(
            bill.taxed.items(),
            key=lambda item: (TYPE_ORDER[item[0][0]], item[0][1] or "", item[0][2]),
        )
    ]
    total_after_due = None
    if any(stretch.version.has_late_rates for stretch in stretches):
        late_lines = sum((line.late_amount for line in bill.lines), ZERO)
        total_after_due = late_lines + sum((_late(tax) for tax in taxes), ZERO)
    return RatedBill(
        request.period_start,
        request.period_end,
        tuple(bill.lines),
        tuple(taxes),
        total_after_due,
        last_version.rounding,
    )


def _line_order(line: ChargeLine) -> tuple[int, str]:
    """Built-in charge types in their order, each followed by the ones a version defines in it."""
    return TYPE_ORDER[line.charge_type], "" if line.category is None else line.category.code


def _tax_line(
    key: tuple[ChargeType, str | None, str, Decimal], bases: list[Decimal], version: RateVersion
) -> TaxLine:
    charge_type, category, name, tax_rate = key
    amount, late = rounded(bases[0] * tax_rate), rounded(bases[1] * tax_rate)
    return TaxLine(
        charge_type,
        name,
        tax_rate,
        bases[0],
        amount,
        None if category is None else version.categories[category],
        None if late == amount else late,
    )


def _late(tax: TaxLine) -> Decimal:
    return tax.amount if tax.amount_after_due is None else tax.amount_after_due


def _round_totals(bill: _Bill, version: RateVersion) -> None:
    """Each charge type's lines (or, per bill, all of them) total their exact amounts rounded
    once: a ``rounding`` line adds the difference from the sum of the lines as rounded.

    A charge type's rounding line is part of its taxable amount; the bill's is untaxed (it
    belongs to no charge type's lines; it is printed with the other charges)."""
    per_type = version.rounding is Rounding.CHARGE_TYPE
    groups: dict[tuple[ChargeType, str | None], list[ChargeLine]] = {}
    for line in bill.lines:
        if per_type:
            code = None if line.category is None else line.category.code
            groups.setdefault((line.charge_type, code), []).append(line)
        else:
            groups.setdefault((ChargeType.MISCELLANEOUS, None), []).append(line)
    for (charge_type, code), lines in groups.items():
        exact = rounded(sum((line.exact_amount for line in lines), ZERO))
        difference = exact - sum((line.amount for line in lines), ZERO)
        if not difference:
            continue
        line = ChargeLine(
            charge_type, "rounding", ONE, Unit.BILL, difference, difference, version.effective_from
        )
        if per_type:
            bill.add(line, difference, version, code)
        else:
            bill.lines.append(line)
            bill.late.append(difference)


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
    _include_volumes(version, pieces, request)
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
                bill.add(line, late, version, component.category)
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
            bill.add(line, rounded(water_use[1] * fraction), version, sewer.category)
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
    minimum_bill = version.minimum_bill
    if minimum_bill is not None and minimum_bill.charge_type in billed:
        terms = _terms(minimum_bill.basis, version, pieces, all_days, request.days)
        _top_up(
            minimum_bill,
            rounded(_scaled(minimum_bill.amount, terms)),
            version,
            all_days,
            bill,
            first_line,
        )


def _include_volumes(version: RateVersion, pieces: list[_Piece], request: RatingInput) -> None:
    """Each fixed charge's included volume for its days (its pieces: its season's, or all),
    shared among its pieces by days, as the volume they include of its charge type."""
    for component in version.charges:
        if not isinstance(component, FixedCharge) or component.included_volume is None:
            continue
        season = component.season
        scope = [p for p in pieces if season is None or p.first.month in season.months]
        if not scope:
            continue
        days = sum(piece.days for piece in scope)
        terms = _terms(component.basis, version, scope, days, request.days)
        volume = sum((_included(component, term, request.meter_share) for term in terms), ZERO)
        for piece, share in zip(scope, share_by_days(volume, [p.days for p in scope]), strict=True):
            charge_type = component.charge_type
            piece.included[charge_type] = piece.included.get(charge_type, ZERO) + share


def _included(component: FixedCharge, term: _Term, share: Decimal) -> Decimal:
    """The volume ``component`` includes for the part of it ``term`` bills (a shared meter's
    unit: its ``share``), to the litre."""
    assert component.included_volume is not None
    return (term.scaled(component.included_volume) * share).quantize(VOLUME_PLACES, ROUND_HALF_UP)


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
        if not applies(component, request, version):
            return []
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
    if isinstance(component, (PropertyCharge, StormwaterUnits, StormwaterTiers)):
        return _by_property(component, version, scope, days, request, season)
    cap = _volume_cap(component.cap, version, scope, days, bill_days)
    if cap is not None:
        volume = min(volume, cap)
    included = sum((piece.included_of(component.charge_type) for piece in scope), ZERO)
    if isinstance(component, ConsumptionBlocks):
        terms = _terms(component.basis, version, scope, days, bill_days)
        return _blocks(component, version, days, volume, season, terms, included)
    if isinstance(component, VolumetricRate):
        return _volumetric(component, version, scope, max(ZERO, volume - included), season)
    if isinstance(component, SewerCharge):
        return _sewer_by_volume(component, version, days, volume, request, season, included)
    raise TypeError(f"not a charging component: {component!r}")


def _price(charge: PricedCharge, request: RatingInput) -> Decimal:
    """The price of ``charge`` for the account, by the rule billing checks accounts by when
    they are opened (:func:`civiq.rates.domain.requirements.unpriced`)."""
    price = price_of(charge, request)
    if isinstance(price, Unpriced):
        raise InvalidInput(price.message, price.attribute)
    return price


def _by_property(
    component: PropertyCharge | StormwaterUnits | StormwaterTiers,
    version: RateVersion,
    scope: list[_Piece],
    days: int,
    request: RatingInput,
    season: str | None,
) -> list[tuple[ChargeLine, Decimal]]:
    """A charge by the property: by one of its attributes (times the dwelling units billed, or
    the unit's share of the property), or by its impervious area in billing units or tiers (the
    unit's share of it); the line's detail names the attribute's value or the area."""
    if not applies(component, request, version):
        return []
    price = _price(component, request)
    tier = None
    if isinstance(component, PropertyCharge):
        quantity = (
            Decimal(request.dwelling_units)
            if component.per_dwelling_unit
            else request.property_share
        )
        value = (
            request.property_type
            if component.by == PROPERTY_TYPE
            else request.attributes.get(component.by)
        )
        # a property type as such (the statement words it), an attribute with its name
        detail = (
            value if component.by == PROPERTY_TYPE or value is None else f"{component.by}: {value}"
        )
    else:
        area = request.impervious_area
        assert area is not None  # else _price refused it
        detail = f"{area}\u00a0m²"
        if isinstance(component, StormwaterUnits):
            quantity = component.units(area) * request.property_share
        else:
            tier = component.tier_of(area) + 1
            quantity = request.property_share
    if not quantity or not price:
        return []
    terms = _terms(component.basis, version, scope, days, request.days)
    return [
        _prorated(component, version, price, detail, term, season, quantity, tier) for term in terms
    ]


def _prorated(
    component: PricedCharge,
    version: RateVersion,
    price: Decimal,
    chosen_by: str | None,
    term: _Term,
    season: str | None,
    share: Decimal,
    tier: int | None = None,
) -> tuple[ChargeLine, Decimal]:
    """``share`` (a unit's part of its building's meter or property, 1 for its own; or how
    many dwelling or billing units) of a charge of ``price`` per its basis, for the part of it
    ``term`` bills."""
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
        tier=tier,
        season=season,
        detail=chosen_by,
        included_volume=(
            _included(component, term, share)
            if isinstance(component, FixedCharge) and component.included_volume is not None
            else None
        ),
    )
    return line, amount


def _blocks(
    component: ConsumptionBlocks,
    version: RateVersion,
    days: int,
    volume: Decimal,
    season: str | None,
    terms: list[_Term],
    included: Decimal = ZERO,
) -> list[tuple[ChargeLine, Decimal]]:
    """Each block takes the volume up to its allowance for ``days`` (its limit prorated from
    the component's basis, to the litre), above what the blocks before it took; the
    ``included`` volume (a fixed charge's) is the bottom of the volume, billed by no block."""
    lines = []
    taken = included
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
    """A single rate on the whole ``volume`` (what the fixed charges do not include); with
    annual thresholds, each piece's volume is placed after the volume billed earlier in its
    calendar year, and only the part above its included volume is billed."""
    blocks = component.blocks
    if len(blocks) == 1:
        if not volume:
            return []
        block = blocks[0]
        return [_per_m3(component, version, volume, block.rate, block.late_rate, season)]
    quantities = [ZERO] * len(blocks)
    for piece in scope:
        end = piece.year_before + piece.volume
        start = piece.year_before + piece.included_of(component.charge_type)
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
    included: Decimal = ZERO,
) -> list[tuple[ChargeLine, Decimal]]:
    """The water volume (at most the winter volume, with a winter cap) above the ``included``
    volume, or the class's percent of it, at the rate per m3."""
    assert component.rate is not None
    winter = request.winter_daily_average
    if component.winter_cap and winter is not None:
        volume = min(volume, (winter * days).quantize(VOLUME_PLACES, ROUND_HALF_UP))
    volume = max(ZERO, volume - included)
    percent = component.volume_percent_of(request.property_type)
    if not volume or percent == 0:
        return []
    return [
        _per_m3(
            component, version, volume, component.rate, component.late_rate, season, percent=percent
        )
    ]


def _per_m3(
    component: ConsumptionBlocks | VolumetricRate | SewerCharge,
    version: RateVersion,
    quantity: Decimal,
    price: Decimal,
    late_price: Decimal | None,
    season: str | None,
    tier: int | None = None,
    days: int | None = None,
    percent: Decimal | None = None,
) -> tuple[ChargeLine, Decimal]:
    """``quantity`` m3 (``percent`` of them, when given) at ``price``, rounded once."""
    charged = quantity if percent is None else quantity * percent / HUNDRED
    amount = rounded(charged * price)
    late = amount if late_price is None else rounded(charged * late_price)
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
        percent=percent,
    )
    return line, late


def _top_up(
    component: MinimumCharge | MinimumBill,
    minimum: Decimal,
    version: RateVersion,
    days: int,
    bill: _Bill,
    first_line: int,
) -> None:
    """A ``minimum`` line bringing the charge type's lines of this version up to ``minimum``,
    the component's amount for ``days`` (the after-due amount tops up the after-due lines the
    same way): with a category, only that category's lines; without one, all the type's lines,
    its categories' too but those with a minimum of their own. A ``minimum-bill`` line brings
    all of them up to it."""
    charge_type, category = component.charge_type, component.category
    whole_bill = isinstance(component, MinimumBill)
    own_minimum = {m.category for m in version.minimums if m.category is not None}
    charged = late_charged = ZERO
    for line, late in zip(bill.lines[first_line:], bill.late[first_line:], strict=True):
        code = line.category.code if line.category is not None else None
        if whole_bill or (
            line.charge_type is charge_type
            and (code == category if category is not None else code not in own_minimum)
        ):
            charged += line.amount
            late_charged += late
    if charged >= minimum:
        return
    top_up = minimum - charged
    line = ChargeLine(
        charge_type,
        component.kind,
        ONE,
        Unit.BILL,
        top_up,
        top_up,
        version.effective_from,
        days=days,
    )
    bill.add(line, max(ZERO, minimum - late_charged), version, component.category)
