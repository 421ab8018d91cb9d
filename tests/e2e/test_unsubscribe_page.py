"""An email's unsubscribe link, followed in Chromium through the local stack: the page in the
customer's language at a phone's and a laptop's size, with no WCAG 2.1 A/AA violation axe can
find and its strict Content-Security-Policy on; the keyboard alone withdraws the consent."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import BrowserContext, Page, expect

from civiq.notices.adapters.memory import FixedKeys
from civiq.notices.adapters.unsubscribe_links import SignedUnsubscribeLinks
from infra.local.stack import LocalStack
from tests.helpers.browser import VIEWPORTS, assert_accessible, watched_page

pytestmark = pytest.mark.e2e
CUSTOMERS = "/api/v1/utility/customers"
UNSUBSCRIBE = "/api/v1/notices/unsubscribe"
LOCALES = {"en": "en-CA", "fr": "fr-CA"}
HEADINGS = {"en": "Stop notices by email", "fr": "Ne plus recevoir les avis par courriel"}
DONE = {"en": "you will no longer receive", "fr": "vous ne recevrez plus"}
# What the page's Content-Security-Policy must say, at least: nothing from elsewhere, no inline
# script or style, forms posted only to the site, no framing, no <base>.
STRICT = {
    "default-src": {"'none'"},
    "style-src": {"'self'"},
    "form-action": {"'self'"},
    "frame-ancestors": {"'none'"},
    "base-uri": {"'none'"},
}


def consenting_customer(api_url: str, clerk: dict[str, str], language: str) -> str:
    body = {
        "name": "Zoé Gauthier" if language == "fr" else "Jamie Wright",
        "contact": {"email": "resident@example.ca"},
        "preferences": {
            "language": language,
            "contact_method": "email",
            "email_consent": {"given": True, "source": "online"},
        },
    }
    answer = requests.post(f"{api_url}{CUSTOMERS}", json=body, headers=clerk, timeout=60)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def email_consent(api_url: str, clerk: dict[str, str], customer_id: str) -> dict[str, Any]:
    answer = requests.get(f"{api_url}{CUSTOMERS}/{customer_id}", headers=clerk, timeout=60)
    assert answer.status_code == 200, answer.text
    consent: dict[str, Any] = answer.json()["preferences"]["email_consent"]
    return consent


def open_page(context: BrowserContext, link: str, errors: list[str]) -> Page:
    """``link`` opened in ``context``; the console's errors (a CSP refusal) land in ``errors``."""
    page = watched_page(context, errors)
    response = page.goto(link)
    assert response is not None and response.status == 200
    headers = response.headers
    assert headers["content-type"] == "text/html; charset=utf-8"
    policy = {
        name: set(sources)
        for name, *sources in (d.split() for d in headers["content-security-policy"].split(";"))
    }
    assert STRICT.items() <= policy.items()
    assert not [s for sources in policy.values() for s in sources if "unsafe" in s or s == "*"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    return page


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_unsubscribe_link_withdraws_email_consent_with_the_keyboard_alone(
    language: str,
    api_url: str,
    clerk: dict[str, str],
    stack: LocalStack,
    new_context: Callable[..., BrowserContext],
    shoot: Callable[[Page, str], Path],
) -> None:
    customer_id = consenting_customer(api_url, clerk, language)
    # the link the sender puts in every email, signed with the stack's own secret
    keys = FixedKeys((stack.secret("UnsubscribeSigningSecret"),))
    link = SignedUnsubscribeLinks(keys, f"{api_url}{UNSUBSCRIBE}").url(customer_id)
    errors: list[str] = []
    pages = {}

    for viewport, size in VIEWPORTS.items():
        context = new_context(viewport=size, locale=LOCALES[language])
        page = pages[viewport] = open_page(context, link, errors)
        assert page.locator("html").get_attribute("lang") == language
        expect(page).to_have_title(f"{HEADINGS[language]} / {HEADINGS[_other(language)]}")
        expect(page.get_by_role("heading", level=1).first).to_have_text(HEADINGS[language])
        assert_accessible(page)
        shoot(page, viewport)
        assert (
            email_consent(api_url, clerk, customer_id)["in_force"] is True
        )  # looking is not consent

    # on the phone: the button is the first stop of the Tab key, and Enter presses it
    page = pages["mobile"]
    page.keyboard.press("Tab")
    expect(page.get_by_role("button")).to_be_focused()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("main")).to_contain_text(DONE[language])
    expect(page.get_by_role("button")).to_have_count(0)
    assert_accessible(page)
    shoot(page, "mobile-done")

    consent = email_consent(api_url, clerk, customer_id)
    assert (consent["in_force"], consent["withdrawn_via"]) == (False, "unsubscribe-link")
    assert errors == []  # nothing the page needs was refused by its own policy


def _other(language: str) -> str:
    return "fr" if language == "en" else "en"
