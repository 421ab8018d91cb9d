"""Billing accounts in a cycle run: reads gathered (estimates for the missing), rated, issued
once per period, rendered and announced once."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal as D

import pytest

from civiq.accounts.domain.accounts import HolderRole
from civiq.accounts.domain.moves import FinalReading
from civiq.accounts.services.recording import Step
from civiq.billing.domain.billing import Skip
from civiq.billing.domain.cycles import AccountOutcome, Outcome, RunStatus
from civiq.billing.domain.statements import StatementKind
from civiq.core.errors import Conflict, InvalidInput
from civiq.core.language import Language
from tests.helpers.billing_world import PERIOD_END, SCHEDULE, BillingWorld
from tests.helpers.builders import SUPERVISOR
from tests.helpers.metering_world import CLERK


@pytest.fixture
def world() -> BillingWorld:
    return BillingWorld()


def test_an_account_is_billed_from_its_first_service_day_to_its_meter_read(
    world: BillingWorld,
) -> None:
    account = world.account()
    meter = world.meter(
        world.store.get(account.account_id) and world.properties.get(account.property_id)
    )
    world.read(meter, "2026-09-30", "100")
    world.read(meter, "2026-12-02", "130")  # read two days after the period end
    run = world.run()

    outcome = world.bill_account(account.account_id, run.request(), SCHEDULE)

    assert outcome.outcome is Outcome.BILLED
    statement = world.statements.get(account.account_id, outcome.statement_id or "")
    bill = statement.bill
    assert (bill.period_start, bill.period_end, bill.days) == (
        date(2026, 9, 30),
        date(2026, 12, 2),
        63,
    )
    # fixed 120.00 x 63/365 = 20.71; 30 m3 x 2.00 = 60.00; sewer 80% of 60.00 = 48.00
    assert [line.amount for line in bill.lines] == [D("20.71"), D("60.00"), D("48.00")]
    assert bill.total == D("128.71") == statement.total_due
    assert statement.kind is StatementKind.REGULAR and statement.language is Language.FR
    assert [r.volume for r in statement.reads] == [D("30.000")]
    assert world.balances.balance_of(account.account_id).amount == D("128.71")
    assert statement.usage_history[-1].volume == D("30.000")


def test_a_period_is_billed_once_whatever_is_retried(world: BillingWorld) -> None:
    account = world.account()
    meter = world.meter(world.properties.get(account.property_id))
    world.read(meter, "2026-11-30", "40")
    run = world.run()

    first = world.bill_account(account.account_id, run.request(), SCHEDULE)
    again = world.bill_account(account.account_id, run.request(), SCHEDULE)

    assert again == first
    assert len(world.statements.statements) == 1
    assert (
        world.balances.balance_of(account.account_id).amount
        == world.statements.get(account.account_id, first.statement_id or "").bill.total
    )


def test_a_missing_read_is_estimated_and_marked(world: BillingWorld) -> None:
    account = world.account()
    meter = world.meter(world.properties.get(account.property_id))
    for on, value in [("2026-03-31", "60"), ("2026-05-31", "80"), ("2026-07-31", "100")]:
        world.read(meter, on, value)
    world.read(meter, "2026-09-30", "120")
    run = world.run()

    outcome = world.bill_account(account.account_id, run.request(), SCHEDULE)

    statement = world.statements.get(account.account_id, outcome.statement_id or "")
    assert statement.estimated
    assert statement.bill.period_end == PERIOD_END
    estimate = world.metering.find(meter.meter_id, PERIOD_END)
    assert estimate is not None and estimate.estimated
    assert statement.reads[0].volume == estimate.volume


def test_a_read_waiting_for_review_holds_the_account(world: BillingWorld) -> None:
    account = world.account()
    meter = world.meter(world.properties.get(account.property_id))
    world.read(meter, "2026-09-30", "500")
    world.read(meter, "2026-11-28", "400")  # backwards: waits for review
    run = world.run()

    outcome = world.bill_account(account.account_id, run.request(), SCHEDULE)

    assert outcome == AccountOutcome(account.account_id, Outcome.SKIPPED, Skip.READ_NEEDS_REVIEW)
    assert world.statements.statements == {}


def test_a_shared_meter_bills_each_unit_its_share(world: BillingWorld) -> None:
    building = world.shared_building()
    first = world.account(building, "1", "Marc Roy")
    second = world.account(building, "2", "Ana Silva", HolderRole.TENANT)
    meter = world.meter(building)
    world.read(meter, "2026-09-30", "0")
    world.read(meter, "2026-11-30", "100")
    run = world.run()

    volumes, fixed_shares = [], []
    for account in (first, second):
        outcome = world.bill_account(account.account_id, run.request(), SCHEDULE)
        statement = world.statements.get(account.account_id, outcome.statement_id or "")
        volumes.append(statement.reads[0].volume)
        fixed_shares.append(next(x.quantity for x in statement.bill.lines if x.kind == "fixed"))
    assert volumes == [D("60.000"), D("40.000")]
    assert fixed_shares == [D("0.6"), D("0.4")]  # the meter's fixed charge, shared the same way


def test_a_batch_reports_each_account_and_goes_on_after_a_domain_error(
    world: BillingWorld,
) -> None:
    billed = world.account(name="Marc Roy")
    world.read(world.meter(world.properties.get(billed.property_id)), "2026-11-30", "10")
    no_meter_size = world.account(name="Ana Silva")  # no meter: the fixed charge has no size
    run = world.run()

    outcomes = world.bill_batch(run, 0, [billed.account_id, no_meter_size.account_id], SCHEDULE)

    assert [o.outcome for o in outcomes] == [Outcome.BILLED, Outcome.FAILED]
    assert outcomes[1].reason is not None and outcomes[1].reason.startswith("invalid_input")
    (record,) = world.runs.batches(run.run_id)
    assert record.counts[Outcome.BILLED] == 1 and record.exceptions == (outcomes[1],)


def test_prepare_selects_the_active_accounts_of_the_routes_in_batches(
    world: BillingWorld,
) -> None:
    accounts = [world.account(name=f"Client {n}") for n in range(3)]
    run = world.run()

    prepared = world.prepare(run.run_id, ["1"])

    assert prepared["selected"] == 3 and prepared["batches"] == 1
    (batch,) = world.manifests.written[prepared["manifest"]["key"]]
    assert sorted(batch["account_ids"]) == sorted(a.account_id for a in accounts)
    assert world.runs.get(run.run_id).selected == 3


def test_a_run_is_started_once_per_period_and_summarized(world: BillingWorld) -> None:
    account = world.account()
    world.read(world.meter(world.properties.get(account.property_id)), "2026-11-30", "10")
    run = world.run()
    assert world.start("residential-a", PERIOD_END, CLERK, "again") == run
    assert list(world.workflow.started) == ["residential-a-2026-11-30-1"]

    prepared = world.prepare(run.run_id, ["1"])
    billed = world.bill_batch(run, 0, [account.account_id], SCHEDULE)
    world.issue_batch(run.run_id, 0, billed)
    finished = world.summarize(run.run_id)

    assert prepared["batches"] == 1
    assert finished.status is RunStatus.COMPLETED
    assert finished.counts[Outcome.BILLED] == 1 and finished.batches_done == 1


def test_a_run_missing_a_batch_is_incomplete_and_resumes(world: BillingWorld) -> None:
    world.account()
    run = world.run()
    world.prepare(run.run_id, ["1"])

    assert world.summarize(run.run_id).status is RunStatus.INCOMPLETE
    resumed = world.start.resume(run.run_id, CLERK, "resume")
    assert resumed.attempts == 2 and "residential-a-2026-11-30-2" in world.workflow.started
    with pytest.raises(Conflict):
        world.start.resume(run.run_id, CLERK, "resume again")


def test_a_period_that_has_not_ended_cannot_run(world: BillingWorld) -> None:
    world.cycle()
    with pytest.raises(InvalidInput) as error:
        world.start("residential-a", date(2027, 1, 31), CLERK, "early")
    assert error.value.field == "period_end"


def test_statements_are_rendered_stored_and_announced_once(world: BillingWorld) -> None:
    account = world.account()
    world.read(world.meter(world.properties.get(account.property_id)), "2026-11-30", "10")
    run = world.run()
    outcome = world.bill_account(account.account_id, run.request(), SCHEDULE)

    assert world.issue([outcome]) == 1
    assert world.issue([outcome]) == 0

    statement = world.statements.get(account.account_id, outcome.statement_id or "")
    assert statement.document_key in world.documents.objects
    assert [call[:2] for call in world.renderer.calls] == [("statement", Language.FR)]
    (announced,) = world.published("StatementIssued")
    assert announced["document_key"] == statement.document_key
    assert announced["total_due"] == f"{statement.total_due:.2f}"


def moved_out(world: BillingWorld, account_id: str, on: date) -> None:
    before = world.store.get(account_id)
    step = Step(before.moved_out(on), "MovedOut", before)
    world.store.commit(world.recorder.change([step], CLERK, "corr-move"))


def test_a_final_bill_runs_to_the_move_out_read_at_the_routes_rates(world: BillingWorld) -> None:
    account = world.account()
    meter = world.meter(world.properties.get(account.property_id))
    world.read(meter, "2026-09-30", "100")
    world.cycle()
    moved_out(world, account.account_id, date(2026, 11, 15))

    outcome = world.final_bill(
        account.account_id, FinalReading(date(2026, 11, 15), D("121.5")), "MV1", "corr-move"
    )

    statement = world.statements.get(account.account_id, outcome.statement_id or "")
    assert statement.kind is StatementKind.FINAL and statement.run_id is None
    assert (statement.bill.period_start, statement.bill.period_end) == (
        date(2026, 9, 30),
        date(2026, 11, 15),
    )
    assert statement.reads[0].volume == D("21.500") and not statement.estimated
    assert {line.charge_type.value for line in statement.bill.lines} == {"water", "sewer"}
    assert statement.document_key is not None
    assert [e["kind"] for e in world.published("StatementIssued")] == ["final"]
    again = world.final_bill(
        account.account_id, FinalReading(date(2026, 11, 15), D("121.5")), "MV1", "corr-move"
    )
    assert (again.outcome, again.statement_id) == (Outcome.BILLED, statement.statement_id)
    assert len(world.statements.statements) == 1
    assert [e["kind"] for e in world.published("StatementIssued")] == ["final"]  # once


def test_a_final_bill_without_a_read_is_estimated(world: BillingWorld) -> None:
    account = world.account()
    meter = world.meter(world.properties.get(account.property_id))
    for on, value in [("2026-05-31", "40"), ("2026-07-31", "80"), ("2026-09-30", "120")]:
        world.read(meter, on, value)
    world.cycle()
    moved_out(world, account.account_id, date(2026, 11, 15))

    outcome = world.final_bill(
        account.account_id, FinalReading.estimated(date(2026, 11, 15)), "MV1", "corr-move"
    )

    statement = world.statements.get(account.account_id, outcome.statement_id or "")
    assert statement.estimated and statement.kind is StatementKind.FINAL


def test_a_final_bill_needs_a_cycle_for_the_route(world: BillingWorld) -> None:
    account = world.account()
    moved_out(world, account.account_id, date(2026, 11, 15))
    with pytest.raises(Conflict) as error:
        world.final_bill(account.account_id, FinalReading.estimated(date(2026, 11, 15)), "MV1", "c")
    assert error.value.field == "route"


def test_a_first_statement_covers_at_most_the_cycle_period(world: BillingWorld) -> None:
    account = world.account(started=date(2015, 6, 1))  # billed by the previous system until now
    meter = world.meter(world.properties.get(account.property_id))
    world.read(meter, "2026-09-30", "100")
    world.read(meter, "2026-11-30", "118")
    run = world.run()

    outcome = world.bill_account(account.account_id, run.request(), SCHEDULE)

    bill = world.statements.get(account.account_id, outcome.statement_id or "").bill
    assert (bill.period_start, bill.period_end) == (run.period_start, date(2026, 11, 30))


def test_a_cancel_and_rebill_keeps_both_and_moves_the_balance_by_the_difference(
    world: BillingWorld,
) -> None:
    account = world.account()
    meter = world.meter(world.properties.get(account.property_id))
    world.read(meter, "2026-09-30", "100")
    wrong = world.read(meter, "2026-11-30", "190")  # 90 m3: misread; accepted as read
    assert wrong.status.value == "accepted"
    run = world.run()
    first = world.statements.get(
        account.account_id,
        world.bill_account(account.account_id, run.request(), SCHEDULE).statement_id or "",
    )
    # the clerk fixes what was wrong (here: the meter was read as 190 but showed 130)
    corrected = world.metering.find(meter.meter_id, date(2026, 11, 30))
    assert corrected is not None
    world.metering.reads[(meter.meter_id, date(2026, 11, 30))] = replace(
        corrected, value=D("130"), volume=D("30.000")
    )

    rebill = world.rebill(account.account_id, first.statement_id, "misread", SUPERVISOR, "c")

    assert (
        rebill.statement_id == f"{first.statement_id}-R1" and rebill.replaces == first.statement_id
    )
    assert rebill.kind is StatementKind.REBILL
    assert (rebill.bill.period_start, rebill.bill.period_end) == (
        first.bill.period_start,
        first.bill.period_end,
    )
    assert rebill.reads[0].volume == D("30.000") < first.reads[0].volume
    stored = world.statements.get(account.account_id, first.statement_id)
    assert stored.status.value == "cancelled"
    assert rebill.previous_balance == first.previous_balance == 0
    assert world.balances.balance_of(account.account_id).amount == rebill.bill.total
    assert world.documents_requested.requested == [rebill.statement_id]
    assert world.published("StatementIssued")[-1]["replaces"] == first.statement_id
    with pytest.raises(Conflict):
        world.rebill(account.account_id, first.statement_id, "again", SUPERVISOR, "c")
    # the next bill starts where the rebill ended and ignores the cancelled statement
    assert world.bill_account.issued(account.account_id) == [
        world.statements.get(account.account_id, rebill.statement_id)
    ]
