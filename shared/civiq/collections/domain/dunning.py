"""Dunning as data: a ladder of collection stages, and where an account's case stands on it.

A **ladder** is an ordered list of stages for one customer class and revenue category; each stage
is reached a number of days after the due date of the oldest item still unpaid (the case's
*anchor*), when what is past due is at least the stage's minimum. A stage sends its notice (a
letter by mail, and an email or a text message where the ladder says so), may open a staff task,
and may be a shutoff warning, which names a disconnection date no sooner than the notice period
the bylaw sets.

A **case** follows one delinquent account up its ladder, one stage at a time: a case never skips
a stage, whatever the account's history (several bills, partial payments), and consecutive
stages are at least ``days_between_stages`` apart, so a resident always has the earlier notice
before the next. After every payment the case is re-anchored to the oldest item still unpaid:
the stages already reached stay reached, and the next one is counted from the new anchor. When
nothing is past due any more, or less than the first stage's minimum, the case closes.

Every step records the rule that decided it (the stage and its thresholds), the item (statement,
due date, what it still owed) and the dates, so staff can always answer "why is this account at
this stage".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from civiq.core.errors import Conflict, FieldError
from civiq.ledger.domain.journal import OpenStatement

ZERO = Decimal(0)
SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
UTILITY = "utility"  # the revenue category of utility statements
NO_STAGE = -1
HOLD_DAYS = 30  # a case held below a stage's minimum looks again at most this long after
WORKLIST_TOP = 10**12  # cents: more than any account owes


class CustomerClass(StrEnum):
    """The class a ladder is chosen by, from the property the account serves."""

    RESIDENTIAL = "residential"
    COMMERCIAL = "commercial"
    INSTITUTIONAL = "institutional"


RESIDENTIAL_TYPES = frozenset(
    {"single-family", "semi-detached", "townhouse", "multi-residential", "vacant-land"}
)
COMMERCIAL_TYPES = frozenset({"mixed-use", "commercial", "industrial"})


def customer_class_of(property_type: str) -> CustomerClass:
    if property_type in RESIDENTIAL_TYPES:
        return CustomerClass.RESIDENTIAL
    if property_type in COMMERCIAL_TYPES:
        return CustomerClass.COMMERCIAL
    return CustomerClass.INSTITUTIONAL


class Notice(StrEnum):
    """The standard collection notices a stage can send (each worded in en and fr)."""

    REMINDER = "reminder"
    SECOND_NOTICE = "second-notice"
    DEMAND = "demand"
    SHUTOFF_WARNING = "shutoff-warning"


@dataclass(frozen=True)
class Stage:
    code: str  # a slug: "reminder"
    days_past_due: int  # of the anchor, counted from the day after its due date
    minimum: Decimal  # what must be past due for the stage to be reached
    notice: Notice | None = None  # sent by mail
    email: bool = False  # the notice by email too, where the customer consented
    sms: bool = False  # the notice by text message too, where the customer consented
    staff_task: bool = False  # a task for staff follow-up (an escalation point)
    shutoff_notice_days: int | None = None  # a shutoff warning: days before disconnection

    @property
    def shutoff_warning(self) -> bool:
        return self.shutoff_notice_days is not None


@dataclass(frozen=True)
class Ladder:
    customer_class: CustomerClass
    revenue_category: str
    stages: tuple[Stage, ...]
    days_between_stages: int = 7


def default_stages(shutoff_notice_days: int) -> tuple[Stage, ...]:
    """A reminder at 30 days, a second notice at 45, a demand letter at 60, a shutoff warning
    at 75, escalation to staff at 90, and write-off consideration at 180."""
    return (
        Stage("reminder", 30, Decimal("10.00"), Notice.REMINDER, email=True, sms=True),
        Stage("second-notice", 45, Decimal("10.00"), Notice.SECOND_NOTICE, email=True),
        Stage("demand", 60, Decimal("50.00"), Notice.DEMAND, email=True),
        Stage(
            "shutoff-warning",
            75,
            Decimal("100.00"),
            Notice.SHUTOFF_WARNING,
            email=True,
            shutoff_notice_days=shutoff_notice_days,
        ),
        Stage("escalation", 90, Decimal("100.00"), staff_task=True),
        Stage("write-off-review", 180, Decimal("0.01"), staff_task=True),
    )


@dataclass(frozen=True)
class DunningPolicy:
    """The municipality's defaults: the ladder of a class and category it did not configure,
    and the shortest notice of disconnection its bylaw allows."""

    days_between_stages: int = 7
    min_shutoff_notice_days: int = 14

    def default_ladder(self, customer_class: CustomerClass, revenue_category: str) -> Ladder:
        return Ladder(
            customer_class,
            revenue_category,
            default_stages(self.min_shutoff_notice_days),
            self.days_between_stages,
        )

    def ladder_for(
        self, stored: Sequence[Ladder], customer_class: CustomerClass, revenue_category: str
    ) -> Ladder:
        """The configured ladder of the class and category, else the default."""
        return next(
            (
                ladder
                for ladder in stored
                if ladder.customer_class is customer_class
                and ladder.revenue_category == revenue_category
            ),
            self.default_ladder(customer_class, revenue_category),
        )


def ladder_refusals(ladder: Ladder, min_shutoff_notice_days: int) -> list[FieldError]:
    """Every reason ``ladder`` cannot be used, by the field of its request."""
    refused: list[FieldError] = []
    if not SLUG.fullmatch(ladder.revenue_category):
        refused.append(FieldError("revenue_category", "must be a slug (a-z, 0-9, -)"))
    if not ladder.stages:
        refused.append(FieldError("stages", "must have at least one stage"))
    if ladder.days_between_stages < 1:
        refused.append(FieldError("days_between_stages", "must be at least 1"))
    seen: set[str] = set()
    for index, stage in enumerate(ladder.stages):
        at = f"stages[{index}]"
        if not SLUG.fullmatch(stage.code):
            refused.append(FieldError(f"{at}.code", "must be a slug (a-z, 0-9, -)"))
        elif stage.code in seen:
            refused.append(FieldError(f"{at}.code", f"{stage.code} is used twice"))
        seen.add(stage.code)
        if stage.days_past_due < 1:
            refused.append(FieldError(f"{at}.days_past_due", "must be at least 1"))
        elif index and stage.days_past_due <= ladder.stages[index - 1].days_past_due:
            refused.append(
                FieldError(
                    f"{at}.days_past_due",
                    "must be later than the stage before "
                    f"({ladder.stages[index - 1].days_past_due} days)",
                )
            )
        if stage.minimum < ZERO:
            refused.append(FieldError(f"{at}.minimum", "must not be negative"))
        if (stage.email or stage.sms) and stage.notice is None:
            refused.append(FieldError(f"{at}.notice", "an email or text message needs a notice"))
        if stage.shutoff_notice_days is not None:
            if stage.notice is not Notice.SHUTOFF_WARNING:
                refused.append(
                    FieldError(f"{at}.notice", "a shutoff warning sends the shutoff-warning notice")
                )
            if stage.shutoff_notice_days < min_shutoff_notice_days:
                refused.append(
                    FieldError(
                        f"{at}.shutoff_notice_days",
                        f"the bylaw requires at least {min_shutoff_notice_days} days' notice",
                    )
                )
        elif stage.notice is Notice.SHUTOFF_WARNING:
            refused.append(
                FieldError(f"{at}.shutoff_notice_days", "a shutoff warning needs its notice period")
            )
    return refused


# --- cases ---------------------------------------------------------------------------------------


class CaseStatus(StrEnum):
    OPEN = "open"  # climbing its ladder
    PAUSED = "paused"  # an arrangement in force, or a dispute: no stage advances
    CLOSED = "closed"


class CaseEnd(StrEnum):
    PAID = "paid"  # nothing past due any more
    BELOW_MINIMUM = "below-minimum"  # less past due than the first stage's minimum
    TAX_ROLL = "tax-roll"  # the arrears went on the property's tax roll
    WRITTEN_OFF = "written-off"  # the arrears were written off


class StepKind(StrEnum):
    OPENED = "opened"
    ADVANCED = "advanced"  # a stage reached
    REANCHORED = "reanchored"  # a payment moved the anchor to a later item
    HELD = "held"  # a stage's date came, below its minimum
    PAUSED = "paused"
    RESUMED = "resumed"
    PROMISED = "promised"  # the holder promised to pay: no stage before the day is over
    ASSIGNED = "assigned"  # put on a staff member's worklist
    CLOSED = "closed"


@dataclass(frozen=True)
class Anchor:
    """The oldest item still unpaid: what the case's days are counted from."""

    statement_id: str
    due_on: date
    owed: Decimal

    def days_past_due(self, on: date) -> int:
        return (on - self.due_on).days


@dataclass(frozen=True)
class Step:
    """One thing that happened to a case, with why: the rule (``stage`` and its thresholds),
    the item (``anchor``), the day, the days past due then and what was past due."""

    kind: StepKind
    on: date
    anchor: Anchor | None
    past_due: Decimal
    stage: str | None = None  # the stage reached (advanced, held: the one not reached)
    rule: str | None = None  # the stage's thresholds, as staff read them
    reason: str | None = None  # paused, closed: why
    shutoff_on: date | None = None  # a shutoff warning: disconnection no sooner than this


@dataclass(frozen=True)
class Case:
    case_id: str
    account_id: str
    customer_class: CustomerClass
    revenue_category: str
    opened_on: date
    status: CaseStatus
    stage: int  # index in the ladder of the stage reached; NO_STAGE before the first
    anchor: Anchor
    past_due: Decimal
    next_on: date | None  # when the next stage is due (None: at the last one, or not open)
    run: int  # executions started for it: the current one is named after it
    steps: tuple[Step, ...] = field(default_factory=tuple)
    paused_by: str | None = None  # "arrangement:<id>", "dispute"
    ended: CaseEnd | None = None
    assigned_to: str | None = None  # the staff member whose worklist it is on
    promise: Promise | None = None  # the holder's latest promise to pay
    # The probability that the account becomes 60 days delinquent (its latest risk score) when
    # the case was last written; None when it already is, or was not scored: ranked as certain.
    risk: float | None = None

    @property
    def execution(self) -> str:
        """The name of the case's current workflow execution."""
        return f"case-{self.case_id}-{self.run}"

    def stage_of(self, ladder: Ladder) -> Stage | None:
        return ladder.stages[self.stage] if self.stage != NO_STAGE else None

    @property
    def under_shutoff_warning(self) -> bool:
        """A shutoff warning went out and the case is not closed (the dashboard counts these)."""
        warned = any(s.shutoff_on is not None for s in self.steps)
        return warned and self.status is not CaseStatus.CLOSED


RISK_POINTS = 1000  # a probability in thousandths, to rank by it in whole numbers


def exposure_cents(case: Case) -> int:
    """What a case stands to lose: what is past due, weighted by the risk that the account
    becomes (or stays) 60 days delinquent. A case with no risk score counts all it owes."""
    cents = int(case.past_due * 100)
    if case.risk is None:
        return cents
    return cents * round(case.risk * RISK_POINTS) // RISK_POINTS


def worklist_key(case: Case) -> str:
    """Where a case sorts on a worklist: most exposed first (risk times what is past due), then
    most past due, then by account (the amounts inverted, so ascending keys rank them)."""
    cents = int(case.past_due * 100)
    exposure = exposure_cents(case)
    return f"{WORKLIST_TOP - exposure:013d}.{WORKLIST_TOP - cents:013d}.{case.account_id}"


def shutoff_warnings_change(before: Case | None, after: Case) -> int:
    """How the count of accounts under a shutoff warning moves with ``before`` -> ``after``."""
    was = before is not None and before.under_shutoff_warning
    return int(after.under_shutoff_warning) - int(was)


@dataclass(frozen=True)
class Promise:
    """A promise to pay ``amount`` by ``by``, taken by staff on a contact: no stage advances
    until that day is over."""

    amount: Decimal
    by: date
    contact_id: str

    @property
    def hold(self) -> Hold:
        return Hold(self.by, f"a promise to pay {self.amount:.2f} by {self.by.isoformat()}")


@dataclass(frozen=True)
class Hold:
    """No stage advances through ``through`` (inclusive), for ``reason``."""

    through: date
    reason: str


@dataclass(frozen=True)
class CollectionTask:
    """Follow-up for staff at an escalation point of a case (``stage``), until done."""

    task_id: str
    case_id: str
    account_id: str
    stage: str
    created_on: date
    done_on: date | None = None
    done_by: str | None = None
    outcome: str | None = None


class CaseMoved(Conflict):
    """The case changed since it was read: decide again from what it is now."""

    def __init__(self, case_id: str) -> None:
        super().__init__(f"case {case_id} changed meanwhile", "case_id")


@dataclass(frozen=True)
class PastDue:
    """What the ledger says is past due on a day: the anchor and the total."""

    anchor: Anchor | None
    amount: Decimal


def past_due(open_statements: Sequence[OpenStatement], on: date) -> PastDue:
    """The statements still owed whose due date is before ``on`` (due today is not past due)."""
    late = sorted(
        (s for s in open_statements if s.due_on < on and s.owed > ZERO),
        key=lambda s: (s.due_on, s.statement_id),
    )
    if not late:
        return PastDue(None, ZERO)
    first = late[0]
    return PastDue(
        Anchor(first.statement_id, first.due_on, first.owed), sum((s.owed for s in late), ZERO)
    )


def rule_of(stage: Stage) -> str:
    return f"{stage.code}: {stage.days_past_due} days past due and at least {stage.minimum:.2f}"


def stage_on(ladder: Ladder, case: Case, index: int, last_step_on: date | None) -> date:
    """The day stage ``index`` falls due for ``case``: its days after the anchor's due date,
    and no sooner than ``days_between_stages`` after the last stage reached."""
    on = case.anchor.due_on + timedelta(days=ladder.stages[index].days_past_due)
    if last_step_on is not None:
        on = max(on, last_step_on + timedelta(days=ladder.days_between_stages))
    return on


def last_reached(case: Case) -> date | None:
    return next((s.on for s in reversed(case.steps) if s.kind is StepKind.ADVANCED), None)


def schedule(ladder: Ladder, case: Case) -> Case:
    """``case`` with the day of its next stage (None at the last)."""
    following = case.stage + 1
    if following >= len(ladder.stages):
        return replace(case, next_on=None)
    return replace(case, next_on=stage_on(ladder, case, following, last_reached(case)))


def open_case(
    case_id: str, account_id: str, ladder: Ladder, late: PastDue, today: date
) -> Case | None:
    """A case for an account with ``late`` past due, or None when there is nothing to follow
    (nothing past due, or less than the first stage's minimum)."""
    if late.anchor is None or late.amount < ladder.stages[0].minimum:
        return None
    case = Case(
        case_id=case_id,
        account_id=account_id,
        customer_class=ladder.customer_class,
        revenue_category=ladder.revenue_category,
        opened_on=today,
        status=CaseStatus.OPEN,
        stage=NO_STAGE,
        anchor=late.anchor,
        past_due=late.amount,
        next_on=None,
        run=1,
        steps=(Step(StepKind.OPENED, today, late.anchor, late.amount),),
    )
    return schedule(ladder, case)


def close(case: Case, late: PastDue, today: date, end: CaseEnd) -> Case:
    return replace(
        case,
        status=CaseStatus.CLOSED,
        ended=end,
        next_on=None,
        past_due=late.amount,
        steps=(*case.steps, Step(StepKind.CLOSED, today, late.anchor, late.amount, reason=end)),
    )


def ended(ladder: Ladder, late: PastDue) -> CaseEnd | None:
    """Why a case with ``late`` past due ends, if it does."""
    if late.anchor is None:
        return CaseEnd.PAID
    if late.amount < ladder.stages[0].minimum:
        return CaseEnd.BELOW_MINIMUM
    return None


def reanchor(ladder: Ladder, case: Case, late: PastDue, today: date) -> Case:
    """``case`` after the ledger changed (a payment, a credit): closed when nothing worth
    following is past due, else counted from the oldest item still unpaid. A case that was not
    open is not reopened here."""
    end = ended(ladder, late)
    if end is not None:
        return close(case, late, today, end)
    assert late.anchor is not None
    moved = late.anchor.statement_id != case.anchor.statement_id
    case = replace(case, anchor=late.anchor, past_due=late.amount)
    if moved:
        step = Step(StepKind.REANCHORED, today, late.anchor, late.amount)
        case = replace(case, steps=(*case.steps, step))
    return schedule(ladder, case) if case.status is CaseStatus.OPEN else case


@dataclass(frozen=True)
class Advance:
    """What a case's advance decided: the case after it and the stage reached, if any."""

    case: Case
    reached: Stage | None = None


def advance(
    ladder: Ladder, case: Case, late: PastDue, today: date, holds: Sequence[Hold] = ()
) -> Advance:
    """The case on ``today`` with the ledger's ``late``: re-anchored; then the next stage reached
    when its day has come and enough is past due (one stage at most: a case never skips one);
    held, to look again later, when its day came below its minimum, or while a hold lasts (a
    promise to pay, a payment attempt that failed on our side)."""
    case = reanchor(ladder, case, late, today)
    if case.status is not CaseStatus.OPEN or case.next_on is None or case.next_on > today:
        return Advance(case)
    following = case.stage + 1
    stage = ladder.stages[following]
    rule = rule_of(stage)
    if case.past_due < stage.minimum:
        step = Step(StepKind.HELD, today, case.anchor, case.past_due, stage.code, rule)
        look_again = today + timedelta(days=HOLD_DAYS)
        return Advance(replace(case, steps=(*case.steps, step), next_on=look_again))
    held = [
        h for h in (*holds, *([case.promise.hold] if case.promise else [])) if h.through >= today
    ]
    if held:
        last = max(held, key=lambda h: h.through)
        step = Step(StepKind.HELD, today, case.anchor, case.past_due, stage.code, rule, last.reason)
        look_again = last.through + timedelta(days=1)
        return Advance(replace(case, steps=(*case.steps, step), next_on=look_again))
    shutoff_on = (
        today + timedelta(days=stage.shutoff_notice_days)
        if stage.shutoff_notice_days is not None
        else None
    )
    step = Step(
        StepKind.ADVANCED, today, case.anchor, case.past_due, stage.code, rule, None, shutoff_on
    )
    reached = replace(case, stage=following, steps=(*case.steps, step))
    return Advance(schedule(ladder, reached), stage)


def promised(case: Case, promise: Promise, today: date) -> Case:
    step = Step(StepKind.PROMISED, today, case.anchor, case.past_due, reason=promise.hold.reason)
    return replace(case, promise=promise, steps=(*case.steps, step))


def assigned(case: Case, assignee: str | None, today: date) -> Case:
    step = Step(StepKind.ASSIGNED, today, case.anchor, case.past_due, reason=assignee)
    return replace(case, assigned_to=assignee, steps=(*case.steps, step))


def arrangement_hold(arrangement_id: str) -> str:
    """Why a case is paused while a payment arrangement is in force."""
    return f"arrangement:{arrangement_id}"


def pause(case: Case, reason: str, today: date) -> Case:
    step = Step(StepKind.PAUSED, today, case.anchor, case.past_due, reason=reason)
    return replace(
        case, status=CaseStatus.PAUSED, paused_by=reason, next_on=None, steps=(*case.steps, step)
    )


def resume(ladder: Ladder, case: Case, late: PastDue, today: date) -> Case:
    """A paused case back on its ladder where it left off, under a new execution: its next
    stage is due as the anchor says, and no sooner than today."""
    step = Step(StepKind.RESUMED, today, case.anchor, case.past_due, reason=case.paused_by)
    resumed = replace(
        case, status=CaseStatus.OPEN, paused_by=None, run=case.run + 1, steps=(*case.steps, step)
    )
    resumed = reanchor(ladder, resumed, late, today)
    if resumed.next_on is not None and resumed.next_on < today:
        resumed = replace(resumed, next_on=today)
    return resumed
