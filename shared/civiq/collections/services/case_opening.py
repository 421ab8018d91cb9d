"""Open a collection case for a delinquent account: asked by staff, or by the daily opening of
the accounts whose bills fell past due.

One case per account at a time: an account whose case is open or paused, or whose payment
arrangement is in force, gets no new one; nor does one referred to a collection agency. A case
opens on what the ledger says is past due, and only when that is at least the first stage's
minimum; its workflow is started with it.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta

from civiq.accounts.ports import PropertyRepository
from civiq.collections.domain.dunning import (
    UTILITY,
    Case,
    CaseStatus,
    customer_class_of,
    open_case,
)
from civiq.collections.domain.tax_roll import TransferStatus
from civiq.collections.ports import (
    CaseChange,
    OpeningMarks,
    PastDueStatements,
    Referrals,
    TaxRollTransfers,
)
from civiq.collections.services.casework import ATTEMPTS, COLLECTIONS, Casework
from civiq.core.errors import Conflict
from civiq.core.events import Actor
from civiq.ledger.domain.journal import LedgerMoved

LOOKBACK_DAYS = 400  # the first opening looks this far back for bills still unpaid


@dataclass(frozen=True)
class OpenCase:
    work: Casework
    properties: PropertyRepository
    transfers: TaxRollTransfers
    referrals: Referrals

    def __call__(self, account_id: str, actor: Actor, correlation_id: str) -> Case:
        """Raises NotFound (no such account), Conflict (a case open or paused, an arrangement
        in force, arrears noticed for the tax roll or referred to a collection agency, or
        nothing past due worth following)."""
        work = self.work
        account = work.accounts.get(account_id)
        if work.arrangement_in_force(account_id) is not None:
            raise Conflict("the account has a payment arrangement in force", "account_id")
        if self.transfers.listing(TransferStatus.NOTICED, account_id, 1, None).items:
            raise Conflict(
                "the account's arrears are noticed for the tax roll: no stage notice goes out "
                "until the transfer is made or cancelled",
                "account_id",
            )
        if self.referrals.in_force(account_id) is not None:
            raise Conflict(
                "the account is referred to a collection agency: no stage notice goes out "
                "until the referral is recalled or paid",
                "account_id",
            )
        customer_class = customer_class_of(
            self.properties.get(account.property_id).property_type.value
        )
        ladder = work.policy.ladder_for(work.ladders.stored(), customer_class, UTILITY)
        for _ in range(ATTEMPTS):
            if work.cases.current(account_id) is not None:
                raise Conflict("the account has a collection case open", "account_id")
            today = work.recorder.today()
            ledger, late = work.late(account_id, today)
            case = open_case(work.recorder.ids.new_id(), account_id, ladder, late, today)
            if case is None:
                raise Conflict(
                    "the account has nothing past due worth following "
                    f"(the first stage needs {ladder.stages[0].minimum:.2f})",
                    "account_id",
                )
            case = work.ranking.ranked(case, today)
            entry = work.entry(
                case,
                "CollectionCaseOpened",
                actor,
                correlation_id,
                statement_id=case.anchor.statement_id,
                oldest_due_on=case.anchor.due_on.isoformat(),
                past_due=f"{case.past_due:.2f}",
            )
            sequence = ledger.head.sequence if ledger.head is not None else 0
            try:
                work.cases.open(CaseChange(case, sequence, entries=[entry]))
            except LedgerMoved:
                continue
            work.start(case)
            return case
        raise LedgerMoved(account_id)


@dataclass(frozen=True)
class Opened:
    """What one daily opening did; ``complete`` is False when it stopped for time (the next run
    goes through the same days again, and finds the cases this one opened)."""

    opened: int = 0
    already: int = 0  # a case open or paused already
    not_followed: int = 0  # an arrangement in force, or too little past due
    complete: bool = True

    def __add__(self, other: Opened) -> Opened:
        return Opened(
            self.opened + other.opened,
            self.already + other.already,
            self.not_followed + other.not_followed,
            self.complete and other.complete,
        )


def _always() -> bool:
    return True


@dataclass(frozen=True)
class OpenDelinquentCases:
    """Daily: a case for each account owing on a bill that fell due since the last opening (up
    to yesterday: a bill due today is not late). The accounts come from the open statements'
    index by due date, never from a scan, one thread per list (an account's statements are all
    in one list, so no two threads open a case for one account). The day opened through is kept
    once every list is through, so a missed day, or a run stopped for time, is caught up by the
    next run, and a rerun opens nothing twice. A case found open has its workflow started if an
    earlier run stopped between the case and its start."""

    open_case: OpenCase
    statements: PastDueStatements
    marks: OpeningMarks

    def __call__(self, correlation_id: str, more_time: Callable[[], bool] = _always) -> Opened:
        work = self.open_case.work
        through = work.recorder.today() - timedelta(days=1)
        last = self.marks.last_opened_through() or through - timedelta(days=LOOKBACK_DAYS)
        if last >= through:
            return Opened()
        first = last + timedelta(days=1)
        shards = range(self.statements.shards())
        with ThreadPoolExecutor(len(shards), thread_name_prefix="case-opening") as pool:
            runs = pool.map(
                lambda shard: self._shard(shard, first, through, correlation_id, more_time),
                shards,
            )
            opened = sum(runs, Opened())
        if opened.complete:
            self.marks.mark(through)
        return opened

    def _shard(
        self, shard: int, first: date, through: date, cid: str, more_time: Callable[[], bool]
    ) -> Opened:
        work = self.open_case.work
        run = Opened()
        for account_id in dict.fromkeys(self.statements.due_between(shard, first, through)):
            if not more_time():
                return run + Opened(complete=False)
            current = work.cases.current(account_id)
            if current is not None:
                if current.status is CaseStatus.OPEN:
                    work.start(current)
                run += Opened(already=1)
                continue
            try:
                self.open_case(account_id, COLLECTIONS, cid)
            except Conflict:
                run += Opened(not_followed=1)
                continue
            run += Opened(opened=1)
        return run
