"""The statement's offer in the other official language, the configured letterhead on statements
and receipts, and a receipt's periods, read back from the real PDF (WeasyPrint, pypdf) in both
languages."""

from __future__ import annotations

import io
import shutil
import struct
import zlib
from dataclasses import replace
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from civiq.accounts.domain.account_numbers import AccountNumberScheme
from civiq.billing.services.statement_document import statement_context
from civiq.core.language import Language
from civiq.core.letterhead import Letterhead
from civiq.core.settings import address_lines
from civiq.ledger.domain.payments import PaymentMethod
from civiq.notices.domain.receipts import PaidStatement, Receipt
from civiq.notices.services.receipts import receipt_context
from civiq.platform.pdf import WeasyPrintRenderer
from tests.helpers import statement_builders as build
from tests.helpers.pdf import TEMPLATES, lookup, text_of

LETTERHEAD = Letterhead(
    "Town of Barrie",
    phone="705-555-0100",
    email="billing@barrie.example.ca",
    office_hours={Language.EN: "Mon-Fri 8:30-4:30", Language.FR: "lun.-ven. 8 h 30-16 h 30"},
    remittance_address=address_lines("PO Box 400 | Barrie ON L4M 4T5"),
)
OTHER_LANGUAGE = {
    Language.EN: "Ce relevé est disponible en français",
    Language.FR: "This statement is available in English",
}
CONTACT = {
    Language.EN: [
        "Phone 705-555-0100",
        "Email billing@barrie.example.ca",
        "Hours Mon-Fri 8:30-4:30",
        "Mail to: PO Box 400, Barrie ON L4M 4T5",
    ],
    Language.FR: [
        "Téléphone 705-555-0100",
        "Courriel billing@barrie.example.ca",
        "Heures d\u2019ouverture lun.-ven. 8 h 30-16 h 30",
        "Adresse postale : PO Box 400, Barrie ON L4M 4T5",
    ],
}


@pytest.fixture(scope="module")
def renderer() -> WeasyPrintRenderer:
    return WeasyPrintRenderer(TEMPLATES)


def rendered(
    renderer: WeasyPrintRenderer, language: Language, letterhead: Letterhead | None
) -> str:
    context = statement_context(
        build.statement(),
        "Town of Barrie",
        "https://portal.barrie.example.ca",
        numbering=AccountNumberScheme(),
        letterhead=letterhead,
    )
    return text_of(renderer.render_pdf("statement", language, context))


@pytest.mark.parametrize("language", list(Language))
def test_every_statement_offers_the_other_official_language(
    renderer: WeasyPrintRenderer, language: Language
) -> None:
    text = rendered(renderer, language, None)

    assert OTHER_LANGUAGE[language] in text
    assert "https://portal.barrie.example.ca" in text.replace(" ", "")  # wrapped in its column


@pytest.mark.parametrize("language", list(Language))
def test_the_configured_contact_block_and_remittance_address_are_printed(
    renderer: WeasyPrintRenderer, language: Language
) -> None:
    text = rendered(renderer, language, LETTERHEAD)

    for expected in CONTACT[language]:
        assert expected in text


@pytest.mark.parametrize("language", list(Language))
def test_without_a_contact_block_nothing_empty_is_printed(
    renderer: WeasyPrintRenderer, language: Language
) -> None:
    text = rendered(renderer, language, None)

    assert CONTACT[language][0] not in text
    assert ("Mail to" if language is Language.EN else "Adresse postale") not in text


# A municipality's full contact block: a long name, both office address lines, the hours and a
# remittance address of its own, as a francophone Ontario municipality configures it.
FULL_LETTERHEAD = Letterhead(
    "Ville de Saint-Laurent",
    phone="705-555-0100",
    email="eau@saint-laurent.ca",
    office_address=address_lines("1234, boul. des Érables | Saint-Laurent ON K0A 1B0"),
    office_hours={Language.EN: "Mon-Fri 8:30-4:30", Language.FR: "lun.-ven. 8 h 30-16 h 30"},
    remittance_address=address_lines("C.P. 400 | Saint-Laurent ON K0A 1B0"),
)
STUB = {
    Language.EN: ["Payment stub", "Amount enclosed:"],
    Language.FR: ["Talon de paiement", "Montant versé :"],
}
LETTER_POINTS = (612, 792)


@pytest.mark.parametrize("language", list(Language))
def test_a_typical_statement_with_a_full_letterhead_is_one_letter_page_stub_included(
    renderer: WeasyPrintRenderer, language: Language
) -> None:
    """The resident tears the stub off the bottom of the page: a one-page bill whose stub
    spilled onto a second sheet could not be returned."""
    context = statement_context(
        build.statement(),
        FULL_LETTERHEAD.name,
        "https://portal.saint-laurent.example.ca",
        numbering=AccountNumberScheme(),
        letterhead=FULL_LETTERHEAD,
    )

    pages = PdfReader(io.BytesIO(renderer.render_pdf("statement", language, context))).pages

    assert len(pages) == 1
    assert tuple(round(side) for side in pages[0].mediabox[2:]) == LETTER_POINTS
    text = pages[0].extract_text().replace("\u00a0", " ")
    for expected in [*STUB[language], "Saint-Laurent ON K0A 1B0"]:
        assert expected in text


RECEIPT_ROWS = {
    # Two statements issued and due the same days (a final bill and the cycle's last regular
    # one), told apart by the periods they bill; 100.00 + 59.90 = 159.90 paid.
    Language.EN: [
        "Nov. 2, 2026 Sept. 1, 2026 to Oct. 31, 2026 Nov. 23, 2026 $100.00",
        "Nov. 2, 2026 Nov. 1, 2026 to Nov. 2, 2026 Nov. 23, 2026 $59.90",
        "Total received $159.90",
    ],
    Language.FR: [
        "2 nov. 2026 du 1er sept. 2026 au 31 oct. 2026 23 nov. 2026 100,00 $",
        "2 nov. 2026 du 1er nov. 2026 au 2 nov. 2026 23 nov. 2026 59,90 $",
        "Total reçu 159,90 $",
    ],
}


@pytest.mark.parametrize("language", list(Language))
def test_a_receipt_tells_two_statements_of_one_day_apart_by_their_periods(
    renderer: WeasyPrintRenderer, language: Language
) -> None:
    issued, due = date(2026, 11, 2), date(2026, 11, 23)
    paid = (
        PaidStatement("S-1", issued, due, D("100.00"), date(2026, 9, 1), date(2026, 10, 31)),
        PaidStatement("S-2", issued, due, D("59.90"), date(2026, 11, 1), date(2026, 11, 2)),
    )
    receipt = Receipt(
        payment_id="PAY-1",
        account_number="UB-0000042-2",
        service_address="45 Rideau Terrace, Ottawa ON K1M 2C3",
        holder="Élise Tremblay",
        payer="Élise Tremblay",
        language=language,
        received_on=date(2026, 11, 20),
        amount=D("159.90"),
        method=PaymentMethod.CHEQUE,
        reference="1042",
        credit=D("0.00"),
        balance_after=D("0.00"),
    )
    context = receipt_context(
        receipt, paid, "Élise Tremblay", ("45 Rideau Terrace", "Ottawa ON K1M 2C3"), LETTERHEAD
    )

    text = text_of(renderer.render_pdf("receipt", language, context))

    for row in RECEIPT_ROWS[language]:
        assert row in text
    assert CONTACT[language][0] in text  # the receipt carries the letterhead's contact block


AUTOPAID = {
    Language.EN: (
        "To be withdrawn automatically $259.90",
        "$259.90 will be withdrawn automatically on November 2, 2026. No payment is needed.",
        ("Payment stub", "Amount enclosed", "Amount due after"),
    ),
    Language.FR: (
        "Montant prélevé automatiquement 259,90 $",
        "259,90 $ sera prélevé automatiquement le 2 novembre 2026. "
        "Aucun paiement n\u2019est requis.",
        ("Talon de paiement", "Montant versé", "Montant dû après"),
    ),
}


@pytest.mark.parametrize("language", list(Language))
def test_an_autopaid_statement_says_when_it_is_withdrawn_and_has_no_stub(
    renderer: WeasyPrintRenderer, language: Language
) -> None:
    context = statement_context(
        replace(build.statement(), autopay=True),
        "Town of Barrie",
        "https://portal.barrie.example.ca",
        numbering=AccountNumberScheme(),
    )

    text = text_of(renderer.render_pdf("statement", language, context))

    total, withdrawal, absent = AUTOPAID[language]
    assert total in text
    assert withdrawal in text
    assert not any(words in text for words in absent)


BILINGUAL = {
    Language.EN: ("Utility statement / Relevé de compte", "Account number / Numéro de compte"),
    Language.FR: ("Relevé de compte / Utility statement", "Numéro de compte / Account number"),
}


@pytest.mark.parametrize("language", list(Language))
def test_a_bilingual_municipality_prints_every_label_in_both_languages_holders_first(
    renderer: WeasyPrintRenderer, language: Language
) -> None:
    text = rendered(renderer, language, replace(LETTERHEAD, bilingual=True))

    for label in BILINGUAL[language]:
        assert label in text
    assert OTHER_LANGUAGE[language] not in text  # the whole statement is in it already


def png(width: int, height: int) -> bytes:
    """A solid dark blue PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\x0b\x3d\x63" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("language", list(Language))
def test_the_configured_logo_is_an_image_with_its_alternative_text(
    tmp_path: Path, language: Language
) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    (templates / "logo.png").write_bytes(png(40, 20))
    context = statement_context(
        build.statement(),
        "Town of Barrie",
        "https://portal.barrie.example.ca",
        numbering=AccountNumberScheme(),
        letterhead=replace(LETTERHEAD, logo="logo.png"),
    )

    pdf = WeasyPrintRenderer(templates).render_pdf("statement", language, context)

    reader = PdfReader(io.BytesIO(pdf))
    xobjects = lookup(reader.pages[0], "/Resources", "/XObject")
    assert isinstance(xobjects, DictionaryObject)
    assert [x.get_object()["/Subtype"] for x in xobjects.values()].count("/Image") == 1
    tree = lookup(reader.root_object, "/StructTreeRoot")
    assert isinstance(tree, DictionaryObject)
    alt = "Town of Barrie logo" if language is Language.EN else "Logo de Town of Barrie"
    assert alt in figure_alts(tree)


def figure_alts(node: DictionaryObject) -> list[str]:
    """The alternative text of every Figure under ``node`` in the structure tree."""
    kids = node.get("/K", [])
    alts: list[str] = []
    for kid in kids if isinstance(kids, list) else [kids]:
        element = kid.get_object()
        if isinstance(element, DictionaryObject) and "/S" in element:
            if element["/S"] == "/Figure" and "/Alt" in element:
                alts.append(str(element["/Alt"]))
            alts.extend(figure_alts(element))
    return alts
