"""What every page relies on: the language it is shown in, signed values, CSRF tokens, forms and
cookies parsed as browsers send them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from civiq.core.language import Language
from civiq.platform.web import (
    CSRF_COOKIE,
    CsrfTokens,
    PageRequest,
    Signer,
    cookie,
    negotiate_language,
    page_request,
    parse_cookies,
    parse_form,
)

NOW = datetime(2026, 11, 5, 15, 0, tzinfo=UTC)
KEY = b"unit-test-key-0123456789"


def request(**fields: object) -> PageRequest:
    values: dict[str, object] = {
        "method": "GET",
        "path": "/portal",
        "base": "",
        "query": {},
        "headers": {},
        "cookies": {},
        "form": {},
        "client_ip": "203.0.113.9",
        **fields,
    }
    return PageRequest(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("query", "cookies", "accept", "language"),
    [
        ({}, {}, "", Language.EN),
        ({}, {}, "fr-CA,fr;q=0.9,en;q=0.8", Language.FR),
        ({}, {}, "de-DE,en;q=0.5,fr;q=0.7", Language.FR),  # the preferred official language
        ({}, {}, "fr;q=0", Language.EN),
        ({}, {"civiq_lang": "fr"}, "en", Language.FR),  # chosen before, on this site
        ({"lang": "en"}, {"civiq_lang": "fr"}, "fr", Language.EN),  # chosen now
        ({"lang": "de"}, {}, "fr", Language.FR),
    ],
)
def test_the_language_a_page_is_shown_in(
    query: dict[str, str], cookies: dict[str, str], accept: str, language: Language
) -> None:
    chosen = request(query=query, cookies=cookies, headers={"accept-language": accept})
    assert negotiate_language(chosen) is language


def test_a_signed_value_reads_back_until_it_expires_and_cannot_be_altered() -> None:
    signer = Signer(KEY, "session")
    token = signer.sign({"account": "A1"}, NOW + timedelta(minutes=20))
    assert signer.verify(token, NOW) == {
        "account": "A1",
        "exp": int((NOW + timedelta(minutes=20)).timestamp()),
    }
    assert signer.verify(token, NOW + timedelta(minutes=21)) is None
    body, mac = token.split(".")
    forged = Signer(KEY, "session").sign({"account": "A2"}, NOW + timedelta(minutes=20))
    assert signer.verify(f"{forged.split('.')[0]}.{mac}", NOW) is None
    assert Signer(KEY, "csrf").verify(token, NOW) is None  # another purpose, another key
    assert Signer(b"another-key", "session").verify(token, NOW) is None
    for garbage in (None, "", "x", "a.b.c", f"{body}."):
        assert signer.verify(garbage, NOW) is None


def test_a_forms_csrf_token_matches_its_browsers_cookie_only() -> None:
    tokens = CsrfTokens(KEY)
    token, set_cookie = tokens.token(request())
    (header,) = set_cookie
    nonce = header.split(";")[0].split("=", 1)[1]
    assert "HttpOnly" in header and "SameSite=Strict" in header
    same_browser = request(cookies={CSRF_COOKIE: nonce})
    assert tokens.token(same_browser) == (token, [])  # no new cookie once it has one
    assert tokens.valid(request(method="POST", cookies={CSRF_COOKIE: nonce}, form={"csrf": token}))
    assert not tokens.valid(request(method="POST", cookies={CSRF_COOKIE: nonce}, form={}))
    assert not tokens.valid(request(method="POST", form={"csrf": token}))  # another browser
    other, _ = tokens.token(request())
    assert not tokens.valid(
        request(method="POST", cookies={CSRF_COOKIE: nonce}, form={"csrf": other})
    )


def test_cookies_are_secure_only_over_https() -> None:
    assert (
        cookie("a", "1", secure=True, max_age=60)
        == "a=1; Path=/; HttpOnly; SameSite=Lax; Max-Age=60; Secure"
    )
    assert "Secure" not in cookie("a", "1", secure=False)
    assert request(headers={"x-forwarded-proto": "https"}).secure
    assert not request().secure


def test_forms_and_cookies_are_read_as_browsers_send_them() -> None:
    assert parse_form(b"account_number=UB-1&postal_code=K1A+0B1&x=1&x=2") == {
        "account_number": "UB-1",
        "postal_code": "K1A 0B1",
        "x": "2",
    }
    assert parse_form(b"\xff\xfe") == {}
    assert parse_form(b"&".join([b"f=1"] * 100)) == {}  # more fields than a page's form has
    assert parse_cookies("a=1; b=two") == {"a": "1", "b": "two"}
    assert parse_cookies('a="unterminated') == {}


def test_a_page_request_from_api_gateway_knows_its_stage_base() -> None:
    event = {
        "path": "/portal/account",
        "httpMethod": "GET",
        "headers": {"Cookie": "civiq_lang=fr", "Accept-Language": "en"},
        "multiValueQueryStringParameters": {"lang": ["en", "fr"]},
        "requestContext": {"path": "/v1/portal/account", "identity": {"sourceIp": "198.51.100.7"}},
    }
    page = page_request(event, None)
    assert (page.base, page.path, page.client_ip) == ("/v1", "/portal/account", "198.51.100.7")
    assert page.query == {"lang": "fr"} and page.cookies == {"civiq_lang": "fr"}
    assert page.link("/portal", lang="en") == "/v1/portal?lang=en"
