"""What the portal offers a resident with arrears: a payment arrangement within the
municipality's policy, monthly, with the smallest down payment the policy allows, in as many
instalments as keep each at or above the policy's minimum. The resident chooses how many."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from civiq.collections.domain.arrangements import (
    ArrangementPolicy,
    InstalmentFrequency,
    due_dates,
)
from civiq.core.money import Money

FREQUENCY = InstalmentFrequency.MONTHLY


@dataclass(frozen=True, slots=True)
class Choice:
    instalments: int
    each: Decimal  # about: the first ones take the cents an even split leaves, and interest


@dataclass(frozen=True, slots=True)
class ArrangementOffer:
    owed: Decimal  # past due today
    down_payment: Decimal  # due today
    first_due: date
    choices: tuple[Choice, ...]  # fewest instalments first

    def allows(self, count: int) -> bool:
        return any(c.instalments == count for c in self.choices)


def offer_for(owed: Decimal, policy: ArrangementPolicy, today: date) -> ArrangementOffer | None:
    """The arrangement the policy allows for ``owed`` past due (None: nothing to arrange, or
    monthly instalments are not offered)."""
    if owed <= 0 or FREQUENCY not in policy.frequencies:
        return None
    down = Money(owed * policy.min_down_payment_percent / 100).rounded().amount
    rest = owed - down
    choices = tuple(
        Choice(count, Money(rest / count).rounded().amount)
        for count in range(1, policy.max_instalments + 1)
        if count == 1 or rest / count >= policy.min_instalment
    )
    return ArrangementOffer(owed, down, first_due(today, policy), choices)


def first_due(today: date, policy: ArrangementPolicy) -> date:
    """A month from today (the same day, or the month's last), or sooner if the policy wants
    the first instalment sooner."""
    month_later = due_dates(today, FREQUENCY, 2)[1]
    return min(month_later, today + timedelta(days=policy.max_days_to_first_instalment))
