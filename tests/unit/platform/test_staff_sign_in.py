"""Staff sign-in through the managed login (civiq.platform.staff_sign_in): PKCE's S256
challenge, the authorize and logout addresses, the code swapped at a stub token endpoint (no
network), and the signed cookie keeping a sign-in under way."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest

from civiq.core.errors import Unauthorized
from civiq.core.language import Language
from civiq.platform.staff_sign_in import (
    ManagedLogin,
    SignInAttempts,
    code_challenge,
    code_verifier,
    console_path,
    post_form,
    seconds_left,
)

NOW = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
LOGIN = ManagedLogin(
    domain="https://civiq-staff.auth.ca-central-1.amazoncognito.com",
    client_id="client-123",
    callback_url="https://staff.example.ca/dashboard/auth/callback",
    signed_out_url="https://staff.example.ca/dashboard/signed-out",
)


class TokenEndpoint:
    """A stand-in for the pool's /oauth2/token: it records what it was sent."""

    def __init__(self, status: int, answer: object) -> None:
        self.status = status
        self.answer = answer
        self.requests: list[tuple[str, dict[str, str]]] = []

    def __call__(self, url: str, fields: Mapping[str, str]) -> tuple[int, bytes]:
        self.requests.append((url, dict(fields)))
        body = self.answer if isinstance(self.answer, bytes) else json.dumps(self.answer).encode()
        return self.status, body


def test_the_challenge_is_rfc_7636s_s256_of_the_verifier() -> None:
    # RFC 7636, appendix B
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert code_challenge(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_a_verifier_is_random_and_as_long_as_pkce_allows() -> None:
    made = {code_verifier() for _ in range(50)}
    assert len(made) == 50
    assert all(43 <= len(v) <= 128 and v.replace("-", "").replace("_", "").isalnum() for v in made)


def test_the_authorize_address_asks_for_a_code_with_the_challenge() -> None:
    address = urlsplit(LOGIN.authorize_url("state-1", "v" * 43, Language.FR))
    assert f"{address.scheme}://{address.netloc}{address.path}" == (
        "https://civiq-staff.auth.ca-central-1.amazoncognito.com/oauth2/authorize"
    )
    query = {k: v[0] for k, v in parse_qs(address.query).items()}
    assert query == {
        "response_type": "code",
        "client_id": "client-123",
        "redirect_uri": "https://staff.example.ca/dashboard/auth/callback",
        "scope": "openid aws.cognito.signin.user.admin",
        "state": "state-1",
        "code_challenge": code_challenge("v" * 43),
        "code_challenge_method": "S256",
        "lang": "fr",
    }


def test_the_logout_address_comes_back_to_the_signed_out_page() -> None:
    query = parse_qs(urlsplit(LOGIN.logout_url()).query)
    assert query == {
        "client_id": ["client-123"],
        "logout_uri": ["https://staff.example.ca/dashboard/signed-out"],
    }


def test_the_code_is_swapped_with_its_verifier_for_the_access_token() -> None:
    endpoint = TokenEndpoint(200, {"access_token": "AT", "id_token": "IT", "token_type": "Bearer"})
    assert LOGIN.exchange("the-code", "the-verifier", endpoint) == "AT"
    assert endpoint.requests == [
        (
            "https://civiq-staff.auth.ca-central-1.amazoncognito.com/oauth2/token",
            {
                "grant_type": "authorization_code",
                "client_id": "client-123",
                "code": "the-code",
                "redirect_uri": "https://staff.example.ca/dashboard/auth/callback",
                "code_verifier": "the-verifier",
            },
        )
    ]


@pytest.mark.parametrize(
    ("status", "answer", "reason"),
    [
        (400, {"error": "invalid_grant"}, "invalid_grant"),
        (200, {"id_token": "IT"}, "without an access token"),
        (200, {"access_token": ""}, "without an access token"),
        (200, b"<html>busy</html>", "refused"),
        (200, ["access_token"], "refused"),
        (500, b"", "refused"),
    ],
)
def test_a_refused_or_odd_answer_is_unauthorized(status: int, answer: object, reason: str) -> None:
    with pytest.raises(Unauthorized, match=reason):
        LOGIN.exchange("the-code", "the-verifier", TokenEndpoint(status, answer))


def test_the_token_endpoint_is_only_ever_called_over_https() -> None:
    with pytest.raises(ValueError, match="https"):
        post_form("http://civiq-staff.auth.example/oauth2/token", {})


@pytest.fixture
def attempts() -> SignInAttempts:
    return SignInAttempts(b"console-key")


def test_a_sign_in_under_way_gives_back_its_verifier_and_page(attempts: SignInAttempts) -> None:
    attempt = attempts.begin(NOW, "/dashboard/utilities/types")
    assert attempt.verifier not in attempt.state
    found = attempts.finish(attempt.cookie_value, attempt.state, NOW + timedelta(minutes=9))
    assert found == (attempt.verifier, "/dashboard/utilities/types")


def test_a_callback_of_another_state_is_refused(attempts: SignInAttempts) -> None:
    attempt = attempts.begin(NOW, "/dashboard/utilities")
    with pytest.raises(Unauthorized, match="state"):
        attempts.finish(attempt.cookie_value, "another-state", NOW)


def test_a_sign_in_taking_more_than_ten_minutes_is_refused(attempts: SignInAttempts) -> None:
    attempt = attempts.begin(NOW, "/dashboard/utilities")
    with pytest.raises(Unauthorized, match="too long"):
        attempts.finish(attempt.cookie_value, attempt.state, NOW + timedelta(minutes=10))


@pytest.mark.parametrize("cookie", [None, "", "garbage", "a.b"])
def test_no_or_a_forged_cookie_is_no_sign_in_under_way(
    attempts: SignInAttempts, cookie: str | None
) -> None:
    with pytest.raises(Unauthorized):
        attempts.finish(cookie, "state", NOW)


def test_another_consoles_cookie_is_refused(attempts: SignInAttempts) -> None:
    attempt = SignInAttempts(b"another-key").begin(NOW, "/dashboard/utilities")
    with pytest.raises(Unauthorized):
        attempts.finish(attempt.cookie_value, attempt.state, NOW)


def test_a_session_lives_as_long_as_its_token() -> None:
    token = jwt.encode({"exp": int((NOW + timedelta(minutes=60)).timestamp())}, "k" * 32)
    assert seconds_left(token, NOW) == 3600
    assert seconds_left(token, NOW + timedelta(hours=2)) == 0


@pytest.mark.parametrize(
    ("asked", "kept"),
    [
        ("/dashboard/utilities/accounts?q=roy", "/dashboard/utilities/accounts?q=roy"),
        ("https://evil.example/dashboard/", "/dashboard/utilities"),
        ("//evil.example/dashboard/", "/dashboard/utilities"),
        ("/dashboard//evil.example", "/dashboard/utilities"),
        ("/dashboard/\\evil", "/dashboard/utilities"),
        ("/dashboard/x\r\nSet-Cookie: a=b", "/dashboard/utilities"),
        ("/portal", "/dashboard/utilities"),
        (None, "/dashboard/utilities"),
    ],
)
def test_after_signing_in_only_a_console_page_is_gone_back_to(asked: str | None, kept: str) -> None:
    assert console_path(asked, "/dashboard/utilities") == kept
