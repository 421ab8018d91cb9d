"""The local stack's portal link: on the port the API listens on, and announced only when the
API serves it."""

from __future__ import annotations

import re

import pytest

from infra.local.gateway import LocalApiGateway, Route
from infra.local.run import portal_url


def test_the_local_portal_link_follows_the_api_port(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PORTAL_URL", raising=False)

    assert portal_url("http://127.0.0.1:8123") == "http://127.0.0.1:8123/portal"


def test_a_configured_portal_url_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTAL_URL", "https://portal.barrie.example.ca")

    assert portal_url("http://127.0.0.1:8000") == "https://portal.barrie.example.ca"


def test_the_gateway_says_which_paths_it_serves() -> None:
    path = "/api/v1/utility/accounts"
    gateway = LocalApiGateway(None, [Route(path, "GET", "arn:fn", re.compile(path))], "v1", 1024)

    assert gateway.serves(path)
    assert not gateway.serves(path, "POST")
    assert not gateway.serves("/portal")
