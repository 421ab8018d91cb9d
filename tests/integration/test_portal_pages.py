"""The resident portal's pages through Chalice's routing over in-process moto: the lookup and its
privacy rules (the same answer for a wrong number and a wrong postal code, throttling, CSRF),
the account page and a bill explained."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from chalice.test import Client

from civiq.accounts.domain.account_numbers import AccountNumberScheme
from civiq.billing.adapters.dynamodb import DynamoStatements
from civiq.billing.ports import Attachment
from tests.helpers.statement_builders import issue_with_ledger, issued_entry, owing_statement
from tests.helpers.stores import Stores, dynamodb_stores
from tests.helpers.web import Browser, set_cookies

NUMBERING = AccountNumberScheme()


@pytest.fixture
def portal(portal_app: Any) -> Client:
    with Client(portal_app) as client:
        yield client


@pytest.fixture
def stores(aws: None) -> Stores:
    return dynamodb_stores()


@pytest.fixture
def account(stores: Stores) -> dict[str, str]:
    """An account at 17 Rue Laval, Gatineau J8X 3G8, owing 240.00 on a statement due on
    2026-10-20."""
    opened = stores.open("Élise Tremblay", "17 Rue Laval")
    issued = owing_statement(opened.account_id, opened.account_number, date(2026, 10, 20), "240.00")
    assert issue_with_ledger(DynamoStatements(), issued, issued_entry(issued))
    return {
        "account_id": opened.account_id,
        "number": NUMBERING.display(opened.account_number),
        "statement_id": issued.statement_id,
    }


def test_the_lookup_page_is_a_page_under_a_strict_policy(portal: Client) -> None:
    response = Browser(portal, "fr-CA,fr;q=0.9,en;q=0.8").get("/portal")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    page = response.body.decode()
    assert '<html lang="fr">' in page
    assert "Consulter votre compte" in page
    assert 'style="' not in page  # the policy would block it


def test_a_resident_looks_up_the_account_and_sees_what_is_owed(
    portal: Client, account: dict[str, str]
) -> None:
    browser = Browser(portal)
    answer = browser.post("/portal", {"account_number": account["number"], "postal_code": "j8x3g8"})
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/portal/account"
    session = [c for c in set_cookies(answer) if c.startswith("civiq_portal=")]
    assert session and "HttpOnly" in session[0] and "SameSite=Lax" in session[0]

    page = browser.get("/portal/account").body.decode()
    assert f"Account {account['number']}" in page
    assert "$240.00" in page
    assert "Laval" in page and "17 Rue Laval" not in page  # the civic number is masked
    assert "Tremblay" not in page  # no name before a verified session
    assert f"/portal/statements/{account['statement_id']}" in page


def test_a_wrong_number_and_a_wrong_postal_code_get_the_same_answer(
    portal: Client, account: dict[str, str]
) -> None:
    browser = Browser(portal)
    other_number = NUMBERING.display(NUMBERING.number_for(9999))
    wrong_number = browser.post(
        "/portal", {"account_number": other_number, "postal_code": "J8X 3G8"}
    )
    wrong_code = browser.post(
        "/portal", {"account_number": account["number"], "postal_code": "K1A 0B1"}
    )
    assert wrong_number.status_code == wrong_code.status_code == 200
    assert _without_typed(wrong_number.body.decode()) == _without_typed(wrong_code.body.decode())
    assert "could not find an account" in wrong_code.body.decode()
    assert not [c for c in set_cookies(wrong_code) if c.startswith("civiq_portal=")]


def test_repeated_wrong_tries_are_throttled_even_when_the_next_is_right(
    portal: Client, account: dict[str, str]
) -> None:
    browser = Browser(portal)
    for _ in range(5):
        browser.post("/portal", {"account_number": account["number"], "postal_code": "K1A 0B1"})
    right = browser.post("/portal", {"account_number": account["number"], "postal_code": "J8X 3G8"})
    assert right.status_code == 429
    assert int(right.headers["Retry-After"]) > 0
    assert "Too many tries" in right.body.decode()


def test_a_malformed_entry_names_each_field(portal: Client) -> None:
    answer = Browser(portal).post(
        "/portal", {"account_number": "UB-0000042-9", "postal_code": "123"}
    )
    assert answer.status_code == 400
    page = answer.body.decode()
    assert 'href="#account_number"' in page and 'href="#postal_code"' in page
    assert page.count('aria-invalid="true"') == 2
    assert "<title>Error: " in page


def test_a_form_without_its_csrf_token_is_refused(portal: Client, account: dict[str, str]) -> None:
    browser = Browser(portal)
    answer = browser.post(
        "/portal", {"account_number": account["number"], "postal_code": "J8X 3G8"}, csrf=False
    )
    assert answer.status_code == 403
    assert "civiq_portal" not in browser.cookies


def test_account_pages_need_a_session(portal: Client, account: dict[str, str]) -> None:
    answer = Browser(portal).get(f"/portal/statements/{account['statement_id']}")
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/portal?expired=1"


def test_a_bill_is_explained_line_by_line_in_the_language_chosen(
    portal: Client, account: dict[str, str]
) -> None:
    browser = Browser(portal)
    browser.post("/portal", {"account_number": account["number"], "postal_code": "J8X 3G8"})
    page = browser.get(f"/portal/statements/{account['statement_id']}?lang=fr").body.decode()
    assert '<html lang="fr">' in page
    assert "240,00" in page  # the charge, as French writes it
    assert "\u00d7 120,00\u00a0$ par année" in page  # how it was reached (61 days of a year)
    assert browser.cookies["civiq_lang"] == "fr"  # and the pages after stay in French


def test_another_accounts_statement_is_not_found(
    portal: Client, stores: Stores, account: dict[str, str]
) -> None:
    other = stores.open("Someone Else", "18 Rue Laval")
    issued = owing_statement(other.account_id, other.account_number, date(2026, 10, 20), "99.00")
    assert issue_with_ledger(DynamoStatements(), issued, issued_entry(issued))
    browser = Browser(portal)
    browser.post("/portal", {"account_number": account["number"], "postal_code": "J8X 3G8"})
    answer = browser.get(f"/portal/statements/{issued.statement_id}")
    assert answer.status_code == 404
    assert "99.00" not in answer.body.decode()


def test_a_statements_pdf_is_a_short_lived_link_once_rendered(
    portal: Client, account: dict[str, str]
) -> None:
    browser = Browser(portal)
    browser.post("/portal", {"account_number": account["number"], "postal_code": "J8X 3G8"})
    pdf = f"/portal/statements/{account['statement_id']}/pdf"
    not_yet = browser.get(pdf)
    assert not_yet.status_code == 409
    assert "not ready yet" in not_yet.body.decode()

    statements = DynamoStatements()
    statement = statements.get(account["account_id"], account["statement_id"])
    statements.attach_documents([Attachment(statement, "statements/a/b.pdf", ())])
    linked = browser.get(pdf)
    assert linked.status_code == 303
    location = linked.headers["Location"]
    assert "statements/a/b.pdf" in location and "X-Amz-Expires=300" in location


def test_the_style_sheet_is_served_and_cached(portal: Client) -> None:
    response = portal.http.get("/assets/site.css")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/css")
    assert portal.http.get("/assets/other.css").status_code == 404


def _without_typed(page: str) -> str:
    """The page without the number the resident typed (kept in its field for correcting)."""
    return re.sub(r'id="account_number" name="account_number" value="[^"]*"', "", page)
