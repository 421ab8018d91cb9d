"""Staff sign-in to the console through the user pool's managed login: OAuth 2.0's
authorization code grant with PKCE (RFC 7636, S256, the only method Cognito takes).

The console sends a browser to the pool's ``/oauth2/authorize`` with a random ``state`` and the
challenge of a random ``code_verifier``; both are kept, until the browser comes back, in a
short-lived cookie signed by the console (:class:`SignInAttempts`), so nothing is stored on the
server. The callback swaps the code for tokens on the server (``POST /oauth2/token`` with the
verifier): a code intercepted on its way back is worthless without the verifier, and no token
ever reaches the browser's scripts. The access token is then checked by the API's own verifier
(:class:`civiq.platform.tokens.CognitoTokens`) and becomes the session cookie's value.

Free of Chalice, and the token endpoint is a function passed in: tested without a network.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

import jwt

from civiq.core.errors import Unauthorized
from civiq.core.language import Language
from civiq.platform.web import Signer

# Cognito puts this scope in every access token its own sign-ins issue: the gateway's
# authorizer and the API ask for it.
SCOPES = ("openid", "aws.cognito.signin.user.admin")
ATTEMPT_MINUTES = 10  # from the console's redirect to the managed login's answer
TOKEN_TIMEOUT_SECONDS = 10

# POST a form to a URL: the answer's status and body.
PostForm = Callable[[str, Mapping[str, str]], tuple[int, bytes]]


def code_verifier() -> str:
    """A PKCE verifier: 64 random bytes, 86 URL-safe characters (43 to 128 are allowed)."""
    return secrets.token_urlsafe(64)


def code_challenge(verifier: str) -> str:
    """The S256 challenge of ``verifier``: its SHA-256, base64url without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def post_form(url: str, fields: Mapping[str, str]) -> tuple[int, bytes]:
    """POST ``fields`` as a form over HTTPS (the token endpoint's way)."""
    if not url.startswith("https://"):
        raise ValueError(f"the token endpoint must be https: {url}")
    request = urllib.request.Request(  # noqa: S310 - https only, checked above
        url,
        data=urlencode(fields).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=TOKEN_TIMEOUT_SECONDS) as answer:  # noqa: S310
            return int(answer.status), answer.read()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read()
    except (urllib.error.URLError, TimeoutError) as failed:
        raise Unauthorized(f"the token endpoint did not answer: {failed}") from failed


@dataclass(frozen=True)
class ManagedLogin:
    """The user pool's managed login for one app client: ``domain`` is its base URL
    (``https://<prefix>.auth.<region>.amazoncognito.com``); ``callback_url`` and
    ``signed_out_url`` are registered on the client exactly as written here."""

    domain: str
    client_id: str
    callback_url: str
    signed_out_url: str

    def authorize_url(self, state: str, verifier: str, language: Language) -> str:
        query = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.callback_url,
            "scope": " ".join(SCOPES),
            "state": state,
            "code_challenge": code_challenge(verifier),
            "code_challenge_method": "S256",
            "lang": language.value,  # the managed login's pages in the console's language
        }
        return f"{self.domain}/oauth2/authorize?{urlencode(query)}"

    def logout_url(self) -> str:
        """Ends the managed login's own session too, then comes back to ``signed_out_url``."""
        query = {"client_id": self.client_id, "logout_uri": self.signed_out_url}
        return f"{self.domain}/logout?{urlencode(query)}"

    def exchange(self, code: str, verifier: str, post: PostForm | None = None) -> str:
        """The access token the authorization ``code`` is worth with its ``verifier``, from the
        token endpoint (``post``: :func:`post_form`); any refusal or odd answer is
        :class:`Unauthorized` (the reason for the log, not the user)."""
        status, body = (post or post_form)(
            f"{self.domain}/oauth2/token",
            {
                "grant_type": "authorization_code",
                "client_id": self.client_id,
                "code": code,
                "redirect_uri": self.callback_url,
                "code_verifier": verifier,
            },
        )
        try:
            answer = json.loads(body)
        except ValueError:
            answer = None
        if status != 200 or not isinstance(answer, dict):
            error = answer.get("error") if isinstance(answer, dict) else None
            raise Unauthorized(f"the token endpoint refused the code ({status}, {error})")
        token = answer.get("access_token")
        if not isinstance(token, str) or not token:
            raise Unauthorized("the token endpoint answered without an access token")
        return token


@dataclass(frozen=True)
class SignInAttempt:
    state: str
    verifier: str
    cookie_value: str


class SignInAttempts:
    """A sign-in under way: its ``state``, ``code_verifier`` and the console page to go back to,
    signed into a cookie that lives :data:`ATTEMPT_MINUTES`."""

    def __init__(self, key: bytes) -> None:
        self._signer = Signer(key, "staff-sign-in")

    def begin(self, now: datetime, back_to: str) -> SignInAttempt:
        state, verifier = secrets.token_urlsafe(32), code_verifier()
        value = self._signer.sign(
            {"state": state, "verifier": verifier, "next": back_to},
            now + timedelta(minutes=ATTEMPT_MINUTES),
        )
        return SignInAttempt(state, verifier, value)

    def finish(self, cookie_value: str | None, state: str, now: datetime) -> tuple[str, str]:
        """The verifier and the page to go back to, if the cookie is this console's, still
        live and of this ``state`` (a callback this browser did not start is refused)."""
        found = self._signer.verify(cookie_value, now)
        if not found or not isinstance(found.get("state"), str):
            raise Unauthorized("no sign-in under way in this browser (or it took too long)")
        if not hmac.compare_digest(str(found["state"]), state):
            raise Unauthorized("the sign-in's state does not match")
        return str(found["verifier"]), str(found["next"])


def seconds_left(token: str, now: datetime) -> int:
    """How long a token the verifier accepted still lives: its session cookie's lifetime."""
    claims = jwt.decode(token, options={"verify_signature": False})
    return max(0, int(claims["exp"]) - int(now.timestamp()))


def console_path(path: str | None, default: str) -> str:
    """``path`` if it is a page of the console (never another site: no open redirect)."""
    if (
        path
        and path.startswith("/dashboard/")
        and "//" not in path
        and "\\" not in path
        and all(c.isprintable() and not c.isspace() for c in path)
    ):
        return path
    return default
