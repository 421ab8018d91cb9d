"""Hand-made inputs of the delinquency risk score's tests: ledger histories (a charge, a payment,
a penalty, a returned payment, and the history they make, its statements taken from its
charges) and a model."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from civiq.collections.domain.risk_features import FEATURES
from civiq.collections.domain.risk_history import AccountHistory, ArrangementSpan, Bill, Movement
from civiq.collections.domain.risk_model import (
    Decile,
    Evaluation,
    RiskModel,
    Standardization,
    TrainingWindow,
)
from civiq.ledger.domain.journal import EntryKind

OPENED = date(2020, 3, 1)
SINCE = date(2024, 1, 1)


def statement_id(issued: date) -> str:
    return f"S-{issued:%Y%m%d}"


def charge(issued: date, cents: int, due_days: int = 21) -> Movement:
    """A statement's charges, due ``due_days`` after it was issued."""
    return Movement(
        issued, cents, EntryKind.CHARGE, issued + timedelta(days=due_days), statement_id(issued)
    )


def payment(day: date, cents: int) -> Movement:
    return Movement(day, -cents, EntryKind.PAYMENT)


def penalty(day: date, cents: int, due: date) -> Movement:
    """A statement's late penalty, owed with it."""
    return Movement(day, cents, EntryKind.PENALTY, due)


def returned(day: date, cents: int) -> Movement:
    """A payment taken back (a dishonoured cheque)."""
    return Movement(day, cents, EntryKind.REVERSAL)


def history(
    *movements: Movement,
    autopay: Sequence[date] = (),
    arrangements: Sequence[ArrangementSpan] = (),
    opened_on: date = OPENED,
    closed_on: date | None = None,
    since: date = SINCE,
    opening_cents: int = 0,
    account_id: str = "01J00000000000000000000001",
) -> AccountHistory:
    """A history of ``movements``; each charge's statement is a bill (paid by autopay when it
    was issued on a day of ``autopay``)."""
    bills = tuple(
        Bill(m.statement_id, m.day, m.due_on, m.day in autopay)
        for m in movements
        if m.kind is EntryKind.CHARGE and m.statement_id and m.due_on
    )
    return AccountHistory(
        account_id,
        opened_on,
        closed_on,
        since,
        opening_cents,
        tuple(movements),
        bills,
        tuple(arrangements),
    )


def risk_model(
    version: str = "20261130-3f9a0c1e",
    trained_on: date = date(2026, 11, 30),
    coefficients: Sequence[float] | None = None,
    intercept: float = -3.123456789012345,
    standardized: bool = True,
) -> RiskModel:
    """A model of every feature: by default weights 0.5, 0.4, ... on values standardized with
    means 0, 0.1, 0.2... and scales 1, 2, 3...; ``standardized=False``: taken as they are
    (means 0, scales 1)."""
    width = len(FEATURES)
    day = trained_on
    return RiskModel(
        version,
        trained_on,
        FEATURES,
        Standardization(
            tuple(0.1 * j if standardized else 0.0 for j in range(width)),
            tuple(1.0 + j if standardized else 1.0 for j in range(width)),
        ),
        intercept,
        tuple(coefficients)
        if coefficients is not None
        else tuple(0.5 - 0.1 * j for j in range(width)),
        1.0,
        TrainingWindow(
            day - timedelta(days=640),
            day - timedelta(days=300),
            day - timedelta(days=210),
            day - timedelta(days=150),
            90,
            60,
            4321,
            123,
        ),
        Evaluation(
            987,
            45,
            0.8765432109876543,
            0.0345,
            45 / 987,
            tuple(Decile(98, 0.01 * g, 0.011 * g) for g in range(10)),
        ),
    )
