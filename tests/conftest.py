"""Shared fixtures. Test order is unit -> integration -> e2e: the e2e session stack runs Lambda
handlers in this process, so it comes last and stays undisturbed."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
EVENTS = REPO / "events"
ORDER = {"unit": 0, "integration": 1, "e2e": 2}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: ORDER.get(Path(str(item.fspath)).relative_to(REPO).parts[1], 3))


def load_event(relative: str) -> dict[str, Any]:
    """A sample event from events/ (the same files document each function's input)."""
    return json.loads((EVENTS / relative).read_text())


def wait_for(check: Callable[[], Any], timeout: float = 30.0, interval: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(interval)


@pytest.fixture
def sample_event() -> Callable[[str], dict[str, Any]]:
    return load_event


@pytest.fixture(scope="session")
def template_resources() -> Iterator[dict[str, Any]]:
    from infra.local.packaging import load_template

    yield load_template()["Resources"]
