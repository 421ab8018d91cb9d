"""Daily: write off the small balances of accounts no longer served (final-billed or closed),
once their oldest unpaid item is the policy's days past due.

The accounts come from the open statements' index by due date, never from a scan: each day
reads the statements that reached the policy's days past due since the last run (one thread
per list of the index, an account's statements all in one list), and writes off the account's
whole balance when it is more than nothing and at most the threshold. The due date gone through
is marked once every list is through, so a day is done once, and a failed or stopped day is
gone through again by the next run (a balance written off is not found again: it is zero). A
payment that leaves a small balance after its day went by is followed by the write-off
function's payment consumer, which writes the balance off then.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from civiq.accounts.domain.accounts import AccountStatus
from civiq.collections.domain.write_offs import Authority, WriteOffCategory, small_balance
from civiq.collections.ports import PastDueStatements, SweepMarks
from civiq.collections.services.case_opening import LOOKBACK_DAYS
from civiq.collections.services.write_off import WriteOffArrears, WriteOffAsked
from civiq.collections.services.write_off_reinstatement import WRITE_OFFS
from civiq.core.ids import DeterministicIds

SERVED = frozenset({AccountStatus.PENDING, AccountStatus.ACTIVE})
ZERO = Decimal(0)


@dataclass(frozen=True)
class Swept:
    """What one run did; ``complete`` False: it stopped for time (the next run goes on)."""

    written_off: int = 0
    looked_at: int = 0
    complete: bool = True

    def __add__(self, other: Swept) -> Swept:
        return Swept(
            self.written_off + other.written_off,
            self.looked_at + other.looked_at,
            self.complete and other.complete,
        )


def _always() -> bool:
    return True


@dataclass(frozen=True)
class WriteOffSmallBalances:
    write_off: WriteOffArrears
    statements: PastDueStatements
    marks: SweepMarks

    def __call__(self, cid: str, more_time: Callable[[], bool] = _always) -> Swept:
        books = self.write_off.books
        today = books.today()
        through = today - timedelta(days=books.policy.small_balance_days)
        last = self.marks.last_through() or through - timedelta(days=LOOKBACK_DAYS)
        if last >= through:
            return Swept()
        first = last + timedelta(days=1)
        shards = range(self.statements.shards())
        with ThreadPoolExecutor(len(shards), thread_name_prefix="small-balances") as pool:
            runs = pool.map(
                lambda shard: self._shard(shard, first, through, today, cid, more_time), shards
            )
            swept = sum(runs, Swept())
        if swept.complete:
            self.marks.mark(through)
        return swept

    def _shard(
        self,
        shard: int,
        first: date,
        through: date,
        today: date,
        cid: str,
        more_time: Callable[[], bool],
    ) -> Swept:
        run = Swept()
        for account_id in dict.fromkeys(self.statements.due_between(shard, first, through)):
            if not more_time():
                return run + Swept(complete=False)
            written = self._write_off(account_id, through.isoformat(), today, cid)
            run += Swept(written_off=int(written), looked_at=1)
        return run

    def after_payment(
        self, account_id: str, payment_id: str, balance_after: Decimal, cid: str
    ) -> bool:
        """A payment that leaves a small balance: written off at once when its oldest unpaid
        item is past the policy's days already (its day went by while the balance was larger:
        the daily run does not look at it again). True: written off. No read unless the
        balance is small."""
        books = self.write_off.books
        if not ZERO < balance_after <= books.policy.small_balance:
            return False
        return self._write_off(account_id, f"payment/{payment_id}", books.today(), cid)

    def _write_off(self, account_id: str, occasion: str, today: date, cid: str) -> bool:
        """Write off the account's small balance, if it has one (once per ``occasion``)."""
        books = self.write_off.books
        served = books.accounts.get(account_id).status in SERVED
        amount = small_balance(books.ledger.state(account_id), served, books.policy, today)
        if amount is None:
            return False
        asked = WriteOffAsked(
            account_id,
            amount,
            WriteOffCategory.SMALL_BALANCE,
            f"a balance of at most {books.policy.small_balance:.2f}, "
            f"{books.policy.small_balance_days} days past due, on an account no longer served",
            DeterministicIds(f"small-balance/{account_id}/{occasion}").new_id(),
        )
        self.write_off(asked, WRITE_OFFS, cid, Authority.AUTOMATIC)
        return True
