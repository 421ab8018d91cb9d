"""Disputes holding collection cases through collections' own dispute pause (PauseCase and
ResumeCase with the reason ``dispute``): the case's execution stopped while it is held, started
again under a new one when it is let go (or the case closed, nothing being past due any more).

Collections' casework is built at the first hold or release, not with the service requests: a
portal that only lists requests never builds it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING

from civiq.core.events import Actor

if TYPE_CHECKING:
    from civiq.collections.domain.dunning import Case
    from civiq.collections.services.casework import Casework


class CollectionDisputeHolds:
    def __init__(self, casework: Callable[[], Casework]) -> None:
        self._build = casework

    @cached_property
    def _work(self) -> Casework:
        return self._build()

    def hold(self, account_id: str, actor: Actor, correlation_id: str) -> str | None:
        from civiq.collections.services.case_holds import DISPUTE, PauseCase

        paused = PauseCase(self._work)(account_id, DISPUTE, actor, correlation_id)
        case = paused or self._work.cases.current(account_id)
        return case.case_id if case is not None and _held_for_dispute(case) else None

    def release(self, account_id: str, case_id: str, actor: Actor, correlation_id: str) -> bool:
        from civiq.collections.services.case_holds import DISPUTE, ResumeCase

        case = self._work.cases.current(account_id)
        if case is None or case.case_id != case_id or not _held_for_dispute(case):
            return False
        resumed = ResumeCase(self._work)(account_id, actor, correlation_id, held_by=DISPUTE)
        return resumed is not None


def _held_for_dispute(case: Case) -> bool:
    from civiq.collections.domain.dunning import CaseStatus
    from civiq.collections.services.case_holds import DISPUTE

    return case.status is CaseStatus.PAUSED and case.paused_by == DISPUTE
