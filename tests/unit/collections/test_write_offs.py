"""Write-offs as services over the in-memory adapters: a clerk within authority, a supervisor
above it, nothing written when refused, once per write-off id, the collection case closed as
written off; arrears reinstated by a later payment (newest write-off first, once per payment)
or by a supervisor's reversal; small balances of accounts no longer served written off daily,
once a day."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal as D

import pytest

from civiq.collections.domain.dunning import CaseEnd, CaseStatus
from civiq.collections.domain.write_offs import (
    Authority,
    WriteOffCategory,
    WriteOffIdTaken,
    WriteOffPolicy,
)
from civiq.core.envelope import EventEnvelope
from civiq.core.errors import Conflict, InvalidInput, NotFound
from civiq.core.events import Actor
from civiq.event_catalog import payload_of
from tests.helpers.metering_world import CLERK
from tests.helpers.write_off_world import WriteOffWorld, asked

SUPERVISOR = Actor("super-1", "supervisor")
WRITE_OFF_ID = "01JWR1TE0FF000000000000001"


@pytest.fixture
def world() -> WriteOffWorld:
    return WriteOffWorld()


def events_of(world: WriteOffWorld, event_type: str) -> list[dict[str, object]]:
    found = [e for e in world.publisher.published if e.event_type == event_type]
    return [payload_of(EventEnvelope.of(e)).model_dump(mode="json") for e in found]


# --- writing off ---------------------------------------------------------------------------------


def test_a_clerk_writes_off_within_authority(world: WriteOffWorld) -> None:
    account, _ = world.owing()

    written = world.write_off(asked(account.account_id, "60.00", WRITE_OFF_ID), CLERK, "c1")

    assert written.new
    record = written.write_off
    assert (record.amount, record.authority, record.written_off_by) == (
        D("60.00"),
        Authority.CLERK,
        CLERK.subject,
    )
    (entry,) = world.written_off_entries(account.account_id)
    assert (entry.amount, entry.entry_id) == (D("-60.00"), WRITE_OFF_ID)
    ledger = world.ledger.state(account.account_id)
    assert ledger.balance == D("68.05")
    assert [s.owed for s in ledger.open_statements] == [D("68.05")]
    (event,) = events_of(world, "ArrearsWrittenOff")
    assert event["amount"] == "60.00" and event["balance_after"] == "68.05"
    assert event["authority"] == "clerk-within-authority"
    assert world.write_offs.get(WRITE_OFF_ID) == record


def test_a_clerk_above_authority_is_refused_and_nothing_is_written(world: WriteOffWorld) -> None:
    account, _ = world.owing()
    before = world.ledger.state(account.account_id)

    with pytest.raises(InvalidInput) as refused:
        world.write_off(asked(account.account_id, "100.01"), CLERK, "c1")

    assert refused.value.field == "amount"
    assert "100.00" in refused.value.message and "supervisor" in refused.value.message
    assert world.ledger.state(account.account_id) == before
    assert world.write_offs.write_offs == {}
    assert events_of(world, "ArrearsWrittenOff") == []


def test_the_clerk_authority_is_the_policy(world: WriteOffWorld) -> None:
    account, _ = world.owing()
    world.use(WriteOffPolicy(clerk_limit=D("25.00")))

    with pytest.raises(InvalidInput) as refused:
        world.write_off(asked(account.account_id, "25.01"), CLERK, "c1")

    assert "25.00" in refused.value.message


def test_a_supervisor_writes_off_any_amount_owed(world: WriteOffWorld) -> None:
    account, _ = world.owing()

    written = world.write_off(asked(account.account_id, "128.05"), SUPERVISOR, "c1")

    assert written.write_off.authority is Authority.SUPERVISOR
    ledger = world.ledger.state(account.account_id)
    assert (ledger.balance, ledger.open_statements) == (D(0), ())


def test_more_than_owed_or_an_unknown_account_is_refused(world: WriteOffWorld) -> None:
    account, _ = world.owing()

    with pytest.raises(InvalidInput) as refused:
        world.write_off(asked(account.account_id, "128.06"), SUPERVISOR, "c1")
    with pytest.raises(NotFound):
        world.write_off(asked("01J00000000000000000000000", "1.00"), SUPERVISOR, "c2")

    assert refused.value.field == "amount" and "128.05" in refused.value.message
    assert world.written_off_entries(account.account_id) == []


def test_the_same_write_off_id_again_changes_nothing(world: WriteOffWorld) -> None:
    account, _ = world.owing()
    first = world.write_off(asked(account.account_id, "60.00", WRITE_OFF_ID), CLERK, "c1")

    again = world.write_off(asked(account.account_id, "60.00", WRITE_OFF_ID), CLERK, "c2")

    assert (again.new, again.write_off) == (False, first.write_off)
    assert len(world.written_off_entries(account.account_id)) == 1
    assert world.ledger.state(account.account_id).balance == D("68.05")
    assert len(events_of(world, "ArrearsWrittenOff")) == 1


def test_a_write_off_id_names_one_write_off(world: WriteOffWorld) -> None:
    (first, second), _ = world.several_owing(2)
    world.write_off(asked(first.account_id, "10.00", WRITE_OFF_ID), CLERK, "c1")

    with pytest.raises(WriteOffIdTaken):
        world.write_off(asked(second.account_id, "10.00", WRITE_OFF_ID), CLERK, "c2")

    assert world.written_off_entries(second.account_id) == []


def test_the_open_case_closes_as_written_off_and_its_execution_stops(
    world: WriteOffWorld,
) -> None:
    account, due_on = world.owing()
    world.on(due_on + timedelta(days=31))
    case = world.open_case(account.account_id, CLERK, "c-open")

    world.write_off(asked(account.account_id, "128.05"), SUPERVISOR, "c1")

    (closed,) = world.cases.of_account(account.account_id)
    assert (closed.status, closed.ended) == (CaseStatus.CLOSED, CaseEnd.WRITTEN_OFF)
    assert case.execution in world.case_workflow.stopped


def test_a_partial_write_off_leaves_the_case_open(world: WriteOffWorld) -> None:
    account, due_on = world.owing()
    world.on(due_on + timedelta(days=31))
    world.open_case(account.account_id, CLERK, "c-open")

    world.write_off(asked(account.account_id, "20.00"), CLERK, "c1")

    case = world.cases.current(account.account_id)
    assert case is not None and case.past_due == D("108.05")


# --- reinstatement -------------------------------------------------------------------------------


def test_a_later_payment_reinstates_the_written_off_arrears_once(world: WriteOffWorld) -> None:
    account, _ = world.owing()
    world.write_off(asked(account.account_id, "128.05", WRITE_OFF_ID), SUPERVISOR, "c1")
    world.pay(account.account_id, "PAY-1", "150.00")  # a credit of 150.00

    reinstated = world.reinstate(account.account_id, "PAY-1", "c2")
    again = world.reinstate(account.account_id, "PAY-1", "c3")

    assert (reinstated, again) == (D("128.05"), D(0))
    ledger = world.ledger.state(account.account_id)
    assert (ledger.balance, ledger.credit) == (D("-21.95"), D("21.95"))
    record = world.write_offs.get(WRITE_OFF_ID)
    assert (record.reinstated, record.left) == (D("128.05"), D(0))
    assert record.reinstatements[0].payment_id == "PAY-1"
    entries = world.written_off_entries(account.account_id)
    assert [e.amount for e in entries] == [D("-128.05"), D("128.05")]
    (event,) = events_of(world, "WrittenOffArrearsReinstated")
    assert event["payment_id"] == "PAY-1" and event["amount"] == "128.05"


def test_a_credit_smaller_than_the_write_offs_reinstates_the_newest_first(
    world: WriteOffWorld,
) -> None:
    account, _ = world.owing()
    older = world.write_off(asked(account.account_id, "50.00"), CLERK, "c1").write_off
    world.clock.advance(seconds=60)
    newer = world.write_off(asked(account.account_id, "78.05"), CLERK, "c2").write_off
    world.pay(account.account_id, "PAY-1", "90.00")

    assert world.reinstate(account.account_id, "PAY-1", "c3") == D("90.00")

    assert world.write_offs.get(newer.write_off_id).left == D(0)
    assert world.write_offs.get(older.write_off_id).left == D("38.05")
    ledger = world.ledger.state(account.account_id)
    assert (ledger.balance, ledger.credit) == (D(0), D(0))


def test_a_payment_that_leaves_no_credit_reinstates_nothing(world: WriteOffWorld) -> None:
    (account, other), _ = world.several_owing(2)
    world.write_off(asked(account.account_id, "28.05"), CLERK, "c1")
    world.pay(account.account_id, "PAY-1", "60.00")  # 100.00 owed: no credit

    assert world.reinstate(account.account_id, "PAY-1", "c2") == D(0)
    world.pay(other.account_id, "PAY-2", "200.00")  # in credit, but nothing written off
    assert world.reinstate(other.account_id, "PAY-2", "c3") == D(0)
    assert world.ledger.state(other.account_id).credit == D("71.95")


# --- reversal ------------------------------------------------------------------------------------


def test_a_supervisor_reverses_a_write_off_made_in_error_once(world: WriteOffWorld) -> None:
    account, _ = world.owing()
    world.write_off(asked(account.account_id, "60.00", WRITE_OFF_ID), CLERK, "c1")

    after = world.reverse(WRITE_OFF_ID, "wrong account", SUPERVISOR, "c2")
    again = world.reverse(WRITE_OFF_ID, "wrong account", SUPERVISOR, "c3")

    assert after == again and (after.left, after.reinstated) == (D(0), D("60.00"))
    ledger = world.ledger.state(account.account_id)
    assert ledger.balance == D("128.05")
    assert sorted(s.owed for s in ledger.open_statements) == [D("60.00"), D("68.05")]
    assert len(events_of(world, "WrittenOffArrearsReinstated")) == 1


def test_what_payments_reinstated_in_full_is_not_reversed(world: WriteOffWorld) -> None:
    account, _ = world.owing()
    world.write_off(asked(account.account_id, "128.05", WRITE_OFF_ID), SUPERVISOR, "c1")
    world.pay(account.account_id, "PAY-1", "200.00")
    world.reinstate(account.account_id, "PAY-1", "c2")

    with pytest.raises(Conflict):
        world.reverse(WRITE_OFF_ID, "wrong account", SUPERVISOR, "c3")
    with pytest.raises(NotFound):
        world.reverse("01J00000000000000000000000", "wrong account", SUPERVISOR, "c4")


# --- small balances ------------------------------------------------------------------------------


def test_small_balances_of_accounts_no_longer_served_are_written_off_once(
    world: WriteOffWorld,
) -> None:
    (small, served, large), due_on = world.several_owing(3)
    world.pay(small.account_id, "PAY-1", "120.05")  # 8.00 left
    world.no_longer_served(small)
    world.pay(served.account_id, "PAY-2", "120.05")  # 8.00 left, still served
    world.pay(large.account_id, "PAY-3", "100.00")  # 28.05 left
    world.no_longer_served(large)
    world.on(due_on + timedelta(days=89))
    assert world.small_balances("c-early").written_off == 0

    world.on(due_on + timedelta(days=90))
    swept = world.small_balances("c1")
    rerun = world.small_balances("c2")

    assert (swept.written_off, swept.looked_at, rerun.looked_at) == (1, 3, 0)
    (record,) = world.write_offs.of_account(small.account_id)
    assert (record.amount, record.authority, record.category) == (
        D("8.00"),
        Authority.AUTOMATIC,
        WriteOffCategory.SMALL_BALANCE,
    )
    assert world.ledger.state(small.account_id).balance == D(0)
    assert world.ledger.state(served.account_id).balance == D("8.00")
    assert world.ledger.state(large.account_id).balance == D("28.05")
    assert world.sweep_marks.through == due_on


def test_a_run_stopped_for_time_is_gone_through_again(world: WriteOffWorld) -> None:
    small, due_on = world.owing()
    world.pay(small.account_id, "PAY-1", "120.05")
    world.no_longer_served(small)
    world.on(due_on + timedelta(days=90))

    stopped = world.small_balances("c1", more_time=lambda: False)
    finished = world.small_balances("c2")

    assert (stopped.complete, stopped.written_off) == (False, 0)
    assert world.sweep_marks.through == due_on and finished.written_off == 1


# --- reads ---------------------------------------------------------------------------------------


def test_write_offs_are_listed_newest_first_page_by_page(world: WriteOffWorld) -> None:
    account, _ = world.owing()
    made = []
    for n in range(3):
        world.clock.advance(seconds=1)
        made.append(world.write_off(asked(account.account_id, f"{n + 1}.00"), CLERK, "c").write_off)

    first = world.views.newest(None, 2, None)
    second = world.views.newest(account.account_id, 2, first.next_cursor)

    assert first.items == [made[2], made[1]] and second.items == [made[0]]
    assert second.next_cursor is None
    with pytest.raises(NotFound):
        world.views.newest("01J00000000000000000000000", 2, None)


def test_a_payment_that_leaves_a_small_balance_long_past_due_has_it_written_off(
    world: WriteOffWorld,
) -> None:
    (late, early), due_on = world.several_owing(2)
    for account in (late, early):
        world.no_longer_served(account)
    world.on(due_on + timedelta(days=120))
    world.small_balances("c-day")  # their day went by: 128.05 is not a small balance
    world.pay(late.account_id, "PAY-1", "120.05")
    world.pay(early.account_id, "PAY-2", "100.00")

    assert world.small_balances.after_payment(late.account_id, "PAY-1", D("8.00"), "c1")
    assert not world.small_balances.after_payment(early.account_id, "PAY-2", D("28.05"), "c2")

    assert world.ledger.state(late.account_id).balance == D(0)
    (record,) = world.write_offs.of_account(late.account_id)
    assert record.authority is Authority.AUTOMATIC
    assert world.write_offs.of_account(early.account_id) == []
