"""The statement's content: the context built from a Statement, the language-specific number
formats, and the wording the template gives each line (rendered to HTML, no PDF)."""

from __future__ import annotations

import html
import json
import re
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civiq.accounts.domain.account_numbers import AccountNumberScheme
from civiq.accounts.domain.accounts import CartSize
from civiq.accounts.domain.properties import PropertyType
from civiq.billing.domain.statements import (
    FORWARD_LINE_ORDER,
    Direction,
    ForwardLine,
    Statement,
    UsagePoint,
)
from civiq.billing.services.statement_document import (
    CHART_AXIS_WIDTH,
    CHART_WIDTH,
    Calculation,
    ForwardRow,
    Label,
    forward_label,
    nice_ceiling,
    statement_context,
    statement_key,
    usage_chart,
)
from civiq.core.language import Language
from civiq.ledger.domain.journal import EntryKind
from civiq.platform.pdf import (
    WeasyPrintRenderer,
    default_templates_dir,
    format_money,
    format_number,
    format_percent,
    format_short_date,
    format_short_month,
)
from civiq.rates.domain.charges import ChargeType, TaxLine
from tests.helpers import statement_builders as build

EN, FR = Language.EN, Language.FR
CHARGE_KINDS = (
    "fixed",
    "block",
    "volumetric",
    "sewer-percent",
    "sewer-volumetric",
    "sewer-volume-percent",
    "stormwater",
    "waste",
    "minimum",
    "minimum-bill",
    "miscellaneous",
)


def context_of(statement: Statement) -> dict[str, object]:
    return statement_context(
        statement,
        "Ville de Sainte-Anne",
        "https://portal.example.ca/lookup",
        numbering=AccountNumberScheme(),
    )


@pytest.fixture(scope="module")
def renderer() -> WeasyPrintRenderer:
    return WeasyPrintRenderer(default_templates_dir())


def words(renderer: WeasyPrintRenderer, statement: Statement, language: Language) -> str:
    """The rendered statement's text, tags dropped and spaces (non-breaking too) collapsed."""
    markup = renderer.render_html("statement", language, context_of(statement))
    body = markup[markup.index("<body>") :]
    text = html.unescape(re.sub(r"<[^>]+>", " ", body)).replace("\u00a0", " ")
    return " ".join(text.split())


# --- the key --------------------------------------------------------------------------------


def test_key_is_per_account_period_and_statement() -> None:
    assert statement_key(build.statement()) == "statements/acc-0042/2026-10-31/st-2026-10-0042.pdf"


def test_a_rebill_gets_its_own_key_so_the_cancelled_pdf_stays() -> None:
    original = build.statement()
    rebill = replace(original, statement_id="st-2026-10-0042-r1", replaces=original.statement_id)

    assert statement_key(rebill) != statement_key(original)
    assert statement_key(original) == statement_key(build.statement())  # a retry overwrites


# --- the context ----------------------------------------------------------------------------


def test_summary_adds_up_to_the_total_due() -> None:
    context = context_of(build.statement())

    assert context["previous_balance"] == Decimal("250.00")
    assert context["since"] == (  # printed as they count
        ForwardRow("statement.since.payment.credit", Decimal("-250.00")),
        ForwardRow("statement.since.adjustment.credit", Decimal("-10.00")),
    )
    assert context["balance_forward"] == Decimal("-10.00")
    assert context["subtotal"] == Decimal("264.05")
    assert context["new_charges"] == Decimal("269.90")
    assert context["total_due"] == build.TOTAL_DUE
    assert context["amount_due_after"] == Decimal("273.40")  # balance forward + late total
    assert context["in_credit"] is False


def test_no_late_amount_without_a_late_rate() -> None:
    statement = build.statement(bill=build.rated_bill(total_after_due=None))

    assert context_of(statement)["amount_due_after"] is None


def test_a_credit_balance_says_no_payment_is_needed() -> None:
    context = context_of(build.statement(since=build.paid_and_credited("400.00")))

    assert context["total_due"] == Decimal("-130.10")
    assert context["in_credit"] is True


def test_header_values() -> None:
    context = context_of(build.statement())

    assert context["account_number"] == "UB-0000042-2"
    assert context["recipient_address"] == ("3-45 Rideau Terrace", "Ottawa ON K1M 2C3")
    assert context["service_address"] == "100 Main St, Ottawa ON K1P 1J1"
    # August 31 is the opening read: the period's first day is the day after.
    assert context["period_first_day"] == date(2026, 9, 1)
    assert context["period_last_day"] == date(2026, 10, 31)
    assert context["period_days"] == 61


def test_lines_are_grouped_by_service_in_a_fixed_order() -> None:
    groups = context_of(build.statement())["charge_groups"]
    assert isinstance(groups, tuple)

    assert [group.charge_type for group in groups] == [kind.value for kind in ChargeType]
    water = groups[0]
    assert [(row.description, row.tier) for row in water.lines] == [
        ("charge.fixed", None),
        ("charge.block", 1),
        ("charge.block", 2),
        ("charge.block", 3),
    ]
    assert sum(row.amount for group in groups for row in group.lines) == Decimal("264.05")


def test_each_line_carries_its_arithmetic() -> None:
    groups = context_of(build.statement())["charge_groups"]
    assert isinstance(groups, tuple)
    calculations = [row.calculation for group in groups for row in group.lines]

    assert calculations == [
        Calculation("prorated", Decimal(1), Decimal("120.00"), 61, 365),
        Calculation("volume", Decimal("15.000"), Decimal("1.8500")),
        Calculation("volume", Decimal("15.000"), Decimal("2.1000")),
        Calculation("volume", Decimal("12.318"), Decimal("2.4500")),
        Calculation("percent", Decimal("89.43"), Decimal("0.8000")),
        Calculation("prorated", Decimal(1), Decimal("57.00"), 61, 365),
        Calculation("prorated", Decimal(1), Decimal("170.53"), 61, 365),
        Calculation("count", Decimal(1), Decimal("45.00")),
    ]


def test_taxes_read_as_a_rate_of_a_base() -> None:
    taxes = context_of(build.statement())["taxes"]
    assert isinstance(taxes, tuple)
    (tax,) = taxes

    assert (tax.name, tax.charge_type) == (Label("statement.tax.hst", "HST"), "miscellaneous")
    assert tax.calculation == Calculation("percent", Decimal("45.00"), Decimal("0.13"))
    assert tax.amount == Decimal("5.85")


def test_details_are_looked_up_with_the_configured_text_to_fall_back_on() -> None:
    groups = context_of(build.statement())["charge_groups"]
    assert isinstance(groups, tuple)
    qualifiers = {group.charge_type: group.lines[0].qualifiers for group in groups}

    assert qualifiers["water"] == (Label("charge.detail.20mm", "20\u00a0mm"),)
    assert qualifiers["sewer"] == ()
    assert qualifiers["stormwater"] == (Label("charge.detail.single-family", "single-family"),)
    assert qualifiers["waste"] == (Label("charge.detail.medium", "medium"),)
    assert qualifiers["miscellaneous"] == (Label("charge.detail.Meter test", "Meter test"),)


def test_a_seasonal_line_names_its_season_before_its_detail() -> None:
    line = replace(build.charge_lines()[1], season="summer", detail="20mm")
    groups = context_of(build.statement(bill=build.rated_bill(lines=[line])))["charge_groups"]
    assert isinstance(groups, tuple)

    assert groups[0].lines[0].qualifiers == (
        Label("charge.season.summer", "summer"),
        Label("charge.detail.20mm", "20\u00a0mm"),
    )


def test_estimated_marks_follow_the_reads_and_the_history() -> None:
    actual = replace(build.statement(), usage_history=build.usage_history()[-1:])
    assert context_of(actual)["estimated"] is False

    context = context_of(build.estimated_statement())
    reads = context["reads"]
    assert isinstance(reads, tuple)

    assert context["estimated"] is True
    assert [read.estimated for read in reads] == [True]
    assert context_of(build.statement())["estimated"] is True  # one estimated period earlier


# --- the chart ------------------------------------------------------------------------------


def test_chart_has_a_bar_per_period_in_order_on_a_round_scale() -> None:
    chart = usage_chart(build.usage_history())

    assert len(chart.bars) == 12
    assert [bar.period_end for bar in chart.bars] == sorted(bar.period_end for bar in chart.bars)
    assert chart.bars[-1].volume == Decimal("42.318")
    assert [bar.estimated for bar in chart.bars].count(True) == 1
    assert [tick.value for tick in chart.ticks] == [0, 25, 50]  # largest period: 47.633 m³
    xs = [bar.x for bar in chart.bars]
    assert xs == sorted(xs)
    assert xs[0] > CHART_AXIS_WIDTH
    assert xs[-1] + chart.bars[-1].width <= CHART_WIDTH


def test_bars_stand_on_the_baseline_in_proportion() -> None:
    chart = usage_chart(build.usage_history())
    top_tick = chart.ticks[-1]
    plot = chart.baseline - top_tick.y

    for bar in chart.bars:
        assert bar.y + bar.height == chart.baseline
        assert abs(bar.height - plot * bar.volume / top_tick.value) <= Decimal("0.1")


def test_a_short_history_keeps_its_bars_above_their_columns() -> None:
    full = usage_chart(build.usage_history())
    short = usage_chart(build.usage_history()[-3:])

    assert full.table_width == CHART_WIDTH
    assert [bar.width for bar in short.bars] == [full.bars[0].width] * 3
    assert [bar.x for bar in short.bars] == [bar.x for bar in full.bars[:3]]
    assert short.table_width == CHART_AXIS_WIDTH + 3 * (CHART_WIDTH - CHART_AXIS_WIDTH) / 12
    assert short.bars[-1].x + short.bars[-1].width < short.table_width


def test_an_all_zero_history_still_has_a_scale() -> None:
    chart = usage_chart([UsagePoint(date(2026, 10, 31), 61, Decimal(0), False)])

    assert [tick.value for tick in chart.ticks] == [0, Decimal("0.5"), 1]
    assert chart.bars[0].height == 0


@given(st.decimals(min_value="0.001", max_value="99999.999", places=3))
def test_nice_ceiling_is_a_round_number_just_above(value: Decimal) -> None:
    top = nice_ceiling(value)

    assert top >= value
    assert top < value * Decimal("2.5") or top == 1
    mantissa = top.scaleb(-top.adjusted())
    assert mantissa in {1, 2, Decimal("2.5"), 5}


# --- number formats -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "places", "english", "french"),
    [
        ("1234.56", 2, "$1,234.56", "1\u00a0234,56\u00a0$"),
        ("0.00", 2, "$0.00", "0,00\u00a0$"),
        ("-10.00", 2, "-$10.00", "-10,00\u00a0$"),
        ("1234567.8", 2, "$1,234,567.80", "1\u00a0234\u00a0567,80\u00a0$"),
        ("1.85", 4, "$1.8500", "1,8500\u00a0$"),
        ("0.15616", 4, "$0.15616", "0,15616\u00a0$"),  # never rounded where it is shown
    ],
)
def test_money_as_each_language_writes_it(
    amount: str, places: int, english: str, french: str
) -> None:
    assert format_money(Decimal(amount), EN, places) == english
    assert format_money(Decimal(amount), FR, places) == french


@given(st.decimals(min_value="-99999999.99", max_value="99999999.99", places=2))
def test_money_text_reads_back_as_the_same_amount(amount: Decimal) -> None:
    english = format_money(amount, EN).replace("$", "").replace(",", "")
    french = format_money(amount, FR).replace("\u00a0$", "").replace("\u00a0", "")

    assert Decimal(english) == amount
    assert Decimal(french.replace(",", ".")) == amount


@pytest.mark.parametrize(
    ("value", "places", "english", "french"),
    [
        ("42.318", 3, "42.318", "42,318"),
        ("1246.895", 3, "1,246.895", "1\u00a0246,895"),
        ("15", 3, "15.000", "15,000"),
        ("61", 0, "61", "61"),
    ],
)
def test_numbers(value: str, places: int, english: str, french: str) -> None:
    assert format_number(Decimal(value), EN, places) == english
    assert format_number(Decimal(value), FR, places) == french


@pytest.mark.parametrize(
    ("rate", "english", "french"),
    [("0.13", "13%", "13\u00a0%"), ("0.80", "80%", "80\u00a0%"), ("0.075", "7.5%", "7,5\u00a0%")],
)
def test_percent(rate: str, english: str, french: str) -> None:
    assert format_percent(Decimal(rate), EN) == english
    assert format_percent(Decimal(rate), FR) == french


def test_short_dates_and_months() -> None:
    assert format_short_date(date(2026, 9, 1), EN) == "Sept.\u00a01, 2026"
    assert format_short_date(date(2026, 9, 1), FR) == "1er\u00a0sept.\u00a02026"
    assert format_short_date(date(2026, 7, 31), FR) == "31\u00a0juill.\u00a02026"
    assert format_short_month(date(2026, 2, 28), EN) == "Feb. 2026"
    assert format_short_month(date(2026, 2, 28), FR) == "févr. 2026"


# --- the wording (the template over the context) -------------------------------------------


ARITHMETIC = {
    EN: [
        "Fixed charge (20 mm) 61 of 365 days \u00d7 $120.00 per year $20.05",
        "Consumption, block 1 15.000 m³ \u00d7 $1.8500 $27.75",
        "Consumption, block 3 12.318 m³ \u00d7 $2.4500 $30.18",
        "Share of water use charges 80% of $89.43 $71.54",
        "By property type (single-family home) 61 of 365 days \u00d7 $57.00 per year $9.53",
        "Collection (medium cart) 61 of 365 days \u00d7 $170.53 per year $28.50",
        "Miscellaneous charge (Meter test) 1 \u00d7 $45.00 $45.00",
        "HST \u2013 Other charges 13% of $45.00 $5.85",
    ],
    FR: [
        "Frais fixes (20 mm) 61 jours sur 365 \u00d7 120,00 $ par année 20,05 $",
        "Consommation, tranche 1 15,000 m³ \u00d7 1,8500 $ 27,75 $",
        "Consommation, tranche 3 12,318 m³ \u00d7 2,4500 $ 30,18 $",
        "Part des frais de consommation 80 % de 89,43 $ 71,54 $",
        "Selon le type d\u2019immeuble (maison unifamiliale) 61 jours sur 365 \u00d7 57,00 $ par"
        " ann\u00e9e 9,53 $",
        "Collecte (bac moyen) 61 jours sur 365 \u00d7 170,53 $ par ann\u00e9e 28,50 $",
        "Frais divers (Meter test) 1 \u00d7 45,00 $ 45,00 $",
        "TVH \u2013 Autres frais 13 % de 45,00 $ 5,85 $",
    ],
}


@pytest.mark.parametrize("language", list(Language))
def test_each_line_shows_how_its_amount_was_reached(
    renderer: WeasyPrintRenderer, language: Language
) -> None:
    text = words(renderer, build.statement(), language)

    for row in ARITHMETIC[language]:
        assert row in text


@pytest.mark.parametrize(
    ("change", "english", "french"),
    [
        ({"quantity": Decimal(2)}, "2 \u00d7 61 of 365 days", "2 \u00d7 61 jours sur 365"),
        ({"basis_days": 360}, "$120.00 per 360 days", "120,00 $ par période de 360 jours"),
    ],
)
def test_prorated_wording_variants(
    renderer: WeasyPrintRenderer, change: dict[str, object], english: str, french: str
) -> None:
    fixed = replace(build.charge_lines()[0], **change)
    statement = build.statement(bill=build.rated_bill(lines=[fixed]))

    assert english in words(renderer, statement, EN)
    assert french in words(renderer, statement, FR)


@pytest.mark.parametrize(
    ("days", "english", "french"),
    [
        (61, "61 days \u00d7 $0.1562", "61 jours \u00d7 0,1562 $"),
        (1, "1 day \u00d7 $0.1562", "1 jour \u00d7 0,1562 $"),
    ],
)
def test_a_daily_price_counts_days(
    renderer: WeasyPrintRenderer, days: int, english: str, french: str
) -> None:
    daily = replace(
        build.charge_lines()[5],
        quantity=Decimal(days),
        unit_price=Decimal("0.1562"),
        days=None,
        basis_days=None,
    )
    statement = build.statement(bill=build.rated_bill(lines=[daily]))

    assert english in words(renderer, statement, EN)
    assert french in words(renderer, statement, FR)


def test_a_credit_balance_is_worded(renderer: WeasyPrintRenderer) -> None:
    statement = build.statement(since=build.paid_and_credited("400.00"))

    assert "Total amount due -$130.10" in words(renderer, statement, EN)
    assert "aucun paiement n\u2019est requis" in words(renderer, statement, FR)


def test_configured_names_are_translated_where_the_catalog_knows_them(
    renderer: WeasyPrintRenderer,
) -> None:
    summer = replace(build.charge_lines()[1], season="summer")
    monsoon = replace(build.charge_lines()[2], season="monsoon")
    levy = TaxLine(ChargeType.SEWER, "Levy", Decimal("0.02"), Decimal("71.54"), Decimal("1.43"))
    bill = build.rated_bill(lines=[summer, monsoon], taxes=[levy])

    text = words(renderer, build.statement(bill=bill), FR)

    assert "Consommation, tranche 1 (tarif d\u2019\u00e9t\u00e9)" in text
    assert "Consommation, tranche 2 (monsoon)" in text  # as the rate schedule names it
    assert "Levy \u2013 \u00c9gouts 2 % de 71,54 $ 1,43 $" in text


def test_a_charge_kind_missing_from_the_catalog_raises(renderer: WeasyPrintRenderer) -> None:
    """Kinds are the rating engine's fixed set: a gap is a bug, never a blank on a bill."""
    line = replace(build.charge_lines()[1], kind="surcharge")
    statement = build.statement(bill=build.rated_bill(lines=[line]))

    with pytest.raises(KeyError, match=r"charge\.surcharge"):
        words(renderer, statement, FR)


def test_catalogs_word_every_charge_kind_type_and_property_type() -> None:
    templates = default_templates_dir()
    for language in Language:
        catalog = json.loads(Path(templates / "messages" / f"{language}.json").read_text("utf-8"))
        needed = (
            [f"charge.{kind}" for kind in CHARGE_KINDS]
            + [f"charge_type.{kind.value}" for kind in ChargeType]
            + [f"charge.detail.{kind.value}" for kind in (*PropertyType, *CartSize)]
            + [f"statement.title.{kind}" for kind in ("regular", "final", "rebill")]
            + [forward_label(kind, direction) for kind, direction in FORWARD_LINE_ORDER]
        )
        assert [key for key in needed if key not in catalog] == [], language


def test_every_kind_of_ledger_entry_but_a_statement_charge_has_a_balance_forward_line() -> None:
    lined = {kind for kind, _ in FORWARD_LINE_ORDER}
    assert lined == set(EntryKind) - {EntryKind.CHARGE}
    assert len(set(FORWARD_LINE_ORDER)) == len(FORWARD_LINE_ORDER) == 2 * len(lined)


# --- the balance forward, itemized -----------------------------------------------------------

PAID_AND_PENALIZED = (
    ForwardLine(EntryKind.PAYMENT, Direction.CREDIT, Decimal("100.00")),
    ForwardLine(EntryKind.PENALTY, Direction.CHARGE, Decimal("1.25")),
)


def test_each_kind_since_the_previous_statement_is_a_row_signed_as_it_counts() -> None:
    context = context_of(build.statement(since=PAID_AND_PENALIZED))

    assert context["since"] == (
        ForwardRow("statement.since.payment.credit", Decimal("-100.00")),
        ForwardRow("statement.since.penalty.charge", Decimal("1.25")),
    )
    assert context["balance_forward"] == Decimal("151.25")  # 250.00 - 100.00 + 1.25


def test_the_payments_row_shows_even_when_nothing_was_paid() -> None:
    fee = (ForwardLine(EntryKind.FEE, Direction.CHARGE, Decimal("45.00")),)
    context = context_of(build.statement(since=fee))

    assert context["since"] == (
        ForwardRow("statement.since.payment.credit", Decimal(0)),
        ForwardRow("statement.since.fee.charge", Decimal("45.00")),
    )


def test_a_payment_and_a_penalty_print_on_their_own_lines_in_both_languages(
    renderer: WeasyPrintRenderer,
) -> None:
    statement = build.statement(since=PAID_AND_PENALIZED)

    english, french = words(renderer, statement, EN), words(renderer, statement, FR)

    assert (
        "Previous balance $250.00 Payments received \u2013 thank you -$100.00 "
        "Late payment penalties $1.25 Balance forward $151.25"
    ) in english
    assert (
        "Solde précédent 250,00 $ Paiements reçus \u2013 merci -100,00 $ "
        "Pénalités de retard 1,25 $ Solde reporté 151,25 $"
    ) in french


def test_a_reversed_payment_a_refund_and_adjustments_both_ways_each_have_a_row(
    renderer: WeasyPrintRenderer,
) -> None:
    since = (
        ForwardLine(EntryKind.PAYMENT, Direction.CREDIT, Decimal("300.00")),
        ForwardLine(EntryKind.REVERSAL, Direction.CHARGE, Decimal("100.00")),
        ForwardLine(EntryKind.REFUND, Direction.CHARGE, Decimal("40.00")),
        ForwardLine(EntryKind.ADJUSTMENT, Direction.CREDIT, Decimal("20.00")),
        ForwardLine(EntryKind.ADJUSTMENT, Direction.CHARGE, Decimal("15.00")),
        ForwardLine(EntryKind.FEE, Direction.CHARGE, Decimal("45.00")),
    )

    english = words(renderer, build.statement(since=since), EN)

    assert (
        "Payments received \u2013 thank you -$300.00 "
        "Payments reversed (returned cheques, chargebacks) $100.00 Refunds $40.00 "
        "Credits -$20.00 Adjustments (charges) $15.00 "
        "Fees (such as returned payment fees) $45.00 Balance forward $130.00"
    ) in english
