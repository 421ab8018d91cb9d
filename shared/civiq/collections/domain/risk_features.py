"""What the delinquency risk score predicts, and what it predicts it from.

**The label.** An account is *delinquent* at the end of a day when more than $10.00 of what it
owes has been due for 60 days or more (aging by due date, oldest first: see
:mod:`civiq.collections.domain.risk_history`). The score of an account on a day ``t`` is the
probability that it becomes delinquent on some day of the 90 after ``t`` (``t + 1`` to
``t + 90``), for an account open on ``t`` and not delinquent then. An account already delinquent
is past what the score is for (dunning has it): it is neither scored nor trained on.

**The features** of an account on ``t`` read only what was posted, issued, made or ended by the
end of ``t`` (no look-ahead: ``Timeline.features(t)`` equals the features of the history cut at
``t``), over the year before it unless said otherwise:

- ``on_time_share``: the share of the statements due in the year that were paid in full by
  their due date (unknown without a statement due);
- ``average_days_late``: how many days after its due date each of them was paid in full, on
  average (one still unpaid counts until ``t``; at most 90 each; unknown without a statement);
- ``returned_payments``: payments taken back (dishonoured cheques, chargebacks);
- ``penalties``: late-payment penalties charged;
- ``broken_arrangements``: payment arrangements broken in the two years before ``t``;
- ``arrangement_in_force``: 1 while a payment arrangement is in force;
- ``autopay``: 1 when the year's latest statement was charged by autopay;
- ``tenure_years``: years since the account opened (at most 10);
- ``balance_trend``: how much the balance grew over the last six months, in typical bills (the
  year's average statement charge, at least $10.00), from -5 to 5;
- ``past_due_bills``: what is owed past due on ``t``, in typical bills (at most 10);
- ``days_past_due``: how long the oldest amount owed past due has been (at most 120).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from civiq.collections.domain.risk_history import AccountHistory, Piece, overdue_cents, settle
from civiq.ledger.domain.journal import EntryKind

FEATURES = (
    "on_time_share",
    "average_days_late",
    "returned_payments",
    "penalties",
    "broken_arrangements",
    "arrangement_in_force",
    "autopay",
    "tenure_years",
    "balance_trend",
    "past_due_bills",
    "days_past_due",
)
LOOKBACK_DAYS = 365
ARRANGEMENT_LOOKBACK_DAYS = 730
TREND_DAYS = 182
DELINQUENT_DAYS = 60
DELINQUENT_CENTS = 1000  # more than $10.00 owed 60 days past due: delinquent
HORIZON_DAYS = 90
LATE_DAYS_CAP = 90
PAST_DUE_DAYS_CAP = 120
TENURE_YEARS_CAP = 10.0
TREND_BILLS_CAP = 5.0
PAST_DUE_BILLS_CAP = 10.0
SMALLEST_TYPICAL_BILL_CENTS = 1000
DAYS_A_YEAR = 365.25
READ_BACK_DAYS = LOOKBACK_DAYS + 61  # and a bill period: the year's first bill is read whole


def history_from(day: date) -> date:
    """The first day of history the features on ``day`` read."""
    return day - timedelta(days=READ_BACK_DAYS)


Features = tuple[float | None, ...]  # in FEATURES order; None: unknown


@dataclass(frozen=True)
class Timeline:
    """An account's history with its charges settled once (:func:`settle`): features, the
    label and eligibility on any day are read from it."""

    history: AccountHistory
    pieces: tuple[Piece, ...]

    @classmethod
    def of(cls, history: AccountHistory) -> Timeline:
        return cls(history, settle(history))

    def open_on(self, day: date) -> bool:
        history = self.history
        return history.opened_on <= day and (history.closed_on is None or history.closed_on > day)

    def delinquent_on(self, day: date) -> bool:
        """More than $10.00 owed 60 days past due at the end of ``day``."""
        return overdue_cents(self.pieces, day.toordinal(), DELINQUENT_DAYS) > DELINQUENT_CENTS

    def scoreable_on(self, day: date) -> bool:
        """Open on ``day`` and not delinquent: what the score is for."""
        return self.open_on(day) and not self.delinquent_on(day)

    def becomes_delinquent(self, day: date, horizon: int = HORIZON_DAYS) -> bool:
        """Whether the account is delinquent at the end of some day of the ``horizon`` days
        after ``day``. What is owed 60 days past due only grows on the day a piece reaches 60
        days past due (or is posted later than that), and only shrinks when one is paid, so it
        is at its highest on one of those days, or on the first."""
        start, end = day.toordinal() + 1, day.toordinal() + horizon
        candidates = {start}
        for piece in self.pieces:
            reached = max(piece.due + DELINQUENT_DAYS, piece.posted)
            if start <= reached <= end and reached < piece.paid:
                candidates.add(reached)
        return any(
            overdue_cents(self.pieces, d, DELINQUENT_DAYS) > DELINQUENT_CENTS for d in candidates
        )

    def features(self, day: date) -> Features:
        """The features on ``day`` (see the module), in ``FEATURES`` order."""
        history = self.history
        today = day.toordinal()
        year_ago = today - LOOKBACK_DAYS
        trend_from = today - TREND_DAYS
        balance = balance_before = history.opening_cents
        penalties = returned = charges = charged = 0
        for movement in history.movements:
            moved_on = movement.day.toordinal()
            if moved_on > today:
                break
            balance += movement.cents
            if moved_on <= trend_from:
                balance_before += movement.cents
            if moved_on <= year_ago:
                continue
            if movement.kind is EntryKind.PENALTY:
                penalties += 1
            elif movement.kind is EntryKind.CHARGE:
                charges += 1
                charged += movement.cents
            elif movement.returned_payment:
                returned += 1
        typical = max(charged / charges if charges else 0, SMALLEST_TYPICAL_BILL_CENTS)

        paid_in_full: dict[str, int] = {}
        unpaid: set[str] = set()
        past_due = 0
        oldest_due = today
        for piece in self.pieces:
            if piece.posted > today:
                continue
            if piece.paid > today:
                if piece.due < today:
                    past_due += piece.cents
                    oldest_due = min(oldest_due, piece.due)
                if piece.statement_id:
                    unpaid.add(piece.statement_id)
            elif piece.statement_id:
                paid_in_full[piece.statement_id] = max(
                    paid_in_full.get(piece.statement_id, 0), piece.paid
                )

        on_time = counted = late_days = 0
        latest_bill = None
        for bill in history.bills:
            if bill.issued_on.toordinal() > today:
                break
            if bill.issued_on.toordinal() > year_ago:
                latest_bill = bill
            due = bill.due_on.toordinal()
            if not year_ago < due <= today:
                continue
            sid = bill.statement_id
            if sid in unpaid:
                paid = today
            elif sid in paid_in_full:
                paid = paid_in_full[sid]
            else:
                continue  # nothing to pay on it (a credit paid it, or it charged nothing)
            counted += 1
            on_time += paid <= due
            late_days += min(max(paid - due, 0), LATE_DAYS_CAP)

        arrangements_since = today - ARRANGEMENT_LOOKBACK_DAYS
        broken = in_force = 0
        for arrangement in history.arrangements:
            if arrangement.made_on.toordinal() > today:
                continue
            ended = arrangement.ended_on.toordinal() if arrangement.ended_on else None
            if ended is None or ended > today:
                in_force = 1
            elif arrangement.broken and ended > arrangements_since:
                broken += 1

        return (
            on_time / counted if counted else None,
            late_days / counted if counted else None,
            float(returned),
            float(penalties),
            float(broken),
            float(in_force),
            1.0 if latest_bill is not None and latest_bill.autopay else 0.0,
            min((today - history.opened_on.toordinal()) / DAYS_A_YEAR, TENURE_YEARS_CAP),
            _clip((balance - balance_before) / typical, TREND_BILLS_CAP),
            min(past_due / typical, PAST_DUE_BILLS_CAP),
            float(min(today - oldest_due, PAST_DUE_DAYS_CAP)),
        )


def _clip(value: float, limit: float) -> float:
    return max(-limit, min(value, limit))
