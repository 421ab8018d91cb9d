"""What a resident sees of their account once looked up: what they owe and by when, their
statements, their payments (and those submitted on the portal that the processor has not
confirmed yet), the payment arrangement in force and their consumption over the last 13
months."""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from civiq.accounts.domain.account_numbers import AccountNumberScheme
from civiq.billing.domain.statements import Statement, UsagePoint
from civiq.collections.domain.arrangements import Arrangement
from civiq.core.dates import local_today
from civiq.core.language import Language
from civiq.core.ports import Clock
from civiq.ledger.domain.payments import Payment
from civiq.payments.domain.processor_payments import EventKind
from civiq.portal.domain.lookup import masked_address
from civiq.portal.domain.online_payments import Submitted
from civiq.portal.ports import (
    AccountArrangements,
    AccountBalances,
    AccountPayments,
    AccountStatements,
    OnlinePayments,
    PaymentAnswers,
    PortalAccounts,
)

STATEMENTS_SHOWN = 13
PAYMENTS_SHOWN = 12
USAGE_MONTHS = 13


@dataclass(frozen=True)
class Overview:
    account_id: str
    account_number: str  # as printed on statements
    address: str  # masked (:func:`masked_address`)
    language: Language
    autopay: bool
    balance: Decimal  # negative: a credit
    due_on: date | None  # the latest statement's, while something is owed on it
    owed_on_latest: Decimal
    days_past_due: int
    statements: Sequence[Statement]  # newest first
    payments: Sequence[Payment]  # newest first
    submitted: Sequence[Submitted]  # on the portal, not posted; newest first
    usage: Sequence[UsagePoint]  # oldest first, the periods ending in the last 13 months
    arrangement: Arrangement | None  # in force


class AccountOverview:
    def __init__(
        self,
        accounts: PortalAccounts,
        balances: AccountBalances,
        statements: AccountStatements,
        payments: AccountPayments,
        online: OnlinePayments,
        answers: PaymentAnswers,
        arrangements: AccountArrangements,
        numbering: AccountNumberScheme,
        clock: Clock,
        time_zone: ZoneInfo,
    ) -> None:
        self._accounts = accounts
        self._balances = balances
        self._statements = statements
        self._payments = payments
        self._online = online
        self._answers = answers
        self._arrangements = arrangements
        self._numbering = numbering
        self._clock = clock
        self._time_zone = time_zone

    def __call__(self, account_id: str) -> Overview:
        account = self._accounts.get(account_id)
        balance = self._balances(account)
        today = local_today(self._clock, self._time_zone)
        statements = self._statements.recent(account_id, STATEMENTS_SHOWN)
        owed = balance.latest_owed.amount if balance.latest is not None else Decimal(0)
        payments = list(self._payments.of_account(account_id))
        posted = {p.reference for p in payments}
        return Overview(
            account_id=account_id,
            account_number=self._numbering.display(account.account_number),
            address=masked_address(account.service_address),
            language=account.language,
            autopay=account.autopay,
            balance=balance.balance.amount,
            due_on=balance.latest.due_on if balance.latest is not None and owed > 0 else None,
            owed_on_latest=owed,
            days_past_due=balance.days_past_due(today),
            statements=statements,
            payments=payments[:PAYMENTS_SHOWN],
            submitted=self._submitted(account_id, posted),
            usage=usage_over(statements, USAGE_MONTHS),
            arrangement=in_force(self._arrangements.of_account(account_id)),
        )

    def _submitted(self, account_id: str, posted: set[str | None]) -> list[Submitted]:
        """The payments submitted on the portal that are not posted, each declined if the
        processor said so (one read of its answers each: few are ever waiting)."""
        waiting = [
            p
            for p in self._online.of_account(account_id, PAYMENTS_SHOWN)
            if p.processor_payment_id not in posted
        ]
        return [
            Submitted(
                p, p.processor_payment_id is not None and self._declined(p.processor_payment_id)
            )
            for p in waiting
        ]

    def _declined(self, processor_payment_id: str) -> bool:
        answers = self._answers.of_payment(processor_payment_id)
        return any(a.kind is EventKind.FAILED for a in answers)


def in_force(arrangements: Sequence[Arrangement]) -> Arrangement | None:
    return next((a for a in arrangements if a.ended_on is None), None)


def usage_over(statements: Sequence[Statement], months: int) -> list[UsagePoint]:
    """The consumption of the periods ending in the ``months`` months up to the latest
    statement's period, from the statements' own histories (each reaches back 12 periods; the
    one before the latest fills in the 13th month), the latest statement's figures winning."""
    points: dict[date, UsagePoint] = {}
    for statement in reversed(statements):  # oldest first: later statements overwrite
        for point in statement.usage_history:
            points[point.period_end] = point
    if not points:
        return []
    last = max(points)
    first = _months_before(last, months)
    return [points[end] for end in sorted(points) if end > first]


def _months_before(day: date, months: int) -> date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month + 1, min(day.day, monthrange(year, month + 1)[1]))
