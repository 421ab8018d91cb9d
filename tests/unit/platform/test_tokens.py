"""Staff bearer tokens: anything invalid is Unauthorized; the highest known role group wins."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
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
    MAX_TOKEN_LIFETIME,
    CognitoTokens,
    LocalTokens,
)
from infra.local.run import staff_token

KEY = "local-signing-key-for-unit-tests-" + "0123456789abcdef" * 2
OTHER_KEY = "another-signing-key-for-unit-tests-987654"
TTL = timedelta(minutes=15)
LIFETIME_OVER = timedelta(hours=24, seconds=1)


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


# --- lifetime: a token lives at most a day (Cognito's longest access token) --------------------


def test_a_token_living_longer_than_the_bound_is_unauthorized(tokens: LocalTokens) -> None:
    issued = now()
    token = signed(
        claims(iat=int(issued.timestamp()), exp=int((issued + LIFETIME_OVER).timestamp()))
    )
    with pytest.raises(Unauthorized, match="lives longer than 24 h"):
        tokens.verify(token)


def test_a_token_of_a_hundred_years_is_unauthorized(tokens: LocalTokens) -> None:
    issued = now()
    century = int((issued + timedelta(days=36_525)).timestamp())
    with pytest.raises(Unauthorized, match="lives longer than 24 h"):
        tokens.verify(signed(claims(iat=int(issued.timestamp()), exp=century)))


def test_a_token_of_exactly_the_bound_verifies(tokens: LocalTokens) -> None:
    assert tokens.verify(tokens.mint("alice", [Role.CLERK], now(), timedelta(hours=24))).subject


def test_the_bound_is_a_setting(tokens: LocalTokens) -> None:
    short = LocalTokens(KEY, max_lifetime=timedelta(hours=1))
    token = tokens.mint("alice", [Role.CLERK], now(), timedelta(hours=2))
    assert tokens.verify(token).subject == "alice"
    with pytest.raises(Unauthorized, match="lives longer than 1 h"):
        short.verify(token)


def test_a_token_without_issued_at_is_unauthorized(tokens: LocalTokens) -> None:
    with pytest.raises(Unauthorized, match="invalid token"):
        tokens.verify(signed(claims(iat=None)))


def test_a_token_issued_in_the_future_is_unauthorized(tokens: LocalTokens) -> None:
    later = now() + timedelta(hours=1)
    token = signed(claims(iat=int(later.timestamp()), exp=int((later + TTL).timestamp())))
    with pytest.raises(Unauthorized, match="invalid token"):
        tokens.verify(token)


def test_a_token_expiring_before_it_was_issued_is_unauthorized(tokens: LocalTokens) -> None:
    issued = now()
    token = signed(
        claims(iat=int(issued.timestamp()), exp=int((issued - timedelta(seconds=1)).timestamp()))
    )
    with pytest.raises(Unauthorized):
        tokens.verify(token)


def test_minting_a_token_longer_than_the_bound_is_refused(tokens: LocalTokens) -> None:
    with pytest.raises(ValueError, match="at most 24 h"):
        tokens.mint("alice", [Role.CLERK], now(), timedelta(hours=25))


def test_a_key_read_at_each_use_reaches_tokens_already_built() -> None:
    """The API reads its key from a cached secret: a new key applies without a new verifier."""
    keys = [KEY]
    tokens = LocalTokens(lambda: keys[-1])
    old = tokens.mint("alice", [Role.CLERK], now(), TTL)
    keys.append(OTHER_KEY + "-" * 8)
    assert tokens.verify(tokens.mint("alice", [Role.CLERK], now(), TTL)).subject == "alice"
    with pytest.raises(Unauthorized):
        tokens.verify(old)


def test_the_local_stacks_printed_tokens_verify_within_the_bound() -> None:
    """``make run`` prints a clerk's and a supervisor's token: they pass the API's rules."""
    stack = SimpleNamespace(secret={"LocalSigningKeySecret": KEY}.__getitem__)
    for role in (Role.CLERK, Role.SUPERVISOR):
        token = staff_token(stack, role)  # type: ignore[arg-type]
        assert LocalTokens(KEY).verify(token).role is role
        payload = jwt.decode(token, options={"verify_signature": False})
        assert payload["exp"] - payload["iat"] <= MAX_TOKEN_LIFETIME.total_seconds()


# --- Cognito: access tokens of our app client only ----------------------------------------------

POOL_ISSUER = "https://cognito-idp.ca-central-1.amazonaws.com/ca-central-1_Test"


@pytest.fixture
def pool_key(monkeypatch: pytest.MonkeyPatch) -> rsa.RSAPrivateKey:
    """The user pool's signing key, published (offline) as its key set."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = jwt.algorithms.RSAAlgorithm.to_jwk(private.public_key(), as_dict=True)
    jwk.update({"kid": "k1", "use": "sig", "alg": "RS256"})
    monkeypatch.setattr(jwt.PyJWKClient, "fetch_data", lambda client: {"keys": [jwk]})
    return private


def access_claims(**overrides: Any) -> dict[str, Any]:
    """An access token as Cognito issues it: ``client_id``, no ``aud``."""
    base = claims(iss=POOL_ISSUER, aud=None, token_use="access", client_id="client-123")
    base.update(overrides)
    return {name: value for name, value in base.items() if value is not None}


def pool_signed(private: rsa.RSAPrivateKey, payload: dict[str, Any]) -> str:
    return jwt.encode(payload, private, algorithm="RS256", headers={"kid": "k1"})


def test_cognito_access_token_verifies(cognito: CognitoTokens, pool_key: rsa.RSAPrivateKey) -> None:
    identity = cognito.verify(pool_signed(pool_key, access_claims()))
    assert identity == StaffIdentity(subject="alice", role=Role.CLERK)


def test_cognito_id_token_is_unauthorized(
    cognito: CognitoTokens, pool_key: rsa.RSAPrivateKey
) -> None:
    """An ID token names the client in ``aud``: it proves who signed in, not what they may call."""
    id_token = access_claims(token_use="id", client_id=None, aud="client-123")
    with pytest.raises(Unauthorized, match="access token"):
        cognito.verify(pool_signed(pool_key, id_token))


@pytest.mark.parametrize(
    "overrides",
    [
        {"client_id": "another-client"},
        {"client_id": None},
        {"client_id": None, "aud": "client-123"},
    ],
    ids=["other-client", "no-client", "client-only-in-aud"],
)
def test_cognito_token_of_another_client_is_unauthorized(
    cognito: CognitoTokens, pool_key: rsa.RSAPrivateKey, overrides: dict[str, Any]
) -> None:
    with pytest.raises(Unauthorized, match="another client"):
        cognito.verify(pool_signed(pool_key, access_claims(**overrides)))


def test_cognito_token_living_longer_than_a_day_is_unauthorized(
    cognito: CognitoTokens, pool_key: rsa.RSAPrivateKey
) -> None:
    issued = now()
    long_lived = access_claims(
        iat=int(issued.timestamp()), exp=int((issued + LIFETIME_OVER).timestamp())
    )
    with pytest.raises(Unauthorized, match="lives longer than 24 h"):
        cognito.verify(pool_signed(pool_key, long_lived))


def test_cognito_token_without_issued_at_is_unauthorized(
    cognito: CognitoTokens, pool_key: rsa.RSAPrivateKey
) -> None:
    with pytest.raises(Unauthorized, match="invalid token"):
        cognito.verify(pool_signed(pool_key, access_claims(iat=None)))
