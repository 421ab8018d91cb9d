"""The staff console's pages through Chalice's routing over in-process moto: the local
sign-in (and its absence with Cognito), sessions, roles and CSRF, the utility dashboard and its
views, the accounts list and an account's page, and its payment and adjustment forms."""

from __future__ import annotations

import json
import re
import time
from datetime import date
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from chalice.test import Client
from cryptography.hazmat.primitives.asymmetric import rsa

from civiq.accounts.domain.account_numbers import AccountNumberScheme
from civiq.billing.adapters.dynamodb import DynamoStatements
from civiq.core.events import Actor
from civiq.core.staff import Role
from civiq.ledger.adapters.dynamodb_postings import DynamoPayments
from civiq.payments.domain.processor_exceptions import ExceptionReason, Refusal, Reported
from civiq.platform import staff_sign_in
from tests.helpers.api import API, CYCLES, DEFINITION, call, ok
from tests.helpers.statement_builders import issue_with_ledger, issued_entry, owing_statement
from tests.helpers.stores import NOW, Stores, dynamodb_stores
from tests.helpers.web import Browser, set_cookies

NUMBERING = AccountNumberScheme()
HOME = "/dashboard/utilities"
LOCAL_SIGN_IN = "/dashboard/local-sign-in"


@pytest.fixture
def console(chalice_app: Any) -> Client:
    with Client(chalice_app) as client:
        yield client


@pytest.fixture
def stores(aws: None) -> Stores:
    return dynamodb_stores()


@pytest.fixture
def account(stores: Stores, billing_machine: str) -> dict[str, str]:
    """Élise Tremblay's account at 17 Rue Laval (on autopay), owing 240.00 on a statement
    due on 2026-10-20."""
    opened = stores.open("Élise Tremblay", "17 Rue Laval", autopay=True)
    issued = owing_statement(opened.account_id, opened.account_number, date(2026, 10, 20), "240.00")
    assert issue_with_ledger(DynamoStatements(), issued, issued_entry(issued))
    return {
        "account_id": opened.account_id,
        "number": opened.account_number,
        "statement_id": issued.statement_id,
    }


def signed_in(console: Client, role: str, language: str = "en-CA") -> Browser:
    """A browser signed in to the local console as ``role``."""
    browser = Browser(console, language, form_page=LOCAL_SIGN_IN)
    answer = browser.post(LOCAL_SIGN_IN, {"role": role, "next": HOME})
    assert answer.status_code == 303, answer.body
    assert answer.headers["Location"] == HOME
    return browser


def form_of(page: str, action: str) -> dict[str, str]:
    """The hidden fields (CSRF token, key) of the form posting to ``action``."""
    form = page[page.index(f'action="{action}"') :]
    form = form[: form.index("</form>")]
    return dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', form))


# --- sign-in and sessions ------------------------------------------------------------------------


def test_a_page_without_a_session_leads_to_the_sign_in_and_back(console: Client) -> None:
    answer = Browser(console).get(HOME + "/types")
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/dashboard/sign-in?next=%2Fdashboard%2Futilities%2Ftypes"
    local = Browser(console).get(answer.headers["Location"])
    assert local.status_code == 303
    assert local.headers["Location"] == f"{LOCAL_SIGN_IN}?next=%2Fdashboard%2Futilities%2Ftypes"


def test_the_sign_in_goes_back_only_to_a_console_page(console: Client) -> None:
    answer = Browser(console).get("/dashboard/sign-in?next=https://evil.example/x")
    assert answer.headers["Location"] == f"{LOCAL_SIGN_IN}?next=%2Fdashboard%2Futilities"


def test_a_local_sign_in_sets_an_http_only_session_cookie(console: Client) -> None:
    browser = Browser(console, form_page=LOCAL_SIGN_IN)
    answer = browser.post(LOCAL_SIGN_IN, {"role": "clerk", "next": HOME})
    (session,) = [c for c in set_cookies(answer) if c.startswith("civiq_staff=")]
    assert "HttpOnly" in session and "SameSite=Lax" in session and "Max-Age=28800" in session
    page = browser.get(HOME)
    assert page.status_code == 200
    assert "Utility billing" in page.body.decode()


def test_the_local_sign_in_takes_only_a_known_role_and_a_console_page(console: Client) -> None:
    browser = Browser(console, form_page=LOCAL_SIGN_IN)
    page = browser.get(LOCAL_SIGN_IN + "?next=https://evil.example/").body.decode()
    assert form_of(page, LOCAL_SIGN_IN)["next"] == HOME
    answer = browser.post(LOCAL_SIGN_IN, {"role": "mayor", "next": HOME})
    assert answer.status_code == 400
    assert "civiq_staff" not in browser.cookies


def test_a_forged_or_unknown_session_is_no_session(console: Client) -> None:
    browser = Browser(console)
    browser.cookies["civiq_staff"] = "eyJhbGciOiJIUzI1NiJ9.e30.forged"
    assert browser.get(HOME).status_code == 303


def test_a_sign_in_form_without_its_csrf_token_is_refused(console: Client) -> None:
    browser = Browser(console, form_page=LOCAL_SIGN_IN)
    answer = browser.post(LOCAL_SIGN_IN, {"role": "admin"}, csrf=False)
    assert answer.status_code == 403
    assert not [c for c in set_cookies(answer) if c.startswith("civiq_staff=")]


def test_signing_out_forgets_the_session(console: Client) -> None:
    browser = signed_in(console, "clerk")
    token = form_of(browser.get(HOME).body.decode(), "/dashboard/sign-out")["csrf"]
    answer = browser.post("/dashboard/sign-out", {"csrf": token}, csrf=False)
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/dashboard/signed-out"
    assert "civiq_staff" not in browser.cookies
    assert browser.get(HOME).status_code == 303


@pytest.fixture
def cognito(monkeypatch: pytest.MonkeyPatch) -> None:
    """The API configured as in AWS (read at the first request)."""
    for name, value in {
        "AUTH_MODE": "cognito",
        "COGNITO_USER_POOL_ID": "ca-central-1_Test",
        "COGNITO_APP_CLIENT_ID": "client-123",
        "COGNITO_DOMAIN": "https://civiq-staff.auth.ca-central-1.amazoncognito.com",
        "CONSOLE_URL": "https://staff.example.ca",
    }.items():
        monkeypatch.setenv(name, value)


def test_the_local_sign_in_does_not_exist_with_cognito(console: Client, cognito: None) -> None:
    browser = Browser(console)
    assert browser.get(LOCAL_SIGN_IN).status_code == 404
    answer = browser.post(LOCAL_SIGN_IN, {"role": "admin", "csrf": "x"}, csrf=False)
    assert answer.status_code == 404
    assert not [c for c in set_cookies(answer) if c.startswith("civiq_staff=")]


def test_with_cognito_the_sign_in_is_the_managed_login_with_pkce(
    console: Client, cognito: None
) -> None:
    answer = Browser(console, "fr-CA").get("/dashboard/sign-in?next=/dashboard/utilities/types")
    assert answer.status_code == 303
    target = urlsplit(answer.headers["Location"])
    assert (target.scheme, target.netloc, target.path) == (
        "https",
        "civiq-staff.auth.ca-central-1.amazoncognito.com",
        "/oauth2/authorize",
    )
    query = {k: v[0] for k, v in parse_qs(target.query).items()}
    assert query["response_type"] == "code"
    assert query["client_id"] == "client-123"
    assert query["redirect_uri"] == "https://staff.example.ca/dashboard/auth/callback"
    assert query["code_challenge_method"] == "S256"
    assert len(query["code_challenge"]) == 43 and query["state"]
    assert query["lang"] == "fr"
    assert set(query["scope"].split()) == {"openid", "aws.cognito.signin.user.admin"}
    (pending,) = [c for c in set_cookies(answer) if c.startswith("civiq_staff_sign_in=")]
    assert "HttpOnly" in pending and "Max-Age=600" in pending


def test_the_callback_does_not_exist_locally(console: Client) -> None:
    assert Browser(console).get("/dashboard/auth/callback?code=x&state=y").status_code == 404


# --- the dashboard ------------------------------------------------------------------------------


def test_the_summary_shows_billed_and_collected_as_a_chart_and_a_table(
    console: Client, account: dict[str, str]
) -> None:
    response = signed_in(console, "clerk").get(HOME)
    page = response.body.decode()
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "style-src 'self'" in response.headers["Content-Security-Policy"]
    assert 'style="' not in page
    assert '<img class="chart" src="data:image/svg+xml;base64,' in page
    assert "Billed and collected by month" in page
    assert page.count("<tr>") >= 12  # a row for each of the twelve months
    assert "$240.00" in page  # billed, outstanding, past due


def test_the_dashboard_speaks_french(console: Client, account: dict[str, str]) -> None:
    page = signed_in(console, "clerk", "fr-CA").get(HOME).body.decode()
    assert '<html lang="fr">' in page
    assert "Facturation des services publics" in page
    assert "240,00\u00a0$" in page


def test_the_delinquencies_list_the_statement_past_due(
    console: Client, account: dict[str, str]
) -> None:
    page = signed_in(console, "clerk").get(HOME + "/delinquencies").body.decode()
    assert f'/dashboard/utilities/accounts/{account["number"]}"' in page
    assert "$240.00" in page


def test_the_types_view_has_a_chart_and_a_column_per_type(
    console: Client, account: dict[str, str]
) -> None:
    page = signed_in(console, "clerk").get(HOME + "/types?months=3").body.decode()
    assert "svg+xml" in page
    for name in ("Water", "Sewer", "Stormwater", "Waste"):
        assert f'<th scope="col" class="num">{name}</th>' in page


def test_the_cycles_and_statements_views_say_when_there_is_nothing(console: Client) -> None:
    browser = signed_in(console, "clerk")
    assert "No billing cycle is defined yet." in browser.get(HOME + "/cycles").body.decode()
    assert "No run yet." in browser.get(HOME + "/statements").body.decode()


def test_a_bad_query_is_a_400_page_not_an_error(console: Client) -> None:
    browser = signed_in(console, "clerk")
    for path in (HOME + "/statements?run_id=nope", HOME + "/types?months=999"):
        answer = browser.get(path)
        assert answer.status_code == 400, path
        assert "This request is not valid" in answer.body.decode()


# --- accounts -----------------------------------------------------------------------------------


def test_accounts_are_found_by_name_with_their_balance_and_autopay_badge(
    console: Client, account: dict[str, str]
) -> None:
    browser = signed_in(console, "clerk")
    page = browser.get(HOME + "/accounts?q=tremblay").body.decode()
    assert account["number"] in page
    assert "$240.00" in page
    assert '<span class="badge">Autopay</span>' in page
    closed = browser.get(HOME + "/accounts?status=closed").body.decode()
    assert account["number"] not in closed and "No account found." in closed


def test_an_unknown_account_is_a_404_page(console: Client) -> None:
    answer = signed_in(console, "clerk").get(HOME + "/accounts/01J00000000000000000000000")
    assert answer.status_code == 404
    assert "Page not found" in answer.body.decode()


def test_a_clerk_records_a_payment_once_however_often_the_form_is_posted(
    console: Client, account: dict[str, str]
) -> None:
    browser = signed_in(console, "clerk")
    path = f"{HOME}/accounts/{account['number']}"
    page = browser.get(path).body.decode()
    assert "Élise Tremblay" in page and "$240.00" in page
    assert "Adjust the balance" not in page  # a supervisor's form
    hidden = form_of(page, f"{path}/payments")
    fields = {
        **hidden,
        "payment-amount": "100.00",
        "payment-method": "cheque",
        "payment-received_on": date.today().isoformat(),
        "payment-reference": "CHQ-1042",
    }
    first = browser.post(f"{path}/payments", fields, csrf=False)
    again = browser.post(f"{path}/payments", fields, csrf=False)
    assert first.status_code == again.status_code == 303
    assert first.headers["Location"] == f"{path}?paid=1"
    (payment,) = DynamoPayments().of_account(account["account_id"])
    assert (str(payment.amount), payment.reference) == ("100.00", "CHQ-1042")
    after = browser.get(first.headers["Location"]).body.decode()
    assert "The payment is recorded." in after
    assert "$140.00" in after


def test_an_invalid_payment_names_each_field_and_records_nothing(
    console: Client, account: dict[str, str]
) -> None:
    browser = signed_in(console, "clerk")
    path = f"{HOME}/accounts/{account['number']}"
    hidden = form_of(browser.get(path).body.decode(), f"{path}/payments")
    fields = {**hidden, "payment-amount": "-5", "payment-method": "cheque"}
    answer = browser.post(f"{path}/payments", fields, csrf=False)
    assert answer.status_code == 400
    page = answer.body.decode()
    assert 'role="alert"' in page
    assert 'href="#payment-amount"' in page and 'href="#payment-received_on"' in page
    assert 'id="payment-amount" name="payment-amount" value="-5"' in page
    assert DynamoPayments().of_account(account["account_id"]) == []


def test_a_payment_form_without_its_csrf_token_changes_nothing(
    console: Client, account: dict[str, str]
) -> None:
    browser = signed_in(console, "clerk")
    path = f"{HOME}/accounts/{account['number']}"
    key = form_of(browser.get(path).body.decode(), f"{path}/payments")["key"]
    fields = {"key": key, "payment-amount": "10.00", "payment-method": "cash"}
    answer = browser.post(f"{path}/payments", fields, csrf=False)
    assert answer.status_code == 403
    assert DynamoPayments().of_account(account["account_id"]) == []


def test_a_clerk_cannot_adjust_a_balance_and_a_supervisor_can(
    console: Client, account: dict[str, str]
) -> None:
    path = f"{HOME}/accounts/{account['number']}"
    fields = {"adjustment-amount": "-20.00", "adjustment-reason": "meter misread"}
    clerk = signed_in(console, "clerk")
    refused = clerk.post(f"{path}/adjustments", {**fields, "key": "0" * 32})
    assert refused.status_code == 403
    assert "Your role does not allow this action." in refused.body.decode()

    supervisor = signed_in(console, "supervisor")
    hidden = form_of(supervisor.get(path).body.decode(), f"{path}/adjustments")
    answer = supervisor.post(f"{path}/adjustments", {**hidden, **fields}, csrf=False)
    assert answer.status_code == 303
    assert "$220.00" in supervisor.get(answer.headers["Location"]).body.decode()


# --- billing runs -------------------------------------------------------------------------------


@pytest.fixture
def cycle(console: Client, billing_machine: str) -> str:
    """The residential cycle (through the JSON API); its id."""
    ok(call(console, "POST", CYCLES, DEFINITION, role=Role.SUPERVISOR), 201)
    return str(DEFINITION["cycle_id"])


def test_a_supervisor_runs_a_cycle_and_watches_the_run(console: Client, cycle: str) -> None:
    supervisor = signed_in(console, "supervisor")
    page = supervisor.get(HOME + "/cycles").body.decode()
    action = f"{HOME}/cycles/{cycle}/runs"
    fields = {**form_of(page, action), "run-period_end": "2026-09-30"}
    started = supervisor.post(action, fields, csrf=False)
    assert started.status_code == 303
    run_page = f"{HOME}/runs/{cycle}-2026-09-30"
    assert started.headers["Location"] == run_page
    progress = supervisor.get(run_page).body.decode()
    assert "Running" in progress
    assert f'<a href="{run_page}">Refresh the progress</a>' in progress  # no meta refresh
    assert "http-equiv" not in progress
    again = supervisor.post(action, fields, csrf=False)  # the same period is the same run
    assert again.headers["Location"] == run_page
    (run,) = ok(call(console, "GET", f"{CYCLES}/{cycle}/runs"))["items"]
    assert run["id"] == f"{cycle}-2026-09-30"


def test_a_clerk_sees_the_cycles_but_cannot_run_one(console: Client, cycle: str) -> None:
    clerk = signed_in(console, "clerk")
    page = clerk.get(HOME + "/cycles").body.decode()
    assert "Residential (bimonthly)" in page and "Run Residential" not in page
    refused = clerk.post(f"{HOME}/cycles/{cycle}/runs", {"run-period_end": "2026-09-30"})
    assert refused.status_code == 403
    assert ok(call(console, "GET", f"{CYCLES}/{cycle}/runs"))["items"] == []


def test_a_period_that_is_not_a_day_is_named_on_its_cycles_form(
    console: Client, cycle: str
) -> None:
    supervisor = signed_in(console, "supervisor")
    action = f"{HOME}/cycles/{cycle}/runs"
    hidden = form_of(supervisor.get(HOME + "/cycles").body.decode(), action)
    answer = supervisor.post(action, {**hidden, "run-period_end": "2026-02-30"}, csrf=False)
    assert answer.status_code == 400
    page = answer.body.decode()
    assert 'href="#run-period_end"' in page and 'id="run-period_end"' in page
    assert ok(call(console, "GET", f"{CYCLES}/{cycle}/runs"))["items"] == []


def test_an_unknown_run_is_a_404_page(console: Client, billing_machine: str) -> None:
    answer = signed_in(console, "clerk").get(HOME + "/runs/residential-2026-09-30")
    assert answer.status_code == 404


# --- reads to review ----------------------------------------------------------------------------


@pytest.fixture
def flagged_read(console: Client, stores: Stores) -> str:
    """A meter at a property of the town whose read of 2024-05-01 went backwards (waiting for
    review), installed and read through the JSON API; its id."""
    opened = stores.open("Marc Roy", "8 Rue Principale")
    spec = {"serial": "SN-CONSOLE-1", "size": "15mm", "meter_type": "displacement"}
    installed = {"property_id": opened.property_id, "installed_on": "2024-01-01", "meter": spec}
    meter_id = str(ok(call(console, "POST", f"{API}/meters", installed), 201)["id"])
    for read_on, value in (("2024-04-01", "9000"), ("2024-05-01", "8000")):
        read = {"read_on": read_on, "value": value}
        ok(call(console, "POST", f"{API}/meters/{meter_id}/readings", read), 201)
    return meter_id


def test_a_clerk_reviews_a_flagged_read_once(console: Client, flagged_read: str) -> None:
    browser = signed_in(console, "clerk")
    page = browser.get(HOME + "/reads").body.decode()
    assert f"Meter {flagged_read}, read on" in page and "backwards" in page
    action = f"/dashboard/utilities/reads/{flagged_read}/2024-05-01"
    hidden = form_of(page, action)
    decided = {**hidden, "review-decision": "reject", "review-note": "misread"}
    answer = browser.post(action, decided, csrf=False)
    assert answer.status_code == 303
    after = browser.get(answer.headers["Location"]).body.decode()
    assert "The decision is recorded." in after and "No read is waiting for review." in after
    again = browser.post(action, decided, csrf=False)
    assert again.status_code == 409
    assert "This could not be done" in again.body.decode()


def test_an_invalid_review_names_its_field_on_the_read_it_concerns(
    console: Client, flagged_read: str
) -> None:
    browser = signed_in(console, "clerk")
    action = f"/dashboard/utilities/reads/{flagged_read}/2024-05-01"
    hidden = form_of(browser.get(HOME + "/reads").body.decode(), action)
    answer = browser.post(
        action, {**hidden, "review-decision": "accept", "review-value": "abc"}, csrf=False
    )
    assert answer.status_code == 400
    page = answer.body.decode()
    assert 'href="#review-value"' in page
    assert 'id="review-value" name="review-value" value="abc"' in page
    assert 'aria-invalid="true"' in page
    assert f"Meter {flagged_read}, read on" in page  # still waiting


def test_a_review_of_a_day_that_is_not_one_is_a_400_page(console: Client) -> None:
    browser = signed_in(console, "clerk")
    csrf = form_of(browser.get(HOME).body.decode(), "/dashboard/sign-out")["csrf"]
    fields = {"csrf": csrf, "review-decision": "accept"}
    answer = browser.post(HOME + "/reads/01J00000000000000000000000/someday", fields, csrf=False)
    assert answer.status_code == 400


# --- processor exceptions -----------------------------------------------------------------------


@pytest.fixture
def waiting_exception(chalice_app: Any) -> str:
    """A processor's payment event for an account number no account has, waiting for a clerk
    (kept as the processor events' worker keeps it); its event id."""
    from civiq.core.settings import CommonSettings
    from civiq.payments.wiring import exception_journal

    reported = Reported(
        "evt_console1", "payment.succeeded", NOW, "pay_console1", "25.00", "CAD", "card",
        "UB0009999", {},
    )  # fmt: skip
    refusal = Refusal(ExceptionReason.UNKNOWN_ACCOUNT, "no account has the number UB0009999")
    journal = exception_journal(CommonSettings())
    assert journal.keep(reported, refusal, Actor("processor", "system"), "corr-evt")
    return reported.event_id


def test_a_clerk_refunds_a_processor_exception(console: Client, waiting_exception: str) -> None:
    browser = signed_in(console, "clerk")
    page = browser.get(HOME + "/processor-exceptions").body.decode()
    assert f"Processor event {waiting_exception}" in page
    assert "no account has the number UB0009999" in page
    action = f"{HOME}/processor-exceptions/{waiting_exception}/decision"
    hidden = form_of(page, action)
    refund = {**hidden, "decision-action": "refund", "decision-note": "payer asked"}
    answer = browser.post(action, refund, csrf=False)
    assert answer.status_code == 303
    after = browser.get(answer.headers["Location"]).body.decode()
    assert "The decision is recorded." in after and "No exception here." in after
    resolved = browser.get(HOME + "/processor-exceptions?status=resolved").body.decode()
    assert "Refunded to the payer" in resolved and "payer asked" in resolved
    again = browser.post(action, refund, csrf=False)  # the same decision changes nothing
    assert again.status_code == 303
    assert resolved == browser.get(HOME + "/processor-exceptions?status=resolved").body.decode()


def test_posting_an_exception_needs_an_account_named_on_its_form(
    console: Client, waiting_exception: str
) -> None:
    browser = signed_in(console, "clerk")
    action = f"{HOME}/processor-exceptions/{waiting_exception}/decision"
    hidden = form_of(browser.get(HOME + "/processor-exceptions").body.decode(), action)
    fields = {**hidden, "decision-action": "post", "decision-note": "typo"}
    answer = browser.post(action, fields, csrf=False)
    assert answer.status_code == 400
    page = answer.body.decode()
    assert 'href="#decision-account"' in page and 'id="decision-account"' in page
    assert 'id="decision-note" name="decision-note" value="typo"' in page


# --- the managed login's callback, against a stub token endpoint and key set (no network) ------


@pytest.fixture
def user_pool(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The pool's signing key (its key set served to the verifier without a download), and
    its access tokens for a role."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    jwk.update({"kid": "pool-key", "use": "sig", "alg": "RS256"})
    monkeypatch.setattr(jwt.PyJWKClient, "fetch_data", lambda client: {"keys": [jwk]})

    def access_token(role: str, minutes: int = 60) -> str:
        now = int(time.time())
        claims = {
            "sub": "staff-sub-1",
            "iss": "https://cognito-idp.ca-central-1.amazonaws.com/ca-central-1_Test",
            "client_id": "client-123",
            "token_use": "access",
            "scope": "openid aws.cognito.signin.user.admin",
            "iat": now,
            "exp": now + minutes * 60,
            "cognito:groups": [role],
        }
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "pool-key"})

    return access_token


def test_the_callback_swaps_the_code_and_begins_a_secure_session(
    console: Client, cognito: None, user_pool: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[dict[str, str]] = []

    def token_endpoint(url: str, fields: dict[str, str]) -> tuple[int, bytes]:
        assert url == "https://civiq-staff.auth.ca-central-1.amazoncognito.com/oauth2/token"
        sent.append(dict(fields))
        return 200, json.dumps({"access_token": user_pool("supervisor")}).encode()

    monkeypatch.setattr(staff_sign_in, "post_form", token_endpoint)
    browser = Browser(console)
    browser.headers = {"X-Forwarded-Proto": "https"}
    asked = browser.get("/dashboard/sign-in?next=/dashboard/utilities/types")
    query = {k: v[0] for k, v in parse_qs(urlsplit(asked.headers["Location"]).query).items()}

    answer = browser.get(f"/dashboard/auth/callback?code=the-code&state={query['state']}")
    assert answer.status_code == 303
    assert answer.headers["Location"] == HOME + "/types"
    (verifier,) = [f["code_verifier"] for f in sent]
    assert staff_sign_in.code_challenge(verifier) == query["code_challenge"]
    assert sent[0]["code"] == "the-code"
    (session,) = [c for c in set_cookies(answer) if c.startswith("civiq_staff=")]
    for attribute in ("HttpOnly", "SameSite=Lax", "Secure"):
        assert attribute in session
    assert 3590 <= int(re.search(r"Max-Age=(\d+)", session)[1]) <= 3600  # the token's life
    assert "civiq_staff_sign_in" not in browser.cookies  # used once
    assert browser.get(HOME + "/types").status_code == 200

    replayed = browser.get(f"/dashboard/auth/callback?code=the-code&state={query['state']}")
    assert replayed.status_code == 401
    assert len(sent) == 1  # refused before the token endpoint


def test_a_callback_of_another_browser_or_a_refused_code_is_no_session(
    console: Client, cognito: None, user_pool: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    refusal = json.dumps({"error": "invalid_grant"}).encode()
    monkeypatch.setattr(staff_sign_in, "post_form", lambda url, fields: (400, refusal))
    browser = Browser(console)
    asked = browser.get("/dashboard/sign-in")
    state = parse_qs(urlsplit(asked.headers["Location"]).query)["state"][0]
    stranger = Browser(console)  # no sign-in under way: a forged link
    for who in (stranger, browser):
        answer = who.get(f"/dashboard/auth/callback?code=x&state={state}")
        assert answer.status_code == 401
        assert "Sign-in did not complete" in answer.body.decode()
        assert "civiq_staff" not in who.cookies


def test_with_cognito_signing_out_ends_the_managed_logins_session_too(
    console: Client, cognito: None, user_pool: Any
) -> None:
    browser = Browser(console)
    browser.cookies["civiq_staff"] = user_pool("clerk")
    token = form_of(browser.get(HOME).body.decode(), "/dashboard/sign-out")["csrf"]
    answer = browser.post("/dashboard/sign-out", {"csrf": token}, csrf=False)
    assert answer.headers["Location"] == (
        "https://civiq-staff.auth.ca-central-1.amazoncognito.com/logout?client_id=client-123"
        "&logout_uri=https%3A%2F%2Fstaff.example.ca%2Fdashboard%2Fsigned-out"
    )
    assert "civiq_staff" not in browser.cookies


def test_an_expired_cognito_token_is_no_session(
    console: Client, cognito: None, user_pool: Any
) -> None:
    browser = Browser(console)
    browser.cookies["civiq_staff"] = user_pool("admin", minutes=-1)
    assert browser.get(HOME).status_code == 303
