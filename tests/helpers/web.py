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
    """A browser's side of the portal: it keeps the cookies it is given and sends them back."""

    def __init__(self, client: Client, language: str = "en-CA") -> None:
        self.client = client
        self.cookies: dict[str, str] = {}
        self.language = language
        self.account: dict[str, Any] = {}  # what a test signed in with, for its own use

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        jar = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return {
            "Accept-Language": self.language,
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
        page = self.get("/portal").body.decode()
        match = re.search(r'name="csrf" value="([^"]+)"', page)
        assert match, page
        return match.group(1)
