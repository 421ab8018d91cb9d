"""Making an arrangement: it covers what the ledger says is past due, for whoever asks within the
policy; every refused term is named at once; one arrangement at a time, and a debtor who broke
too many lately is refused. The daily check keeps, breaks or completes it from the payments
since it was made, once."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal as D

import pytest

from civiq.accounts.domain.accounts import HolderRole, ServiceType
from civiq.collections.domain.arrangements import (
    ArrangementPolicy,
    ArrangementStatus,
    InstalmentFrequency,
)
from civiq.collections.domain.dunning import CaseStatus, StepKind
from civiq.collections.services.arrangement_check import Checked
from civiq.collections.services.arrangements import ArrangementAsked, MakeArrangement
from civiq.core.errors import Conflict, InvalidInput, NotFound
from civiq.core.events import Actor
from civiq.event_catalog import EVENT_SCHEMAS
from tests.helpers.builders import command, services
from tests.helpers.collections_world import CollectionsWorld
from tests.helpers.metering_world import CLERK

RESIDENT = Actor("resident-portal:ID00000004", "resident")
TODAY = date(2027, 1, 10)  # the statement of Nov. 30 is past due


@pytest.fixture
def world() -> CollectionsWorld:
    return CollectionsWorld()


def owing(world: CollectionsWorld) -> tuple[str, D]:
    """An account whose November statement is past due on TODAY, and what it owes (its holder
    consents to email)."""
    account = world.account()
    world.consenting(account)
    statement = world.billed_by_a_run(account, ("2026-09-30", "100"), ("2026-11-30", "130"))
    assert statement.due_on < TODAY
    later = datetime(2027, 1, 10, 15, tzinfo=UTC)
    world.clock.advance(seconds=(later - world.clock.now()).total_seconds())
    return account.account_id, statement.total_due


def make(world: CollectionsWorld, policy: ArrangementPolicy | None = None) -> MakeArrangement:
    return world.arrange(policy)


def asked(account_id: str, down: str = "28.05", count: int = 2) -> ArrangementAsked:
    return ArrangementAsked(
        account_id, D(down), count, InstalmentFrequency.MONTHLY, date(2027, 2, 1)
    )


def test_an_arrangement_covers_the_arrears_the_ledger_shows(world: CollectionsWorld) -> None:
    account_id, owed = owing(world)  # 120.00 x 61/365 + 60.00 + 48.00 = 128.05
    arrange = make(world)

    arrangement = arrange(asked(account_id), RESIDENT, "corr-a")

    assert arrangement.terms.owed == owed == D("128.05")
    assert arrangement.terms.made_on == TODAY
    # 128.05 - 28.05 = 100.00 in two: 50.00 on Feb. 1 and Mar. 1
    assert [(i.due_on, i.amount) for i in arrangement.instalments] == [
        (date(2027, 2, 1), D("50.00")),
        (date(2027, 3, 1), D("50.00")),
    ]
    assert arrangement.made_by == RESIDENT.subject
    assert arrangement.status is ArrangementStatus.ACTIVE
    (entry,) = arrange.arrangements.history  # type: ignore[attr-defined]
    assert (entry.subject_id, entry.action, entry.actor_role) == (
        f"ACCOUNT#{account_id}",
        "ArrangementCreated",
        "resident",
    )


def test_every_term_refused_is_named(world: CollectionsWorld) -> None:
    account_id, _ = owing(world)
    policy = ArrangementPolicy(min_down_payment_percent=D("25"), max_instalments=6)

    with pytest.raises(InvalidInput) as refused:
        make(world, policy)(asked(account_id, down="10.00", count=9), RESIDENT, "c")

    assert [e.field for e in refused.value.errors] == ["down_payment", "instalments"]


def test_one_arrangement_at_a_time(world: CollectionsWorld) -> None:
    account_id, _ = owing(world)
    arrange = make(world)
    arrange(asked(account_id), RESIDENT, "c1")

    with pytest.raises(Conflict):
        arrange(asked(account_id), RESIDENT, "c2")


def test_a_debtor_who_broke_too_many_lately_is_refused(world: CollectionsWorld) -> None:
    account_id, _ = owing(world)
    arrange = make(world, ArrangementPolicy(broken_limit=1))
    first = arrange(asked(account_id), RESIDENT, "c1")
    kept = arrange.arrangements.arrangements  # type: ignore[attr-defined]
    kept[0] = replace(first, status=ArrangementStatus.BROKEN, ended_on=date(2027, 1, 5))

    with pytest.raises(InvalidInput) as refused:
        arrange(asked(account_id), RESIDENT, "c2")

    assert [e.field for e in refused.value.errors] == ["account"]


def test_no_arrears_nothing_to_arrange_and_no_account_not_found(world: CollectionsWorld) -> None:
    account = world.account()
    with pytest.raises(InvalidInput) as refused:
        make(world)(asked(account.account_id, down="0.00"), RESIDENT, "c")
    assert refused.value.errors[0].field == "owed"

    with pytest.raises(NotFound):
        make(world)(asked("no-such-account"), RESIDENT, "c")


def check(world: CollectionsWorld, arrange: MakeArrangement, on: date) -> Checked:
    return world.check(on, arrange.policy)


def pay(world: CollectionsWorld, account_id: str, payment_id: str, amount: str) -> None:
    world.pay(account_id, payment_id, amount)


def test_the_daily_check_keeps_breaks_and_completes(world: CollectionsWorld) -> None:
    account_id, _ = owing(world)
    arrange = make(world)
    arrange(asked(account_id), RESIDENT, "corr-a")  # 28.05 today, 50.00 Feb. 1 and Mar. 1
    pay(world, account_id, "P-1", "28.05")

    # the down payment's grace ends Jan. 15: paid, kept; next checked Feb. 7
    assert check(world, arrange, date(2027, 1, 16)) == Checked(kept=1, broken=0, completed=0)
    assert check(world, arrange, date(2027, 2, 6)) == Checked(0, 0, 0)
    pay(world, account_id, "P-2", "30.00")  # part of February's 50.00
    assert check(world, arrange, date(2027, 2, 7)) == Checked(kept=0, broken=1, completed=0)
    (broken,) = arrange.arrangements.of_account(account_id)
    assert (broken.status, broken.ended_on) == (ArrangementStatus.BROKEN, date(2027, 2, 7))
    assert check(world, arrange, date(2027, 2, 8)) == Checked(0, 0, 0)  # ended: not checked
    assert [e.action for e in arrange.arrangements.history] == [  # type: ignore[attr-defined]
        "ArrangementCreated",
        "ArrangementBroken",
        "NotificationRequested",  # the breach notice, by mail
        "NotificationRequested",  # and by email
    ]


def test_an_arrangement_paid_in_full_is_completed(world: CollectionsWorld) -> None:
    account_id, owed = owing(world)
    arrange = make(world)
    arrange(asked(account_id), RESIDENT, "corr-a")
    pay(world, account_id, "P-1", str(owed))

    assert check(world, arrange, date(2027, 1, 16)) == Checked(kept=0, broken=0, completed=1)
    (completed,) = arrange.arrangements.of_account(account_id)
    assert completed.status is ArrangementStatus.COMPLETED


def test_a_debtors_broken_arrangement_follows_them_to_their_other_account(
    world: CollectionsWorld,
) -> None:
    account_id, _ = owing(world)
    debtor = world.store.get(account_id).holder.customer_id
    moved = world.open(
        command(
            debtor,
            world.property().property_id,
            holder_role=HolderRole.OWNER,
            services=services(ServiceType.WATER, start=date(2026, 10, 1)),
        ),
        CLERK,
        "corr-open-2",
    )
    arrange = make(world, ArrangementPolicy(broken_limit=1))
    first = arrange(asked(account_id), RESIDENT, "c1")
    kept = arrange.arrangements.arrangements  # type: ignore[attr-defined]
    kept[0] = replace(first, status=ArrangementStatus.BROKEN, ended_on=date(2027, 1, 5))

    with pytest.raises(InvalidInput) as refused:
        arrange(asked(moved.account_id), RESIDENT, "c2")

    assert "account" in [e.field for e in refused.value.errors]


def test_an_arrangement_stops_the_ladder_and_a_broken_one_resumes_it(
    world: CollectionsWorld,
) -> None:
    account_id, _ = owing(world)
    case = world.open_case(account_id, CLERK, "corr-open")
    arrange = make(world)
    made = arrange(asked(account_id), RESIDENT, "corr-a")  # 28.05 today, 50.00 Feb. 1, Mar. 1

    paused = world.cases.current(account_id)
    assert paused is not None and paused.status is CaseStatus.PAUSED
    assert paused.paused_by == f"arrangement:{made.arrangement_id}"
    assert world.case_workflow.stopped == {case.execution: f"paused: {paused.paused_by}"}
    pay(world, account_id, "P-1", "28.05")
    assert check(world, arrange, date(2027, 1, 16)).kept == 1  # kept: the case stays paused
    assert world.cases.current(account_id) == paused

    assert check(world, arrange, date(2027, 2, 7)).broken == 1  # February's not paid

    for event in world.arrangements.events:  # each as the event catalogue describes it
        EVENT_SCHEMAS[(event.event_type, event.version)].model_validate(event.detail)
    breach = [
        e.detail for e in world.arrangements.events if e.event_type == "NotificationRequested"
    ]
    assert [(n["kind"], n["recipient"]["channel"]) for n in breach] == [
        ("arrangement-broken", "mail"),
        ("arrangement-broken", "email"),
    ]
    assert breach[0]["facts"]["missed_due_on"] == "2027-02-01"
    resumed = world.cases.current(account_id)
    assert resumed is not None and (resumed.status, resumed.run) == (CaseStatus.OPEN, 2)
    assert resumed.execution in world.case_workflow.started
    assert world.check(date(2027, 2, 7)) == Checked(0, 0, 0)  # ended once: nothing again
    step = world.advance(resumed.case_id, account_id, resumed.execution, None, "corr-step")
    assert step.case.steps[-1].kind is StepKind.ADVANCED  # the ladder goes on where it stopped
