"""The PDF renderer end to end: real templates, real WeasyPrint, the PDF read back with pypdf."""

from __future__ import annotations

import io
import json
import logging
import shutil
import string
from datetime import date
from pathlib import Path

import pytest
from jinja2 import UndefinedError
from pypdf import PdfReader
from pypdf.generic import BooleanObject, DictionaryObject

from civiq.core.language import Language
from civiq.platform.pdf import WeasyPrintRenderer, default_templates_dir, format_date
from tests.helpers.pdf import TEMPLATES, lookup, structure_types

MUNICIPALITY = "Ville de Sainte-Anne"
CONTEXT: dict[str, object] = {
    "account_number_display": "UB-0000001-8",
    "customer_name": "Élise Tremblay",
    "recipient_name": "Élise Tremblay",
    "copy_to_owner": False,
    "service_address": "12-100 Main St, Ottawa ON K1A 0B1",
    "opened_on": date(2026, 11, 26),
    "municipality_name": MUNICIPALITY,
    "portal_url": "https://portal.example.ca/lookup",
}
# Phrases that only the right catalog produces, including the formatted opening date.
PHRASES = {
    Language.EN: [
        "Welcome to your utility account",
        "Your account number, UB-0000001-8, is also your lookup code",
        "Account opened November 26, 2026",
        "Sincerely,",
    ],
    Language.FR: [
        "Bienvenue à votre compte de services publics",
        "Votre numéro de compte, UB-0000001-8, est aussi votre code de consultation",
        "Date d\u2019ouverture 26 novembre 2026",
        "«\u00a0Code de consultation\u00a0»",
        "Veuillez agréer nos salutations distinguées.",
    ],
}


def catalog(language: Language) -> dict[str, str]:
    messages: dict[str, str] = json.loads(
        (TEMPLATES / "messages" / f"{language.value}.json").read_text("utf-8")
    )
    return messages


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture(scope="module")
def renderer() -> WeasyPrintRenderer:
    return WeasyPrintRenderer(TEMPLATES)


@pytest.fixture(scope="module")
def letters(renderer: WeasyPrintRenderer) -> dict[Language, bytes]:
    return {
        language: renderer.render_pdf("welcome_letter", language, CONTEXT) for language in Language
    }


@pytest.mark.parametrize("language", list(Language))
def test_letter_names_the_customer_and_account_in_its_language(
    letters: dict[Language, bytes], language: Language
) -> None:
    text = text_of(letters[language])

    assert "Élise Tremblay" in text
    assert "UB-0000001-8" in text
    assert "12-100 Main St, Ottawa ON K1A 0B1" in text
    for phrase in PHRASES[language]:
        assert phrase in text
    other = Language.FR if language is Language.EN else Language.EN
    assert PHRASES[other][0] not in text


@pytest.mark.parametrize("language", list(Language))
def test_letter_is_a_tagged_pdf_ua_document(
    letters: dict[Language, bytes], language: Language
) -> None:
    reader = PdfReader(io.BytesIO(letters[language]))
    root = reader.root_object
    title = f"{catalog(language)['welcome.title']} \u2013 {MUNICIPALITY}"

    assert lookup(root, "/Lang") == language.value
    assert lookup(root, "/StructTreeRoot", "/Type") == "/StructTreeRoot"
    assert lookup(root, "/MarkInfo", "/Marked") == BooleanObject(True)
    assert lookup(root, "/ViewerPreferences", "/DisplayDocTitle") == BooleanObject(True)
    assert reader.metadata is not None
    assert reader.metadata.title == title
    assert reader.xmp_metadata is not None
    assert reader.xmp_metadata.dc_title == {"x-default": title}
    assert b'pdfuaid:part="1"' in reader.xmp_metadata.stream.get_data()
    assert [float(side) for side in reader.pages[0].mediabox] == [0, 0, 612, 792]  # Letter


@pytest.mark.parametrize("language", list(Language))
def test_letter_structure_carries_headings_table_list_and_link(
    letters: dict[Language, bytes], language: Language
) -> None:
    tree = lookup(PdfReader(io.BytesIO(letters[language])).root_object, "/StructTreeRoot")
    assert isinstance(tree, DictionaryObject)

    types = set(structure_types(tree))

    assert {"/Document", "/H1", "/H2", "/P", "/Table", "/TH", "/TD", "/L", "/LI", "/Link"} <= types


def test_render_logs_no_accessibility_errors(
    renderer: WeasyPrintRenderer, caplog: pytest.LogCaptureFixture
) -> None:
    """WeasyPrint reports PDF/UA problems (missing lang, image without alt) only as log errors."""
    with caplog.at_level(logging.ERROR, logger="weasyprint"):
        renderer.render_pdf("welcome_letter", Language.FR, CONTEXT)

    assert [record.getMessage() for record in caplog.records] == []


def test_markup_in_customer_data_is_printed_literally(renderer: WeasyPrintRenderer) -> None:
    context = {**CONTEXT, "recipient_name": "<b>x</b> & Sons"}

    text = text_of(renderer.render_pdf("welcome_letter", Language.EN, context))

    assert "Dear <b>x</b> & Sons," in text


@pytest.mark.parametrize("language", list(Language))
def test_the_owner_s_copy_says_so_in_the_owner_s_language(
    renderer: WeasyPrintRenderer, language: Language
) -> None:
    context = {**CONTEXT, "recipient_name": "Gestion Béliveau Inc.", "copy_to_owner": True}

    text = " ".join(text_of(renderer.render_pdf("welcome_letter", language, context)).split())

    marker = {Language.EN: "Copy for the owner of record", Language.FR: "Copie destinée au"}
    assert marker[language] in text
    assert "Élise Tremblay" in text and "Gestion Béliveau Inc." in text


def test_missing_context_value_raises(renderer: WeasyPrintRenderer) -> None:
    context = {key: value for key, value in CONTEXT.items() if key != "portal_url"}

    with pytest.raises(UndefinedError, match="portal_url"):
        renderer.render_pdf("welcome_letter", Language.EN, context)


@pytest.mark.parametrize(
    ("expression", "error"),
    [
        ('t("welcome.no_such_key")', r"'welcome\.no_such_key' is missing from the 'fr' catalog"),
        ('t("welcome.greeting")', r"'welcome\.greeting' \(fr\) needs the argument 'name'"),
    ],
)
def test_missing_message_raises_instead_of_printing_a_blank(
    tmp_path: Path, expression: str, error: str
) -> None:
    shutil.copytree(TEMPLATES / "messages", tmp_path / "messages")
    (tmp_path / "broken.html.j2").write_text(f"<p>{{{{ {expression} }}}}</p>", "utf-8")

    with pytest.raises(KeyError, match=error):
        WeasyPrintRenderer(tmp_path).render_pdf("broken", Language.FR, {})


def test_catalogs_have_the_same_keys_and_no_blank_messages() -> None:
    english, french = catalog(Language.EN), catalog(Language.FR)

    assert english.keys() == french.keys()
    assert [key for key, message in {**english, **french}.items() if not message.strip()] == []
    assert [key for key in english if english[key] == french[key]] == []


def test_catalogs_use_the_same_placeholders() -> None:
    def placeholders(message: str) -> set[str]:
        return {field for _, field, _, _ in string.Formatter().parse(message) if field}

    english, french = catalog(Language.EN), catalog(Language.FR)

    assert {key: placeholders(message) for key, message in english.items()} == {
        key: placeholders(message) for key, message in french.items()
    }


def test_french_guillemets_and_colons_take_non_breaking_spaces() -> None:
    for key, message in catalog(Language.FR).items():
        assert "« " not in message and " »" not in message, key
        assert message.count("«\u00a0") == message.count("«"), key
        assert message.count("\u00a0»") == message.count("»"), key
        assert " :" not in message, key


@pytest.mark.parametrize(
    ("day", "language", "expected"),
    [
        (date(2026, 11, 26), Language.EN, "November 26, 2026"),
        (date(2026, 11, 26), Language.FR, "26 novembre 2026"),
        (date(2027, 1, 1), Language.EN, "January 1, 2027"),
        (date(2027, 1, 1), Language.FR, "1er janvier 2027"),
        (date(2026, 8, 15), Language.FR, "15 août 2026"),
        (date(2026, 12, 31), Language.FR, "31 décembre 2026"),
    ],
)
def test_format_date(day: date, language: Language, expected: str) -> None:
    assert format_date(day, language) == expected


def test_default_templates_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("TEMPLATES_DIR", raising=False)
    assert default_templates_dir() == TEMPLATES

    monkeypatch.setenv("TEMPLATES_DIR", str(tmp_path))
    assert default_templates_dir() == tmp_path
