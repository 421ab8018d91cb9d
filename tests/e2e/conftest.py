"""One local stack per test session: moto server provisioned from template.yaml, with the API
served by the local gateway, exactly as `make run` starts it."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from civiq.core.staff import Role
from infra.local.run import serve_api, staff_token, webhook_url
from infra.local.stack import LocalStack, free_port

API_PORT = free_port()


@pytest.fixture(scope="session")
def stack() -> Iterator[LocalStack]:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    # A transfer escalates after 3 s without a decision here (24 h in AWS): tests stay fast.
    parameters = {
        "ApprovalTimeoutSeconds": "3",
        "SandboxWebhookUrl": webhook_url(f"http://127.0.0.1:{API_PORT}"),
    }
    local = LocalStack.launch(parameters=parameters)
    yield local
    local.stop()


@pytest.fixture(scope="session")
def api_url(stack: LocalStack) -> Iterator[str]:
    server = serve_api(stack, API_PORT)
    yield f"http://127.0.0.1:{API_PORT}"
    server.shutdown()


@pytest.fixture(scope="session")
def clerk(stack: LocalStack) -> dict[str, str]:
    return {"Authorization": f"Bearer {staff_token(stack, Role.CLERK)}"}
