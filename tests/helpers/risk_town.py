"""A synthetic town's ledger histories, to train and evaluate the delinquency risk score on.

The demo town that ``make run`` loads (infra/local/demo_history.py) has six accounts, all but two
paying on time: too few and too alike to learn from. This generator makes a town of any size
over any span, seeded (the same seed, the same town), with the behaviours collections sees:

- **autopay** (about a fifth): paid as each bill is issued; now and then a card is declined and
  the bill is paid by hand weeks later;
- **prompt** payers (the largest group): before the due date, rarely a few days late;
- **habitually late** payers: days to weeks after the due date, sometimes two bills at once;
- **fragile** accounts: fine for a while, then a hardship (a job lost, an illness) brings late
  and partial payments, skipped bills, returned cheques, payment arrangements often broken;
  many recover, some stop paying;
- **defaulters** (a few): deteriorate over a bill or two, then stop paying for months;
- anyone may hit a hardship now and then; accounts open during the span and others move out,
  some leaving their final bill unpaid.

Bills are every two months per route (routes billed on different days), due 21 days after
issue; a bill not paid in full by its due date draws a 1.25% penalty on what is past due the day
after; a returned cheque costs a $45.00 fee. The result is the risk score's own input
(:class:`AccountHistory`), as the DynamoDB adapter would read it from the ledger.
"""

from __future__ import annotations

import heapq
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from civiq.collections.domain.risk_history import AccountHistory, ArrangementSpan, Bill, Movement
from civiq.ledger.domain.journal import EntryKind

PERIOD_DAYS = 61
DUE_DAYS = 21
PENALTY_RATE = 0.0125
NSF_FEE_CENTS = 4500
PROFILES = (
    ("autopay", 0.22),
    ("prompt", 0.45),
    ("late", 0.14),
    ("fragile", 0.14),
    ("defaulter", 0.05),
)
HARDSHIP_CHANCE = {
    "autopay": 0.005,
    "prompt": 0.01,
    "late": 0.03,
    "fragile": 0.09,
    "defaulter": 0.0,
}
MOVE_OUT_CHANCE = 0.012  # per bill: about 7% a year


Events = list[tuple[date, int, str, int]]  # day, order, what, an amount or a bill's index


def account_id(n: int) -> str:
    """A ULID-shaped id."""
    return f"01J{n:023d}"


@dataclass
class _Account:
    """One account while the town is simulated: its mini-ledger (what each charge still owes,
    oldest due first) and what it has done."""

    number: int
    profile: str
    opened_on: date
    bill_cents: int
    route_offset: int
    rng: random.Random
    owed: list[list[int]] = field(default_factory=list)  # [due ordinal, cents, bill index]
    credit: int = 0
    movements: list[tuple[date, int, int, Movement]] = field(default_factory=list)
    bills: list[Bill] = field(default_factory=list)
    arrangements: list[ArrangementSpan] = field(default_factory=list)
    closed_on: date | None = None
    hardship: int = 0  # bills left in a hardship
    defaulting_from: int | None = None  # the bill from which a defaulter stops paying
    arrangement: tuple[date, date, bool] | None = None  # made, ends, kept
    sequence: int = 0

    def post(
        self,
        day: date,
        cents: int,
        kind: EntryKind,
        due: date | None = None,
        statement_id: str | None = None,
    ) -> None:
        self.sequence += 1
        self.movements.append(
            (day, self.sequence, cents, Movement(day, cents, kind, due, statement_id))
        )
        if cents > 0:
            due_day = (due or day).toordinal()
            used = min(self.credit, cents)
            self.credit -= used
            if cents - used:
                self.owed.append([due_day, cents - used])
                self.owed.sort(key=lambda o: o[0])
            return
        paying = -cents
        while paying and self.owed:
            if self.owed[0][1] <= paying:
                paying -= self.owed.pop(0)[1]
            else:
                self.owed[0][1] -= paying
                paying = 0
        self.credit += paying

    def balance(self) -> int:
        return sum(o[1] for o in self.owed) - self.credit

    def past_due(self, day: date) -> int:
        return sum(o[1] for o in self.owed if o[0] < day.toordinal())


def _profile(rng: random.Random) -> str:
    roll = rng.random()
    for name, share in PROFILES:
        if roll < share:
            return name
        roll -= share
    return PROFILES[-1][0]


class _Town:
    def __init__(self, accounts: int, start: date, end: date, seed: int) -> None:
        self.rng = random.Random(seed)
        self.start, self.end = start, end
        self.accounts = [self._account(n) for n in range(1, accounts + 1)]

    def _account(self, n: int) -> _Account:
        rng = random.Random(self.rng.getrandbits(64))
        newcomer = rng.random() < 0.12
        span = (self.end - self.start).days
        opened = (
            self.start + timedelta(days=rng.randrange(span - 120))
            if newcomer
            else self.start - timedelta(days=rng.randrange(30, 20 * 365))
        )
        account = _Account(
            number=n,
            profile=_profile(rng),
            opened_on=opened,
            bill_cents=int(rng.lognormvariate(5.3, 0.35) * 100),
            route_offset=rng.randrange(PERIOD_DAYS),
            rng=rng,
        )
        if account.profile == "defaulter":
            account.defaulting_from = rng.randrange(2, 16)
        return account

    def simulate(self) -> list[AccountHistory]:
        return [self._simulate(a) for a in self.accounts]

    def _simulate(self, account: _Account) -> AccountHistory:
        events: Events = []
        first = max(self.start, account.opened_on + timedelta(days=30))
        first += timedelta(days=(account.route_offset - (first - self.start).days) % PERIOD_DAYS)
        issue, index = first, 0
        while issue <= self.end:
            heapq.heappush(events, (issue, 0, "bill", index))
            issue += timedelta(days=PERIOD_DAYS)
            index += 1
        while events:
            day, _, what, value = heapq.heappop(events)
            if day > self.end or (account.closed_on and what == "bill" and day > account.closed_on):
                continue
            if what == "bill":
                self._bill(account, day, value, events)
            elif what == "pay":
                self._pay(account, day, value)
            elif what == "pay-all":
                self._pay(account, day, max(account.balance(), 0))
            elif what == "penalty":
                owed = account.past_due(day)
                if any(o[1] > 0 and o[0] == value for o in account.owed) and owed > 0:
                    account.post(
                        day,
                        max(round(owed * PENALTY_RATE), 100),
                        EntryKind.PENALTY,
                        date.fromordinal(value),
                    )
            elif what == "returned":  # and a sign of trouble
                account.post(day, value, EntryKind.REVERSAL)
                account.post(day, NSF_FEE_CENTS, EntryKind.FEE)
                account.hardship += 2
        if account.arrangement and account.arrangement[1] <= self.end:
            made, ends, kept = account.arrangement
            account.arrangements.append(ArrangementSpan(made, ends, not kept))
        elif account.arrangement:
            account.arrangements.append(ArrangementSpan(account.arrangement[0], None, False))
        account.movements.sort(key=lambda m: (m[0], m[1]))
        return AccountHistory(
            account_id=account_id(account.number),
            opened_on=account.opened_on,
            closed_on=account.closed_on,
            since=self.start,
            opening_cents=0,
            movements=tuple(m[3] for m in account.movements),
            bills=tuple(account.bills),
            arrangements=tuple(account.arrangements),
        )

    def _bill(self, account: _Account, day: date, index: int, events: Events) -> None:
        rng = account.rng
        final = account.closed_on is None and rng.random() < MOVE_OUT_CHANCE
        season = 1.25 if day.month in (6, 7, 8, 9) else 1.0
        cents = int(account.bill_cents * season * rng.uniform(0.85, 1.15))
        if final:
            account.closed_on = day
            cents = cents * rng.randrange(20, 61) // PERIOD_DAYS
        due = day + timedelta(days=DUE_DAYS)
        statement_id = f"{account_id(account.number)}-{index:03d}"
        autopay = account.profile == "autopay" and account.hardship == 0
        account.bills.append(Bill(statement_id, day, due, autopay))
        account.post(day, cents, EntryKind.CHARGE, due, statement_id)
        heapq.heappush(events, (due + timedelta(days=1), 2, "penalty", due.toordinal()))
        self._arrangement(account, day, events)
        for when, amount, how in self._payments(account, day, due, cents, index, final):
            heapq.heappush(events, (when, 1, how, amount))

    def _arrangement(self, account: _Account, day: date, events: Events) -> None:
        """A hardship with two bills or more past due: now and then an arrangement is made;
        a fragile account or a defaulter often breaks it."""
        rng = account.rng
        if account.arrangement and account.arrangement[1] <= day:
            made, ends, kept = account.arrangement
            account.arrangements.append(ArrangementSpan(made, ends, not kept))
            account.arrangement = None
            if not kept:
                account.hardship = max(account.hardship, 3)
        if account.arrangement or account.past_due(day) < 2 * account.bill_cents:
            return
        if rng.random() > 0.35:
            return
        kept = rng.random() < (0.35 if account.profile in ("fragile", "defaulter") else 0.7)
        ends = day + timedelta(days=120 if kept else rng.randrange(35, 75))
        account.arrangement = (day, ends, kept)
        arrears = account.past_due(day)
        for month in range(4 if kept else 1):
            heapq.heappush(events, (day + timedelta(days=7 + 30 * month), 1, "pay", arrears // 4))

    def _payments(
        self, account: _Account, issued: date, due: date, cents: int, index: int, final: bool
    ) -> list[tuple[date, int, str]]:
        """How this bill is paid, by the account's profile and state."""
        rng = account.rng
        profile = account.profile
        if account.hardship:
            account.hardship -= 1
        elif rng.random() < HARDSHIP_CHANCE[profile]:
            account.hardship = rng.randrange(2, 7)
        if account.defaulting_from is not None and index >= account.defaulting_from:
            stage = index - account.defaulting_from
            if stage == 0:
                return [(due + timedelta(days=rng.randrange(10, 40)), cents // 2, "pay")]
            if stage < rng.randrange(4, 12):
                return []
            account.defaulting_from = None  # back to paying, owing the past
            account.profile = "late"
        if final and profile in ("fragile", "late", "defaulter") and rng.random() < 0.5:
            return []  # moved away without paying the final bill
        if account.hardship:
            roll = rng.random()
            if roll < 0.4:
                return []  # skipped
            when = due + timedelta(days=rng.randrange(0, 50))
            if roll < 0.75:
                return self._cheque(account, when, int(cents * rng.uniform(0.3, 0.8)), 0.06)
            return self._cheque(account, when, 0, 0.06, everything=True)
        if profile == "autopay":
            if rng.random() < 0.02:  # declined: paid by hand later
                return [(due + timedelta(days=rng.randrange(-5, 30)), 0, "pay-all")]
            return [(issued, cents, "pay")]
        if profile == "prompt":
            late = rng.random() < 0.04
            when = due + timedelta(days=rng.randrange(1, 12) if late else -rng.randrange(0, 19))
            return self._cheque(account, when, 0, 0.003, everything=True)
        if profile == "late":
            if rng.random() < 0.1:
                return []  # paid with the next one
            when = due + timedelta(days=rng.randrange(-3, 45))
            return self._cheque(account, when, 0, 0.02, everything=True)
        # fragile or a defaulter not yet defaulting, outside a hardship: mostly fine, sometimes late
        when = due + timedelta(days=rng.randrange(-15, 25))
        return self._cheque(account, when, 0, 0.02, everything=True)

    def _cheque(
        self, account: _Account, when: date, cents: int, returned: float, everything: bool = False
    ) -> list[tuple[date, int, str]]:
        """A payment; now and then a cheque the bank returns a week or two later."""
        paid = [(when, cents, "pay-all" if everything else "pay")]
        if account.rng.random() < returned:
            amount = cents or max(account.bill_cents, 100)
            paid = [
                (when, amount, "pay"),
                (when + timedelta(days=account.rng.randrange(7, 14)), amount, "returned"),
            ]
        return paid

    def _pay(self, account: _Account, day: date, cents: int) -> None:
        if cents > 0:
            account.post(day, -cents, EntryKind.PAYMENT)


def town(accounts: int, start: date, end: date, seed: int = 7) -> list[AccountHistory]:
    """The histories of a town of ``accounts`` accounts from ``start`` to ``end``."""
    return _Town(accounts, start, end, seed).simulate()
