"""The collection ladders: each customer class and revenue category's stages, as configured by
a supervisor (every change audited), and the default ladder for the others."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from civiq.accounts.services.recording import Recorder
from civiq.collections.domain.dunning import (
    CustomerClass,
    DunningPolicy,
    Ladder,
    ladder_refusals,
)
from civiq.collections.ports import Ladders
from civiq.core.audit import AuditEntry
from civiq.core.errors import InvalidInput
from civiq.core.events import Actor
from civiq.core.history import as_record


@dataclass(frozen=True)
class SetLadder:
    ladders: Ladders
    policy: DunningPolicy
    recorder: Recorder

    def __call__(self, ladder: Ladder, actor: Actor, correlation_id: str) -> Ladder:
        """Raises InvalidInput naming every field the ladder cannot have (stages out of order,
        a shutoff warning with less notice than the bylaw's), writing nothing."""
        refused = ladder_refusals(ladder, self.policy.min_shutoff_notice_days)
        if refused:
            raise InvalidInput.of(refused)
        before = self.policy.ladder_for(
            self.ladders.stored(), ladder.customer_class, ladder.revenue_category
        )
        entry = AuditEntry(
            entry_id=self.recorder.ids.new_id(),
            subject_id=f"LADDER#{ladder.customer_class.value}#{ladder.revenue_category}",
            action="CollectionLadderSet",
            actor_subject=actor.subject,
            actor_role=actor.role,
            occurred_at=self.recorder.clock.now(),
            correlation_id=correlation_id,
            detail={"before": as_record(before), "after": as_record(ladder)},
        )
        self.ladders.put(ladder, entry)
        return ladder


@dataclass(frozen=True)
class CollectionLadders:
    """Every class's ladder for ``revenue_category``: configured, else the default."""

    ladders: Ladders
    policy: DunningPolicy

    def __call__(self, revenue_category: str) -> Sequence[Ladder]:
        stored = self.ladders.stored()
        return [
            self.policy.ladder_for(stored, customer_class, revenue_category)
            for customer_class in CustomerClass
        ]
