"""The statement PDF end to end: the real template and WeasyPrint, the PDF read back with pypdf."""

from __future__ import annotations

import io
import logging

import pytest
from pypdf import PdfReader
from pypdf.generic import BooleanObject, DictionaryObject

from civiq.accounts.domain.account_numbers import AccountNumberScheme
from civiq.billing.domain.statements import Statement, StatementKind
from civiq.billing.services.statement_document import statement_context
from civiq.core.language import Language
from civiq.platform.pdf import WeasyPrintRenderer
from tests.helpers import statement_builders as build
from tests.helpers.pdf import TEMPLATES, lookup, structure_types, text_of

MUNICIPALITY = "Ville de Sainte-Anne"
EN, FR = Language.EN, Language.FR

# What only the right catalog and the right number formats print.
EXPECTED = {
    EN: [
        "Utility statement",
        "Account number UB-0000042-2",
        "Billing period Sept. 1, 2026 to Oct. 31, 2026 (61 days)",
        "Due date November 23, 2026",
        "Total amount due $259.90",
        "Amount due after Nov. 23, 2026 $273.40",
        "Payments received \u2013 thank you -$250.00",
        "Subtotal $264.05",
        "New charges $269.90",
        "61 of 365 days \u00d7 $120.00 per year",
        "12.318 m³ \u00d7 $2.4500",
    ],
    FR: [
        "Relevé de compte",
        "Numéro de compte UB-0000042-2",
        "du 1er sept. 2026 au 31 oct. 2026 (61 jours)",
        "Date d\u2019échéance 23 novembre 2026",
        "Montant total dû 259,90 $",
        "Montant dû après le 23 nov. 2026 273,40 $",
        "Paiements reçus \u2013 merci -250,00 $",
        "Sous-total 264,05 $",
        "Nouveaux frais 269,90 $",
        "61 jours sur 365 \u00d7 120,00 $ par année",
        "12,318 m³ \u00d7 2,4500 $",
        "Talon de paiement",
    ],
}
LINE_AMOUNTS = ("20.05", "27.75", "31.50", "30.18", "71.54", "9.53", "28.50", "45.00", "5.85")


def render(renderer: WeasyPrintRenderer, statement: Statement, language: Language) -> bytes:
    context = statement_context(
        statement, MUNICIPALITY, "https://portal.example.ca/lookup", numbering=AccountNumberScheme()
    )
    return renderer.render_pdf("statement", language, context)


def money(amount: str, language: Language) -> str:
    return f"${amount}" if language is EN else f"{amount.replace('.', ',')} $"


@pytest.fixture(scope="module")
def renderer() -> WeasyPrintRenderer:
    return WeasyPrintRenderer(TEMPLATES)


@pytest.fixture(scope="module")
def statements(renderer: WeasyPrintRenderer) -> dict[Language, bytes]:
    return {language: render(renderer, build.statement(), language) for language in Language}


@pytest.mark.parametrize("language", list(Language))
def test_statement_prints_the_account_the_amounts_and_the_arithmetic(
    statements: dict[Language, bytes], language: Language
) -> None:
    text = text_of(statements[language])

    for phrase in EXPECTED[language]:
        assert phrase in text
    for amount in LINE_AMOUNTS:
        assert money(amount, language) in text
    assert "Élise Tremblay" in text and "3-45 Rideau Terrace" in text
    assert "100 Main St, Ottawa ON K1P 1J1" in text
    assert "MX-20-004512" in text
    other = FR if language is EN else EN
    assert EXPECTED[other][0] not in text


@pytest.mark.parametrize("language", list(Language))
def test_statement_is_one_tagged_letter_page(
    statements: dict[Language, bytes], language: Language
) -> None:
    reader = PdfReader(io.BytesIO(statements[language]))
    root = reader.root_object
    title = EXPECTED[language][0]

    assert len(reader.pages) == 1
    assert [float(side) for side in reader.pages[0].mediabox] == [0, 0, 612, 792]
    assert lookup(root, "/Lang") == language.value
    assert lookup(root, "/StructTreeRoot", "/Type") == "/StructTreeRoot"
    assert lookup(root, "/MarkInfo", "/Marked") == BooleanObject(True)
    assert reader.metadata is not None
    assert reader.metadata.title == f"{title} \u2013 {MUNICIPALITY}"


def figures(node: DictionaryObject) -> list[str]:
    """The alternative text of every /Figure under ``node``."""
    found = []
    kids = node.get("/K", [])
    for kid in kids if isinstance(kids, list) else [kids]:
        element = kid.get_object()
        if isinstance(element, DictionaryObject) and "/S" in element:
            if element["/S"] == "/Figure":
                found.append(str(element.get("/Alt", "")))
            found.extend(figures(element))
    return found


@pytest.mark.parametrize("language", list(Language))
def test_tables_have_captions_and_headers_and_the_chart_has_alternative_text(
    statements: dict[Language, bytes], language: Language
) -> None:
    tree = lookup(PdfReader(io.BytesIO(statements[language])).root_object, "/StructTreeRoot")
    assert isinstance(tree, DictionaryObject)

    assert {"/H1", "/Table", "/Caption", "/TH", "/TD", "/Link", "/Figure"} <= set(
        structure_types(tree)
    )
    (chart,) = figures(tree)
    wording = {EN: "Bar chart of your water use", FR: "Graphique à barres"}
    assert chart.startswith(wording[language])


@pytest.mark.parametrize("language", list(Language))
def test_the_chart_figures_are_also_text(
    statements: dict[Language, bytes], language: Language
) -> None:
    text = text_of(statements[language])
    volumes = {
        EN: ["31.204", "45.912", "40.217", "47.633", "42.318"],
        FR: ["31,204", "45,912", "40,217", "47,633", "42,318"],
    }
    caption = {EN: "Water use by billing period", FR: "Consommation d\u2019eau par période"}

    assert caption[language] in text
    for volume in volumes[language]:
        assert volume in text


@pytest.mark.parametrize(
    ("language", "mark", "legend"),
    [
        (EN, "Current Oct. 31, 2026 1,246.895 E", "E: estimated read. Your next actual read"),
        (FR, "Actuelle 31 oct. 2026 1 246,895 E", "E : lecture estimée. Votre prochaine lecture"),
    ],
)
def test_an_estimated_read_is_marked_and_explained(
    renderer: WeasyPrintRenderer, language: Language, mark: str, legend: str
) -> None:
    text = text_of(render(renderer, build.estimated_statement(), language))

    assert mark in text
    assert legend in text


def test_without_estimates_there_is_no_mark_and_no_legend(renderer: WeasyPrintRenderer) -> None:
    actual = build.statement(usage_history=build.usage_history()[-1:])

    text = text_of(render(renderer, actual, EN))

    assert "1,246.895 E" not in text
    assert "estimated read" not in text


def test_a_final_bill_says_so(renderer: WeasyPrintRenderer) -> None:
    final = build.statement(kind=StatementKind.FINAL, cycle_id=None)

    assert "Relevé de compte final" in text_of(render(renderer, final, FR))


def test_render_logs_no_accessibility_errors(
    renderer: WeasyPrintRenderer, caplog: pytest.LogCaptureFixture
) -> None:
    """WeasyPrint reports PDF/UA problems (an image without alt text) only as log errors."""
    with caplog.at_level(logging.ERROR, logger="weasyprint"):
        render(renderer, build.estimated_statement(), FR)

    assert [record.getMessage() for record in caplog.records] == []
