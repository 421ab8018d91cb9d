"""A browser's side of the web pages under Chalice's test client: cookies kept and sent back,
forms posted with their CSRF token."""

from __future__ import annotations

import re
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlencode

from chalice.test import Client

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


class Browser:
    """A browser's side of the portal or the console: it keeps the cookies it is given and
    sends them back; ``form_page`` is a page whose forms carry the CSRF token (read before
    each post)."""

    def __init__(self, client: Client, language: str = "en-CA", form_page: str = "/portal") -> None:
        self.client = client
        self.cookies: dict[str, str] = {}
        self.language = language
        self.form_page = form_page
        self.headers: dict[str, str] = {}  # sent with every request (X-Forwarded-Proto...)
        self.account: dict[str, Any] = {}  # what a test signed in with, for its own use

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        jar = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return {
            "Accept-Language": self.language,
            **self.headers,
            **({"Cookie": jar} if jar else {}),
            **(extra or {}),
        }

    def _keep(self, response: Any) -> Any:
        values = response.headers.get("Set-Cookie") or response.headers.get("set-cookie")
        for value in [] if values is None else values if isinstance(values, list) else [values]:
            morsel = SimpleCookie(value)
            for name, item in morsel.items():
                if item["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = item.value
        return response

    def get(self, path: str) -> Any:
        return self._keep(self.client.http.get(path, headers=self._headers()))

    def post(self, path: str, fields: dict[str, str], csrf: bool = True) -> Any:
        if csrf:
            fields = {"csrf": self.csrf(), **fields}
        body = urlencode(fields).encode()
        return self._keep(self.client.http.post(path, headers=self._headers(FORM), body=body))

    def signed_in(self, number: str, postal_code: str = "J8X 3G8") -> Browser:
        """Looked up (the session cookie kept)."""
        answer = self.post("/portal", {"account_number": number, "postal_code": postal_code})
        assert answer.status_code == 303, answer.body
        return self

    def csrf(self) -> str:
        page = self.get(self.form_page).body.decode()
        match = re.search(r'name="csrf" value="([^"]+)"', page)
        assert match, page
        return match.group(1)


def console_session(client: Client, role: str, language: str = "en-CA") -> Browser:
    """A browser signed in to the local stack's console as ``role``."""
    browser = Browser(client, language, form_page="/dashboard/local-sign-in")
    answer = browser.post(
        "/dashboard/local-sign-in", {"role": role, "next": "/dashboard/utilities"}
    )
    assert answer.status_code == 303, answer.body
    return browser


def set_cookies(response: Any) -> list[str]:
    """The response's ``Set-Cookie`` values, one each."""
    values = response.headers.get("Set-Cookie") or []
    return values if isinstance(values, list) else [values]


def staff_browser(client: Client, role: str, home: str = "/dashboard/utilities") -> Browser:
    """A browser with a console session for ``role`` (the local stack's sign-in page)."""
    browser = Browser(client, form_page="/dashboard/local-sign-in")
    answer = browser.post("/dashboard/local-sign-in", {"role": role, "next": home})
    assert answer.status_code == 303, answer.body
    return browser
