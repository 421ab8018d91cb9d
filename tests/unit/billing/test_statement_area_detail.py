"""A line priced by the property's area names that area on the statement the way the
statement's language writes numbers: "312.50 m²" in English, "312,50 m²" in French."""

from __future__ import annotations

import html
import re
from datetime import date
from decimal import Decimal as D

import pytest

from civiq.accounts.domain.account_numbers import AccountNumberScheme
from civiq.accounts.domain.accounts import ServiceType
from civiq.accounts.domain.properties import PropertyType
from civiq.billing.services.statement_document import Label, detail_label, statement_context
from civiq.core.language import Language
from civiq.platform.pdf import WeasyPrintRenderer, default_templates_dir
from civiq.rates.domain.rates import (
    AreaTier,
    Basis,
    Per,
    RateSchedule,
    RateVersion,
    StormwaterTiers,
)
from civiq.rates.domain.rating import RatingInput, rate
from tests.helpers import statement_builders as build

NBSP = "\u00a0"
# Mississauga's residential stormwater tiers by rooftop area, a year: above 242.0 m2 $183.94.
MISSISSAUGA_TIERS = StormwaterTiers(
    [
        AreaTier(D("26.69"), D("0")),
        AreaTier(D("99.00"), D("54.10")),
        AreaTier(D("151.00"), D("75.74")),
        AreaTier(D("194.00"), D("108.20")),
        AreaTier(D("242.00"), D("129.84")),
        AreaTier(None, D("183.94")),
    ],
    basis=Basis(Per.YEAR),
)
BILL = rate(
    RateSchedule(
        "mississauga", "Mississauga", [RateVersion(date(2026, 1, 1), None, [MISSISSAUGA_TIERS])]
    ),
    RatingInput(
        period_start=date(2026, 1, 1),
        period_end=date(2026, 4, 1),  # 90 days
        volume=D(0),
        meter_size=None,
        property_type=PropertyType.SINGLE_FAMILY,
        services=frozenset({ServiceType.STORMWATER}),
        impervious_area=D("312.50"),
    ),
)


@pytest.fixture(scope="module")
def renderer() -> WeasyPrintRenderer:
    return WeasyPrintRenderer(default_templates_dir())


def words(renderer: WeasyPrintRenderer, language: Language) -> str:
    statement = build.statement(bill=BILL, language=language)
    context = statement_context(
        statement,
        "City of Mississauga",
        "https://portal.example.ca",
        numbering=AccountNumberScheme(),
    )
    markup = renderer.render_html("statement", language, context)
    body = markup[markup.index("<body>") :]
    text = html.unescape(re.sub(r"<[^>]+>", " ", body))
    return re.sub(r"[ \t\r\n]+", " ", text)  # no-break spaces kept: they belong to the area


def test_the_line_names_the_area_it_was_priced_by() -> None:
    # 312.50 m2 is above 242.0: 183.94 a year x 90/365 = 45.3551 -> 45.36
    (line,) = BILL.lines
    assert (line.detail, line.amount) == (f"312.50{NBSP}m²", D("45.36"))


@pytest.mark.parametrize(
    ("language", "area"),
    [(Language.EN, f"312.50{NBSP}m²"), (Language.FR, f"312,50{NBSP}m²")],
)
def test_the_statement_writes_the_area_in_its_language(
    renderer: WeasyPrintRenderer, language: Language, area: str
) -> None:
    assert f"({area})" in words(renderer, language)


def test_an_area_label_carries_the_number_and_other_details_do_not() -> None:
    assert detail_label(f"5000{NBSP}m²") == Label(
        f"charge.detail.5000{NBSP}m²", f"5000{NBSP}m²", D(5000)
    )
    assert detail_label("20mm") == Label("charge.detail.20mm", f"20{NBSP}mm")
    assert detail_label("Sod, 12 m²").area is None
