"""Staff move a service request along (in progress, resolved, closed, reopened). Resolving or
closing a billing dispute lets go of the collection case it held, unless another open dispute
of the account holds it too; reopening one holds the account's case again (taken before the
request is written, as when it was opened: a write refused after it, the version having moved,
leaves the case held for a dispute until the reopening is asked again or a clerk resumes it)."""

from __future__ import annotations

from dataclasses import dataclass

from civiq.core.errors import VersionConflict
from civiq.core.events import Actor
from civiq.core.ports import Clock, IdGenerator
from civiq.core.publishing import PublishEvents
from civiq.service_requests.domain.events import STATUS_CHANGED, request_event
from civiq.service_requests.domain.requests import RequestKind, RequestStatus, ServiceRequest
from civiq.service_requests.ports import DisputeHolds, ServiceRequests

# An account's other requests read when a dispute lets go of its case: more open disputes than
# this on one account would be odd; the case then stays held (the safe side) until the last.
OTHER_REQUESTS_READ = 100


@dataclass(frozen=True)
class ChangeServiceRequestStatus:
    requests: ServiceRequests
    holds: DisputeHolds
    events: PublishEvents
    clock: Clock
    ids: IdGenerator

    def __call__(
        self,
        request_id: str,
        status: RequestStatus,
        version: int,
        actor: Actor,
        correlation_id: str,
    ) -> ServiceRequest:
        """The request in ``status``. Raises NotFound, VersionConflict (``version`` is not the
        request's), Conflict (it cannot go there from its status).

        Asking for the status it already has changes nothing and answers the request as it is,
        its dispute's hold taken or let go again (a change retried after the request was written
        but before the case was resumed finishes its work).
        """
        before = self.requests.get(request_id)
        if before.status is status:
            self._release(before, actor, correlation_id)
            return before
        if before.version != version:
            raise VersionConflict("the request changed since it was read", before.version)
        held_case_id = None
        if before.reopens(status) and before.kind is RequestKind.BILLING_DISPUTE:
            held_case_id = self.holds.hold(before.account_id, actor, correlation_id)
        now = self.clock.now()
        after = before.moved_to(status, now, held_case_id)
        event = request_event(
            STATUS_CHANGED,
            after,
            self.ids.new_id(),
            now,
            actor,
            correlation_id,
            previous_status=before.status.value,
            held_case_id=after.held_case_id if after.holds_a_case else None,
        )
        self.requests.save(before, after, [event])
        self.events.after_commit([event])
        self._release(after, actor, correlation_id)
        return after

    def _release(self, request: ServiceRequest, actor: Actor, correlation_id: str) -> None:
        """Let go of the case a settled dispute held, unless another active dispute holds it."""
        case_id = request.held_case_id
        if case_id is None or request.status.active:
            return
        others = self.requests.of_account(request.account_id, OTHER_REQUESTS_READ, None).items
        # The account's list is read from an index, which may still show this request as it was
        # before it was settled: it is never one of the others.
        if any(
            o.request_id != request.request_id and o.holds_a_case and o.held_case_id == case_id
            for o in others
        ):
            return
        self.holds.release(request.account_id, case_id, actor, correlation_id)
