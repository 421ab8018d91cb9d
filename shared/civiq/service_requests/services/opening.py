"""Open a service request, once per request key: the resident's through the portal, or a
clerk's on the phone. A billing dispute holds the account's collection case at once."""

from __future__ import annotations

from dataclasses import dataclass

from civiq.accounts.ports import AccountRepository
from civiq.billing.ports import StatementRepository
from civiq.core.errors import Conflict, InvalidInput
from civiq.core.events import Actor
from civiq.core.ports import Clock, IdGenerator
from civiq.core.publishing import PublishEvents
from civiq.service_requests.domain.events import OPENED, request_event
from civiq.service_requests.domain.requests import (
    Asked,
    Author,
    RequestKind,
    ServiceRequest,
    opened,
    refusals,
)
from civiq.service_requests.ports import DisputeHolds, ServiceRequests


@dataclass(frozen=True)
class OpenServiceRequest:
    requests: ServiceRequests
    accounts: AccountRepository
    statements: StatementRepository
    holds: DisputeHolds
    events: PublishEvents
    clock: Clock
    ids: IdGenerator

    def __call__(self, asked: Asked, actor: Actor, correlation_id: str) -> ServiceRequest:
        """The request opened with ``asked.request_key`` (opened now, or by the first of the
        same form submitted again). Raises NotFound (no such account, or no such statement of
        the account), InvalidInput (every unacceptable field), Conflict (the key was used for
        another request).

        The dispute's hold is taken before the request is written, so that the request keeps
        the held case's id: a write that fails after it leaves the case paused for a dispute,
        and the form submitted again finds it so and opens the request holding it.
        """
        refused = refusals(asked)
        if refused:
            raise InvalidInput.of(refused)
        first = self.requests.keyed(asked.account_id, asked.request_key)
        if first is not None:
            return self._again(asked, first)
        account = self.accounts.get(asked.account_id)
        held_case_id = None
        if asked.kind is RequestKind.BILLING_DISPUTE:
            assert asked.statement_id is not None  # refusals() checked it
            self.statements.get(asked.account_id, asked.statement_id)  # NotFound: not its
            held_case_id = self.holds.hold(asked.account_id, actor, correlation_id)
        now = self.clock.now()
        request = opened(
            self.ids.new_id(), asked, Author.of(actor), account.holder.language, now, held_case_id
        )
        event = request_event(
            OPENED,
            request,
            self.ids.new_id(),
            now,
            actor,
            correlation_id,
            statement_id=request.statement_id,
            opened_by=request.opened_by.kind.value,
            language=request.language.value,
            held_case_id=held_case_id,
        )
        if not self.requests.open(request, [event]):  # the same form, submitted at once
            first = self.requests.keyed(asked.account_id, asked.request_key)
            assert first is not None
            return self._again(asked, first)
        self.events.after_commit([event])
        return request

    def _again(self, asked: Asked, first: ServiceRequest) -> ServiceRequest:
        if not asked.same_as(first):
            raise Conflict("this request key was used for another request", "request_key")
        return first
