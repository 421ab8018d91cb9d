"""One local stack per test process: moto server provisioned from template.yaml, with the API
served by the local gateway, exactly as `make run` starts it. Under pytest-xdist each worker that
runs e2e tests starts its own stack, on ports of its own.

Page tests drive Chromium through pytest-playwright's fixtures (``browser``, ``new_context``):
one browser per worker, launched when its first page test needs it, a fresh context per page."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

from civiq.core.staff import Role
from infra.local.demo_billing import define_rates_and_cycle
from infra.local.run import serve_api, staff_token, webhook_url
from infra.local.stack import LocalStack, free_port
from tests.helpers.browser import screenshot, system_chromium
from tests.helpers.stack import http_sender


@pytest.fixture(scope="session")
def api_port() -> int:
    """The local gateway's port, chosen when the stack starts (the stack's webhook URL needs it)."""
    return free_port()


@pytest.fixture(scope="session")
def stack(api_port: int) -> Iterator[LocalStack]:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    # A transfer escalates after 3 s without a decision here (24 h in AWS): tests stay fast.
    parameters = {
        "ApprovalTimeoutSeconds": "3",
        "SandboxWebhookUrl": webhook_url(f"http://127.0.0.1:{api_port}"),
    }
    local = LocalStack.launch(parameters=parameters)
    yield local
    local.stop()


@pytest.fixture(scope="session")
def api_url(stack: LocalStack, api_port: int) -> Iterator[str]:
    """The API, with the demo town's rates and the cycle that bills its routes defined first:
    once a cycle exists, an account opens only on a route one bills, whichever test runs first."""
    server = serve_api(stack, api_port)
    url = f"http://127.0.0.1:{api_port}"
    define_rates_and_cycle(http_sender(url, staff_token(stack, Role.SUPERVISOR)))
    yield url
    server.shutdown()


@pytest.fixture(scope="session")
def clerk(stack: LocalStack) -> dict[str, str]:
    return {"Authorization": f"Bearer {staff_token(stack, Role.CLERK)}"}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """The system's Chromium (pytest-playwright would look for a downloaded one)."""
    return {**browser_type_launch_args, "executable_path": system_chromium()}


@pytest.fixture
def shoot(request: pytest.FixtureRequest) -> Callable[[Page, str], Path]:
    """Save a page whole as build/screenshots/<this test>-<viewport>.png."""
    return lambda page, viewport: screenshot(page, request.node.name, viewport)
