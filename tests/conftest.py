"""Fixtures every folder may use, and the order of the run.

Test order is unit -> contract -> integration -> e2e. The e2e session stack runs a moto server and
the Lambda handlers in the test process, sharing moto's backends with the in-process ``aws``
fixture: it comes last and stays undisturbed. Under pytest-xdist every worker runs its share in
the same order (the load scheduler hands items out in collection order)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from tests.helpers.botocore_reuse import reuse_botocore
from tests.helpers.emulator import (
    AWS_ENVIRONMENT,
    LEDGER_TABLE,
    REGION,
    TABLE,
    create_resources,
)
from tests.helpers.files import REPO, load_event
from tests.helpers.stores import (
    Billing,
    Books,
    Stores,
    billing_over,
    books_over,
    dynamodb_stores,
    memory_stores,
)

ORDER = {"unit": 0, "contract": 1, "integration": 2, "e2e": 3}

# No test asserts a speed: Hypothesis's per-example deadline (200 ms) and its too-slow health
# check would fail a property on a busy machine, so neither applies (bench/ measures speed).
settings.register_profile("civiq", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("civiq")


def folder(item: pytest.Item) -> str:
    """The folder under tests/ an item lives in (unit, contract, integration, e2e)."""
    return Path(str(item.fspath)).relative_to(REPO / "tests").parts[0]


def pytest_configure(config: pytest.Config) -> None:
    reuse_botocore()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: ORDER.get(folder(item), len(ORDER)))


@pytest.fixture
def sample_event() -> Callable[[str], dict[str, Any]]:
    return load_event


@pytest.fixture(scope="session")
def template_resources() -> Iterator[dict[str, Any]]:
    from infra.local.packaging import load_template

    yield load_template()["Resources"]


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch, template_resources: dict[str, Any]) -> Iterator[None]:
    """In-process moto with template.yaml's tables, the bus and the documents bucket.

    moto's transactions are the local stack's (journaled, not whole-table copies: the same
    results, checked by tests/integration/test_dynamodb_transactions.py), in every test: the patch
    is process-wide, so installing it only where a test needs it would make the others depend on
    which tests a worker happened to run before them."""
    from moto import mock_aws

    from civiq.platform.dynamodb.table import configure_models
    from infra.local import dynamodb_transactions

    dynamodb_transactions.install()

    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    for name, value in AWS_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        create_resources(template_resources)
        configure_models(TABLE, LEDGER_TABLE, REGION, None)
        yield


@pytest.fixture(params=["memory", "dynamodb"])
def stores(request: pytest.FixtureRequest) -> Stores:
    """The account stores, once in memory and once on DynamoDB: a contract holds for both."""
    if request.param == "memory":
        return memory_stores()
    request.getfixturevalue("aws")
    return dynamodb_stores()


@pytest.fixture
def billing(stores: Stores) -> Billing:
    return billing_over(stores)


@pytest.fixture
def books(stores: Stores) -> Books:
    return books_over(stores)
