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

from civiq.core.clock import SystemClock
from civiq.core.dates import local_today
from civiq.core.staff import Role
from infra.local.demo import Town, load_via_api, municipality
from infra.local.demo_billing import cycle, define_rates_and_cycle, load_billing
from infra.local.run import serve_api, staff_token, webhook_url
from infra.local.stack import LocalStack, free_port
from tests.helpers.browser import screenshot, system_chromium
from tests.helpers.stack import http_sender

# The web pages' own town: routes no other test's cycle bills, roll numbers no other town has.
WEB_ROUTES = ("76", "77")
WEB_HOUSEHOLDS = 5


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


@pytest.fixture(scope="session")
def billed_households(stack: LocalStack, api_url: str) -> list[dict[str, Any]]:
    """Accounts of a town of its own (routes no other test's run bills), none on autopay, each
    billed by a real run of their own cycle (meters, reads, a statement): the web pages' tests
    look them up with their number and postal code. Each has its latest ``statement_id``."""
    clerk = http_sender(api_url, staff_token(stack, Role.CLERK))
    supervisor = http_sender(api_url, staff_token(stack, Role.SUPERVISOR))
    town = Town(name="Val-des-Portails", municipality_code="0416", routes=WEB_ROUTES)
    definition = cycle(WEB_ROUTES, cycle_id="web-pages")
    define_rates_and_cycle(supervisor, definition)  # an account opens on a billed route only
    accounts = load_via_api(municipality(properties=10, seed=31, town=town), clerk)
    run = load_billing(accounts, supervisor, local_today(SystemClock()), definition=definition)
    assert run.run["status"] == "completed", run.run
    found = []
    for account in accounts:
        _, page = clerk("GET", f"/api/v1/utility/accounts/{account['id']}/statements", {})
        if page["items"] and not account["autopay"]:
            found.append({**account, "statement_id": page["items"][0]["id"]})
    assert len(found) >= WEB_HOUSEHOLDS, "the run billed too few of the town's accounts"
    return found
