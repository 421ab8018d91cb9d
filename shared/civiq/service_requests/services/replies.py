"""Reply to a service request: staff answer the resident (who reads it in the portal), the
resident adds to what they asked. The thread only grows: a reply never needs the version the
writer saw, and one that meets another's write is added again to the request as it is now."""

from __future__ import annotations

from dataclasses import dataclass

from civiq.core.errors import Conflict, VersionConflict
from civiq.core.events import Actor
from civiq.core.ports import Clock, IdGenerator
from civiq.core.publishing import PublishEvents
from civiq.service_requests.domain.events import ANSWERED, request_event
from civiq.service_requests.domain.requests import Author, Message, ServiceRequest, seen_from
from civiq.service_requests.ports import ServiceRequests

ATTEMPTS = 4


@dataclass(frozen=True)
class ReplyToServiceRequest:
    requests: ServiceRequests
    events: PublishEvents
    clock: Clock
    ids: IdGenerator

    def __call__(
        self,
        request_id: str,
        text: str,
        actor: Actor,
        correlation_id: str,
        account_id: str | None = None,
    ) -> ServiceRequest:
        """The request with the reply at the end of its thread. ``account_id``: the account
        the writer may see (a resident's); another account's request is not found. Raises
        NotFound, InvalidInput (the text), Conflict (closed, or the thread full)."""
        author = Author.of(actor)
        for _ in range(ATTEMPTS):
            before = seen_from(self.requests.get(request_id), account_id)
            now = self.clock.now()
            after = before.answered(Message(author, text, now))
            event = request_event(
                ANSWERED,
                after,
                self.ids.new_id(),
                now,
                actor,
                correlation_id,
                author=author.kind.value,
                messages=len(after.messages),
            )
            try:
                self.requests.save(before, after, [event])
            except VersionConflict:
                continue
            self.events.after_commit([event])
            return after
        raise Conflict("the request kept changing while the reply was added: try again", "text")
