"""Follow the payments to an account with a collection case (a consumer of PaymentPosted): the
case is re-anchored to the oldest item still unpaid, and closed, its execution stopped, when
nothing worth following is past due any more. A paused case is re-anchored too, and stays
paused. Cases are only ever looked up by the paying account: one read when it has none. A
write-off of arrears follows the case the same way, closing it as written off.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from civiq.collections.domain.dunning import Case, CaseStatus, Ladder, PastDue, StepKind, reanchor
from civiq.collections.ports import CaseChange
from civiq.collections.services.casework import COLLECTIONS, Casework, Reading


@dataclass(frozen=True)
class FollowPayment:
    work: Casework

    def __call__(
        self,
        account_id: str,
        correlation_id: str,
        follow: Callable[[Ladder, Case, PastDue, date], Case] = reanchor,
    ) -> Case | None:
        """The account's case after the payment (None: no case, or nothing changed);
        ``follow``: what the ledger's change makes of it (a write-off closes it as written
        off)."""
        work = self.work
        today = work.recorder.today()

        def decision(reading: Reading) -> CaseChange | None:
            case = reading.case
            after = follow(work.ladder(case), case, reading.late, today)
            if after == case:
                return None
            step = after.steps[-1]
            entries = []
            if step.kind in (StepKind.CLOSED, StepKind.REANCHORED):
                entries.append(
                    work.entry(
                        after,
                        f"CollectionCase{step.kind.value.capitalize()}",
                        COLLECTIONS,
                        correlation_id,
                        reason=step.reason,
                        statement_id=after.anchor.statement_id,
                        past_due=f"{after.past_due:.2f}",
                    )
                )
            return CaseChange(after, reading.ledger_sequence, entries=entries)

        change = work.decide(account_id, today, decision)
        if change is None:
            return None
        if change.after.status is CaseStatus.CLOSED:
            work.stop(change.after, f"closed: {change.after.ended}")
        return change.after
