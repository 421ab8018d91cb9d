"""One TransactWriteItems built item by item, its cancellation reasons mapped to domain errors.

Each write may carry a ``failure``: the domain error to raise when DynamoDB cancels the
transaction because that write's condition failed (a taken id, an existing statement).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.update import Action
from pynamodb.models import Model

from civiq.core.audit import AuditEntry
from civiq.core.errors import DomainError
from civiq.core.events import DomainEvent
from civiq.platform.dynamodb import outbox
from civiq.platform.dynamodb.audit import audit_item
from civiq.platform.dynamodb.table import AuditItem

Failure = Callable[[], DomainError] | None
CONFLICT_ATTEMPTS = 4
CONFLICT_BACKOFF_S = 0.05


class Transaction:
    def __init__(self) -> None:
        self.checks: list[tuple[dict[str, Any], Failure]] = []
        self.deletes: list[tuple[dict[str, Any], Failure]] = []
        self.puts: list[tuple[dict[str, Any], Failure]] = []
        self.updates: list[tuple[dict[str, Any], Failure]] = []

    def check(self, model: type[Model], pk: str, sk: str, condition: Any, failure: Failure) -> None:
        """A condition on an item the transaction does not write."""
        kwargs = model.get_operation_kwargs_from_class(pk, range_key=sk, condition=condition)
        self.checks.append((kwargs, failure))

    def put(self, item: Model, condition: Any = None, failure: Failure = None) -> None:
        self.puts.append((item.get_save_kwargs_from_instance(condition=condition), failure))

    def delete(self, item: Model, condition: Any = None, failure: Failure = None) -> None:
        kwargs = item.get_delete_kwargs_from_instance(
            condition=condition, add_version_condition=False
        )
        self.deletes.append((kwargs, failure))

    def update(
        self, item: Model, actions: list[Action], condition: Any = None, failure: Failure = None
    ) -> None:
        """Update only ``actions`` (an ADD to a balance leaves every other attribute alone)."""
        kwargs = item.get_update_kwargs_from_instance(
            actions=actions, condition=condition, add_version_condition=False
        )
        self.updates.append((kwargs, failure))

    def history(self, entries: Sequence[AuditEntry]) -> None:
        for entry in entries:
            self.put(audit_item(entry), AuditItem.pk.does_not_exist())

    def events(self, events: Sequence[DomainEvent]) -> None:
        """Each event to the outbox with its history entry (the same id: the audit writer,
        which records the event when it comes back from the bus, finds it written)."""
        for event in events:
            self.put(outbox.outbox_item(event))
        self.history([AuditEntry.of(e) for e in events])

    def run(self, connection: Connection, token: str | None = None) -> None:
        """Write every item or none (``token``: DynamoDB's idempotency token, so a retried
        request is answered as the first). A transaction cancelled only because a concurrent
        one held an item (TransactionConflict: nothing was written) is tried again, a few times."""
        for attempt in range(CONFLICT_ATTEMPTS):
            try:
                connection.transact_write_items(
                    condition_check_items=[kwargs for kwargs, _ in self.checks],
                    delete_items=[kwargs for kwargs, _ in self.deletes],
                    put_items=[kwargs for kwargs, _ in self.puts],
                    update_items=[kwargs for kwargs, _ in self.updates],
                    client_request_token=token,
                )
                return
            except TransactWriteError as exc:
                if exc.cause_response_code != "TransactionCanceledException":
                    raise
                reasons = [r.code if r else None for r in exc.cancellation_reasons or []]
                failures = [f for _, f in self.checks + self.deletes + self.puts + self.updates]
                for code, failure in zip(reasons, failures, strict=False):
                    if code == "ConditionalCheckFailed" and failure is not None:
                        raise failure() from exc
                conflicted = "TransactionConflict" in reasons
                if not conflicted or attempt == CONFLICT_ATTEMPTS - 1:
                    raise
                time.sleep(CONFLICT_BACKOFF_S * 2**attempt * random.random())  # noqa: S311 (jitter)


class Connected:
    """An adapter holding one connection (and botocore client), built on first use."""

    def __init__(self) -> None:
        self._connection: Connection | None = None

    def _client(self) -> Connection:
        if self._connection is None:
            self._connection = Connection(region=AuditItem.Meta.region, host=AuditItem.Meta.host)
        return self._connection
