"""Bearer tokens for staff: Cognito in AWS, a local signing key in the local stack.

Both carry the role the same way Cognito does, as a group in ``cognito:groups``; the highest
known group wins. A token says when it was issued and when it expires, and lives at most
``max_lifetime`` (a day by default: Cognito's longest access token), so a leaked token of an
absurd lifetime is worthless. Anything invalid is an :class:`Unauthorized`, never an exception
that leaks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

import jwt

from civiq.core.errors import Unauthorized
from civiq.core.staff import Role, StaffIdentity

GROUPS_CLAIM = "cognito:groups"
LOCAL_ISSUER = "civiq-local"
LOCAL_AUDIENCE = "civiq-staff"
ACCESS_USE = "access"  # the token_use claim of a Cognito access token (an ID token: "id")
MAX_TOKEN_LIFETIME = timedelta(hours=24)  # Cognito's longest access-token validity: one day


def _hours(span: timedelta) -> str:
    return f"{span.total_seconds() / 3600:g} h"


def _check_lifetime(claims: dict[str, Any], max_lifetime: timedelta) -> None:
    """``exp`` and ``iat`` are present and checked by the decoder; here: not too far apart."""
    if int(claims["exp"]) - int(claims["iat"]) > max_lifetime.total_seconds():
        raise Unauthorized(f"token lives longer than {_hours(max_lifetime)}")


def _identity(claims: dict[str, Any]) -> StaffIdentity:
    groups = claims.get(GROUPS_CLAIM) or []
    if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
        raise Unauthorized("token role groups are malformed")
    roles = [Role(g) for g in groups if g in Role._value2member_map_]
    if not roles:
        raise Unauthorized("token carries no staff role")
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise Unauthorized("token has no subject")
    return StaffIdentity(subject=subject, role=max(roles, key=lambda r: r.rank))


class LocalTokens:
    """HS256 tokens signed with the local stack's key; also mints them (``make token``).

    The key is a value, or where to read it at each use (a cached Secrets Manager secret, so a
    new key reaches a warm function without a redeploy).
    """

    def __init__(
        self, signing_key: str | Callable[[], str], max_lifetime: timedelta = MAX_TOKEN_LIFETIME
    ) -> None:
        self._key = signing_key if callable(signing_key) else lambda: signing_key
        self._max_lifetime = max_lifetime

    def mint(self, subject: str, roles: Iterable[Role], now: datetime, ttl: timedelta) -> str:
        if ttl > self._max_lifetime:
            raise ValueError(f"a token lives at most {_hours(self._max_lifetime)}")
        claims = {
            "sub": subject,
            "iss": LOCAL_ISSUER,
            "aud": LOCAL_AUDIENCE,
            "iat": int(now.timestamp()),
            "exp": int((now + ttl).timestamp()),
            GROUPS_CLAIM: [r.value for r in roles],
        }
        return jwt.encode(claims, self._key(), algorithm="HS256")

    def verify(self, token: str) -> StaffIdentity:
        try:
            claims = jwt.decode(
                token,
                self._key(),
                algorithms=["HS256"],
                audience=LOCAL_AUDIENCE,
                issuer=LOCAL_ISSUER,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]},
            )
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"invalid token: {exc}") from exc
        _check_lifetime(claims, self._max_lifetime)
        return _identity(claims)


class CognitoTokens:
    """RS256 access tokens of a Cognito user pool, checked against the pool's published keys.

    Only access tokens (``token_use`` "access", issued to our app client, named in
    ``client_id``): an ID token says who signed in, to whichever client asked, and is not a
    credential for an API.
    """

    def __init__(
        self,
        region: str,
        user_pool_id: str,
        app_client_id: str,
        max_lifetime: timedelta = MAX_TOKEN_LIFETIME,
    ) -> None:
        self._issuer = f"https://cognito-idp.{region}.amazonaws.com/{user_pool_id}"
        self._client_id = app_client_id
        self._max_lifetime = max_lifetime
        self._keys = jwt.PyJWKClient(f"{self._issuer}/.well-known/jwks.json", cache_keys=True)

    def verify(self, token: str) -> StaffIdentity:
        try:
            key = self._keys.get_signing_key_from_jwt(token)
            claims = jwt.decode(
                token,
                key.key,
                algorithms=["RS256"],
                issuer=self._issuer,
                options={
                    "verify_aud": False,  # access tokens have none: client_id is checked below
                    "require": ["exp", "iat", "sub", "iss", "token_use"],
                },
            )
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"invalid token: {exc}") from exc
        if claims["token_use"] != ACCESS_USE:
            raise Unauthorized("an access token is required, not an ID token")
        if claims.get("client_id") != self._client_id:
            raise Unauthorized("token was issued to another client")
        _check_lifetime(claims, self._max_lifetime)
        return _identity(claims)
