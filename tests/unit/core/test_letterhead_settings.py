"""The letterhead comes from the document functions' environment, with nothing printed for what
is not configured."""

from __future__ import annotations

import pytest

from civiq.core.language import Language
from civiq.core.letterhead import Letterhead
from civiq.core.settings import DocumentSettings

REQUIRED = {
    "TABLE_NAME": "civiq",
    "LEDGER_TABLE_NAME": "civiq-ledger",
    "EVENT_BUS_NAME": "civiq",
    "DOCUMENTS_BUCKET": "civiq-documents",
}


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in REQUIRED.items():
        monkeypatch.setenv(name, value)


def test_unset_the_letterhead_is_the_name_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MUNICIPALITY_NAME", "Town of Barrie")

    settings = DocumentSettings()

    assert settings.letterhead() == Letterhead("Town of Barrie")
    assert not settings.letterhead().has_contact
    assert settings.portal_url == "https://portal.example.ca"


def test_the_contact_block_and_remittance_address_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MUNICIPALITY_NAME", "Town of Barrie")
    monkeypatch.setenv("MUNICIPALITY_PHONE", "705-555-0100")
    monkeypatch.setenv("MUNICIPALITY_OFFICE_ADDRESS", "City Hall | 70 Collier St | Barrie ON")
    monkeypatch.setenv("MUNICIPALITY_OFFICE_HOURS_EN", "Mon-Fri 8:30-4:30")
    monkeypatch.setenv("MUNICIPALITY_REMITTANCE_ADDRESS", "")
    monkeypatch.setenv("STATEMENT_LAYOUT", "bilingual")

    letterhead = DocumentSettings().letterhead()

    assert letterhead.phone == "705-555-0100"
    assert letterhead.office_address == ("City Hall", "70 Collier St", "Barrie ON")
    # cheques go to the office where no remittance address is configured
    assert letterhead.mail_payments_to == letterhead.office_address
    # the hours in English serve the French documents too until French ones are set
    assert letterhead.hours(Language.FR.value) == "Mon-Fri 8:30-4:30"
    assert letterhead.bilingual


def test_a_portal_url_must_be_a_web_address(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTAL_URL", "portal.example.ca/lookup")

    with pytest.raises(ValueError, match="portal_url"):
        DocumentSettings()
