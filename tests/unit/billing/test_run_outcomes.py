"""What a run reports: a statement that cannot be rendered fails its account (the others are
issued), a batch billed but never issued leaves the run incomplete, and a resumed run issues
what is left, each statement announced once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import pytest

from civiq.accounts.domain.accounts import Account
from civiq.billing.domain.cycles import (
    AccountOutcome,
    BatchRecord,
    BillingRun,
    Outcome,
    Progress,
    RunStatus,
)
from civiq.billing.services.issue_statements import IssueBatch
from civiq.core.fakes import FakeRenderer
from civiq.core.language import Language
from tests.helpers.billing_world import SCHEDULE, BillingWorld
from tests.helpers.metering_world import CLERK


class LayoutError(Exception):
    """What a template or the PDF engine raises for a document it cannot lay out."""


class RendererFailingFor(FakeRenderer):
    """Renders like :class:`FakeRenderer`, except the statements of ``recipient``."""

    def __init__(self, recipient: str) -> None:
        super().__init__()
        self.recipient = recipient

    def render_pdf(self, template: str, language: Language, context: Mapping[str, object]) -> bytes:
        if context["recipient_name"] == self.recipient:
            raise LayoutError(f"the charges table overflows for {self.recipient}")
        return super().render_pdf(template, language, context)


@pytest.fixture
def world() -> BillingWorld:
    return BillingWorld()


def read_account(world: BillingWorld, name: str) -> Account:
    account = world.account(name=name)
    prop = world.properties.get(account.property_id)
    world.read(world.meter(prop, serial=f"SN-{account.account_id}"), "2026-11-30", "10")
    return account


def run_batch(world: BillingWorld, run: BillingRun, issue: IssueBatch, ids: list[str]) -> None:
    """The workflow's steps for a run of one batch: prepare, bill, issue."""
    world.prepare(run.run_id, ["1"])
    billed = world.bill_batch(run, 0, ids, SCHEDULE)
    issue(run.run_id, 0, billed)


def test_a_statement_that_cannot_be_rendered_fails_its_account_until_the_run_resumes(
    world: BillingWorld,
) -> None:
    accounts = [read_account(world, n) for n in ("Élise Tremblay", "Marc Roy", "Ana Silva")]
    ids = [a.account_id for a in accounts]
    run = world.run()
    failing = IssueBatch(replace(world.issue, renderer=RendererFailingFor("Marc Roy")), world.runs)

    run_batch(world, run, failing, ids)

    announced = sorted(e["account_id"] for e in world.published("StatementIssued"))
    assert announced == sorted([accounts[0].account_id, accounts[2].account_id])
    (record,) = world.runs.batches(run.run_id)
    (unrendered,) = record.unrendered or ()
    marc = world.statements.recent(accounts[1].account_id, 1)[0]
    assert marc.document_key is None  # billed, not issued: nobody was told of it
    assert unrendered == AccountOutcome(
        accounts[1].account_id,
        Outcome.FAILED,
        "not_rendered:LayoutError",
        marc.statement_id,
        "the charges table overflows for Marc Roy",
    )
    finished = world.summarize(run.run_id)
    assert finished.status is RunStatus.INCOMPLETE
    assert finished.counts == {Outcome.BILLED: 2, Outcome.SKIPPED: 0, Outcome.FAILED: 1}
    assert finished.reasons == {"not_rendered:LayoutError": 1}
    assert finished.summary() == (
        f"billing run {run.run_id} is incomplete: 1 of 1 batches billed and issued; "
        "3 accounts: 2 billed, 0 skipped, 1 failed (not_rendered:LayoutError: 1)"
    )

    resumed = world.start.resume(run.run_id, CLERK, "template fixed")
    run_batch(world, resumed, world.issue_batch, ids)  # the renderer fixed

    completed = world.summarize(run.run_id)
    assert completed.status is RunStatus.COMPLETED and completed.batches_done == 1
    assert completed.counts == {Outcome.BILLED: 3, Outcome.SKIPPED: 0, Outcome.FAILED: 0}
    assert completed.reasons == {}
    announced = sorted(e["account_id"] for e in world.published("StatementIssued"))
    assert announced == sorted(ids)  # each statement once
    assert world.statements.recent(accounts[1].account_id, 1)[0].document_key is not None
    assert len(world.statements.statements) == 3  # billed once


def test_a_batch_billed_but_never_issued_leaves_the_run_incomplete(world: BillingWorld) -> None:
    account = read_account(world, "Élise Tremblay")
    run = world.run()
    world.prepare(run.run_id, ["1"])
    billed = world.bill_batch(run, 0, [account.account_id], SCHEDULE)  # the renderer crashed

    finished = world.summarize(run.run_id)

    assert finished.status is RunStatus.INCOMPLETE and finished.batches_done == 0
    assert finished.counts[Outcome.BILLED] == 1  # billed: its charges are on the balance
    world.issue_batch(run.run_id, 0, billed)
    assert world.summarize(run.run_id).status is RunStatus.COMPLETED
    world.bill_batch(run, 0, [account.account_id], SCHEDULE)  # billed again: issue it again
    assert world.summarize(run.run_id).status is RunStatus.INCOMPLETE


def test_an_account_that_failed_billing_leaves_the_run_incomplete(world: BillingWorld) -> None:
    no_meter_size = world.account(name="Ana Silva")  # no meter: the fixed charge has no size
    run = world.run()

    run_batch(world, run, world.issue_batch, [no_meter_size.account_id])

    finished = world.summarize(run.run_id)
    assert finished.status is RunStatus.INCOMPLETE and finished.batches_done == 1
    assert finished.counts[Outcome.FAILED] == 1
    assert world.start.resume(run.run_id, CLERK, "meter installed").status is RunStatus.RUNNING


def test_skipped_accounts_complete_a_run(world: BillingWorld) -> None:
    unread = world.account(name="Ana Silva")
    world.meter(world.properties.get(unread.property_id))  # no read, no history: skipped
    run = world.run()

    run_batch(world, run, world.issue_batch, [unread.account_id])

    finished = world.summarize(run.run_id)
    assert finished.status is RunStatus.COMPLETED
    assert finished.counts[Outcome.SKIPPED] == 1 and finished.reasons == {"no-read-no-history": 1}


def test_outside_a_run_a_statement_that_cannot_be_rendered_fails_its_caller(
    world: BillingWorld,
) -> None:
    account = read_account(world, "Marc Roy")
    run = world.run()
    outcome = world.bill_account(account.account_id, run.request(), SCHEDULE)
    issue = replace(world.issue, renderer=RendererFailingFor("Marc Roy"))

    with pytest.raises(LayoutError):  # a rebill or a final bill: its caller reports it
        issue([outcome])
    assert world.published("StatementIssued") == []


def test_a_rerun_execution_marks_the_run_running_again(world: BillingWorld) -> None:
    run = world.run()
    world.prepare(run.run_id, ["1"])
    assert world.summarize(run.run_id).status is RunStatus.COMPLETED  # no accounts, no batches
    world.prepare(run.run_id, ["1"])  # the work queue's retry: a new execution
    rerun = world.runs.get(run.run_id)
    assert (rerun.status, rerun.finished_at) == (RunStatus.RUNNING, None)


def batch(n: int, billed: int, skipped: int = 0, failed: int = 0) -> BatchRecord:
    """Batch ``n``'s billing record: accounts ``<n>-<i>``, billed first."""
    kinds = [(Outcome.BILLED, None)] * billed + [(Outcome.SKIPPED, "read-needs-review")] * skipped
    kinds += [(Outcome.FAILED, "invalid_input:meter_size")] * failed
    return BatchRecord.of(
        n,
        [
            AccountOutcome(f"{n}-{i}", outcome, reason, f"S{n}-{i}" if reason is None else None)
            for i, (outcome, reason) in enumerate(kinds)
        ],
    )


def test_progress_counts_an_unrendered_statement_failed_and_its_batch_done() -> None:
    unrendered = AccountOutcome("0-1", Outcome.FAILED, "not_rendered:OSError", "S0-1", "no pango")
    issued = replace(batch(0, billed=3, skipped=1), unrendered=(unrendered,))
    billed_only = batch(1, billed=2, failed=1)

    progress = Progress.of([issued, billed_only])

    assert progress.batches_done == 1
    assert progress.counts == {Outcome.BILLED: 4, Outcome.SKIPPED: 1, Outcome.FAILED: 2}
    assert progress.reasons == {
        "read-needs-review": 1,
        "invalid_input:meter_size": 1,
        "not_rendered:OSError": 1,
    }
    assert unrendered in progress.exceptions
    assert not progress.complete(2)
    assert Progress.of([replace(billed_only, unrendered=()), issued]).batches_done == 2


@pytest.mark.parametrize(
    ("records", "batches", "complete"),
    [
        ([], 0, True),
        ([replace(batch(0, billed=2, skipped=1), unrendered=())], 1, True),
        ([batch(0, billed=2)], 1, False),  # billed, never issued
        ([replace(batch(0, billed=2), unrendered=())], 2, False),  # a batch never billed
        ([replace(batch(0, billed=1, failed=1), unrendered=())], 1, False),
    ],
    ids=["no-batches", "issued", "not-issued", "batch-missing", "account-failed"],
)
def test_a_run_is_complete_when_every_batch_is_issued_and_no_account_failed(
    records: list[BatchRecord], batches: int, complete: bool
) -> None:
    assert Progress.of(records).complete(batches) is complete
