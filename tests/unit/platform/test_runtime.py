"""The models are pointed at the settings' tables once (the ledger's records at the ledger
table, every other item at the main table): a second wiring of the same function leaves the
connections its models opened."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from civiq.core.settings import CommonSettings
from civiq.ledger.adapters.dynamodb_journal import (
    LedgerAccountItem,
    LedgerEntryItem,
    PostingGuardItem,
)
from civiq.ledger.adapters.dynamodb_postings import PaymentItem, RefundItem
from civiq.platform.dynamodb.table import AccountItem, TableMeta, configure_models
from civiq.platform.runtime import configure_table


def settings(table: str, ledger_table: str = "civiq-unit-ledger") -> CommonSettings:
    return CommonSettings(
        table_name=table,
        ledger_table_name=ledger_table,
        event_bus_name="bus",
        AWS_REGION="ca-central-1",
    )


@pytest.fixture(autouse=True)
def restore_models() -> Iterator[None]:
    meta = AccountItem.Meta
    before = (meta.table_name, LedgerEntryItem.Meta.table_name, meta.region, meta.host)
    yield
    configure_models(*before)


def test_models_point_at_the_table_of_the_settings() -> None:
    configure_table(settings("civiq-unit"))
    assert (AccountItem.Meta.table_name, AccountItem.Meta.region) == ("civiq-unit", "ca-central-1")
    assert AccountItem.Meta.host is None


def test_the_ledger_records_live_in_the_ledger_table_and_the_account_item_does_not() -> None:
    configure_table(settings("civiq-unit", "civiq-unit-ledger"))
    ledger = {LedgerEntryItem, PostingGuardItem, PaymentItem, RefundItem}
    assert {model.Meta.table_name for model in ledger} == {"civiq-unit-ledger"}
    assert LedgerAccountItem.Meta.table_name == "civiq-unit"  # the head moves with the balance


def test_a_new_ledger_table_alone_is_a_new_configuration() -> None:
    configure_table(settings("civiq-unit", "civiq-unit-ledger"))
    opened = object()
    LedgerEntryItem._connection = opened  # type: ignore[assignment]
    configure_table(settings("civiq-unit", "civiq-unit-ledger-2"))
    assert LedgerEntryItem._connection is None
    assert LedgerEntryItem.Meta.table_name == "civiq-unit-ledger-2"
    assert AccountItem.Meta.table_name == "civiq-unit"


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
