"""The table's models are pointed at the settings' table once: a second wiring of the same
function leaves the connections its models opened."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from civiq.core.settings import CommonSettings
from civiq.platform.dynamodb.table import AccountItem, TableMeta, configure_models
from civiq.platform.runtime import configure_table


def settings(table: str) -> CommonSettings:
    return CommonSettings(table_name=table, event_bus_name="bus", AWS_REGION="ca-central-1")


@pytest.fixture(autouse=True)
def restore_models() -> Iterator[None]:
    meta = AccountItem.Meta
    before = (meta.table_name, meta.region, meta.host)
    yield
    configure_models(*before)


def test_models_point_at_the_table_of_the_settings() -> None:
    configure_table(settings("civiq-unit"))
    assert (AccountItem.Meta.table_name, AccountItem.Meta.region) == ("civiq-unit", "ca-central-1")
    assert AccountItem.Meta.host is None


def test_configuring_the_same_table_again_keeps_the_connections() -> None:
    configure_table(settings("civiq-unit"))
    opened = object()
    AccountItem._connection = opened  # type: ignore[assignment]
    configure_table(settings("civiq-unit"))
    assert AccountItem._connection is opened
    configure_table(settings("civiq-other"))
    assert AccountItem._connection is None
    assert AccountItem.Meta.table_name == "civiq-other"


def test_the_shared_meta_is_left_alone() -> None:
    configure_table(settings("civiq-unit"))
    assert TableMeta.table_name == "civiq"
