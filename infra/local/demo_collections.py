"""Demo story: the demo town's account in arrears, taken through collections on the days it would
have happened, while the history is loaded (:func:`infra.local.demo_history.load_history` calls
:meth:`CollectionsStory.catch_up` before each of its own days, so the story and the billing
history interleave in time order).

The day after its first unpaid bill falls due, a clerk opens its collection case. Its Step
Functions execution waits for each stage's day on the municipal clock (the local stack's waits
follow it: :mod:`infra.local.municipal_waits`), so the reminder and the second notice go out
on their days, each as a letter and, the holder having consented, an email in the holder's
language. The holder then makes a payment arrangement, which pauses the case; no instalment is
paid, the daily arrangement check breaks it after its grace, and the case resumes where it left
off: the demand letter, the shutoff warning, the escalation. A supervisor then notices the
transfer of the arrears to the property's tax roll (the owner's letter gives a deadline); at the
deadline the transfer's own execution transfers them with the fee and closes the case, and a few
days later the transfer is reversed. Everything goes through the API and the deployed
functions; what happened is listed by :attr:`CollectionsStory.told` and can be read back
through the API (the account's collection cases, correspondence and arrangements, the tax-roll
transfers and files).
"""

from __future__ import annotations

import heapq
import time as clock
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from civiq.collections.domain.arrangements import ArrangementPolicy
from infra.local.demo import API, DemoLoadError, Send
from infra.local.demo_billing import call_api
from infra.local.demo_history import KeyedPost, local_instant, municipal_clock_at
from infra.local.stack import LocalStack

CASES = "/api/v1/ar/cases"
TAX_ROLL = "/api/v1/ar/tax-roll-transfers"
TAX_ROLL_AFTER_STAGE = "escalation"  # the arrears go to the tax roll after this stage
REVERSAL_AFTER_DAYS = 3
REVERSAL_REASON = "council granted the owner's appeal"
ARRANGEMENT_CHECK_RULE = "ArrangementCheckFunction"
STAGE_HOUR = time(7)  # local: after the executions' 06:00 wake-up
OFFICE_HOUR = time(10)  # local: a clerk at the counter
STAGES_BEFORE_ARRANGEMENT = 2  # the reminder and the second notice
ARRANGEMENT_AFTER_DAYS = 3  # the holder calls three days after the second notice
FIRST_INSTALMENT_DAYS = 14
ADVANCE_TIMEOUT_S = 30.0
STORY_EMAIL = "arrears.demo@example.ca"


@dataclass(order=True)
class _Action:
    at: datetime
    order: int
    what: str = field(compare=False)
    run: Callable[[], None] = field(compare=False)


@dataclass
class CollectionsStory:
    stack: LocalStack
    send: Send  # a supervisor's
    post: KeyedPost  # the same, with an Idempotency-Key
    account_id: str
    told: list[str] = field(default_factory=list)
    _actions: list[_Action] = field(default_factory=list)
    _count: int = 0
    _stages: int = 0  # reached
    _arranged: bool = False

    # --- the history's hooks --------------------------------------------------------------------
    def begin(self, first_unpaid_due_on: date) -> None:
        """The account's first unpaid bill falls due on that day: the story starts after it."""
        if self._count:
            return
        self._at(
            local_instant(first_unpaid_due_on + timedelta(days=1), OFFICE_HOUR), "open", self._open
        )

    def catch_up(self, until: datetime) -> None:
        """Play every action of the story due before ``until``, in order, each on its day."""
        while self._actions and self._actions[0].at < until:
            action = heapq.heappop(self._actions)
            with municipal_clock_at(action.at):
                action.run()

    # --- the story ------------------------------------------------------------------------------
    def _at(self, at: datetime, what: str, run: Callable[[], None]) -> None:
        self._count += 1
        heapq.heappush(self._actions, _Action(at, self._count, what, run))

    def _open(self) -> None:
        self._consent()
        call_api(self.send, "POST", CASES, {"account_id": self.account_id}, expected=(201,))
        case = self._case()
        self.told.append(f"{case['opened_on']}: case opened, {case['past_due']} past due")
        self._next_stage(case)

    def _consent(self) -> None:
        """The holder, at the counter, gives an email address and consents to email (CASL)."""
        account = call_api(self.send, "GET", f"{API}/accounts/{self.account_id}", {}, (200,))
        customer = f"{API}/customers/{account['holder']['customer_id']}"
        version = call_api(self.send, "GET", customer, {}, (200,))["version"]
        if account["holder"]["email"] is None:
            contact = {"version": version, "contact": {"email": STORY_EMAIL}}
            version = call_api(self.send, "PUT", f"{customer}/contact", contact, (200,))["version"]
        consent = {"given": True, "source": "in-person"}
        preferences = {"version": version, "preferences": {"email_consent": consent}}
        call_api(self.send, "PUT", f"{customer}/preferences", preferences, (200,))

    def _next_stage(self, case: dict[str, Any]) -> None:
        if case["status"] != "open" or case["next_stage_on"] is None:
            return
        day = date.fromisoformat(case["next_stage_on"])
        self._at(local_instant(day, STAGE_HOUR), "stage", lambda: self._stage(len(case["steps"])))

    def _stage(self, steps_before: int) -> None:
        case = self._advanced(steps_before)
        step = case["steps"][-1]
        self.told.append(f"{step['on']}: {step['kind']} {step.get('stage') or ''}".rstrip())
        if step["kind"] == "advanced":
            self._stages += 1
        day = date.fromisoformat(step["on"])
        if self._stages == STAGES_BEFORE_ARRANGEMENT and not self._arranged:
            later = day + timedelta(days=ARRANGEMENT_AFTER_DAYS)
            self._at(local_instant(later, OFFICE_HOUR), "arrangement", lambda: self._arrange(later))
            return
        if step["kind"] == "advanced" and step["stage"] == TAX_ROLL_AFTER_STAGE:
            later = day + timedelta(days=1)
            self._at(local_instant(later, OFFICE_HOUR), "tax roll", self._notice_tax_roll)
            return
        self._next_stage(case)

    def _arrange(self, today: date) -> None:
        self._arranged = True
        first_due = today + timedelta(days=FIRST_INSTALMENT_DAYS)
        terms = {"instalments": 2, "frequency": "monthly", "first_due": first_due.isoformat()}
        path = f"{API}/accounts/{self.account_id}/arrangements"
        made = self.post(path, terms, f"demo-arrangement-{self.account_id}")
        self.told.append(
            f"{made['made_on']}: arrangement {made['arrangement_id']} made: "
            f"{len(made['instalments'])} instalments from {first_due}; the case paused"
        )
        check_day = first_due + timedelta(days=ArrangementPolicy().grace_days + 1)
        self._at(local_instant(check_day, OFFICE_HOUR), "check", self._check_arrangements)

    def _check_arrangements(self) -> None:
        steps_before = len(self._case()["steps"])
        rule, target = next(
            (r, t) for r, _, t in self.stack.scheduled_targets() if ARRANGEMENT_CHECK_RULE in r
        )
        self.stack.fire_schedule(rule, target)
        case = self._advanced(steps_before)
        self.told.append(f"{case['steps'][-1]['on']}: arrangement broken; the case resumed")
        self._next_stage(case)

    def _notice_tax_roll(self) -> None:
        asked = {"account_id": self.account_id}
        transfer = call_api(self.send, "POST", TAX_ROLL, asked, (201,))
        self.told.append(
            f"{transfer['noticed_on']}: transfer to the tax roll of {transfer['roll_number']}"
            f" noticed to the owner: {transfer['noticed_arrears']} (fee {transfer['fee']}),"
            f" unless paid by {transfer['deadline']}; the case paused"
        )
        made_on = date.fromisoformat(transfer["deadline"]) + timedelta(days=1)
        self._at(
            local_instant(made_on, STAGE_HOUR),
            "transfer",
            lambda: self._transferred(transfer["transfer_id"]),
        )

    def _transferred(self, transfer_id: str) -> None:
        transfer = self._waited_for(f"{TAX_ROLL}/{transfer_id}", "transferred")
        self.told.append(
            f"{transfer['transferred_on']}: {transfer['total']} transferred to the tax roll"
            f" (arrears {transfer['arrears']}, fee {transfer['fee_charged']}); the case closed"
        )
        later = date.fromisoformat(transfer["transferred_on"]) + timedelta(days=REVERSAL_AFTER_DAYS)
        self._at(local_instant(later, OFFICE_HOUR), "reversal", lambda: self._reverse(transfer_id))

    def _reverse(self, transfer_id: str) -> None:
        path = f"{TAX_ROLL}/{transfer_id}/reverse"
        reversed_ = call_api(self.send, "POST", path, {"reason": REVERSAL_REASON}, (200,))
        self.told.append(
            f"{reversed_['ended_on']}: the transfer reversed ({REVERSAL_REASON}):"
            f" {reversed_['total']} owed on the utility account again"
        )

    # --- reading back ---------------------------------------------------------------------------
    def _case(self) -> dict[str, Any]:
        path = f"{API}/accounts/{self.account_id}/collection-cases"
        cases = call_api(self.send, "GET", path, {}, (200,))["cases"]
        if not cases:
            raise DemoLoadError(f"the demo story's account {self.account_id} has no case")
        latest: dict[str, Any] = cases[0]
        return latest

    def _waited_for(self, path: str, status: str) -> dict[str, Any]:
        """What ``path`` reads once it has ``status`` (a workflow of its own gets it there)."""

        def read() -> dict[str, Any]:
            return call_api(self.send, "GET", path, {}, (200,))

        return _once(read, lambda found: found["status"] == status, f"{path} is not {status}")

    def _advanced(self, steps_before: int) -> dict[str, Any]:
        """The case once its execution took its next step (it runs on its own, woken by the
        municipal clock)."""
        return _once(self._case, lambda case: len(case["steps"]) > steps_before, "case is stuck")


def _once(
    read: Callable[[], dict[str, Any]], done: Callable[[dict[str, Any]], bool], stuck: str
) -> dict[str, Any]:
    """What ``read`` answers once ``done`` holds of it, looking again until a timeout."""
    deadline = clock.monotonic() + ADVANCE_TIMEOUT_S
    while True:
        found = read()
        if done(found):
            return found
        if clock.monotonic() > deadline:
            raise DemoLoadError(f"the demo story's {stuck}: {found}")
        clock.sleep(0.2)
