"""The billing repositories: the in-memory fakes and DynamoDB behave alike."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from civiq.billing.domain.cycles import (
    AccountOutcome,
    BatchRecord,
    BillingRun,
    CycleDefinition,
    Frequency,
    Outcome,
    RunStatus,
)
from civiq.billing.ports import Attachment
from civiq.billing.services.billing import issue_statement
from civiq.core.audit import AuditEntry
from civiq.core.errors import Conflict, NotFound, VersionConflict
from civiq.core.events import Actor, DomainEvent
from civiq.ledger.domain.journal import AccountLedger, EntriesSince
from civiq.ledger.ports import JournalReader
from tests.helpers.files import REPO
from tests.helpers.statement_builders import issue_with_ledger, journal_of, statement
from tests.helpers.stores import NOW, Billing


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


def test_a_batch_is_recorded_issued_until_it_is_billed_again(billing: Billing) -> None:
    started = billing.runs.start(run(), entry("R1", "RUN#x"))
    billing.runs.prepared(started.run_id, 2, 1)
    billed = [
        AccountOutcome("A1", Outcome.BILLED, None, "S1"),
        AccountOutcome("A2", Outcome.BILLED, None, "S2"),
    ]
    billing.runs.record_batch(started.run_id, BatchRecord.of(0, billed))
    unrendered = AccountOutcome("A2", Outcome.FAILED, "not_rendered:OSError", "S2", "no pango")

    billing.runs.record_issuing(started.run_id, 0, [unrendered])

    (record,) = billing.runs.batches(started.run_id)
    assert record.unrendered == (unrendered,) and record.done
    billing.runs.record_batch(started.run_id, BatchRecord.of(0, billed))  # a rerun bills it
    (record,) = billing.runs.batches(started.run_id)
    assert record.unrendered is None and not record.done
    billing.runs.record_issuing(started.run_id, 0, [])
    assert billing.runs.batches(started.run_id)[0].unrendered == ()
    with pytest.raises(NotFound):
        billing.runs.record_issuing(started.run_id, 1, [])  # never billed
    assert [r.batch for r in billing.runs.batches(started.run_id)] == [0]


def test_a_prepared_run_is_running_again(billing: Billing) -> None:
    started = billing.runs.start(run(), entry("R1", "RUN#x"))
    billing.runs.finish(replace(started, status=RunStatus.INCOMPLETE, finished_at=NOW))

    billing.runs.prepared(started.run_id, 250, 3)

    again = billing.runs.get(started.run_id)
    assert (again.status, again.finished_at, again.selected, again.batches) == (
        RunStatus.RUNNING,
        None,
        250,
        3,
    )


def test_a_statement_is_issued_once_with_its_charges_on_the_balance(billing: Billing) -> None:
    account = billing.stores.open("Élise Tremblay", "12 Rue Laurier")
    issued = statement(
        account_id=account.account_id, statement_id=f"{account.account_number}-20261031"
    )

    assert issue_with_ledger(
        billing.statements, issued, entry("S1", f"ACCOUNT#{account.account_id}")
    )
    assert not issue_with_ledger(
        billing.statements, issued, entry("S2", f"ACCOUNT#{account.account_id}")
    )

    assert billing.balances.balance_of(account.account_id).amount == issued.bill.total
    assert billing.statements.get(account.account_id, issued.statement_id) == issued
    later = replace(issued, statement_id=f"{account.account_number}-20261231")
    issue_with_ledger(billing.statements, later, entry("S3", f"ACCOUNT#{account.account_id}"))
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


class PostingFirst:
    """A ledger reader that lets another statement post after the basis is read, once: the
    first posting computed from that basis finds the ledger moved."""

    def __init__(self, journal: JournalReader, post_first: Callable[[], object]) -> None:
        self.journal = journal
        self.post_first: Callable[[], object] | None = post_first
        self.reads = 0

    def state(self, account_id: str) -> AccountLedger:
        self.reads += 1
        basis = self.journal.state(account_id)
        if self.post_first is not None:
            post_first, self.post_first = self.post_first, None
            post_first()
        return basis

    def entries_since(self, account_id: str, after: int) -> EntriesSince:
        return self.journal.entries_since(account_id, after)

    def entries_after(self, ledger: AccountLedger, after: int) -> EntriesSince:
        return self.journal.entries_after(ledger, after)


def test_a_statement_posted_after_another_posting_is_computed_again(billing: Billing) -> None:
    account = billing.stores.open("Élise Tremblay", "12 Rue Laurier")
    subject = f"ACCOUNT#{account.account_id}"
    october = statement(
        account_id=account.account_id, statement_id=f"{account.account_number}-20261031"
    )
    december = replace(october, statement_id=f"{account.account_number}-20261231")
    journal = journal_of(billing.statements)
    racing = PostingFirst(
        journal, lambda: issue_with_ledger(billing.statements, october, entry("S1", subject))
    )

    assert issue_statement(billing.statements, racing, december, entry("S2", subject))

    assert racing.reads == 2  # the stale basis was refused, the second read posted
    ledger = journal.state(account.account_id)
    assert ledger.balance == october.bill.total + december.bill.total
    assert [s.statement_id for s in ledger.open_statements] == [
        october.statement_id,
        december.statement_id,
    ]
    assert billing.balances.balance_of(account.account_id).amount == ledger.balance


def test_a_statement_gets_one_document_and_its_announcement(billing: Billing) -> None:
    account = billing.stores.open("Élise Tremblay", "12 Rue Laurier")
    issued = statement(
        account_id=account.account_id, statement_id=f"{account.account_number}-20261031"
    )
    issue_with_ledger(billing.statements, issued, entry("S1", f"ACCOUNT#{account.account_id}"))
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

    first = Attachment(issued, "statements/a.pdf", (event,))
    assert billing.statements.attach_documents([first]) == [first]
    again = Attachment(issued, "statements/b.pdf", (replace(event, event_id="EV-2"),))
    assert billing.statements.attach_documents([again]) == []
    assert billing.statements.get(account.account_id, issued.statement_id).document_key == (
        "statements/a.pdf"
    )
    pending = billing.stores.outbox.pending(NOW.replace(year=2027), 10)
    assert [e.event_id for e in pending if e.event_type == "StatementIssued"] == ["EV-1"]


def test_documents_attach_many_to_a_request_and_skip_those_attached_before(
    billing: Billing,
) -> None:
    """40 statements: more than one transaction holds (33 with their announcement and its
    history entry); the fifth, attached before (a concurrent render), keeps its document and
    its announcement is not written, the 39 others are attached with theirs."""
    attachments = []
    for n in range(40):
        account = billing.stores.open(f"Holder {n}", f"{n} Rue Laurier")
        issued = statement(
            account_id=account.account_id, statement_id=f"{account.account_number}-20261031"
        )
        issue_with_ledger(
            billing.statements, issued, entry(f"S{n}", f"ACCOUNT#{account.account_id}")
        )
        event = DomainEvent(
            f"EV-{n:02d}",
            "StatementIssued",
            1,
            NOW,
            Actor("civiq-billing", "system"),
            "corr",
            f"ACCOUNT#{account.account_id}",
            {"statement_id": issued.statement_id},
        )
        attachments.append(Attachment(issued, f"statements/{n}.pdf", (event,)))
    earlier = replace(attachments[4], key="statements/earlier.pdf", events=())
    assert billing.statements.attach_documents([earlier]) == [earlier]

    attached = billing.statements.attach_documents(attachments)

    assert attached == attachments[:4] + attachments[5:]
    for attachment in attachments:
        stored = billing.statements.get(
            attachment.statement.account_id, attachment.statement.statement_id
        )
        expected = earlier.key if attachment is attachments[4] else attachment.key
        assert stored.document_key == expected
    pending = billing.stores.outbox.pending(NOW.replace(year=2027), 100)
    announced = sorted(e.event_id for e in pending if e.event_type == "StatementIssued")
    assert announced == [f"EV-{n:02d}" for n in range(40) if n != 4]


def test_issuing_for_an_unknown_account_writes_nothing(billing: Billing) -> None:
    with pytest.raises(NotFound):
        issue_with_ledger(
            billing.statements, statement(account_id="nobody"), entry("S1", "ACCOUNT#nobody")
        )
