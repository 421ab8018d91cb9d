"""In-memory fakes of payments' ports (:mod:`civiq.payments.ports`), with the DynamoDB adapters'
rules: the penalty job's past-due statements (issued statements still owing, an account's all in
one list, by due date) and processor exceptions (kept once per event, decided once, listed by
status), PAD agreements (one in force per account, each change on the one read) and a vault."""

from __future__ import annotations

import json
import zlib
from collections.abc import Mapping, Sequence
from datetime import date

from civiq.billing.adapters.memory import InMemoryStatements
from civiq.billing.domain.statements import StatementStatus
from civiq.core.audit import AuditEntry
from civiq.core.errors import Conflict, NotFound
from civiq.core.events import DomainEvent
from civiq.core.fakes import SharedStore, page_of
from civiq.core.ports import Page
from civiq.ledger.adapters.memory import InMemoryLedger
from civiq.ledger.domain.journal import is_statement
from civiq.payments.domain.mandates import Mandate, MandateStatus
from civiq.payments.domain.payment_troubles import PaymentTrouble
from civiq.payments.domain.processor_exceptions import (
    Assignment,
    ExceptionStatus,
    ProcessorException,
)
from civiq.payments.ports import PastDueStatement


class InMemoryPastDue:
    def __init__(
        self, statements: InMemoryStatements, ledger: InMemoryLedger, shards: int = 3
    ) -> None:
        self.statements = statements
        self.ledger = ledger
        self.shards = shards

    def lists(self) -> int:
        return self.shards

    def past_due(
        self, shard: int, last_due: date, limit: int, cursor: str | None
    ) -> Page[PastDueStatement]:
        """The cursor is the last statement's sort key, as DynamoDB's is its key."""
        listed = sorted(
            (f"{s.due_on.isoformat()}#{s.statement_id}", s)
            for s in self._owing(shard)
            if s.due_on <= last_due
        )
        after = [(key, s) for key, s in listed if cursor is None or key > cursor]
        page = after[:limit]
        more = len(after) > limit
        return Page([s for _, s in page], page[-1][0] if more else None)

    def posted(self, guards: Sequence[tuple[str, str]]) -> set[tuple[str, str]]:
        return {guard for guard in guards if guard in self.ledger.guards}

    def _owing(self, shard: int) -> list[PastDueStatement]:
        owing = []
        for account_id, basis in list(self.ledger.accounts.items()):
            if zlib.crc32(account_id.encode()) % self.shards != shard:
                continue
            for open_item in basis.open_statements:
                if not is_statement(open_item.statement_id):
                    continue
                statement = self.statements.get(account_id, open_item.statement_id)
                if statement.status is StatementStatus.ISSUED:
                    owing.append(
                        PastDueStatement(
                            account_id,
                            statement.account_number,
                            statement.statement_id,
                            statement.due_on,
                            statement.bill,
                        )
                    )
        return owing


class InMemoryProcessorExceptions:
    """History entries and events go to ``store`` (the accounts' in-memory store), as the
    DynamoDB adapter writes them to the table's history and outbox."""

    def __init__(self, store: SharedStore) -> None:
        self.store = store
        self.exceptions: dict[str, ProcessorException] = {}
        self.assignments: dict[str, Assignment] = {}

    def record(self, exception: ProcessorException, entry: AuditEntry, event: DomainEvent) -> bool:
        if exception.event_id in self.exceptions:
            return False
        self.exceptions[exception.event_id] = exception
        self._written(entry, event)
        return True

    def get(self, event_id: str) -> ProcessorException:
        if event_id not in self.exceptions:
            raise NotFound(f"no processor exception {event_id}", "event_id")
        return self.exceptions[event_id]

    def decide(
        self,
        before: ProcessorException,
        after: ProcessorException,
        entry: AuditEntry,
        event: DomainEvent,
    ) -> None:
        stored = self.get(before.event_id)
        if (stored.status, stored.version) != (before.status, before.version):
            raise Conflict("the exception was decided meanwhile; reload it", "event_id")
        self.exceptions[after.event_id] = after
        self._written(entry, event)

    def listed(
        self, status: ExceptionStatus, limit: int, cursor: str | None
    ) -> Page[ProcessorException]:
        found = sorted(
            (e for e in self.exceptions.values() if e.status is status),
            key=lambda e: ((e.decided_at or e.received_at).isoformat(), e.event_id),
            reverse=status is not ExceptionStatus.OPEN,
        )
        return page_of(found, limit, cursor)

    def assign(self, assignment: Assignment) -> None:
        stored = self.assignments.setdefault(assignment.processor_payment_id, assignment)
        if stored.account_id != assignment.account_id:
            raise Conflict(stored.describe(), "action")

    def assignment(self, processor_payment_id: str) -> Assignment | None:
        return self.assignments.get(processor_payment_id)

    def _written(self, entry: AuditEntry, event: DomainEvent) -> None:
        self.store.history[entry.entry_id] = entry
        self.store.outbox[event.event_id] = event


class InMemoryPaymentTroubles:
    def __init__(self) -> None:
        self.troubles: dict[str, PaymentTrouble] = {}  # by reference
        self.history: list[AuditEntry] = []

    def record(self, trouble: PaymentTrouble, entry: AuditEntry) -> bool:
        if trouble.reference in self.troubles:
            return False
        self.troubles[trouble.reference] = trouble
        self.history.append(entry)
        return True

    def latest(self, account_id: str) -> date | None:
        days = [t.on for t in self.troubles.values() if t.account_id == account_id]
        return max(days, default=None)


class InMemoryMandates:
    def __init__(self) -> None:
        self.current_of: dict[str, Mandate] = {}
        self.cancelled: list[Mandate] = []
        self.records: list[DomainEvent | AuditEntry] = []

    def current(self, account_id: str) -> Mandate | None:
        return self.current_of.get(account_id)

    def save(
        self, before: Mandate | None, after: Mandate, record: DomainEvent | AuditEntry
    ) -> None:
        held = self.current_of.get(after.account_id)
        if held != before:
            raise Conflict("the autopay agreement changed meanwhile", "account_id")
        if after.status is MandateStatus.ACTIVE:
            self.current_of[after.account_id] = after
        else:
            del self.current_of[after.account_id]
            self.cancelled.append(after)
        self.records.append(record)


class InMemoryVault:
    """Seals reversibly, bound to the context (for tests: nothing is secret here)."""

    def seal(self, plain: bytes, context: Mapping[str, str]) -> str:
        return json.dumps({"context": dict(context), "plain": plain.decode()})

    def unseal(self, sealed: str, context: Mapping[str, str]) -> bytes:
        found = json.loads(sealed)
        if found["context"] != dict(context):
            raise ValueError("sealed under another context")
        return str(found["plain"]).encode()
