"""In-memory fakes of the billing ports (:mod:`civiq.billing.ports`), with the DynamoDB
adapter's rules: one statement per account and period, its charges added to the balance and the
totals with it, one document per statement, one run per cycle period."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from civiq.accounts.adapters.memory import InMemoryBalances, InMemoryStore
from civiq.billing.domain.cycles import (
    AccountOutcome,
    BatchRecord,
    BillingRun,
    CycleDefinition,
    Outcome,
    RunStatus,
)
from civiq.billing.domain.statements import Statement, StatementStatus
from civiq.billing.ports import AccountOnFile, Attachment
from civiq.core.audit import AuditEntry
from civiq.core.errors import Conflict, NotFound, VersionConflict
from civiq.core.fakes import page_of
from civiq.core.money import Money
from civiq.core.ports import Page
from civiq.ledger.adapters.memory import InMemoryLedger
from civiq.ledger.domain.journal import Posting


class InMemoryCycles:
    def __init__(self, store: InMemoryStore) -> None:
        self.store = store
        self.cycles: dict[str, CycleDefinition] = {}

    def get(self, cycle_id: str) -> CycleDefinition:
        if cycle_id not in self.cycles:
            raise NotFound(f"no billing cycle {cycle_id}", "cycle_id")
        return self.cycles[cycle_id]

    def all(self) -> Sequence[CycleDefinition]:
        return [self.cycles[k] for k in sorted(self.cycles)]

    def save(
        self, before: CycleDefinition | None, after: CycleDefinition, entry: AuditEntry
    ) -> None:
        current = self.cycles.get(after.cycle_id)
        if before is None and current is not None:
            raise Conflict(f"billing cycle {after.cycle_id} already exists", "cycle_id")
        if before is not None and (current is None or current.version != before.version):
            raise VersionConflict(
                "the cycle was changed by someone else; reload it",
                current.version if current else 0,
            )
        self.cycles[after.cycle_id] = after
        self.store.history[entry.entry_id] = entry


class InMemoryRuns:
    def __init__(self, store: InMemoryStore) -> None:
        self.store = store
        self.runs: dict[str, BillingRun] = {}
        self.records: dict[str, dict[int, BatchRecord]] = {}

    def start(self, run: BillingRun, entry: AuditEntry) -> BillingRun:
        if run.run_id in self.runs:
            return self.runs[run.run_id]
        self.runs[run.run_id] = run
        self.store.history[entry.entry_id] = entry
        return run

    def get(self, run_id: str) -> BillingRun:
        if run_id not in self.runs:
            raise NotFound(f"no billing run {run_id}", "run_id")
        return self.runs[run_id]

    def of_cycle(self, cycle_id: str, limit: int, cursor: str | None) -> Page[BillingRun]:
        runs = sorted(
            (r for r in self.runs.values() if r.cycle_id == cycle_id),
            key=lambda r: r.period_end,
            reverse=True,
        )
        return page_of(runs, limit, cursor)

    def prepared(self, run_id: str, selected: int, batches: int) -> None:
        self.runs[run_id] = replace(
            self.get(run_id),
            status=RunStatus.RUNNING,
            selected=selected,
            batches=batches,
            finished_at=None,
        )

    def record_batch(self, run_id: str, record: BatchRecord) -> None:
        self.records.setdefault(run_id, {})[record.batch] = record

    def record_issuing(self, run_id: str, batch: int, unrendered: Sequence[AccountOutcome]) -> None:
        recorded = self.records.get(run_id, {})
        if batch not in recorded:
            raise NotFound(f"batch {batch} of run {run_id} has no record", "batch")
        recorded[batch] = replace(recorded[batch], unrendered=tuple(unrendered))

    def batches(self, run_id: str) -> Sequence[BatchRecord]:
        recorded = self.records.get(run_id, {})
        return [recorded[n] for n in sorted(recorded)]

    def finish(self, run: BillingRun) -> None:
        self.runs[run.run_id] = run


class InMemoryStatements:
    """Statements, and the balances (an :class:`InMemoryBalances`) their charges add to; their
    postings go to ``ledger`` (a ledger of their own when none is given), as the DynamoDB adapter
    writes them with the statement."""

    def __init__(
        self, store: InMemoryStore, balances: InMemoryBalances, ledger: InMemoryLedger | None = None
    ) -> None:
        self.store = store
        self.balances = balances
        self.ledger = ledger if ledger is not None else InMemoryLedger(store)
        self.statements: dict[tuple[str, str], Statement] = {}
        self.totals: dict[str, Counter[str]] = {}
        # account id: its latest issued statement's id, and the ledger head its posting left
        self.latest: dict[str, tuple[str, int | None]] = {}

    def _of(self, account_id: str) -> list[Statement]:
        found = [s for (a, _), s in self.statements.items() if a == account_id]
        return sorted(found, key=lambda s: s.statement_id, reverse=True)

    def recent(self, account_id: str, limit: int) -> Sequence[Statement]:
        return self._of(account_id)[:limit]

    def get(self, account_id: str, statement_id: str) -> Statement:
        if (account_id, statement_id) not in self.statements:
            raise NotFound(f"no statement {statement_id} on this account", "statement_id")
        return self.statements[(account_id, statement_id)]

    def several(self, ids: Sequence[tuple[str, str]]) -> Sequence[Statement]:
        return [self.get(account_id, statement_id) for account_id, statement_id in ids]

    def of_account(self, account_id: str, limit: int, cursor: str | None) -> Page[Statement]:
        return page_of(self._of(account_id), limit, cursor)

    def issue(self, statement: Statement, entry: AuditEntry, posting: Posting) -> bool:
        self.store.get(statement.account_id)  # NotFound for an unknown account
        if (statement.account_id, statement.statement_id) in self.statements:
            return False
        self._post(posting)  # first: LedgerMoved writes nothing
        self.statements[(statement.account_id, statement.statement_id)] = statement
        self.latest[statement.account_id] = (statement.statement_id, _sequence(posting))
        owed = self.balances.balance_of(statement.account_id)
        self.balances.owed[statement.account_id] = owed + Money(statement.bill.total)
        month = self.totals.setdefault(f"{statement.issued_on:%Y-%m}", Counter())
        month["statements"] += 1
        month["billed_cents"] += Money(statement.bill.total).to_cents()
        for line in statement.bill.lines:
            month[f"{line.charge_type.value}_cents"] += Money(line.amount).to_cents()
        self.store.history[entry.entry_id] = entry
        return True

    def cancel_and_rebill(
        self,
        cancelled: Statement,
        rebill: Statement,
        entries: Sequence[AuditEntry],
        posting: Posting,
    ) -> None:
        stored = self.get(cancelled.account_id, cancelled.statement_id)
        if stored.status is not StatementStatus.ISSUED:
            raise Conflict("the statement is cancelled already", "statement_id")
        if (rebill.account_id, rebill.statement_id) in self.statements:
            raise Conflict("the period is billed", "statement_id")
        self._post(posting)  # first: LedgerMoved writes nothing
        key = (cancelled.account_id, cancelled.statement_id)
        self.statements[key] = replace(stored, status=StatementStatus.CANCELLED)
        self.statements[(rebill.account_id, rebill.statement_id)] = rebill
        self.latest[rebill.account_id] = (rebill.statement_id, _sequence(posting))
        owed = self.balances.balance_of(rebill.account_id)
        moved = Money(rebill.bill.total - cancelled.bill.total)
        self.balances.owed[rebill.account_id] = owed + moved
        self.store.history.update({e.entry_id: e for e in entries})

    def _post(self, posting: Posting) -> None:
        self.ledger.post(posting)

    def attach_documents(self, attachments: Sequence[Attachment]) -> list[Attachment]:
        attached = []
        for attachment in attachments:
            statement, events = attachment.statement, attachment.events
            stored = self.get(statement.account_id, statement.statement_id)
            if stored.document_key is not None:
                continue
            self.statements[(statement.account_id, statement.statement_id)] = replace(
                stored, document_key=attachment.key
            )
            self.store.outbox.update({e.event_id: e for e in events})
            self.store.history.update({e.event_id: AuditEntry.of(e) for e in events})
            attached.append(attachment)
        return attached


def _sequence(posting: Posting) -> int | None:
    return posting.head.sequence if posting.head is not None else None


class InMemoryAccountsOnFile:
    def __init__(
        self, store: InMemoryStore, ledger: InMemoryLedger, statements: InMemoryStatements
    ) -> None:
        self.store = store
        self.ledger = ledger
        self.statements = statements

    def several(self, account_ids: Sequence[str]) -> Mapping[str, AccountOnFile]:
        found = {}
        for account_id in account_ids:
            try:
                latest, posted_through = self.statements.latest.get(account_id, (None, None))
                found[account_id] = AccountOnFile(
                    self.store.get(account_id),
                    self.ledger.state(account_id),
                    latest=None if latest is None else self.statements.get(account_id, latest),
                    posted_through=posted_through,
                )
            except NotFound:
                continue
        return found


class InMemoryManifests:
    def __init__(self) -> None:
        self.written: dict[str, list[Mapping[str, object]]] = {}

    def write(self, run_id: str, batches: Sequence[Mapping[str, object]]) -> Mapping[str, str]:
        key = f"runs/{run_id}/batches.json"
        self.written[key] = list(batches)
        return {"bucket": "memory", "key": key}


class InlineStatementDocuments:
    """StatementDocuments that renders and announces at once (what the renderer function does)."""

    def __init__(self, issue: Callable[[Sequence[AccountOutcome]], int]) -> None:
        self.issue = issue
        self.requested: list[str] = []

    def request(self, statements: Sequence[Statement]) -> None:
        self.requested += [s.statement_id for s in statements]
        self.issue(
            [AccountOutcome(s.account_id, Outcome.BILLED, None, s.statement_id) for s in statements]
        )
