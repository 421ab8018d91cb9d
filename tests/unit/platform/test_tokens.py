"""Staff bearer tokens: anything invalid is Unauthorized; the highest known role group wins."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from civiq.core.errors import Unauthorized
from civiq.core.staff import Role, StaffIdentity
from civiq.platform.tokens import (
    GROUPS_CLAIM,
    LOCAL_AUDIENCE,
    LOCAL_ISSUER,
    CognitoTokens,
    LocalTokens,
)

KEY = "local-signing-key-for-unit-tests-" + "0123456789abcdef" * 2
OTHER_KEY = "another-signing-key-for-unit-tests-987654"
TTL = timedelta(minutes=15)


@pytest.fixture
def tokens() -> LocalTokens:
    return LocalTokens(KEY)


def now() -> datetime:
    return datetime.now(UTC)


def claims(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "sub": "alice",
        "iss": LOCAL_ISSUER,
        "aud": LOCAL_AUDIENCE,
        "iat": int(now().timestamp()),
        "exp": int((now() + TTL).timestamp()),
        GROUPS_CLAIM: ["clerk"],
    }
    base.update(overrides)
    return {name: value for name, value in base.items() if value is not None}


def signed(payload: dict[str, Any], key: str = KEY, algorithm: str = "HS256") -> str:
    return jwt.encode(payload, key, algorithm=algorithm)


def _b64decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.mark.parametrize("role", list(Role))
def test_minted_token_verifies_to_its_subject_and_role(tokens: LocalTokens, role: Role) -> None:
    token = tokens.mint("alice", [role], now(), TTL)
    assert tokens.verify(token) == StaffIdentity(subject="alice", role=role)


def test_minted_token_carries_local_issuer_audience_and_groups(tokens: LocalTokens) -> None:
    issued = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)
    token = tokens.mint("alice", [Role.CLERK, Role.ADMIN], issued, TTL)
    payload = jwt.decode(token, options={"verify_signature": False})
    assert payload == {
        "sub": "alice",
        "iss": LOCAL_ISSUER,
        "aud": LOCAL_AUDIENCE,
        "iat": int(issued.timestamp()),
        "exp": int((issued + TTL).timestamp()),
        GROUPS_CLAIM: ["clerk", "admin"],
    }
    assert jwt.get_unverified_header(token)["alg"] == "HS256"


@pytest.mark.parametrize(
    "roles",
    [
        [Role.CLERK, Role.ADMIN, Role.SUPERVISOR],
        [Role.ADMIN, Role.CLERK],
        [Role.SUPERVISOR, Role.CLERK, Role.ADMIN],
    ],
)
def test_highest_role_wins_whatever_the_order(tokens: LocalTokens, roles: list[Role]) -> None:
    assert tokens.verify(tokens.mint("alice", roles, now(), TTL)).role is Role.ADMIN


def test_supervisor_beats_clerk(tokens: LocalTokens) -> None:
    token = tokens.mint("alice", [Role.SUPERVISOR, Role.CLERK], now(), TTL)
    assert tokens.verify(token).role is Role.SUPERVISOR


def test_unknown_groups_are_ignored_next_to_a_known_one(tokens: LocalTokens) -> None:
    token = signed(claims(**{GROUPS_CLAIM: ["janitor", "supervisor", "Admins"]}))
    assert tokens.verify(token).role is Role.SUPERVISOR


def test_expired_token_is_unauthorized(tokens: LocalTokens) -> None:
    token = tokens.mint("alice", [Role.ADMIN], now() - timedelta(hours=2), timedelta(hours=1))
    with pytest.raises(Unauthorized, match="expired") as error:
        tokens.verify(token)
    assert error.value.code == "unauthorized"


def test_token_signed_with_another_key_is_unauthorized(tokens: LocalTokens) -> None:
    token = LocalTokens(OTHER_KEY).mint("alice", [Role.ADMIN], now(), TTL)
    with pytest.raises(Unauthorized, match="invalid token"):
        tokens.verify(token)


@pytest.mark.parametrize(
    "overrides",
    [
        {"aud": "someone-else"},
        {"iss": "https://cognito-idp.ca-central-1.amazonaws.com/pool"},
        {"aud": None},
        {"iss": None},
        {"exp": None},
        {"sub": None},
    ],
    ids=["wrong-audience", "wrong-issuer", "no-audience", "no-issuer", "no-expiry", "no-subject"],
)
def test_wrong_or_missing_registered_claims_are_unauthorized(
    tokens: LocalTokens, overrides: dict[str, Any]
) -> None:
    with pytest.raises(Unauthorized, match="invalid token"):
        tokens.verify(signed(claims(**overrides)))


def test_empty_subject_is_unauthorized(tokens: LocalTokens) -> None:
    with pytest.raises(Unauthorized):
        tokens.verify(signed(claims(sub="")))


def test_token_without_role_group_is_unauthorized(tokens: LocalTokens) -> None:
    with pytest.raises(Unauthorized, match="no staff role"):
        tokens.verify(tokens.mint("alice", [], now(), TTL))


@pytest.mark.parametrize("groups", [None, [], ["janitor"], ["Admin", "CLERK"]], ids=repr)
def test_token_with_no_known_role_group_is_unauthorized(tokens: LocalTokens, groups: Any) -> None:
    with pytest.raises(Unauthorized, match="no staff role"):
        tokens.verify(signed(claims(**{GROUPS_CLAIM: groups})))


def test_tampered_payload_is_unauthorized(tokens: LocalTokens) -> None:
    header, payload, signature = tokens.mint("alice", [Role.CLERK], now(), TTL).split(".")
    forged = json.loads(_b64decode(payload))
    forged[GROUPS_CLAIM] = ["admin"]
    tampered = ".".join([header, _b64encode(json.dumps(forged).encode()), signature])
    with pytest.raises(Unauthorized, match="invalid token"):
        tokens.verify(tampered)


def test_unsigned_token_is_unauthorized(tokens: LocalTokens) -> None:
    token = jwt.encode(claims(**{GROUPS_CLAIM: ["admin"]}), None, algorithm="none")
    with pytest.raises(Unauthorized, match="invalid token"):
        tokens.verify(token)


def test_only_hs256_is_accepted_even_with_the_right_key(tokens: LocalTokens) -> None:
    with pytest.raises(Unauthorized, match="invalid token"):
        tokens.verify(signed(claims(), algorithm="HS512"))


@pytest.mark.parametrize("token", ["", "garbage", "a.b.c", "a.b"])
def test_garbage_is_unauthorized(tokens: LocalTokens, token: str) -> None:
    with pytest.raises(Unauthorized, match="invalid token"):
        tokens.verify(token)


@pytest.mark.parametrize("groups", [5, "admin", [["admin"]], [{"role": "admin"}]], ids=repr)
def test_malformed_groups_claim_is_unauthorized_not_a_crash(
    tokens: LocalTokens, groups: Any
) -> None:
    with pytest.raises(Unauthorized):
        tokens.verify(signed(claims(**{GROUPS_CLAIM: groups})))


# --- Cognito: offline only (the key set download is stubbed; no network) ------------------------


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    fetches: list[str] = []

    def refuse(client: jwt.PyJWKClient) -> Any:
        fetches.append(client.uri)
        raise AssertionError("CognitoTokens tried to download the key set")

    monkeypatch.setattr(jwt.PyJWKClient, "fetch_data", refuse)
    yield fetches


@pytest.fixture
def cognito() -> CognitoTokens:
    return CognitoTokens("ca-central-1", "ca-central-1_Test", "client-123")


@pytest.mark.parametrize("token", ["", "garbage", "a.b.c", "not.a.jwt.at.all"])
def test_cognito_garbage_token_is_unauthorized_without_fetching_keys(
    cognito: CognitoTokens, no_network: list[str], token: str
) -> None:
    with pytest.raises(Unauthorized, match="invalid token"):
        cognito.verify(token)
    assert no_network == []


def test_cognito_unsigned_token_is_unauthorized(
    cognito: CognitoTokens, monkeypatch: pytest.MonkeyPatch
) -> None:
    public = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    jwk = jwt.algorithms.RSAAlgorithm.to_jwk(public, as_dict=True)
    jwk.update({"kid": "k1", "use": "sig", "alg": "RS256"})
    monkeypatch.setattr(jwt.PyJWKClient, "fetch_data", lambda client: {"keys": [jwk]})
    issuer = "https://cognito-idp.ca-central-1.amazonaws.com/ca-central-1_Test"
    unsigned = jwt.encode(
        claims(iss=issuer, aud="client-123", token_use="id", **{GROUPS_CLAIM: ["admin"]}),
        None,
        algorithm="none",
        headers={"kid": "k1"},
    )
    with pytest.raises(Unauthorized, match="invalid token"):
        cognito.verify(unsigned)
