"""A resident's journeys through the portal in Chromium, against the local stack: in French on a
phone and in English on a laptop, with the keyboard alone, axe-core finding no WCAG 2.1 A/AA
violation on any page (with the pages' own Content-Security-Policy on), and each page kept as a
screenshot at both sizes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import BrowserContext, Page, expect

from civiq.core.language import Language
from civiq.platform.catalogs import Catalogs, default_templates_dir
from tests.helpers.browser import VIEWPORTS, assert_accessible, watched_page

pytestmark = pytest.mark.e2e
LOCALES = {"en": "en-CA", "fr": "fr-CA"}
CATALOGS = Catalogs(default_templates_dir())
# Each language's journey on the screen it is most often used on; every page is also shot at
# the other size.
SCREENS = {"fr": "mobile", "en": "desktop"}
WORDS = {
    "en": {
        "lookup": "Look up your utility account",
        "refused": "could not find an account",
        "account": "Account",
        "explain": "Explain this bill",
        "requests": "Service requests",
        "new_request": "Open a service request",
        "leak": "Leak",
        "subject": "Subject",
        "description": "Tell us what happened",
        "send": "Send the request",
        "sent": "Your request was sent",
        "sign_out": "Sign out",
        "signed_out": "You have signed out",
    },
    "fr": {
        "lookup": "Consulter votre compte de services publics",
        "refused": "Nous n\u2019avons trouvé aucun compte",
        "account": "Compte",
        "explain": "Expliquer cette facture",
        "requests": "Demandes de service",
        "new_request": "Faire une demande de service",
        "leak": "Fuite",
        "subject": "Objet",
        "description": "Expliquez-nous ce qui s\u2019est passé",
        "send": "Envoyer la demande",
        "sent": "Votre demande a été envoyée",
        "sign_out": "Quitter",
        "signed_out": "Vous avez quitté votre session",
    },
}


@pytest.fixture(scope="module")
def households(billed_households: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """A billed account per journey: French on a phone, English on a laptop, and the done-when
    in each language."""
    journeys = (*SCREENS, "done-when-fr", "done-when-en")
    return dict(zip(journeys, billed_households, strict=False))


@pytest.fixture
def console_errors() -> Iterator[list[str]]:
    errors: list[str] = []
    yield errors
    assert errors == []  # nothing a page needs was refused by its own policy


def opened(context: BrowserContext, url: str, errors: list[str]) -> Page:
    page = watched_page(context, errors)
    response = page.goto(url)
    assert response is not None and response.status == 200
    assert "default-src 'none'" in response.headers["content-security-policy"]
    return page


def checked(page: Page, shoot: Callable[[Page, str], Path], name: str, screen: str) -> None:
    """No axe violation, and the page shot at its screen's size and at the other's."""
    assert_accessible(page)
    other = "desktop" if screen == "mobile" else "mobile"
    shoot(page, f"{name}-{screen}")
    page.set_viewport_size(VIEWPORTS[other])
    shoot(page, f"{name}-{other}")
    page.set_viewport_size(VIEWPORTS[screen])


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_resident_looks_up_the_account_sees_the_bill_explained_and_opens_a_request(
    language: str,
    api_url: str,
    households: dict[str, dict[str, Any]],
    new_context: Callable[..., BrowserContext],
    shoot: Callable[[Page, str], Path],
    console_errors: list[str],
) -> None:
    words, screen = WORDS[language], SCREENS[language]
    account = households[language]
    context = new_context(viewport=VIEWPORTS[screen], locale=LOCALES[language])
    page = opened(context, f"{api_url}/portal", console_errors)
    assert page.locator("html").get_attribute("lang") == language
    expect(page.get_by_role("heading", level=1)).to_have_text(words["lookup"])
    checked(page, shoot, "lookup", screen)

    # The skip link is the first stop of the Tab key and takes the focus to the main content.
    page.keyboard.press("Tab")
    expect(page.locator("a.skip")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()

    # A wrong postal code: the error summary takes the focus and names the field.
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")  # past the intro's links, if any, to the number's field
    number_field = page.locator("#account_number")
    number_field.focus()
    page.keyboard.type(account["account_number_display"])
    page.keyboard.press("Tab")
    expect(page.locator("#postal_code")).to_be_focused()
    page.keyboard.type("X0X 0X0")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text(words["refused"])
    expect(summary).to_be_focused()
    assert page.title().startswith("Error" if language == "en" else "Erreur")
    checked(page, shoot, "lookup-refused", screen)

    # The right postal code, typed as a resident would (lower case, no space).
    postal = page.locator("#postal_code")
    postal.fill(account["service_address"]["postal_code"].replace(" ", "").lower())
    postal.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text(account["account_number_display"])
    expect(page.locator("main")).not_to_contain_text(account["holder"]["name"])
    checked(page, shoot, "account", screen)

    # The bill explained: each line with how its amount was reached.
    with page.expect_navigation():
        page.get_by_role("link", name=words["explain"]).first.press("Enter")
    expect(page.locator("table.charges")).to_be_visible()
    expect(page.locator("table.charges td.calculation").first).not_to_be_empty()
    checked(page, shoot, "bill", screen)

    # A service request, opened with the keyboard.
    with page.expect_navigation():
        page.get_by_role("link", name=words["requests"]).press("Enter")
    checked(page, shoot, "requests", screen)
    with page.expect_navigation():
        page.get_by_role("link", name=words["new_request"]).press("Enter")
    checked(page, shoot, "request-new", screen)
    page.get_by_label(words["leak"], exact=True).check()
    page.get_by_label(words["subject"]).fill("Compteur qui fuit" if language == "fr" else "Leak")
    page.get_by_label(words["description"]).fill("De l\u2019eau sous le compteur depuis hier soir.")
    with page.expect_navigation():
        page.get_by_role("button", name=words["send"]).press("Enter")
    expect(page.get_by_role("status")).to_contain_text(words["sent"])
    checked(page, shoot, "request", screen)

    with page.expect_navigation():
        page.get_by_role("button", name=words["sign_out"]).press("Enter")
    expect(page.get_by_role("status")).to_contain_text(words["signed_out"])
    assert (
        requests.get(f"{api_url}/portal/account", allow_redirects=False, timeout=30).status_code
        == 303
    )


@pytest.mark.parametrize(("resident", "clerk"), [("fr", "en"), ("en", "fr")])
def test_done_when_a_resident_pays_enrols_and_asks_and_a_clerk_answers(
    resident: str,
    clerk: str,
    api_url: str,
    households: dict[str, dict[str, Any]],
    new_context: Callable[..., BrowserContext],
    shoot: Callable[[Page, str], Path],
    console_errors: list[str],
) -> None:
    """On a phone, in the resident's language: the number and postal code of a statement, the
    bill explained, paid, autopay, a service request. At a desk, in the clerk's: a clerk signs
    in, finds the resident, sees the payment and answers the request, which the resident then
    reads. Every label is the catalogue's, as the pages word them."""

    def said(language: str, key: str) -> str:
        return CATALOGS.message(Language(language), key, {})

    account = households[f"done-when-{resident}"]
    number = account["account_number_display"]
    subject = f"{said(resident, 'portal.request.kind.leak')}: {number}"
    phone = new_context(viewport=VIEWPORTS["mobile"], locale=LOCALES[resident])
    page = opened(phone, f"{api_url}/portal", console_errors)
    page.get_by_label(said(resident, "portal.account_number")).fill(number)
    page.get_by_label(said(resident, "portal.postal_code")).fill(
        account["service_address"]["postal_code"]
    )
    with page.expect_navigation():
        page.get_by_role("button", name=said(resident, "portal.look_up")).press("Enter")
    with page.expect_navigation():
        page.get_by_role("link", name=said(resident, "portal.explain")).first.press("Enter")
    expect(page.locator("table.charges")).to_be_visible()

    with page.expect_navigation():
        account_link = page.get_by_role(
            "link", name=said(resident, "portal.nav_account"), exact=True
        )
        account_link.press("Enter")
    with page.expect_navigation():
        page.get_by_role("link", name=said(resident, "portal.pay_link")).press("Enter")
    checked(page, shoot, f"done-pay-{resident}", "mobile")
    page.get_by_label(said(resident, "portal.method.card")).check()
    with page.expect_navigation():
        page.get_by_role("button", name=said(resident, "portal.pay_submit")).press("Enter")
    expect(page.get_by_role("status")).to_contain_text(said(resident, "portal.pay_submitted"))
    checked(page, shoot, f"done-paid-{resident}", "mobile")

    with page.expect_navigation():
        page.get_by_role("link", name=said(resident, "portal.autopay_link")).press("Enter")
    page.get_by_label(said(resident, "portal.autopay_payor")).fill("Zoé Gauthier")
    page.get_by_label(said(resident, "portal.autopay_institution")).fill("001")
    page.get_by_label(said(resident, "portal.autopay_transit")).fill("12345")
    page.get_by_label(said(resident, "portal.autopay_account"), exact=True).fill("1234567")
    page.get_by_label(said(resident, "portal.autopay_accept")).check()
    checked(page, shoot, f"done-autopay-{resident}", "mobile")
    with page.expect_navigation():
        page.get_by_role("button", name=said(resident, "portal.autopay_submit")).press("Enter")
    enrolled = said(resident, "portal.autopay_enrolled").split(".")[0]
    expect(page.get_by_role("status")).to_contain_text(enrolled)

    with page.expect_navigation():
        page.get_by_role("link", name=said(resident, "portal.nav_requests")).first.press("Enter")
    with page.expect_navigation():
        page.get_by_role("link", name=said(resident, "portal.request_new")).press("Enter")
    page.get_by_label(said(resident, "portal.request.kind.leak"), exact=True).check()
    page.get_by_label(said(resident, "portal.request_subject")).fill(subject)
    page.get_by_label(said(resident, "portal.request_description")).fill("Water under the meter.")
    with page.expect_navigation():
        page.get_by_role("button", name=said(resident, "portal.request_submit")).press("Enter")
    request_page = page.url

    desk = new_context(viewport=VIEWPORTS["desktop"], locale=LOCALES[clerk])
    staff = opened(desk, f"{api_url}/dashboard/local-sign-in", console_errors)
    staff.get_by_label(said(clerk, "console.role.clerk")).check()
    with staff.expect_navigation():
        staff.get_by_role("button", name=said(clerk, "console.sign_in")).press("Enter")
    with staff.expect_navigation():
        accounts = staff.get_by_role("link", name=said(clerk, "console.view.accounts"), exact=True)
        accounts.press("Enter")
    staff.get_by_label(said(clerk, "console.search_label")).fill(number)
    with staff.expect_navigation():
        staff.get_by_role("button", name=said(clerk, "console.search")).press("Enter")
    with staff.expect_navigation():
        staff.get_by_role("link", name=number).first.press("Enter")
    payments = staff.locator("section[aria-labelledby=payments-heading]")
    for _ in range(60):  # the sandbox processor answers the charge through the webhook
        if payments.locator("tbody tr").count():
            break
        staff.wait_for_timeout(1000)
        staff.reload()
    expect(payments.locator("tbody tr")).to_have_count(1)
    checked(staff, shoot, f"done-console-account-{clerk}", "desktop")

    with staff.expect_navigation():
        requests_link = staff.get_by_role("link", name=said(clerk, "console.view.service-requests"))
        requests_link.press("Enter")
    with staff.expect_navigation():
        staff.get_by_role("link", name=subject).press("Enter")
    staff.get_by_label(said(clerk, "console.request_reply")).fill("A crew comes this afternoon.")
    with staff.expect_navigation():
        staff.get_by_role("button", name=said(clerk, "console.request_send_reply")).press("Enter")
    replied = said(clerk, "console.request_replied").split(";")[0]
    expect(staff.get_by_role("status")).to_contain_text(replied)
    checked(staff, shoot, f"done-console-request-{clerk}", "desktop")

    page.goto(request_page)
    expect(page.locator("ol.thread")).to_contain_text("A crew comes this afternoon.")
    checked(page, shoot, f"done-answered-{resident}", "mobile")


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_resident_keeps_preferences_and_sees_what_an_arrangement_could_cover(
    language: str,
    api_url: str,
    households: dict[str, dict[str, Any]],
    new_context: Callable[..., BrowserContext],
    shoot: Callable[[Page, str], Path],
    console_errors: list[str],
) -> None:
    """The notices' language (and e-billing, for a holder with an email address) kept from the
    preferences page; an account with nothing past due is told there is nothing to arrange."""

    def said(key: str) -> str:
        return CATALOGS.message(Language(language), key, {})

    account = households[language]
    screen = SCREENS[language]
    page = opened(
        new_context(viewport=VIEWPORTS[screen], locale=LOCALES[language]),
        f"{api_url}/portal",
        console_errors,
    )
    page.get_by_label(said("portal.account_number")).fill(account["account_number_display"])
    postal = page.get_by_label(said("portal.postal_code"))
    postal.fill(account["service_address"]["postal_code"])
    with page.expect_navigation():
        postal.press("Enter")
    with page.expect_navigation():
        page.get_by_role("link", name=said("portal.preferences_link")).press("Enter")
    # e-billing needs an email address on file: offered only to a holder with one
    has_email = said("portal.preferences_no_email") not in page.locator("main").inner_text()
    if has_email:
        ebilling = page.get_by_label(said("portal.preferences_ebilling"))
        ebilling.focus()
        if not ebilling.is_checked():
            page.keyboard.press("Space")
    page.get_by_label("Français" if language == "fr" else "English", exact=True).check()
    with page.expect_navigation():
        page.get_by_role("button", name=said("portal.preferences_submit")).press("Enter")
    expect(page.get_by_role("status")).to_contain_text(said("portal.preferences_saved"))
    checked(page, shoot, f"preferences-saved-{language}", screen)
    page.goto(f"{api_url}/portal/preferences")  # kept: shown as saved
    if has_email:
        expect(page.get_by_label(said("portal.preferences_ebilling"))).to_be_checked()

    page.goto(f"{api_url}/portal/arrangement")
    expect(page.locator("main")).to_contain_text(said("portal.arrangement_none_due"))
    checked(page, shoot, f"arrangement-none-due-{language}", screen)
