"""The edges of collection cases: the workflow task's input and output, and the API's requests
and answers (cases with every step and why, staff tasks, ladders)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from civiq.collections.domain.contacts import Contact, ContactChannel, ContactOutcome
from civiq.collections.domain.dunning import (
    Anchor,
    Case,
    CaseEnd,
    CaseStatus,
    CollectionTask,
    CustomerClass,
    Ladder,
    Notice,
    Stage,
    Step,
    StepKind,
    exposure_cents,
)
from civiq.collections.services.case_advance import CaseStep
from civiq.collections.services.case_contacts import ContactTold
from civiq.core.money import CENT
from civiq.core.money import dollars as money
from civiq.core.schemas import WHOLE, DollarsIn, PageQuery, Payload, Request

ACCOUNT_ID = r"^[0-9A-HJKMNP-TV-Z]{26}$"
SLUG = r"^[a-z0-9][a-z0-9-]{0,39}$"
Days = Annotated[int, Field(ge=1, le=3650), WHOLE]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- the workflow --------------------------------------------------------------------------------


class AdvanceCaseTask(_Strict):
    task: Literal["advance_case"]
    execution: str = Field(min_length=1, max_length=80)
    case_id: str = Field(min_length=1)
    account_id: str = Field(min_length=1)
    woke_for: date | None = None  # the day the execution waited for (None: its first run)


WAIT_UNTIL = "%Y-%m-%dT%H:%M:%SZ"  # a Wait state's TimestampPath: UTC, to the second


class CaseStepOutput(_Strict):
    """``next``: "wait" until ``wake_at`` (and ``woke_for``, its day, for the next run), or
    "end"."""

    next: Literal["wait", "end"]
    wake_at: str | None
    woke_for: date | None
    stage: str | None
    status: CaseStatus | None

    @classmethod
    def of(cls, step: CaseStep) -> CaseStepOutput:
        case = step.case
        return cls(
            next="wait" if step.wake_at is not None else "end",
            wake_at=step.wake_at.astimezone(UTC).strftime(WAIT_UNTIL) if step.wake_at else None,
            woke_for=step.wake_at.date() if step.wake_at is not None else None,
            stage=None if case is None else case.steps[-1].stage,
            status=None if case is None else case.status,
        )


# --- the API -------------------------------------------------------------------------------------


class OpenCaseRequest(Request):
    account_id: str = Field(pattern=ACCOUNT_ID, description="The delinquent account")


class PauseCaseRequest(Request):
    reason: Literal["dispute"] = Field(
        default="dispute", description="Why no stage advances (an arrangement pauses a case itself)"
    )


class AnchorOut(Payload):
    statement_id: str
    due_on: date
    owed: str

    @classmethod
    def of(cls, anchor: Anchor) -> AnchorOut:
        return cls(statement_id=anchor.statement_id, due_on=anchor.due_on, owed=money(anchor.owed))


class StepOut(Payload):
    """One step of a case and why: the rule, the item, the dates."""

    kind: StepKind
    on: date
    stage: str | None
    rule: str | None
    reason: str | None
    item: AnchorOut | None
    days_past_due: int | None
    past_due: str
    shutoff_on: date | None

    @classmethod
    def of(cls, step: Step) -> StepOut:
        anchor = step.anchor
        return cls(
            kind=step.kind,
            on=step.on,
            stage=step.stage,
            rule=step.rule,
            reason=step.reason,
            item=AnchorOut.of(anchor) if anchor is not None else None,
            days_past_due=anchor.days_past_due(step.on) if anchor is not None else None,
            past_due=money(step.past_due),
            shutoff_on=step.shutoff_on,
        )


class PromiseOut(Payload):
    amount: str
    by: date
    contact_id: str


class CaseOut(Payload):
    case_id: str
    account_id: str
    customer_class: CustomerClass
    revenue_category: str
    status: CaseStatus
    opened_on: date
    stage: str | None  # the last stage reached
    anchor: AnchorOut  # the oldest item still unpaid: what the days are counted from
    past_due: str
    next_stage_on: date | None
    paused_by: str | None
    ended: CaseEnd | None
    assigned_to: str | None  # the staff member whose worklist it is on
    promise: PromiseOut | None  # the holder's latest promise to pay
    risk: float | None = Field(
        description="The account's risk of becoming 60 days delinquent when the case was last "
        "written (null: it already is, or it was not scored); worklists rank by risk times "
        "what is past due"
    )
    exposure: str = Field(description="What is past due, weighted by the risk (worklist order)")
    why: str  # the last stage reached, by which rule, from which item, on which day
    steps: list[StepOut]

    @classmethod
    def of(cls, case: Case) -> CaseOut:
        reached = next((s for s in reversed(case.steps) if s.kind is StepKind.ADVANCED), None)
        return cls(
            case_id=case.case_id,
            account_id=case.account_id,
            customer_class=case.customer_class,
            revenue_category=case.revenue_category,
            status=case.status,
            opened_on=case.opened_on,
            stage=reached.stage if reached is not None else None,
            anchor=AnchorOut.of(case.anchor),
            past_due=money(case.past_due),
            next_stage_on=case.next_on,
            paused_by=case.paused_by,
            ended=case.ended,
            assigned_to=case.assigned_to,
            promise=None
            if case.promise is None
            else PromiseOut(
                amount=money(case.promise.amount),
                by=case.promise.by,
                contact_id=case.promise.contact_id,
            ),
            risk=case.risk,
            exposure=money(exposure_cents(case) * CENT),
            why=why(reached),
            steps=[StepOut.of(s) for s in case.steps],
        )


def why(reached: Step | None) -> str:
    if reached is None or reached.anchor is None:
        return "no stage reached yet"
    anchor = reached.anchor
    return (
        f"{reached.stage} reached on {reached.on.isoformat()} by the rule '{reached.rule}': "
        f"statement {anchor.statement_id}, due {anchor.due_on.isoformat()}, was "
        f"{anchor.days_past_due(reached.on)} days past due with {reached.past_due:.2f} past due"
    )


class CaseList(Payload):
    cases: list[CaseOut]
    next_cursor: str | None


class TaskOut(Payload):
    task_id: str
    case_id: str
    account_id: str
    stage: str
    created_on: date

    @classmethod
    def of(cls, task: CollectionTask) -> TaskOut:
        return cls(
            task_id=task.task_id,
            case_id=task.case_id,
            account_id=task.account_id,
            stage=task.stage,
            created_on=task.created_on,
        )


class TaskList(Payload):
    tasks: list[TaskOut]
    next_cursor: str | None


class StageIn(Request):
    code: str = Field(pattern=SLUG, description="The stage's name, unique in its ladder")
    days_past_due: Days = Field(description="Days after the oldest unpaid bill's due date")
    minimum: DollarsIn = Field(description="What must be past due for the stage to be reached")
    notice: Notice | None = Field(default=None, description="The notice sent by mail")
    email: bool = Field(default=False, description="The notice by email too, where consented")
    sms: bool = Field(default=False, description="The notice by text too, where consented")
    staff_task: bool = Field(default=False, description="A follow-up task for staff")
    shutoff_notice_days: Annotated[int, Field(ge=1, le=365), WHOLE] | None = Field(
        default=None, description="A shutoff warning: days' notice before disconnection"
    )

    def to_domain(self) -> Stage:
        return Stage(
            self.code,
            self.days_past_due,
            Decimal(self.minimum),
            self.notice,
            self.email,
            self.sms,
            self.staff_task,
            self.shutoff_notice_days,
        )


class StageOut(Payload):
    code: str
    days_past_due: int
    minimum: str
    notice: Notice | None
    email: bool
    sms: bool
    staff_task: bool
    shutoff_notice_days: int | None

    @classmethod
    def of(cls, stage: Stage) -> StageOut:
        return cls(
            code=stage.code,
            days_past_due=stage.days_past_due,
            minimum=money(stage.minimum),
            notice=stage.notice,
            email=stage.email,
            sms=stage.sms,
            staff_task=stage.staff_task,
            shutoff_notice_days=stage.shutoff_notice_days,
        )


class LadderIn(Request):
    stages: list[StageIn] = Field(min_length=1, max_length=20, description="In order")
    days_between_stages: Annotated[int, Field(ge=1, le=60), WHOLE] = Field(
        default=7, description="Days at least between two stages of a case"
    )

    def to_domain(self, customer_class: CustomerClass, revenue_category: str) -> Ladder:
        return Ladder(
            customer_class,
            revenue_category,
            tuple(s.to_domain() for s in self.stages),
            self.days_between_stages,
        )


class LadderOut(Payload):
    customer_class: CustomerClass
    revenue_category: str
    days_between_stages: int
    stages: list[StageOut]

    @classmethod
    def of(cls, ladder: Ladder) -> LadderOut:
        return cls(
            customer_class=ladder.customer_class,
            revenue_category=ladder.revenue_category,
            days_between_stages=ladder.days_between_stages,
            stages=[StageOut.of(s) for s in ladder.stages],
        )


class LadderList(Payload):
    ladders: list[LadderOut]


STAFF_SUBJECT = r"^[A-Za-z0-9@._:+-]{1,128}$"


class AssignRequest(Request):
    assignee: str | None = Field(
        pattern=STAFF_SUBJECT, description="The staff member (their sign-in subject); null: nobody"
    )


class WorklistQuery(PageQuery):
    assignee: str | None = Field(
        default=None,
        pattern=STAFF_SUBJECT,
        description="Whose worklist (default: yours); 'unassigned' for the cases nobody has",
    )


class ContactRequest(Request):
    channel: ContactChannel
    outcome: ContactOutcome
    note: str | None = Field(default=None, min_length=1, max_length=1000)
    promised_amount: DollarsIn | None = Field(
        default=None, description="A promise to pay: how much"
    )
    promised_by: date | None = Field(
        default=None, description="A promise to pay: by when (today to 30 days off)"
    )

    def told(self, account_id: str) -> ContactTold:
        amount = Decimal(self.promised_amount) if self.promised_amount is not None else None
        return ContactTold(
            account_id, self.channel, self.outcome, self.note, amount, self.promised_by
        )


class ContactOut(Payload):
    contact_id: str
    case_id: str
    at: datetime
    by: str
    channel: ContactChannel
    outcome: ContactOutcome
    note: str | None
    promised_amount: str | None
    promised_by: date | None

    @classmethod
    def of(cls, contact: Contact) -> ContactOut:
        amount = contact.promised_amount
        return cls(
            contact_id=contact.contact_id,
            case_id=contact.case_id,
            at=contact.at,
            by=contact.by,
            channel=contact.channel,
            outcome=contact.outcome,
            note=contact.note,
            promised_amount=money(amount) if amount is not None else None,
            promised_by=contact.promised_by,
        )


class ContactList(Payload):
    contacts: list[ContactOut]
