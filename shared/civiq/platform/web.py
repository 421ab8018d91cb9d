"""What every web page needs, whichever function serves it (the resident portal, the staff
console): the request as a page sees it, the language it is shown in, signed cookies, CSRF
tokens and the security headers. Free of Chalice: the functions turn a :class:`PageRequest`
into a :class:`PageResponse` and translate at their edge.

Security choices, once for every page:

- a strict Content-Security-Policy (no inline script or style: templates style with classes in
  ``/assets/site.css``), no framing, no referrer (account numbers stay out of other sites' logs);
- sessions and CSRF cookies are HttpOnly and SameSite, and Secure whenever the page was served
  over HTTPS (API Gateway says so in ``X-Forwarded-Proto``; the local gateway serves plain HTTP);
- every form carries a CSRF token: an HMAC of a random value kept in its own cookie, so a
  forged form from another site (which can neither read the cookie nor compute the HMAC) is
  refused even where SameSite is not honoured.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.cookies import CookieError, SimpleCookie
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode

from civiq.core.language import Language

if TYPE_CHECKING:
    from civiq.platform.templating import CatalogTemplates

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        # The consumption chart is an SVG image made on the server (a data: URL).
        "img-src 'self' data:",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    )
)
SECURITY_HEADERS: Mapping[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    # Pages show a resident's or the municipality's data: never kept by a browser or a proxy.
    "Cache-Control": "no-store",
}
HTML = "text/html; charset=utf-8"
FORM = "application/x-www-form-urlencoded"
LANGUAGE_COOKIE = "civiq_lang"
CSRF_COOKIE = "civiq_csrf"
CSRF_FIELD = "csrf"
# A form posted with more fields or longer values than a page's forms have is not a person's.
MAX_FORM_FIELDS = 40
MAX_FIELD_LENGTH = 4_000


@dataclass(frozen=True)
class PageRequest:
    """A browser's request: ``base`` is the path the site is mounted under (API Gateway's stage,
    ``/v1``, when it is served from the stage's own address; empty behind a custom domain and
    locally), put before every link a page writes."""

    method: str
    path: str
    base: str
    query: Mapping[str, str]
    headers: Mapping[str, str]  # names in lower case
    cookies: Mapping[str, str]
    form: Mapping[str, str]
    client_ip: str

    @property
    def secure(self) -> bool:
        return self.headers.get("x-forwarded-proto", "").lower() == "https"

    def link(self, path: str, **query: str) -> str:
        """``path`` of this site as a link: under its base, with ``query``."""
        return f"{self.base}{path}" + (f"?{urlencode(query)}" if query else "")


def page_request(event: Mapping[str, Any], body: bytes | None) -> PageRequest:
    """The page request of an API Gateway proxy ``event`` (REST API, Lambda proxy)."""
    context = event.get("requestContext") or {}
    stage_path = str(context.get("path") or event.get("path") or "/")
    path = str(event.get("path") or stage_path)
    base = (
        stage_path[: -len(path)]
        if len(stage_path) > len(path) and stage_path.endswith(path)
        else ""
    )
    headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
    identity = context.get("identity") or {}
    multi_query = event.get("multiValueQueryStringParameters") or {}
    is_form = headers.get("content-type", "").split(";")[0].strip().lower() == FORM
    return PageRequest(
        method=str(event.get("httpMethod") or context.get("httpMethod") or "GET").upper(),
        path=path,
        base=base,
        query={str(k): str(v[-1]) for k, v in multi_query.items() if v},
        headers=headers,
        cookies=parse_cookies(headers.get("cookie")),
        form=parse_form(body) if is_form else {},
        client_ip=str(identity.get("sourceIp") or "unknown"),
    )


@dataclass
class PageResponse:
    """A page (or a redirect) with its headers; ``cookies`` are ``Set-Cookie`` values, one
    header each."""

    status: int
    body: str | bytes = ""
    headers: dict[str, str] = field(default_factory=dict)
    cookies: list[str] = field(default_factory=list)


def parse_cookies(header: str | None) -> dict[str, str]:
    """The request's cookies; a malformed header counts as none (a browser never sends one)."""
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header or "")
    except CookieError:
        return {}
    return {name: morsel.value for name, morsel in jar.items()}


def parse_form(body: bytes | None) -> dict[str, str]:
    """An ``application/x-www-form-urlencoded`` body: each field's last value, bounded; a
    body that is not a form's yields no fields, and the form's own checks then refuse it."""
    try:
        text = (body or b"").decode("utf-8")
        pairs = parse_qs(text, keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS)
    except (UnicodeDecodeError, ValueError):
        return {}
    return {name: values[-1][:MAX_FIELD_LENGTH] for name, values in pairs.items()}


def cookie(
    name: str, value: str, *, secure: bool, max_age: int | None = None, same_site: str = "Lax"
) -> str:
    """A ``Set-Cookie`` value: HttpOnly always; ``max_age`` 0 deletes the cookie, None makes it
    last the browser's session."""
    parts = [f"{name}={value}", "Path=/", "HttpOnly", f"SameSite={same_site}"]
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    if secure:
        parts.append("Secure")
    return "; ".join(parts)


def negotiate_language(request: PageRequest) -> Language:
    """``?lang=`` when a person chose, else the language they chose before (its cookie), else
    the first official language their browser prefers, else English."""
    for chosen in (request.query.get("lang"), request.cookies.get(LANGUAGE_COOKIE)):
        if chosen in ("en", "fr"):
            return Language(chosen)
    ranked = []
    for position, part in enumerate(request.headers.get("accept-language", "").split(",")):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                weight = 0.0
        primary = tag.split("-")[0].lower()
        if primary in ("en", "fr") and weight > 0:
            ranked.append((-weight, position, primary))
    return Language(min(ranked)[2]) if ranked else Language.EN


def language_cookie(request: PageRequest) -> list[str]:
    """The cookie keeping a language chosen with ``?lang=`` for the pages after."""
    chosen = request.query.get("lang")
    if chosen in ("en", "fr") and request.cookies.get(LANGUAGE_COOKIE) != chosen:
        return [cookie(LANGUAGE_COOKIE, chosen, secure=request.secure, max_age=365 * 24 * 3600)]
    return []


class Signer:
    """Values signed with HMAC-SHA256 under a secret key, with an expiry: a session cookie's
    content can be read by its holder but not changed or made up."""

    def __init__(self, key: bytes, purpose: str) -> None:
        # One key, a distinct derived key per purpose: a CSRF token is never a session.
        self._key = hmac.new(key, purpose.encode(), hashlib.sha256).digest()

    def sign(self, payload: Mapping[str, object], expires_at: datetime) -> str:
        data = {**payload, "exp": int(expires_at.timestamp())}
        body = _b64(json.dumps(data, separators=(",", ":"), sort_keys=True).encode())
        return f"{body}.{self._mac(body)}"

    def verify(self, token: str | None, now: datetime) -> dict[str, object] | None:
        """The payload of a token this signer made and that has not expired; else None."""
        if not token or token.count(".") != 1:
            return None
        body, mac = token.split(".")
        if not hmac.compare_digest(mac, self._mac(body)):
            return None
        try:
            data = json.loads(_unb64(body))
        except ValueError:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("exp"), int):
            return None
        if data["exp"] <= now.timestamp():
            return None
        return data

    def mac(self, value: str) -> str:
        return self._mac(value)

    def _mac(self, body: str) -> str:
        return _b64(hmac.new(self._key, body.encode(), hashlib.sha256).digest())


class CsrfTokens:
    """The token a page's forms carry, and the check of a posted form."""

    def __init__(self, key: bytes) -> None:
        self._signer = Signer(key, "csrf")

    def token(self, request: PageRequest) -> tuple[str, list[str]]:
        """The token for this browser's forms, and the cookie to set when it has none yet."""
        nonce = request.cookies.get(CSRF_COOKIE)
        set_cookie: list[str] = []
        if not nonce or len(nonce) != 43:
            nonce = secrets.token_urlsafe(32)
            set_cookie = [cookie(CSRF_COOKIE, nonce, secure=request.secure, same_site="Strict")]
        return self._signer.mac(nonce), set_cookie

    def valid(self, request: PageRequest) -> bool:
        nonce = request.cookies.get(CSRF_COOKIE)
        posted = request.form.get(CSRF_FIELD, "")
        return bool(nonce) and hmac.compare_digest(posted, self._signer.mac(nonce or ""))


def redirect(location: str, cookies: Sequence[str] = ()) -> PageResponse:
    """See Other: after a form is posted, the browser asks for the page it leads to, so a
    reload never posts it again."""
    return PageResponse(303, "", {"Location": location, **SECURITY_HEADERS}, list(cookies))


def page(body: str, status: int = 200, cookies: Sequence[str] = ()) -> PageResponse:
    return PageResponse(status, body, {"Content-Type": HTML, **SECURITY_HEADERS}, list(cookies))


class Pages:
    """One site's pages (the portal's, the console's): ``web/<template>.html.j2`` rendered in
    the language negotiated, with the language switch, the site's name and home, and the CSRF
    token of its forms (and its cookie, the first time)."""

    def __init__(
        self, templates: CatalogTemplates, csrf: CsrfTokens, site_name: str, home: str
    ) -> None:
        self.templates = templates
        self.csrf = csrf
        self.site_name = site_name
        self.home = home

    def render(
        self,
        request: PageRequest,
        template: str,
        context: Mapping[str, object],
        status: int = 200,
        cookies: Sequence[str] = (),
    ) -> PageResponse:
        language = negotiate_language(request)
        other = Language.FR if language is Language.EN else Language.EN
        token, csrf_cookie = self.csrf.token(request)
        body = self.templates.render(
            f"web/{template}",
            language,
            {
                "base": request.base,
                "home": request.link(self.home),
                "site_name": self.site_name,
                "other_lang": other.value,
                "other_language_url": request.link(
                    request.path, **{**request.query, "lang": other.value}
                ),
                "csrf": token,
                "errors": [],
                "notice": None,
                **context,
            },
        )
        return page(body, status, [*language_cookie(request), *csrf_cookie, *cookies])

    def message(self, request: PageRequest, key: str, status: int) -> PageResponse:
        """A page saying one thing: catalog messages ``<key>_title`` and ``<key>_body``."""
        return self.render(
            request,
            "message",
            {
                "heading": self.say(request, f"{key}_title"),
                "body": self.say(request, f"{key}_body"),
            },
            status,
        )

    def say(self, request: PageRequest, key: str, **arguments: object) -> str:
        """A catalog message in the request's language."""
        return self.templates.catalogs.message(negotiate_language(request), key, arguments)


def expires(now: datetime, minutes: int) -> datetime:
    return now + timedelta(minutes=minutes)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
