"""Train the delinquency risk model on the municipality's own ledger history
(:mod:`civiq.collections.domain.risk_training`), and keep it under its version.

A town trains on all its accounts; a city on a sample of ``max_accounts`` of them, the same
sample every time (the accounts whose ids hash lowest), so that training stays within one
function's run and its result can be reproduced. Closed accounts are read too: an account that
moved away leaving its final bill unpaid is what the score must learn to see coming.
"""

from __future__ import annotations

import hashlib
import heapq
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from civiq.accounts.domain.accounts import AccountStatus
from civiq.collections.domain.risk_features import Timeline
from civiq.collections.domain.risk_model import RiskModel
from civiq.collections.domain.risk_training import TrainingPolicy, train
from civiq.collections.ports import RiskHistories, RiskModels

BATCH = 100  # accounts read together


def sample(account_ids: Iterable[str], most: int) -> list[str]:
    """The ``most`` accounts whose ids hash lowest (all of them when there are fewer), in id
    order: a sample that does not depend on the order the accounts are listed in."""
    lowest = heapq.nsmallest(most, account_ids, key=lambda a: hashlib.sha256(a.encode()).digest())
    return sorted(lowest)


@dataclass(frozen=True)
class TrainRiskModel:
    histories: RiskHistories
    models: RiskModels
    policy: TrainingPolicy
    max_accounts: int

    def __call__(self, today: date) -> RiskModel:
        """The model trained on the history up to ``today``, saved. Raises NotEnoughHistory
        (nothing saved)."""
        chosen = sample(self.histories.account_ids(tuple(AccountStatus)), self.max_accounts)
        since = self.policy.history_from(today)
        timelines = [
            Timeline.of(history)
            for start in range(0, len(chosen), BATCH)
            for history in self.histories.of_accounts(chosen[start : start + BATCH], since)
        ]
        model = train(timelines, self.policy, today)
        self.models.save(model)
        return model
