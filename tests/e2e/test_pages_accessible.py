"""Every page a resident or a clerk can open, in Chromium against the local stack, in English
and in French: each answers 200 under its own Content-Security-Policy, nothing it needs is
refused by that policy, and axe-core finds no WCAG 2.1 A/AA violation on it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page

from tests.helpers.browser import VIEWPORTS, assert_accessible, watched_page

pytestmark = pytest.mark.e2e
LOCALES = {"en": "en-CA", "fr": "fr-CA"}
PORTAL_PAGES = (
    "/portal/account",
    "/portal/statements/{statement_id}",
    "/portal/pay",
    "/portal/autopay",
    "/portal/preferences",
    "/portal/arrangement",
    "/portal/requests",
    "/portal/requests/new",
)
CONSOLE = "/dashboard/utilities"
CONSOLE_PAGES = (
    CONSOLE,
    CONSOLE + "/cycles",
    CONSOLE + "/statements",
    CONSOLE + "/delinquencies",
    CONSOLE + "/types",
    CONSOLE + "/accounts",
    CONSOLE + "/accounts/new",
    CONSOLE + "/accounts/{account_number}",
    CONSOLE + "/reads",
    CONSOLE + "/processor-exceptions",
    CONSOLE + "/remittance-exceptions",
    CONSOLE + "/collections?assignee=unassigned",
    CONSOLE + "/transfers",
    CONSOLE + "/service-requests",
)


def visit(page: Page, url: str, errors: list[str]) -> None:
    response = page.goto(url)
    assert response is not None and response.status == 200, (url, response and response.status)
    assert "default-src 'none'" in response.headers["content-security-policy"], url
    assert_accessible(page)
    assert errors == [], url


@pytest.mark.parametrize("language", ["en", "fr"])
def test_every_portal_page_is_accessible(
    language: str,
    api_url: str,
    billed_households: list[dict[str, Any]],
    new_context: Callable[..., BrowserContext],
    shoot: Callable[[Page, str], Path],
) -> None:
    account = billed_households[-1]
    screen = "mobile" if language == "fr" else "desktop"
    errors: list[str] = []
    context = new_context(viewport=VIEWPORTS[screen], locale=LOCALES[language])
    page = watched_page(context, errors)
    visit(page, f"{api_url}/portal", errors)
    page.locator("#account_number").fill(account["account_number_display"])
    page.locator("#postal_code").fill(account["service_address"]["postal_code"])
    with page.expect_navigation():
        page.locator("#postal_code").press("Enter")
    for path in PORTAL_PAGES:
        visit(page, api_url + path.format(statement_id=account["statement_id"]), errors)
        shoot(page, f"{path.strip('/').replace('/', '-')}-{screen}")


@pytest.mark.parametrize("language", ["en", "fr"])
def test_every_console_page_is_accessible(
    language: str,
    api_url: str,
    billed_households: list[dict[str, Any]],
    new_context: Callable[..., BrowserContext],
    shoot: Callable[[Page, str], Path],
) -> None:
    account = billed_households[-1]
    errors: list[str] = []
    context = new_context(viewport=VIEWPORTS["desktop"], locale=LOCALES[language])
    page = watched_page(context, errors)
    visit(page, f"{api_url}/dashboard/local-sign-in", errors)
    page.locator("#role-supervisor").check()
    with page.expect_navigation():
        page.locator("#role-supervisor").press("Enter")
    for path in CONSOLE_PAGES:
        visit(page, api_url + path.format(account_number=account["account_number"]), errors)
        shoot(page, f"{path.strip('/').split('?')[0].replace('/', '-')}-desktop")
    # a form refused: the error summary and each field's error, as accessible as the form
    page.goto(f"{api_url}{CONSOLE}/accounts/new")
    with page.expect_response(lambda answer: answer.request.method == "POST") as refused:
        page.locator(f'form[action$="{CONSOLE}/accounts/new"] button[type="submit"]').click()
    page.wait_for_load_state()
    assert refused.value.status == 400
    assert page.locator(".error-summary li").count() >= 2  # the name and the address at least
    assert_accessible(page)
    # Chromium reports the refusal's 400 itself; nothing else may be refused
    assert [error for error in errors if "status of 400" not in error] == []
