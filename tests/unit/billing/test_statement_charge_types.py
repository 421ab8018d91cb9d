"""A statement of a schedule's own charge types, after-due amounts and rounding policy, rendered
by the real template (HTML for the wording in each language, and one PDF through WeasyPrint):
Ottawa's fire supply charge under its own heading with its total, a pass-through right-of-way
charge said to be collected for another body, a column of the amounts after the due date, and
the rounding sentence."""

from __future__ import annotations

import html
import re
from datetime import date
from decimal import Decimal

import pytest

from civiq.accounts.domain.account_numbers import AccountNumberScheme
from civiq.accounts.domain.accounts import ServiceType
from civiq.accounts.domain.properties import PropertyType
from civiq.billing.domain.statements import Statement
from civiq.billing.services.statement_document import statement_context
from civiq.core.language import Language
from civiq.metering.domain.meters import MeterSize
from civiq.platform.pdf import WeasyPrintRenderer, default_templates_dir
from civiq.rates.domain.charges import ChargeType, Rounding
from civiq.rates.domain.rates import (
    Block,
    DefinedChargeType,
    FixedCharge,
    RateSchedule,
    RateVersion,
    StormwaterCharge,
    VolumetricRate,
)
from civiq.rates.domain.rating import RatingInput, rate
from tests.helpers import statement_builders as build
from tests.helpers.pdf import text_of

D = Decimal
EN, FR = Language.EN, Language.FR
WATER = ChargeType.WATER
VERSION = RateVersion(
    date(2024, 4, 1),
    None,
    [
        # Ottawa from 1 April 2024, 15 mm meter: water 134.06 and fire supply 52.63 a year
        FixedCharge(WATER, {MeterSize.MM15: D("134.06")}),
        FixedCharge(WATER, {MeterSize.MM15: D("52.63")}, category="fire-supply"),
        # water 2.10 per m3, 2.31 after the due date (illustrative)
        VolumetricRate(WATER, [Block(None, D("2.1000"), D("2.3100"))]),
        StormwaterCharge({PropertyType.SINGLE_FAMILY: D("24.00")}, category="right-of-way"),
    ],
    charge_types=[
        DefinedChargeType(
            "fire-supply", "Fire supply", "Approvisionnement en eau-incendie", WATER, "4120"
        ),
        DefinedChargeType(
            "right-of-way",
            "Right-of-way charge",
            "Redevance d'emprise",
            ChargeType.STORMWATER,
            pass_through=True,
        ),
    ],
    rounding=Rounding.CHARGE_TYPE,
)
BILL = rate(
    RateSchedule("ottawa", "Ottawa", [VERSION]),
    RatingInput(
        period_start=date(2024, 5, 1),
        period_end=date(2024, 7, 1),  # 61 days
        volume=D("30.000"),
        meter_size=MeterSize.MM15,
        property_type=PropertyType.SINGLE_FAMILY,
        services=frozenset(ServiceType),
    ),
)
# water fixed 134.06 x 61/365 = 22.40, 30 m3 x 2.10 = 63.00 (late 69.30); fire supply
# 52.63 x 61/365 = 8.80; right-of-way 24.00 x 61/365 = 4.01; total 98.21, after due 104.51


def statement(language: Language) -> Statement:
    return build.statement(bill=BILL, language=language)


def context(language: Language) -> dict[str, object]:
    return statement_context(
        statement(language),
        "City of Ottawa",
        "https://portal.example.ca",
        numbering=AccountNumberScheme(),
    )


@pytest.fixture(scope="module")
def renderer() -> WeasyPrintRenderer:
    return WeasyPrintRenderer(default_templates_dir())


def words(renderer: WeasyPrintRenderer, language: Language) -> str:
    markup = renderer.render_html("statement", language, context(language))
    body = markup[markup.index("<body>") :]
    text = html.unescape(re.sub(r"<[^>]+>", " ", body)).replace("\u00a0", " ")
    return " ".join(text.split())


def test_the_bill_behind_the_statement() -> None:
    assert [line.amount for line in BILL.lines] == [D("22.40"), D("63.00"), D("8.80"), D("4.01")]
    assert BILL.total == D("98.21")
    assert BILL.total_after_due == D("104.51")  # 63.00 becomes 69.30


def test_the_context_groups_a_defined_type_under_its_names_with_its_total() -> None:
    groups = context(EN)["charge_groups"]
    assert [(g.charge_type, g.names and g.names["en"], g.total) for g in groups] == [  # type: ignore[attr-defined]
        ("water", None, None),
        ("water", "Fire supply", D("8.80")),
        ("stormwater", "Right-of-way charge", D("4.01")),
    ]
    assert context(EN)["after_due_column"] is True


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (EN, ["Fire supply Fixed charge", "Total Fire supply $8.80 $8.80",
              "Right-of-way charge collected for another body",
              "Amount After Nov. 23, 2026", "$63.00 $69.30", "New charges $98.21 $104.51",
              "Each charge type's total is rounded once to the cent"]),
        (FR, ["Approvisionnement en eau-incendie Frais fixes",
              "Total \u2013 Approvisionnement en eau-incendie 8,80 $ 8,80 $",
              "Redevance d'emprise perçu pour le compte d\u2019un autre organisme",
              "Après le 23 nov. 2026", "63,00 $ 69,30 $",
              "Le total de chaque type de frais est arrondi une seule fois au cent"]),
    ],
)  # fmt: skip
def test_the_statement_words_them_in_its_language(
    renderer: WeasyPrintRenderer, language: Language, expected: list[str]
) -> None:
    text = words(renderer, language)
    for phrase in expected:
        assert phrase in text


def test_without_late_rates_or_defined_types_the_statement_is_unchanged(
    renderer: WeasyPrintRenderer,
) -> None:
    plain = statement_context(
        build.statement(),
        "City of Ottawa",
        "https://portal.example.ca",
        numbering=AccountNumberScheme(),
    )
    assert plain["after_due_column"] is False
    assert all(group.names is None for group in plain["charge_groups"])  # type: ignore[attr-defined]
    markup = renderer.render_html("statement", EN, plain)
    assert "After Nov." not in markup and "rounded once" not in markup


@pytest.mark.parametrize("language", [EN, FR])
def test_the_pdf_prints_the_heading_and_the_after_due_column(
    renderer: WeasyPrintRenderer, language: Language
) -> None:
    text = text_of(renderer.render_pdf("statement", language, context(language)))
    heading, after = {
        EN: ("Fire supply", "After Nov. 23"),
        FR: ("Approvisionnement en eau-incendie", "Après le 23 nov."),
    }[language]
    assert heading in text
    assert after in text
