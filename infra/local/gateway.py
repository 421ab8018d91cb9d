"""A local API Gateway (REST, Lambda proxy) in front of the emulator's deployed API.

Routes are read from the REST API that the emulator created from template.yaml (its resources,
methods and Lambda integrations), so what answers on 127.0.0.1:8000 is what API Gateway would
route in AWS. Requests become REST API proxy events (``requestContext.resourcePath`` included,
which the Chalice app dispatches on) and go to the integration's function through Lambda Invoke.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

NOT_FOUND = {"error": {"code": "not_found", "message": "no such route", "field": None}}
BAD_GATEWAY = {"error": {"code": "internal_error", "message": "internal error", "field": None}}
FUNCTION_ARN = re.compile(r"functions/(arn:[^/]+)/invocations")
JSON = [("Content-Type", "application/json")]

# An answer's headers as (name, value) pairs, a name repeated once per value: API Gateway sends
# each value of a Lambda's multiValueHeaders as a header line of its own (several Set-Cookie).
Headers = list[tuple[str, str]]
Answer = tuple[int, Headers, bytes]
# A gateway's handle(method, target, request headers, body)
Handle = Callable[[str, str, dict[str, str], bytes], Answer]


@dataclass(frozen=True)
class Route:
    resource_path: str
    method: str
    function_arn: str
    pattern: re.Pattern[str]


def load_routes(apigateway: Any, rest_api_id: str) -> list[Route]:
    routes = []
    for resource in apigateway.get_resources(restApiId=rest_api_id, embed=["methods"])["items"]:
        for method in resource.get("resourceMethods", {}):
            integration = apigateway.get_integration(
                restApiId=rest_api_id, resourceId=resource["id"], httpMethod=method
            )
            match = FUNCTION_ARN.search(integration["uri"])
            if not match:
                continue
            regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(resource["path"]))
            routes.append(Route(resource["path"], method, match.group(1), re.compile(f"{regex}/?")))
    return routes


def proxy_event(
    route: Route,
    method: str,
    path: str,
    query: str,
    headers: dict[str, str],
    body: bytes,
    stage: str,
    path_params: dict[str, str],
) -> dict[str, Any]:
    pairs = parse_qsl(query, keep_blank_values=True)
    multi: dict[str, list[str]] = {}
    for name, value in pairs:
        multi.setdefault(name, []).append(value)
    text_body: str | None
    try:
        text_body, encoded = (body.decode("utf-8"), False) if body else (None, False)
    except UnicodeDecodeError:
        text_body, encoded = base64.b64encode(body).decode(), True
    return {
        "resource": route.resource_path,
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": {k: v[-1] for k, v in multi.items()} or None,
        "multiValueQueryStringParameters": multi or None,
        "pathParameters": path_params or None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": route.resource_path,
            "httpMethod": method,
            # Served at the root, as API Gateway serves a custom domain mapped to the stage: the
            # path a browser asked for, without the stage (pages build their links from it).
            "path": path,
            "stage": stage,
            "requestId": str(uuid.uuid4()),
            "requestTimeEpoch": int(time.time() * 1000),
            "identity": {"sourceIp": "127.0.0.1"},
        },
        "body": text_body,
        "isBase64Encoded": encoded,
    }


def answer_headers(payload: dict[str, Any]) -> Headers:
    """A proxy integration's answer's headers as API Gateway merges them: every value of
    ``multiValueHeaders``, then each ``headers`` pair that is not already among them."""
    pairs = [
        (name, str(value))
        for name, values in (payload.get("multiValueHeaders") or {}).items()
        for value in values
    ]
    seen = {(name.lower(), value) for name, value in pairs}
    pairs += [
        (name, str(value))
        for name, value in (payload.get("headers") or {}).items()
        if (name.lower(), str(value)) not in seen
    ]
    return pairs


def write_answer(handler: BaseHTTPRequestHandler, answer: Answer) -> None:
    """Send ``answer`` on ``handler``'s connection: one header line per (name, value) pair."""
    status, headers, body = answer
    handler.send_response(status)
    for name, value in headers:
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


class LocalApiGateway:
    def __init__(self, lambda_client: Any, routes: list[Route], stage: str, max_body: int) -> None:
        self._lambda = lambda_client
        self._routes = routes
        self._stage = stage
        self._max_body = max_body

    def serves(self, path: str, method: str = "GET") -> bool:
        """Whether the API has a route for ``method`` on ``path``."""
        return any(r.method == method and r.pattern.fullmatch(path) for r in self._routes)

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Answer:
        url = urlsplit(target)
        for route in self._routes:
            match = route.pattern.fullmatch(url.path)
            if match and route.method == method:
                event = proxy_event(
                    route,
                    method,
                    url.path,
                    url.query,
                    headers,
                    body,
                    self._stage,
                    match.groupdict(),
                )
                return self._invoke(route, event)
        return 404, list(JSON), json.dumps(NOT_FOUND).encode()

    def _invoke(self, route: Route, event: dict[str, Any]) -> Answer:
        response = self._lambda.invoke(FunctionName=route.function_arn, Payload=json.dumps(event))
        payload = json.loads(response["Payload"].read() or b"{}")
        if response.get("FunctionError") or "statusCode" not in payload:
            return 502, list(JSON), json.dumps(BAD_GATEWAY).encode()
        raw = payload.get("body") or ""
        body = base64.b64decode(raw) if payload.get("isBase64Encoded") else raw.encode()
        return int(payload["statusCode"]), answer_headers(payload), body

    def serve(self, host: str = "127.0.0.1", port: int = 8000) -> ThreadingHTTPServer:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def _respond(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length > gateway._max_body:  # API Gateway's own limit comes before the code
                    status, headers, body = (
                        413,
                        list(JSON),
                        json.dumps(
                            {
                                "error": {
                                    "code": "payload_too_large",
                                    "message": "request too large",
                                    "field": None,
                                }
                            }
                        ).encode(),
                    )
                else:
                    request_body = self.rfile.read(length) if length else b""
                    status, headers, body = gateway.handle(
                        self.command, self.path, dict(self.headers.items()), request_body
                    )
                write_answer(self, (status, headers, body))

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _respond

            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer((host, port), Handler)
        threading.Thread(target=server.serve_forever, name="local-gateway", daemon=True).start()
        return server
