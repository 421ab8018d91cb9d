"""What the statement template (``templates/statement.html.j2``) prints, built from a Statement.

Pure: no WeasyPrint, no catalog. Numbers stay ``Decimal`` and dates stay ``date`` here; the
renderer writes them the way each language does (its ``money``, ``number``, ``percent``,
``format_date`` and ``short_date`` filters) and words every label from the language's catalog.
What this module decides is the content: the lines grouped by service, how each amount was
reached (:class:`Calculation`), which catalog message describes each line, the summary's rows
(the balance forward itemized, :class:`ForwardRow`) and the consumption chart's geometry.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from civiq.accounts.domain.account_numbers import AccountNumberScheme
from civiq.billing.domain.billing import ESTIMATE_CREDIT
from civiq.billing.domain.statements import (
    USAGE_HISTORY_PERIODS,
    Direction,
    ForwardLine,
    Statement,
    UsagePoint,
)
from civiq.core.addresses import Address
from civiq.core.letterhead import Letterhead
from civiq.ledger.domain.journal import EntryKind
from civiq.rates.domain.charges import ChargeCategory, ChargeLine, ChargeType, TaxLine, Unit

# A meter size ("20mm") reads the same in both languages, spaced as both write it: "20 mm".
MILLIMETRES = re.compile(r"(\d+)\s*mm")
# An area a price was chosen by, as rating words it ("312.50 m²"): the statement prints the
# number the way its language writes numbers ("312,50 m²" in French).
SQUARE_METRES = re.compile(r"(\d+(?:\.\d+)?)\u00a0m²")

# The consumption chart, in SVG user units (points at the template's size). The plot leaves
# a left band for the axis labels as wide as the data table's header column, and gives each
# period a slot as wide as its column of figures, so each bar stands above its figures. Slots
# have one width whatever the history's length: a new account's few bars stay bars.
CHART_WIDTH = Decimal(540)
CHART_HEIGHT = Decimal(60)
CHART_AXIS_WIDTH = Decimal(56)
CHART_TOP = Decimal(12)  # room above the tallest bar for its estimate mark
CHART_BOTTOM = Decimal(5)  # room below the baseline for the "0" label
BAR_SHARE = Decimal("0.6")  # of its slot; the rest is the gap between bars
NICE_STEPS = (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10))


@dataclass(frozen=True, slots=True)
class Label:
    """A name that comes from configuration (a season, a size, a property type, a tax, a
    clerk's description of a charge): the catalog's wording under ``key`` where the catalog
    has it, else ``text`` as configured. With ``area`` (square metres), the label is that area,
    written in the language rendered instead."""

    key: str
    text: str
    area: Decimal | None = None


CalculationForm = Literal[
    "volume",
    "volume_percent",
    "days",
    "count",
    "prorated",
    "percent",
    "rounding",
    "estimate_credit",
]


@dataclass(frozen=True, slots=True)
class Calculation:
    """How a line's amount was reached, for the template to word.

    ``form`` is one of:

    - ``volume``: ``quantity`` m³ x ``unit_price`` ("25.000 m³ x $1.8500");
    - ``volume_percent``: ``quantity`` m³ x ``percent`` (a fraction) x ``unit_price``
      ("40.000 m³ x 90% x $1.4201"): sewer on a share of the water volume;
    - ``days``: ``quantity`` days x ``unit_price`` per day;
    - ``count``: ``quantity`` x ``unit_price`` (a charge per bill);
    - ``prorated``: [``quantity`` x] ``days`` of ``basis_days`` days x ``unit_price`` for
      ``basis_days`` ("61 of 365 days x $120.00 per year");
    - ``percent``: ``unit_price`` (a fraction) of ``quantity`` dollars ("80% of $89.43"): a
      ``sewer-percent`` line, which rating (:mod:`civiq.rates.domain.rating`) writes with the water
      use charges it is a share of as ``quantity`` and the share as ``unit_price``. Taxes
      print the same way;
    - ``rounding``: nothing (a rounding line: the statement's rounding sentence explains it);
    - ``estimate_credit``: the m³ (``-quantity``) an earlier estimate billed above what the
      meter read, credited (:func:`civiq.billing.domain.billing.estimate_credit`) at the
      average price per m³ ``unit_price`` of what it billed.

    Rating writes annual charges (fixed, stormwater, waste) as ``prorated``, consumption as
    ``volume`` and minimums and miscellaneous charges as ``count``.
    """

    form: CalculationForm
    quantity: Decimal
    unit_price: Decimal
    days: int | None = None
    basis_days: int | None = None
    percent: Decimal | None = None


UNIT_FORMS: dict[Unit, CalculationForm] = {
    Unit.CUBIC_METRE: "volume",
    Unit.DAY: "days",
    Unit.BILL: "count",
}


@dataclass(frozen=True, slots=True)
class LineRow:
    description: str  # the catalog key, ``charge.<kind>``
    tier: int | None
    qualifiers: tuple[Label, ...]  # season, then detail: printed in parentheses
    calculation: Calculation
    amount: Decimal
    amount_after_due: Decimal | None = None  # set when the statement prints that column
    included_volume: Decimal | None = None  # m³ a fixed charge includes for its days


@dataclass(frozen=True, slots=True)
class ChargeGroup:
    """The lines of a built-in charge type, or of one a rate schedule defines (``names``: its
    heading by language code, with its ``total`` and after-due total printed below it)."""

    charge_type: str  # the catalog key is ``charge_type.<charge_type>``
    lines: tuple[LineRow, ...]
    names: dict[str, str] | None = None
    pass_through: bool = False
    total: Decimal | None = None
    total_after_due: Decimal | None = None


@dataclass(frozen=True, slots=True)
class TaxRow:
    name: Label
    charge_type: str
    calculation: Calculation
    amount: Decimal
    names: dict[str, str] | None = None  # a schedule's own charge type's, by language code
    amount_after_due: Decimal | None = None  # set when the statement prints that column


@dataclass(frozen=True, slots=True)
class ForwardRow:
    """A row of the summary between the previous balance and the balance forward."""

    label: str  # the catalog key, ``statement.since.<entry kind>.<direction>``
    amount: Decimal  # as it counts: negative for a credit
    text: str | None = None  # printed instead of the label: a fee's or its tax's own wording


@dataclass(frozen=True, slots=True)
class Bar:
    """One period of the chart with its bar's box in SVG user units (y grows downwards)."""

    period_end: date
    volume: Decimal
    estimated: bool
    x: Decimal
    y: Decimal
    width: Decimal
    height: Decimal


@dataclass(frozen=True, slots=True)
class Tick:
    value: Decimal
    y: Decimal


@dataclass(frozen=True, slots=True)
class Chart:
    width: Decimal
    height: Decimal
    axis_width: Decimal
    baseline: Decimal
    table_width: Decimal  # the data table's: the axis band and one slot per bar
    bars: tuple[Bar, ...]
    ticks: tuple[Tick, ...]


def statement_key(statement: Statement) -> str:
    """Where the statement's PDF goes: ``statements/<account_id>/<period_end>/<statement_id>.pdf``.

    Deterministic, so a retried render overwrites the same object; one object per statement,
    so a rebill never overwrites the statement it replaces; under the account and the period's
    ISO end date, so an account's statements list in billing order.
    """
    period_end = statement.bill.period_end.isoformat()
    return f"statements/{statement.account_id}/{period_end}/{statement.statement_id}.pdf"


def statement_context(
    statement: Statement,
    municipality_name: str,
    portal_url: str,
    *,
    numbering: AccountNumberScheme,
    letterhead: Letterhead | None = None,
    printed_on: date | None = None,
) -> dict[str, object]:
    """The template context of ``statement`` (render it in ``statement.language``).

    ``numbering`` prints the account number as the welcome letter and the portal show it;
    ``letterhead`` adds the municipality's logo, contact block and remittance address (the
    name alone without it). ``portal_url`` is the configured portal's address, linked as is.
    Credits (payments among them) are negative in the summary, so its rows add up to the total
    as printed.

    An autopaid statement says its amount will be withdrawn on its issue day; printed on
    ``printed_on`` after that day, it says the amount was paid automatically on that day.
    """
    bill = statement.bill
    after_due = bill.total_after_due
    after_due_column = after_due is not None and _priced_later(statement)
    autopaid = statement.autopay and statement.total_due > 0
    printed_later = printed_on is not None and printed_on > statement.issued_on
    return {
        "municipality_name": municipality_name,
        "letterhead": letterhead or Letterhead(municipality_name),
        "portal_url": portal_url,
        "kind": statement.kind.value,
        "account_number": numbering.display(statement.account_number),
        "recipient_name": statement.recipient.name,
        "recipient_address": mailing_lines(statement.recipient.mailing_address),
        "service_address": statement.service_address.one_line(),
        "issued_on": statement.issued_on,
        "due_on": statement.due_on,
        "period_first_day": bill.first_day,
        "period_last_day": bill.period_end,
        "period_days": bill.days,
        "previous_balance": statement.previous_balance,
        "since": forward_rows(statement.since),
        "balance_forward": statement.balance_forward,
        "new_charges": bill.total,
        "total_due": statement.total_due,
        "in_credit": statement.total_due < 0,
        # Autopay charges the statement as it is issued: no stub, nothing to pay by the due date.
        "autopaid": autopaid,
        "autopay_collected": autopaid and printed_later,
        "autopay_on": statement.issued_on,
        "amount_due_after": None if after_due is None else statement.balance_forward + after_due,
        "charge_groups": charge_groups(bill.lines, after_due_column),
        "subtotal": bill.subtotal,
        "taxes": tuple(tax_row(tax, after_due_column) for tax in bill.taxes),
        # A line dearer after the due date (Toronto's after-due rate): a column of the amounts
        # then, down to the bill's total then.
        "after_due_column": after_due_column,
        "subtotal_after_due": sum((line.late_amount for line in bill.lines), Decimal(0)),
        "new_charges_after_due": after_due,
        "rounding": bill.rounding.value,
        "reads": tuple(statement.reads),
        "estimated": statement.estimated or any(p.estimated for p in statement.usage_history),
        "chart": usage_chart(statement.usage_history),
    }


def forward_rows(since: Sequence[ForwardLine]) -> tuple[ForwardRow, ...]:
    """One row per line of the balance forward, in its order; the payments row always (0.00
    when none came), the others only when something of their kind happened."""
    rows = [
        ForwardRow(forward_label(line.kind, line.direction), line.signed, line.text)
        for line in since
    ]
    payments = forward_label(EntryKind.PAYMENT, Direction.CREDIT)
    if all(row.label != payments for row in rows):
        rows.insert(0, ForwardRow(payments, Decimal(0)))
    return tuple(rows)


def forward_label(kind: EntryKind, direction: Direction) -> str:
    return f"statement.since.{kind.value}.{direction.value}"


def mailing_lines(address: Address) -> tuple[str, str]:
    """An envelope's two address lines: "12-100 Main St", "Ottawa ON K1A 0B1"."""
    unit = f"{address.unit}-" if address.unit else ""
    return f"{unit}{address.street}", f"{address.city} {address.province} {address.postal_code}"


def _priced_later(statement: Statement) -> bool:
    """Whether a line of a statement to be paid by its due date costs more after it."""
    if statement.autopay and statement.total_due > 0:
        return False
    bill = statement.bill
    return any(line.amount_after_due is not None for line in bill.lines) or any(
        tax.amount_after_due is not None for tax in bill.taxes
    )


def charge_groups(
    lines: Sequence[ChargeLine], after_due_column: bool = False
) -> tuple[ChargeGroup, ...]:
    """The lines under their service, services in the order of :class:`ChargeType`, each
    followed by the charge types a schedule defines within it (by code), lines in the order
    rating produced them (blocks by tier)."""
    grouped: dict[tuple[ChargeType, str], list[ChargeLine]] = {}
    for line in lines:
        code = "" if line.category is None else line.category.code
        grouped.setdefault((line.charge_type, code), []).append(line)
    order = {kind: index for index, kind in enumerate(ChargeType)}
    return tuple(
        _group(kind, group, after_due_column)
        for (kind, _), group in sorted(grouped.items(), key=lambda i: (order[i[0][0]], i[0][1]))
    )


def _group(kind: ChargeType, lines: list[ChargeLine], after_due_column: bool) -> ChargeGroup:
    rows = tuple(line_row(line, after_due_column) for line in lines)
    category = lines[0].category
    if category is None:
        return ChargeGroup(kind.value, rows)
    return ChargeGroup(
        kind.value,
        rows,
        _names(category),
        category.pass_through,
        sum((line.amount for line in lines), Decimal(0)),
        sum((line.late_amount for line in lines), Decimal(0)) if after_due_column else None,
    )


def _names(category: ChargeCategory) -> dict[str, str]:
    return {"en": category.name_en, "fr": category.name_fr}


def line_row(line: ChargeLine, after_due_column: bool = False) -> LineRow:
    qualifiers: list[Label] = []
    if line.season:
        qualifiers.append(Label(f"charge.season.{line.season}", line.season))
    if line.detail:
        qualifiers.append(detail_label(line.detail))
    return LineRow(
        description=f"charge.{line.kind}",
        tier=line.tier,
        qualifiers=tuple(qualifiers),
        calculation=calculation(line),
        amount=line.amount,
        amount_after_due=line.late_amount if after_due_column else None,
        included_volume=line.included_volume,
    )


def detail_label(detail: str) -> Label:
    """What chose the price (a meter size, a property type, a cart size), or a miscellaneous
    charge's description."""
    area = SQUARE_METRES.fullmatch(detail)
    if area:
        return Label(f"charge.detail.{detail}", detail, area=Decimal(area[1]))
    size = MILLIMETRES.fullmatch(detail)
    return Label(f"charge.detail.{detail}", f"{size[1]}\u00a0mm" if size else detail)


def calculation(line: ChargeLine) -> Calculation:
    """The line's arithmetic with the bylaw's figure: "62 of 60 days x $24.92 per 60 days",
    a price per day as "62 days x $0.4100", a price per billing period as "1 x $24.92"."""
    if line.kind == "sewer-percent":
        return Calculation("percent", line.quantity, line.unit_price)
    if line.kind == ESTIMATE_CREDIT:
        return Calculation("estimate_credit", line.quantity, line.unit_price)
    if line.kind == "rounding":
        return Calculation("rounding", line.quantity, line.unit_price)
    if line.percent is not None:
        return Calculation(
            "volume_percent", line.quantity, line.unit_price, percent=line.percent / 100
        )
    if line.basis_days == 1 and line.days is not None:
        return Calculation("days", line.quantity * line.days, line.unit_price)
    if line.basis_days is not None:
        return Calculation("prorated", line.quantity, line.unit_price, line.days, line.basis_days)
    return Calculation(UNIT_FORMS[line.unit], line.quantity, line.unit_price)


def tax_row(tax: TaxLine, after_due_column: bool = False) -> TaxRow:
    late = tax.amount if tax.amount_after_due is None else tax.amount_after_due
    return TaxRow(
        name=Label(f"statement.tax.{tax.name.lower()}", tax.name),
        charge_type=tax.charge_type.value,
        calculation=Calculation("percent", tax.base, tax.rate),
        amount=tax.amount,
        names=None if tax.category is None else _names(tax.category),
        amount_after_due=late if after_due_column else None,
    )


def usage_chart(history: Sequence[UsagePoint]) -> Chart:
    """Bars of the periods' volumes on a scale from 0 to a round number at or above the
    largest, with three ticks (0, half, top); the last bar is this period."""
    top = nice_ceiling(max((point.volume for point in history), default=Decimal(0)))
    baseline = CHART_HEIGHT - CHART_BOTTOM
    plot_height = baseline - CHART_TOP
    slot = (CHART_WIDTH - CHART_AXIS_WIDTH) / max(len(history), USAGE_HISTORY_PERIODS)
    width = _place(slot * BAR_SHARE)

    def height_of(volume: Decimal) -> Decimal:
        return _place(plot_height * volume / top)

    bars = tuple(
        Bar(
            period_end=point.period_end,
            volume=point.volume,
            estimated=point.estimated,
            x=_place(CHART_AXIS_WIDTH + slot * index + (slot - width) / 2),
            y=baseline - height_of(point.volume),
            width=width,
            height=height_of(point.volume),
        )
        for index, point in enumerate(history)
    )
    ticks = tuple(Tick(value, baseline - height_of(value)) for value in (Decimal(0), top / 2, top))
    table_width = _place(CHART_AXIS_WIDTH + slot * len(history))
    return Chart(CHART_WIDTH, CHART_HEIGHT, CHART_AXIS_WIDTH, baseline, table_width, bars, ticks)


def nice_ceiling(value: Decimal) -> Decimal:
    """The smallest 1, 2, 2.5 or 5 times a power of ten that is at least ``value`` (at least
    1, so an all-zero history still has a scale)."""
    if value <= 1:
        return Decimal(1)
    power = Decimal(10) ** (value.adjusted())
    return next(step * power for step in NICE_STEPS if step * power >= value).normalize()


def _place(value: Decimal) -> Decimal:
    """A coordinate to a tenth of a point: finer than print, short in the SVG."""
    return value.quantize(Decimal("0.1"))
