"""The statements a resident reads, checked as real PDFs (the real template, WeasyPrint, the text
read back with pypdf) in English and French: a regular statement, a final bill after a sale
mailed to the seller's forwarding address, an autopaid bill (to be withdrawn, then paid), a
unit's bill on a shared meter and the credit of an over-estimate."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date
from decimal import Decimal as D

import pytest
from pypdf import PdfReader

from civiq.accounts.domain.account_numbers import AccountNumberScheme
from civiq.accounts.domain.moves import FinalReading
from civiq.accounts.services.recording import Step
from civiq.billing.domain.billing import ESTIMATE_CREDIT
from civiq.billing.domain.statements import Statement
from civiq.billing.services.statement_document import statement_context
from civiq.core.addresses import Address
from civiq.core.language import Language
from civiq.platform.pdf import WeasyPrintRenderer
from civiq.rates.domain.charges import ChargeType, Unit
from tests.helpers import statement_builders as build
from tests.helpers.billing_world import BillingWorld
from tests.helpers.metering_world import CLERK
from tests.helpers.pdf import TEMPLATES, text_of

EN, FR = Language.EN, Language.FR
MUNICIPALITY = "City of Barrie"
PORTAL = "https://portal.barrie.example.ca/account"
STUB = {EN: "Payment stub", FR: "Talon de paiement"}


@pytest.fixture(scope="module")
def renderer() -> WeasyPrintRenderer:
    return WeasyPrintRenderer(TEMPLATES)


def pdf_text(
    renderer: WeasyPrintRenderer,
    statement: Statement,
    language: Language,
    printed_on: date | None = None,
) -> str:
    context = statement_context(
        statement,
        MUNICIPALITY,
        PORTAL,
        numbering=AccountNumberScheme(),
        printed_on=printed_on,
    )
    return text_of(renderer.render_pdf("statement", language, context))


REGULAR = {
    EN: [
        "Utility statement",
        "Élise Tremblay 3-45 Rideau Terrace Ottawa ON K1M 2C3",
        "Your account online: https://",
        "Total amount due $259.90",
        "Payment stub",
    ],
    FR: [
        "Relevé de compte",
        "Élise Tremblay 3-45 Rideau Terrace Ottawa ON K1M 2C3",
        "Votre compte en ligne : https://",
        "Montant total dû 259,90 $",
        "Talon de paiement",
    ],
}


@pytest.mark.parametrize("language", list(Language))
def test_a_regular_statement_is_mailed_to_the_holder_with_a_stub_and_the_portal_link(
    renderer: WeasyPrintRenderer, language: Language
) -> None:
    context = statement_context(
        build.statement(), MUNICIPALITY, PORTAL, numbering=AccountNumberScheme()
    )
    pdf = renderer.render_pdf("statement", language, context)

    text = text_of(pdf)
    for phrase in REGULAR[language]:
        assert phrase in text
    assert PORTAL in links(pdf)


def links(pdf: bytes) -> list[str]:
    """The addresses the PDF's link annotations open."""
    return [
        annotation.get_object()["/A"]["/URI"]
        for page in PdfReader(io.BytesIO(pdf)).pages
        for annotation in page.get("/Annots", [])
        if "/A" in annotation.get_object()
    ]


FORWARDING = Address("220 Bayfield St", "Barrie", "ON", "L4M 3B9", unit="4")
FINAL_TITLE = {EN: "Final utility statement", FR: "Relevé de compte final"}


@pytest.fixture(scope="module")
def final_bill_after_a_sale() -> Statement:
    """A seller's final bill, produced by billing as the transfer workflow asks for it: the
    account's services ended on the closing day with the forwarding address the sale gave."""
    world = BillingWorld()
    account = world.account(name="Élise Tremblay")
    meter = world.meter(world.properties.get(account.property_id))
    world.read(meter, "2026-09-30", "100")
    world.cycle()
    before = world.store.get(account.account_id)
    closed = before.moved_out(date(2026, 11, 15), FORWARDING)
    world.store.commit(
        world.recorder.change([Step(closed, "FinalBillRequested", before)], CLERK, "c")
    )

    outcome = world.final_bill(
        account.account_id, FinalReading(date(2026, 11, 15), D("121.5")), "TR1", "corr-sale"
    )

    return world.statements.get(account.account_id, outcome.statement_id or "")


@pytest.mark.parametrize("language", list(Language))
def test_a_final_bill_after_a_sale_is_addressed_to_the_forwarding_address(
    renderer: WeasyPrintRenderer, final_bill_after_a_sale: Statement, language: Language
) -> None:
    text = pdf_text(renderer, final_bill_after_a_sale, language)

    assert FINAL_TITLE[language] in text
    assert "Élise Tremblay 4-220 Bayfield St Barrie ON L4M 3B9" in text
    # the property sold is still named as where the services were
    assert final_bill_after_a_sale.service_address.street in text


AUTOPAY_AHEAD = {
    EN: (
        "To be withdrawn automatically $259.90",
        "$259.90 will be withdrawn automatically on November 2, 2026. No payment is needed.",
    ),
    FR: (
        "Montant prélevé automatiquement 259,90 $",
        "259,90 $ sera prélevé automatiquement le 2 novembre 2026. "
        "Aucun paiement n\u2019est requis.",
    ),
}
AUTOPAY_DONE = {
    EN: (
        "Paid automatically $259.90",
        "$259.90 was paid automatically on November 2, 2026. No payment is needed.",
    ),
    FR: (
        "Montant payé automatiquement 259,90 $",
        "259,90 $ a été prélevé automatiquement le 2 novembre 2026. "
        "Aucun paiement n\u2019est requis.",
    ),
}


@pytest.mark.parametrize("language", list(Language))
def test_an_autopaid_bill_says_it_will_be_withdrawn_on_its_issue_day_and_has_no_stub(
    renderer: WeasyPrintRenderer, language: Language
) -> None:
    statement = replace(build.statement(), autopay=True)  # issued November 2, 2026

    text = pdf_text(renderer, statement, language, printed_on=statement.issued_on)

    for phrase in AUTOPAY_AHEAD[language]:
        assert phrase in text
    assert STUB[language] not in text


@pytest.mark.parametrize("language", list(Language))
def test_an_autopaid_bill_reprinted_after_its_issue_day_says_it_was_paid_on_that_day(
    renderer: WeasyPrintRenderer, language: Language
) -> None:
    statement = replace(build.statement(), autopay=True)

    text = pdf_text(renderer, statement, language, printed_on=date(2026, 12, 1))

    for phrase in AUTOPAY_DONE[language]:
        assert phrase in text
    assert AUTOPAY_AHEAD[language][1] not in text
    assert STUB[language] not in text


SHARED_METER = {
    # 240.000 m³ through the building's meter x the unit's 0.25 share = 60.000 m³
    EN: (
        "Shared meter: the building\u2019s use 240.000 m³ \u00d7 your unit\u2019s share 25% "
        "= 60.000 m³"
    ),
    FR: (
        "Compteur partagé : consommation de l\u2019immeuble 240,000 m³ \u00d7 "
        "part de votre logement 25 % = 60,000 m³"
    ),
}


@pytest.mark.parametrize("language", list(Language))
def test_a_unit_on_a_shared_meter_sees_the_arithmetic_of_its_share(
    renderer: WeasyPrintRenderer, language: Language
) -> None:
    read = build.meter_read(
        previous_value=D("1000.000"),
        current_value=D("1240.000"),
        volume=D("60.000"),
        building_volume=D("240.000"),
        share=D("0.25"),
    )

    text = pdf_text(renderer, build.statement(reads=[read]), language)

    assert SHARED_METER[language] in text
    assert STUB[language] in text


ESTIMATE_CREDIT_LINES = {
    EN: (
        "Credit: estimated use billed above what the meter read "
        "3.298 m³ billed by estimate, not used",
        "-$6.60",
    ),
    FR: (
        "Crédit : consommation estimée facturée au-delà de la lecture du compteur "
        "3,298 m³ facturés par estimation, non consommés",
        "-6,60 $",
    ),
}


@pytest.mark.parametrize("language", list(Language))
def test_an_over_estimate_trued_up_prints_as_a_credit_that_says_why(
    renderer: WeasyPrintRenderer, language: Language
) -> None:
    # 3.298 m3 billed by the last estimate beyond the actual read, at 2.00 per m3: 6.60
    credit = build.line(
        ChargeType.WATER, ESTIMATE_CREDIT, "-3.298", Unit.CUBIC_METRE, "2.0012", "-6.60"
    )
    bill = build.rated_bill(lines=[*build.charge_lines(), credit])

    text = pdf_text(renderer, build.statement(bill=bill), language)

    wording, amount = ESTIMATE_CREDIT_LINES[language]
    assert wording in text
    assert amount in text.split(wording, 1)[1][:12]  # the line's amount, after its wording
