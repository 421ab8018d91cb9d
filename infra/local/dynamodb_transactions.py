"""moto's TransactWriteItems without its whole-table backups.

moto 5.2.5 deep-copies a table once per *item* of a transaction, before writing, so that it can
restore the table if the transaction is cancelled: a transaction costs (items x table size),
and a billing run of 10,000 accounts (one transaction per statement, on a table of ~250,000
items) would take hours. This patch gives the same all-or-nothing result with a journal: each
item a transaction writes is remembered as it was, and put back (or deleted, if it was new) on
cancellation. Nothing else about the transaction changes (conditions, error reasons, limits).
Writes and reads are serialised by one lock: DynamoDB applies a transaction atomically with
respect to every other write, and a read never sees an item half updated; moto, called from
several threads (the local API server, concurrent webhook deliveries), would otherwise interleave
them (a read could see an update's first attribute set and not yet its second).
Installed by the local stack and by benchmarks; tests/integration/test_dynamodb_transactions.py
checks it against moto's own behaviour.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from moto.dynamodb import models

_original_transact = models.DynamoDBBackend.transact_write_items
_state = threading.local()
_writes = threading.RLock()
_installed = False


class _NoTableCopies:
    """Stands in for the ``copy`` module inside moto's transaction: a table is not copied."""

    def deepcopy(self, value: Any, memo: Any = None) -> Any:
        if isinstance(value, models.Table):
            return value  # the journal restores what changed; the live table stays
        return copy.deepcopy(value, memo)


def _key_of(backend: Any, table_name: str, attrs: dict[str, Any]) -> dict[str, Any]:
    table = backend.get_table(table_name)
    key = {table.hash_key_attr: attrs[table.hash_key_attr]}
    if table.range_key_attr is not None:
        key[table.range_key_attr] = attrs[table.range_key_attr]
    return key


def _journaled(
    method: Callable[..., Any], key_of: Callable[[Any, str, Any], dict[str, Any]]
) -> Callable[..., Any]:
    def write(backend: Any, table_name: str, arg: Any, *args: Any, **kwargs: Any) -> Any:
        journal: list[tuple[str, dict[str, Any], dict[str, Any] | None]] | None = getattr(
            _state, "journal", None
        )
        with _writes:
            if journal is not None:
                key = key_of(backend, table_name, arg)
                before = backend.get_item(table_name, key)
                journal.append(
                    (table_name, key, before.to_json()["Attributes"] if before else None)
                )
            return method(backend, table_name, arg, *args, **kwargs)

    return write


def _atomic(method: Callable[..., Any]) -> Callable[..., Any]:
    """A read that sees no write half done: moto updates its items in place and serialises them
    after the call returns, so the read is copied under the lock."""

    def read(*args: Any, **kwargs: Any) -> Any:
        with _writes:
            return copy.deepcopy(method(*args, **kwargs))

    return read


@contextmanager
def _journal() -> Iterator[list[tuple[str, dict[str, Any], dict[str, Any] | None]]]:
    _state.journal = []
    try:
        yield _state.journal
    finally:
        _state.journal = None


def transact_write_items(backend: Any, transact_items: list[dict[str, Any]]) -> None:
    with _writes, _journal() as journal:
        try:
            _original_transact(backend, transact_items)
        except BaseException:
            _state.journal = None  # the undo below is not journaled
            for table_name, key, before in reversed(journal):
                if before is None:
                    backend.delete_item(table_name, key)
                else:
                    backend.put_item(table_name, before)
            raise


def install() -> None:
    """Patch moto's DynamoDB backend once per process."""
    global _installed
    if _installed:
        return
    _installed = True
    models.copy = _NoTableCopies()
    backend = models.DynamoDBBackend
    backend.put_item = _journaled(backend.put_item, _key_of)
    backend.delete_item = _journaled(backend.delete_item, lambda b, t, key: key)
    backend.update_item = _journaled(backend.update_item, lambda b, t, key: key)
    backend.transact_write_items = transact_write_items
    backend.get_item = _atomic(backend.get_item)
    backend.query = _atomic(backend.query)
    backend.scan = _atomic(backend.scan)
