"""The console's "Open an account" page (Chalice routing over in-process moto): a clerk opens
an account for a new customer at a new property with its map pin, as the JSON route opens one;
the same form posted again opens nothing more; a refused form names each invalid field and
writes nothing."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import pytest
from chalice.test import Client

from tests.helpers.api import API, call, ok
from tests.helpers.web import Browser, staff_browser

HOME = "/dashboard/utilities"
NEW = f"{HOME}/accounts/new"
STREET = "27 Rue du Repère"


@pytest.fixture
def client(chalice_app: Any) -> Any:
    with Client(chalice_app) as test_client:
        yield test_client


def typed(clerk: Browser, **changes: str) -> dict[str, str]:
    """The page's form (its key) filled in as a clerk would, with ``changes``."""
    page = clerk.get(NEW)
    assert page.status_code == 200, page.body
    key = re.search(r'name="key" value="([^"]+)"', page.body.decode())
    assert key
    form = {
        "key": key.group(1),
        "account-name": "Maëlle Gagnon",
        "account-email": "maelle@example.ca",
        "account-phone": "819-555-0142",
        "account-language": "fr",
        "account-contact_method": "email",
        "account-street": STREET,
        "account-city": "Gatineau",
        "account-province": "QC",
        "account-postal_code": "J8X 3G8",
        "account-property_type": "semi-detached",
        "account-units": "",
        "account-roll_number": "",
        "account-latitude": "45.4765",
        "account-longitude": "-75.7013",
        "account-water": "yes",
        "account-sewer": "yes",
        "account-start_date": "2026-01-01",
    }
    return {**form, **changes}


def accounts_at(client: Client, street: str) -> list[dict[str, Any]]:
    found = ok(call(client, "GET", f"{API}/accounts?q={quote(street)}"))
    return list(found["items"])


def test_a_clerk_opens_an_account_with_its_map_pin(client: Client, workflows: None) -> None:
    clerk = staff_browser(client, "clerk")
    listing = clerk.get(f"{HOME}/accounts").body.decode()
    assert f'href="{NEW}">Open an account</a>' in listing
    form = typed(clerk)

    opened = clerk.post(NEW, form)
    assert opened.status_code == 303, opened.body
    page_path = opened.headers["Location"]
    number = page_path.rpartition("/")[2]
    assert page_path == f"{HOME}/accounts/{number}"
    shown = clerk.get(page_path).body.decode()
    assert "Maëlle Gagnon" in shown and STREET in shown

    account = ok(call(client, "GET", f"{API}/accounts/{number}"))
    assert account["holder_role"] == "owner"
    assert account["holder"]["name"] == "Maëlle Gagnon"
    assert account["language"] == "fr"
    assert sorted(s["service_type"] for s in account["services"]) == ["sewer", "water"]
    assert {s["start_date"] for s in account["services"]} == {"2026-01-01"}
    prop = ok(call(client, "GET", f"{API}/properties/{account['property_id']}"))
    assert prop["location"] == {"latitude": "45.4765", "longitude": "-75.7013"}
    assert prop["property_type"] == "semi-detached"
    assert prop["owner_customer_id"] == account["holder"]["customer_id"]

    again = clerk.post(NEW, form)  # a double click, a reload: the same key
    assert again.status_code == 303 and again.headers["Location"] == page_path
    assert [a["account_number"] for a in accounts_at(client, STREET)] == [number]


def test_each_invalid_field_is_named_and_nothing_is_written(client: Client) -> None:
    clerk = staff_browser(client, "clerk")
    refused = clerk.post(NEW, typed(clerk, **{"account-name": "", "account-postal_code": "123"}))
    assert refused.status_code == 400, refused.body
    page = refused.body.decode()
    assert "There is a problem" in page
    for field in ("account-name", "account-postal_code"):
        assert f'href="#{field}"' in page  # the error summary links to the field
        assert re.search(rf'id="{field}"[^>]*aria-invalid="true"', page), field
    assert f'value="{STREET}"' in page  # the form as typed
    assert accounts_at(client, STREET) == []

    outside = clerk.post(NEW, typed(clerk, **{"account-latitude": "38.9"}))  # Washington
    assert outside.status_code == 400, outside.body
    page = outside.body.decode()
    assert 'href="#account-latitude"' in page
    assert re.search(r'id="account-latitude"[^>]*aria-invalid="true"', page)
    assert accounts_at(client, STREET) == []

    no_service = clerk.post(NEW, typed(clerk, **{"account-water": "", "account-sewer": ""}))
    assert no_service.status_code == 400
    assert 'href="#account-water"' in no_service.body.decode()


def test_refusals_are_worded_in_the_pages_language(client: Client) -> None:
    """The validators' refusals from the catalogue, the domain's in a general sentence: no
    English on a French page."""
    clerk = staff_browser(client, "clerk")
    clerk.language = "fr-CA"
    refused = clerk.post(NEW, typed(clerk, **{"account-name": "", "account-postal_code": "123"}))
    page = refused.body.decode()
    assert refused.status_code == 400
    assert "Ce champ est obligatoire." in page  # the name left empty
    assert "Entrez au moins 6\u00a0caractères." in page  # the postal code, too short
    assert "should have" not in page and "customer.name" not in page
    outside = clerk.post(NEW, typed(clerk, **{"account-latitude": "38.9"})).body.decode()
    assert "Cette valeur n\u2019est pas acceptée" in outside  # the domain's rule, in French
    clerk.language = "en-CA"
    english = clerk.post(NEW, typed(clerk, **{"account-name": ""})).body.decode()
    assert "This field is required." in english


def test_the_page_needs_a_session_and_its_form_a_key(client: Client) -> None:
    visitor = Browser(client, form_page="/dashboard/local-sign-in")
    assert visitor.get(NEW).status_code == 303  # to the sign-in
    clerk = staff_browser(client, "clerk")
    keyless = clerk.post(NEW, {k: v for k, v in typed(clerk).items() if k != "key"})
    assert keyless.status_code == 400
    assert accounts_at(client, STREET) == []
