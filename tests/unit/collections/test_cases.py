"""Collection cases as services over the in-memory adapters: opened once per account, taken up
the ladder by their workflow's task with notices in the holder's language, decided from the
ledger as of the write (a payment racing a stage advance is seen), closed by payment, paused and
resumed."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import ROUND_DOWN
from decimal import Decimal as D
from typing import Any

import pytest

from civiq.accounts.domain.accounts import Account
from civiq.collections.domain.arrangements import (
    Arrangement,
    ArrangementTerms,
    InstalmentFrequency,
)
from civiq.collections.domain.contacts import ContactChannel, ContactOutcome
from civiq.collections.domain.dunning import (
    NO_STAGE,
    Case,
    CaseEnd,
    CaseStatus,
    StepKind,
)
from civiq.collections.domain.risk_scores import Band, RiskScore
from civiq.collections.ports import CaseChange
from civiq.collections.schemas.cases import CaseOut
from civiq.collections.schemas.events import CollectionStageAdvancedV1
from civiq.collections.services.case_contacts import ContactTold
from civiq.core.audit import AuditEntry
from civiq.core.envelope import envelope_from_eventbridge
from civiq.core.errors import Conflict, InvalidInput, NotFound
from civiq.core.events import DomainEvent
from civiq.event_catalog import payload_of
from civiq.notices.schemas.events import NotificationRequestedV1
from civiq.payments.domain.payment_troubles import PaymentTrouble
from tests.helpers.collections_world import CollectionsWorld
from tests.helpers.files import load_event
from tests.helpers.metering_world import CLERK
from tests.helpers.stores import NOW

SAMPLE = "eventbridge/collection_stage_advanced.json"


@pytest.fixture
def world() -> CollectionsWorld:
    return CollectionsWorld()


def delinquent(world: CollectionsWorld) -> tuple[Account, date, D]:
    """An account whose statement is one day past due (its holder consents to email and text
    messages); its due date and what it owes."""
    account = world.account()
    world.consenting(account)
    statement = world.billed_by_a_run(account, ("2026-09-30", "100"), ("2026-11-30", "130"))
    world.on(statement.due_on + timedelta(days=1))
    return account, statement.due_on, statement.total_due


def notices(events: list[DomainEvent]) -> list[DomainEvent]:
    return [e for e in events if e.event_type == "NotificationRequested"]


def step_to(world: CollectionsWorld, case: Case, on: date) -> Any:
    world.on(on)
    return world.advance(case.case_id, case.account_id, case.execution, on, "corr-step")


# --- opening -------------------------------------------------------------------------------------


def test_a_case_opens_once_per_account_with_its_workflow(world: CollectionsWorld) -> None:
    account, due_on, owed = delinquent(world)

    case = world.open_case(account.account_id, CLERK, "corr-open")

    assert (case.status, case.stage, case.past_due) == (CaseStatus.OPEN, NO_STAGE, owed)
    assert case.next_on == due_on + timedelta(days=30)
    assert world.case_workflow.started[case.execution] == {
        "case_id": case.case_id,
        "account_id": account.account_id,
    }
    with pytest.raises(Conflict, match="case open"):
        world.open_case(account.account_id, CLERK, "corr-again")
    assert [h.action for h in world.cases.history] == ["CollectionCaseOpened"]


def test_no_case_without_arrears_for_an_arrangement_or_an_unknown_account(
    world: CollectionsWorld,
) -> None:
    account, due_on, owed = delinquent(world)
    world.on(due_on)  # due today: not late
    with pytest.raises(Conflict, match="nothing past due"):
        world.open_case(account.account_id, CLERK, "corr-open")
    world.on(due_on + timedelta(days=1))
    world.arrangements.arrangements.append(
        Arrangement(
            "R1",
            account.account_id,
            ArrangementTerms(owed, D(0), 2, InstalmentFrequency.MONTHLY, due_on, due_on),
            (),
            "clerk",
            datetime(2027, 1, 1),
            0,
        )
    )
    with pytest.raises(Conflict, match="arrangement in force"):
        world.open_case(account.account_id, CLERK, "corr-open")
    with pytest.raises(NotFound):
        world.open_case("01J00000000000000000000000", CLERK, "corr-open")
    assert world.cases.cases == []


def test_the_daily_opening_follows_bills_that_fell_due_once(world: CollectionsWorld) -> None:
    account, due_on, _ = delinquent(world)
    world.past_due_statements.accounts.append(account.account_id)

    stopped = world.open_delinquent("corr-daily", more_time=lambda: False)
    assert (stopped.opened, stopped.complete) == (0, False)
    assert world.opening_marks.through is None  # the next run goes through the same days

    first = world.open_delinquent("corr-daily")
    again = world.open_delinquent("corr-daily")

    assert (first.opened, first.complete, again.opened) == (1, True, 0)
    assert world.opening_marks.through == due_on  # through yesterday
    assert len(world.cases.cases) == 1


# --- up the ladder -------------------------------------------------------------------------------


def test_each_stage_sends_its_notice_by_mail_email_and_text_in_the_holders_language(
    world: CollectionsWorld,
) -> None:
    account, due_on, owed = delinquent(world)
    case = world.open_case(account.account_id, CLERK, "corr-open")

    waiting = step_to(world, case, due_on + timedelta(days=29))
    assert waiting.case.stage == NO_STAGE
    assert waiting.wake_at.date() == due_on + timedelta(days=30)
    assert (waiting.wake_at.hour, str(waiting.wake_at.tzinfo)) == (6, "America/Toronto")

    reached = step_to(world, case, due_on + timedelta(days=30))

    assert reached.case.stage == 0 and reached.wake_at.date() == due_on + timedelta(days=45)
    events = world.cases.events
    assert events[0].event_type == "CollectionStageAdvanced"
    advanced = events[0].detail
    assert (advanced["stage"], advanced["days_past_due"], advanced["past_due"]) == (
        "reminder",
        30,
        f"{owed:.2f}",
    )
    CollectionStageAdvancedV1.model_validate(advanced)  # as the catalogue describes it
    assert payload_of(envelope_from_eventbridge(load_event(SAMPLE))).stage == "reminder"  # type: ignore[attr-defined]
    sent = notices(events)
    for notice in sent:
        NotificationRequestedV1.model_validate(notice.detail)
    assert [n.detail["recipient"]["channel"] for n in sent] == ["mail", "email", "sms"]
    letter = sent[0].detail
    assert letter["kind"] == "collection-reminder" and letter["language"] == "fr"
    assert letter["message"]["subject"].startswith("Rappel")
    assert f"{owed:.2f}".replace(".", ",") + "\u00a0$" in letter["message"]["body"]
    assert letter["recipient"]["postal_address"]["street"]
    # published after the commit, each recorded on the account's history
    assert {e.event_id for e in world.publisher.published} >= {e.event_id for e in events}
    assert {h.entry_id for h in world.cases.history} >= {e.event_id for e in events}


def test_a_retried_task_or_a_stale_execution_sends_nothing_again(world: CollectionsWorld) -> None:
    account, due_on, _ = delinquent(world)
    case = world.open_case(account.account_id, CLERK, "corr-open")
    step_to(world, case, due_on + timedelta(days=30))
    sent = len(world.cases.events)

    step_to(world, case, due_on + timedelta(days=30))  # the task retried the same day
    stale = world.advance(case.case_id, account.account_id, "case-other-1", None, "corr")

    assert len(world.cases.events) == sent
    assert stale.wake_at is None


def test_a_payment_racing_a_stage_advance_is_seen_before_the_stage(
    world: CollectionsWorld,
) -> None:
    """The payment posts after the task read the ledger and before it wrote: the write is
    refused (the ledger moved) and the stage is decided again from the ledger with the
    payment, which left nothing past due."""
    account, due_on, owed = delinquent(world)
    case = world.open_case(account.account_id, CLERK, "corr-open")
    world.on(due_on + timedelta(days=30))
    save = world.cases.save
    raced: list[int] = []

    def payment_first(before: Case, change: CaseChange) -> None:
        if not raced:
            raced.append(1)
            world.pay(account.account_id, "P1", str(owed))
        save(before, change)

    world.cases.save = payment_first  # type: ignore[method-assign]
    step = world.advance(case.case_id, account.account_id, case.execution, None, "corr")

    assert step.wake_at is None
    closed = world.cases.of_account(account.account_id)[0]
    assert (closed.status, closed.ended, closed.stage) == (
        CaseStatus.CLOSED,
        CaseEnd.PAID,
        NO_STAGE,
    )
    assert notices(world.cases.events) == []


def test_a_payment_in_full_closes_the_case_and_stops_its_execution(
    world: CollectionsWorld,
) -> None:
    account, _, owed = delinquent(world)
    case = world.open_case(account.account_id, CLERK, "corr-open")
    world.pay(account.account_id, "P1", "20.00")
    partly = world.follow_payment(account.account_id, "corr-pay")
    assert partly is not None and partly.past_due == owed - D("20.00")
    assert partly.status is CaseStatus.OPEN

    world.pay(account.account_id, "P2", str(owed - D("20.00")))
    closed = world.follow_payment(account.account_id, "corr-pay")

    assert closed is not None and (closed.status, closed.ended) == (CaseStatus.CLOSED, CaseEnd.PAID)
    assert world.case_workflow.stopped == {case.execution: "closed: paid"}
    assert world.cases.current(account.account_id) is None
    assert world.follow_payment(account.account_id, "corr-pay") is None


def test_a_paused_case_advances_no_stage_and_resumes_under_a_new_execution(
    world: CollectionsWorld,
) -> None:
    account, due_on, _ = delinquent(world)
    case = world.open_case(account.account_id, CLERK, "corr-open")
    step_to(world, case, due_on + timedelta(days=30))

    paused = world.pause(account.account_id, "dispute", CLERK, "corr-hold")
    assert paused is not None and paused.status is CaseStatus.PAUSED
    assert world.case_workflow.stopped == {case.execution: "paused: dispute"}
    assert step_to(world, case, due_on + timedelta(days=60)).wake_at is None
    assert world.resume(account.account_id, CLERK, "corr", held_by="arrangement:R9") is None

    resumed = world.resume(account.account_id, CLERK, "corr-resume")

    assert resumed is not None and resumed.run == 2 and resumed.stage == 0
    assert resumed.execution in world.case_workflow.started
    assert resumed.next_on == due_on + timedelta(days=60)  # the second notice is overdue: today
    step = step_to(world, resumed, due_on + timedelta(days=60))
    assert step.case.stage == 1
    assert [s.kind for s in step.case.steps][-3:] == [
        StepKind.PAUSED,
        StepKind.RESUMED,
        StepKind.ADVANCED,
    ]


def test_a_payment_attempt_failed_on_our_side_holds_the_next_stage_for_a_while(
    world: CollectionsWorld,
) -> None:
    account, due_on, _ = delinquent(world)
    case = world.open_case(account.account_id, CLERK, "corr-open")
    stage_day = due_on + timedelta(days=30)
    subject = f"ACCOUNT#{account.account_id}"
    entry = AuditEntry("E-T1", subject, "PaymentAttemptFailed", "p", "system", NOW, "c", {})
    failed_on = stage_day - timedelta(days=1)
    world.troubles.record(
        PaymentTrouble(account.account_id, failed_on, "gateway_timeout", "pay_1"), entry
    )

    held = step_to(world, case, stage_day)

    assert held.case.stage == NO_STAGE and notices(world.cases.events) == []
    assert held.case.steps[-1].kind is StepKind.HELD
    assert held.case.steps[-1].reason == "a payment attempt failed on our side"
    assert held.case.next_on == failed_on + timedelta(days=6)  # the day after the 5-day shield
    reached = step_to(world, case, held.case.next_on)
    assert reached.case.stage == 0 and notices(world.cases.events)


# --- contacts, promises and worklists ------------------------------------------------------------


def told(account_id: str, outcome: str, **promise: Any) -> ContactTold:
    return ContactTold(account_id, ContactChannel.PHONE, ContactOutcome(outcome), **promise)


def test_a_case_carries_its_accounts_risk_until_the_account_is_60_days_delinquent(
    world: CollectionsWorld,
) -> None:
    account, due_on, owed = delinquent(world)
    score = RiskScore(account.account_id, 0.4267, Band.HIGH, (), "m1", due_on)
    world.scores.write([score])

    case = world.open_case(account.account_id, CLERK, "corr-open")
    assert case.risk == 0.427
    exposure = (owed * D("0.427")).quantize(D("0.01"), ROUND_DOWN)
    assert D(CaseOut.of(case).exposure) == exposure

    reminded = step_to(world, case, due_on + timedelta(days=30))
    assert reminded.case.stage == 0 and reminded.case.risk == 0.427
    world.scores.write([replace(score, score=0.1)])
    assigned = world.assign(account.account_id, "staff-7", CLERK, "corr-assign")
    assert assigned.risk == 0.1  # the latest score, read when the case is written
    later = step_to(world, case, due_on + timedelta(days=60))
    assert later.case.risk is None  # 60 days past due: certain, and ranked as such


def test_a_promise_to_pay_holds_the_next_stage_until_its_day_is_over(
    world: CollectionsWorld,
) -> None:
    account, due_on, owed = delinquent(world)
    case = world.open_case(account.account_id, CLERK, "corr-open")
    world.on(due_on + timedelta(days=25))
    by = due_on + timedelta(days=35)
    promise = told(account.account_id, "promise-to-pay", promised_amount=owed, promised_by=by)

    contact = world.record_contact(promise, CLERK, "corr-contact")

    assert world.cases.contacts(account.account_id) == [contact]
    held = step_to(world, case, due_on + timedelta(days=30))
    assert held.case.stage == NO_STAGE and held.case.next_on == by + timedelta(days=1)
    assert held.case.steps[-1].reason == f"a promise to pay {owed:.2f} by {by.isoformat()}"
    kept = world.cases.current(account.account_id)
    assert (
        kept is not None
        and kept.promise is not None
        and kept.promise.contact_id == contact.contact_id
    )
    # broken: the day after, the ladder goes on
    assert step_to(world, case, by + timedelta(days=1)).case.stage == 0


def test_contacts_are_refused_field_by_field_and_need_a_case(world: CollectionsWorld) -> None:
    account, _, _ = delinquent(world)
    with pytest.raises(Conflict, match="no collection case"):
        world.record_contact(told(account.account_id, "no-answer"), CLERK, "c")
    world.open_case(account.account_id, CLERK, "corr-open")
    far = world.recorder.today() + timedelta(days=31)

    with pytest.raises(InvalidInput) as refused:
        world.record_contact(
            told(account.account_id, "promise-to-pay", promised_by=far), CLERK, "c"
        )

    assert {e.field for e in refused.value.errors} == {"promised_amount", "promised_by"}
    with pytest.raises(InvalidInput) as refused:
        world.record_contact(
            told(account.account_id, "no-answer", promised_amount=D("5.00")), CLERK, "c"
        )
    assert [e.field for e in refused.value.errors] == ["promised_amount"]
    assert world.cases.contacts(account.account_id) == []


def test_a_dispute_on_a_contact_pauses_the_case(world: CollectionsWorld) -> None:
    account, _, _ = delinquent(world)
    case = world.open_case(account.account_id, CLERK, "corr-open")

    world.record_contact(told(account.account_id, "dispute"), CLERK, "corr-contact")

    paused = world.cases.current(account.account_id)
    assert paused is not None and (paused.status, paused.paused_by) == (
        CaseStatus.PAUSED,
        "dispute",
    )
    assert world.case_workflow.stopped == {case.execution: "paused: dispute"}


def test_assigning_or_contacting_needs_a_case_and_a_known_account(world: CollectionsWorld) -> None:
    account, _, _ = delinquent(world)
    with pytest.raises(Conflict, match="no collection case"):
        world.assign(account.account_id, "staff-7", CLERK, "c")
    with pytest.raises(NotFound):
        world.record_contact(told("01J00000000000000000000000", "no-answer"), CLERK, "c")
    world.open_case(account.account_id, CLERK, "corr-open")

    first = world.assign(account.account_id, "staff-7", CLERK, "c")
    again = world.assign(account.account_id, "staff-7", CLERK, "c")  # nothing to change

    assert first == again and first.assigned_to == "staff-7"
    assert [s.kind for s in first.steps].count(StepKind.ASSIGNED) == 1
