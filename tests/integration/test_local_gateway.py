"""The local gateway (infra/local/gateway.py) answers an HTTP client as API Gateway does: every
value of a repeated header on a line of its own, and a base64-encoded body as its bytes."""

from __future__ import annotations

import base64
import http.client
import io
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from infra.local.gateway import LocalApiGateway, Route, answer_headers
from infra.local.stack import free_port

PATH = "/api/v1/page"
PNG = bytes(range(256)) * 4 + b"\x89PNG\r\n\x1a\n\x00\xff"  # every byte value, and invalid UTF-8


class AnsweringLambda:
    """A Lambda client whose function answers ``payload`` (a proxy integration's response)."""

    def __init__(self, payload: dict[str, Any]) -> None:
        self.payload = payload

    def invoke(self, **_: Any) -> dict[str, Any]:
        return {"StatusCode": 200, "Payload": io.BytesIO(json.dumps(self.payload).encode())}


@pytest.fixture
def serve() -> Iterator[Any]:
    servers = []

    def start(payload: dict[str, Any]) -> http.client.HTTPResponse:
        route = Route(PATH, "GET", "arn:fn", re.compile(f"{re.escape(PATH)}/?"))
        port = free_port()
        servers.append(
            LocalApiGateway(AnsweringLambda(payload), [route], "v1", 1024).serve(port=port)
        )
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", PATH)
        return connection.getresponse()

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_two_set_cookie_values_reach_the_client_as_two_headers(serve: Any) -> None:
    answer = serve(
        {
            "statusCode": 200,
            "headers": {"Content-Type": "text/html; charset=utf-8"},
            "multiValueHeaders": {
                "Set-Cookie": [
                    "session=abc; Path=/; HttpOnly; Secure; SameSite=Lax",
                    "lang=fr; Path=/; Expires=Wed, 09 Jun 2027 10:18:14 GMT",
                ]
            },
            "body": "<p>ok</p>",
        }
    )
    assert answer.status == 200
    assert answer.msg.get_all("Set-Cookie") == [
        "session=abc; Path=/; HttpOnly; Secure; SameSite=Lax",
        "lang=fr; Path=/; Expires=Wed, 09 Jun 2027 10:18:14 GMT",  # its comma kept, not split
    ]
    assert answer.msg.get_all("Content-Type") == ["text/html; charset=utf-8"]
    assert answer.read() == b"<p>ok</p>"


def test_a_base64_encoded_body_reaches_the_client_byte_identical(serve: Any) -> None:
    answer = serve(
        {
            "statusCode": 200,
            "headers": {"Content-Type": "image/png"},
            "body": base64.b64encode(PNG).decode(),
            "isBase64Encoded": True,
        }
    )
    assert answer.getheader("Content-Type") == "image/png"
    assert answer.getheader("Content-Length") == str(len(PNG))
    assert answer.read() == PNG


def test_headers_and_multi_value_headers_merge_as_api_gateway_merges_them() -> None:
    """Both kept; a pair given in both is sent once (API Gateway's rule for the two maps)."""
    payload = {
        "headers": {"Content-Type": "text/html", "Vary": "Cookie", "Cache-Control": "no-store"},
        "multiValueHeaders": {"Vary": ["Accept-Language", "Cookie"], "cache-control": ["no-store"]},
    }
    assert answer_headers(payload) == [
        ("Vary", "Accept-Language"),
        ("Vary", "Cookie"),
        ("cache-control", "no-store"),
        ("Content-Type", "text/html"),
    ]
