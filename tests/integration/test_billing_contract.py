"""The billing repositories: the in-memory fakes and DynamoDB behave alike."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

import pytest

from civiq.accounts.adapters.dynamodb_workflows import DynamoBalances
from civiq.accounts.adapters.memory import InMemoryBalances, InMemoryStore
from civiq.billing.adapters.dynamodb import DynamoCycles, DynamoRuns, DynamoStatements
from civiq.billing.adapters.memory import InMemoryCycles, InMemoryRuns, InMemoryStatements
from civiq.billing.domain.cycles import (
    AccountOutcome,
    BatchRecord,
    BillingRun,
    CycleDefinition,
    Frequency,
    Outcome,
    RunStatus,
)
from civiq.core.audit import AuditEntry
from civiq.core.errors import Conflict, NotFound, VersionConflict
from civiq.core.events import Actor, DomainEvent
from tests.conftest import REPO
from tests.integration.test_repository_contract import Stores, stores  # noqa: F401
from tests.statement_builders import statement

NOW = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)


@dataclass
class Billing:
    stores: Stores
    cycles: Any
    runs: Any
    statements: Any
    balances: Any


@pytest.fixture
def billing(stores: Stores) -> Billing:  # noqa: F811 (the imported, parametrized fixture)
    """The billing repositories beside the account stores of the same kind."""
    account_stores = stores
    if isinstance(account_stores.accounts, InMemoryStore):
        balances = InMemoryBalances(account_stores.accounts)
        return Billing(
            account_stores,
            InMemoryCycles(account_stores.accounts),
            InMemoryRuns(account_stores.accounts),
            InMemoryStatements(account_stores.accounts, balances),
            balances,
        )
    return Billing(
        account_stores, DynamoCycles(), DynamoRuns(), DynamoStatements(), DynamoBalances()
    )


def entry(entry_id: str, subject: str = "CYCLE#residential-a") -> AuditEntry:
    return AuditEntry(entry_id, subject, "Test", "clerk-1", "clerk", NOW, "corr", {})


def cycle(**overrides: Any) -> CycleDefinition:
    fields: dict[str, Any] = {
        "cycle_id": "residential-a",
        "name": "Residential A",
        "frequency": Frequency.BIMONTHLY,
        "routes": ("1",),
        "rate_schedule_id": "water-2026",
        "first_period_end": date(2026, 9, 30),
    }
    fields.update(overrides)
    return CycleDefinition(**fields)


def run(period_end: date = date(2026, 11, 30)) -> BillingRun:
    return BillingRun(
        run_id=f"residential-a-{period_end.isoformat()}",
        cycle_id="residential-a",
        period_start=date(2026, 9, 30),
        period_end=period_end,
        issued_on=date(2026, 12, 3),
        due_on=date(2026, 12, 24),
        rate_schedule_id="water-2026",
        read_until=date(2026, 12, 3),
        started_at=NOW,
        started_by="clerk-1",
    )


def test_cycles_are_created_once_and_revised_at_their_version(billing: Billing) -> None:
    billing.cycles.save(None, cycle(), entry("E1"))
    with pytest.raises(Conflict):
        billing.cycles.save(None, cycle(), entry("E2"))
    revised = replace(cycle(), name="Residential A (east)", version=2)
    billing.cycles.save(cycle(), revised, entry("E3"))
    with pytest.raises(VersionConflict):
        billing.cycles.save(cycle(), replace(revised, version=3), entry("E4"))
    assert billing.cycles.get("residential-a") == revised
    assert billing.cycles.all() == [revised]
    with pytest.raises(NotFound):
        billing.cycles.get("nope")


def test_a_run_is_stored_once_and_its_batches_overwrite(billing: Billing) -> None:
    first = billing.runs.start(run(), entry("R1", "RUN#x"))
    again = billing.runs.start(replace(run(), started_by="someone-else"), entry("R2", "RUN#x"))
    assert again == first
    billing.runs.prepared(first.run_id, 250, 3)
    failed = AccountOutcome("A2", Outcome.FAILED, "invalid_input:meter_size")
    billing.runs.record_batch(
        first.run_id, BatchRecord.of(1, [AccountOutcome("A1", Outcome.BILLED)])
    )
    billing.runs.record_batch(first.run_id, BatchRecord.of(0, [failed]))
    billing.runs.record_batch(first.run_id, BatchRecord.of(0, [failed]))  # a retried batch
    records = billing.runs.batches(first.run_id)
    assert [r.batch for r in records] == [0, 1]
    assert records[0].exceptions == (failed,)
    finished = replace(
        billing.runs.get(first.run_id),
        status=RunStatus.COMPLETED,
        counts={Outcome.BILLED: 1, Outcome.SKIPPED: 0, Outcome.FAILED: 1},
        finished_at=NOW,
    )
    billing.runs.finish(finished)
    assert billing.runs.get(first.run_id) == finished
    assert finished.selected == 250 and finished.batches == 3
    billing.runs.start(run(date(2027, 1, 31)), entry("R3", "RUN#y"))
    page = billing.runs.of_cycle("residential-a", 1, None)
    assert [r.period_end for r in page.items] == [date(2027, 1, 31)]
    with pytest.raises(NotFound):
        billing.runs.get("residential-a-2030-01-31")


def test_a_statement_is_issued_once_with_its_charges_on_the_balance(billing: Billing) -> None:
    account = billing.stores.open("Élise Tremblay", "12 Rue Laurier")
    issued = statement(
        account_id=account.account_id, statement_id=f"{account.account_number}-20261031"
    )

    assert billing.statements.issue(issued, entry("S1", f"ACCOUNT#{account.account_id}"))
    assert not billing.statements.issue(issued, entry("S2", f"ACCOUNT#{account.account_id}"))

    assert billing.balances.balance_of(account.account_id).amount == issued.bill.total
    assert billing.statements.get(account.account_id, issued.statement_id) == issued
    later = replace(issued, statement_id=f"{account.account_number}-20261231")
    billing.statements.issue(later, entry("S3", f"ACCOUNT#{account.account_id}"))
    assert [s.statement_id for s in billing.statements.recent(account.account_id, 5)] == [
        later.statement_id,
        issued.statement_id,
    ]
    page = billing.statements.of_account(account.account_id, 1, None)
    assert [s.statement_id for s in page.items] == [later.statement_id]
    rest = billing.statements.of_account(account.account_id, 1, page.next_cursor)
    assert [s.statement_id for s in rest.items] == [issued.statement_id]
    with pytest.raises(NotFound):
        billing.statements.get(account.account_id, "UB00000000-20261031")


def test_a_statement_gets_one_document_and_its_announcement(billing: Billing) -> None:
    account = billing.stores.open("Élise Tremblay", "12 Rue Laurier")
    issued = statement(
        account_id=account.account_id, statement_id=f"{account.account_number}-20261031"
    )
    billing.statements.issue(issued, entry("S1", f"ACCOUNT#{account.account_id}"))
    sample = json.loads((REPO / "events" / "eventbridge" / "statement_issued.json").read_text())
    event = DomainEvent(
        "EV-1",
        "StatementIssued",
        1,
        NOW,
        Actor("civiq-billing", "system"),
        "corr",
        f"ACCOUNT#{account.account_id}",
        sample["detail"]["data"],
    )

    assert billing.statements.attach_document(issued, "statements/a.pdf", [event])
    assert not billing.statements.attach_document(issued, "statements/b.pdf", [event])
    assert billing.statements.get(account.account_id, issued.statement_id).document_key == (
        "statements/a.pdf"
    )
    pending = billing.stores.outbox.pending(NOW.replace(year=2027), 10)
    assert [e.event_id for e in pending if e.event_type == "StatementIssued"] == ["EV-1"]


def test_issuing_for_an_unknown_account_writes_nothing(billing: Billing) -> None:
    with pytest.raises(NotFound):
        billing.statements.issue(statement(account_id="nobody"), entry("S1", "ACCOUNT#nobody"))
