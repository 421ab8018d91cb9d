"""Late-payment penalties, posted by a daily job on the statements past due.

A statement is past due on ``today`` once ``due_on + grace_days < today``. Its penalty is
assessed on what it still owes when the job reaches it (read from the account's ledger inside the
posting, so a payment a moment earlier counts), posted as a ``penalty`` ledger entry and owed as
part of the statement (its owed amount rises, so the next payment pays it), and announced with a
``LatePenaltyApplied`` event. The posting's guard ``penalty:<statement id>`` makes it once per
statement (per account and period: a rebill counts as the statement it replaces) whatever the
retries, reruns or overlapping runs.

A statement whose account tried to pay and failed on our side lately (the processor or CiVQ, not
the payer: :mod:`civiq.payments.domain.payment_troubles`) is shielded: it is not penalized while
the shield lasts, and a later run penalizes it if it is still owed then.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from enum import Enum

from civiq.core.errors import DomainError
from civiq.core.events import Actor
from civiq.core.money import dollars as money
from civiq.ledger.domain.journal import (
    AccountLedger,
    EntryKind,
    Posting,
    Source,
    StatementChange,
    append,
)
from civiq.ledger.services.posting import Draft, PaymentLedger
from civiq.payments.domain.payment_troubles import SHIELD_DAYS, shielded
from civiq.payments.domain.penalties import PenaltyPolicy, after_due_extra, assess, penalty_reason
from civiq.payments.ports import PastDueStatement, PastDueStatements, PaymentTroubles

logger = logging.getLogger("civiq")  # configured by each function (copy_config)

PENALTIES = Actor("late-penalties", "system")
PAGE = 100


def penalty_guard(statement_id: str) -> str:
    """``penalty:<statement id>``. A rebill (``<id>-R<n>``, :func:`civiq.billing.services.rebill.
    rebill_id`) is guarded as the statement of its period: the penalty of the statement it
    replaced is owed on it already (the rebill's posting carries it), and one is the most."""
    return f"penalty:{statement_id.split('-R')[0]}"


class _NoPenalty(Exception):
    """The statement owes no penalty now: nothing is posted."""


class Outcome(Enum):
    APPLIED = "applied"
    ALREADY_APPLIED = "already applied"
    NOT_OWED = "not owed"
    SHIELDED = "shielded"
    FAILED = "failed"


@dataclass(frozen=True)
class PenaltyRun:
    """What one run did. ``assessed`` = ``applied`` + ``already_applied`` + ``not_owed`` +
    ``shielded`` + ``failed``; ``complete`` is False when the run stopped for time before the
    end of the lists."""

    assessed: int = 0
    applied: int = 0
    already_applied: int = 0  # by an earlier run (or a concurrent one)
    not_owed: int = 0  # paid meanwhile, owing at most the minimum, or a penalty of nothing
    failed: int = 0  # logged, and tried again by the next run
    complete: bool = True
    shielded: int = 0  # a payment attempt failed on our side lately: a later run decides

    def __add__(self, other: PenaltyRun) -> PenaltyRun:
        return PenaltyRun(
            self.assessed + other.assessed,
            self.applied + other.applied,
            self.already_applied + other.already_applied,
            self.not_owed + other.not_owed,
            self.failed + other.failed,
            self.complete and other.complete,
            self.shielded + other.shielded,
        )

    def counted(self, outcome: Outcome) -> PenaltyRun:
        return self + PenaltyRun(
            assessed=1,
            applied=int(outcome is Outcome.APPLIED),
            already_applied=int(outcome is Outcome.ALREADY_APPLIED),
            not_owed=int(outcome is Outcome.NOT_OWED),
            failed=int(outcome is Outcome.FAILED),
            shielded=int(outcome is Outcome.SHIELDED),
        )


def _always() -> bool:
    return True


@dataclass(frozen=True)
class ApplyLatePenalties:
    books: PaymentLedger
    statements: PastDueStatements
    policy: PenaltyPolicy
    troubles: PaymentTroubles
    page_size: int = PAGE
    shield_days: int = SHIELD_DAYS

    def __call__(self, cid: str, more_time: Callable[[], bool] = _always) -> PenaltyRun:
        """Penalize every statement past due today (municipal date). The lists are worked
        through at once, one thread each (an account's statements are all in one list, so no
        two threads post to one account). Stops cleanly once ``more_time()`` is False: what is
        left waits for the next run, which skips what this one posted."""
        today = self.books.today()
        last_due = today - timedelta(days=self.policy.grace_days + 1)
        lists = range(self.statements.lists())
        with ThreadPoolExecutor(len(lists), thread_name_prefix="penalties") as pool:
            runs = pool.map(lambda shard: self._list(shard, last_due, today, cid, more_time), lists)
            return sum(runs, PenaltyRun())

    def _list(
        self, shard: int, last_due: date, today: date, cid: str, more_time: Callable[[], bool]
    ) -> PenaltyRun:
        run = PenaltyRun()
        cursor: str | None = None
        while True:
            if not more_time():
                return run + PenaltyRun(complete=False)
            page = self.statements.past_due(shard, last_due, self.page_size, cursor)
            guards = [(s.account_id, penalty_guard(s.statement_id)) for s in page.items]
            posted = self.statements.posted(guards)
            for statement, guard in zip(page.items, guards, strict=True):
                if guard in posted:
                    run = run.counted(Outcome.ALREADY_APPLIED)
                    continue
                if not more_time():
                    return run + PenaltyRun(complete=False)
                run = run.counted(self._apply(statement, today, cid))
            cursor = page.next_cursor
            if cursor is None:
                return run

    def _apply(self, statement: PastDueStatement, today: date, cid: str) -> Outcome:
        if shielded(self.troubles.latest(statement.account_id), self.shield_days, today):
            return Outcome.SHIELDED
        extra = after_due_extra(statement.bill)
        now = self.books.announcer.clock.now()
        statement_id = statement.statement_id

        def compute(basis: AccountLedger) -> Draft:
            owed = basis.owed_on(statement_id)
            penalty = assess(
                self.policy,
                due_on=statement.due_on,
                owed=owed,
                after_due_extra=extra,
                today=today,
            )
            if penalty is None:
                raise _NoPenalty
            entry = append(
                basis.head,
                account_id=basis.account_id,
                entry_id=f"{statement_id}-penalty",
                kind=EntryKind.PENALTY,
                amount=penalty,
                occurred_at=now,
                recorded_by=PENALTIES.subject,
                reason=penalty_reason(self.policy, statement_id, owed),
                source=Source("statement", statement_id),
            )
            detail = {
                "statement_id": statement_id,
                "account_id": basis.account_id,
                "account_number": statement.account_number,
                "entry_id": entry.entry_id,
                "kind": self.policy.kind.value,
                "due_on": statement.due_on.isoformat(),
                "assessed_on": today.isoformat(),
                "overdue": money(owed),
                "penalty": money(penalty),
                "statement_owed": money(owed + penalty),
                "balance_after": money(basis.balance + penalty),
            }
            return Draft(
                Posting(
                    basis,
                    penalty_guard(statement_id),
                    (entry,),
                    (StatementChange(statement_id, statement.due_on, owed + penalty),),
                    basis.credit,
                ),
                events=[
                    self.books.announcer.event(
                        "LatePenaltyApplied", basis.account_id, PENALTIES, cid, detail
                    )
                ],
            )

        try:
            posted = self.books.post_until_settled(statement.account_id, compute)
        except _NoPenalty:
            return Outcome.NOT_OWED
        except DomainError:  # an account too busy to post to now, a statement gone
            logger.exception(
                "late penalty not posted; the next run tries again",
                extra={"account_id": statement.account_id, "statement_id": statement_id},
            )
            return Outcome.FAILED
        return Outcome.APPLIED if posted else Outcome.ALREADY_APPLIED
