"""Publish events that were committed to the outbox, and relay any left behind."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from civiq.core.events import DomainEvent
from civiq.core.ports import Clock, EventPublisher, Outbox

logger = logging.getLogger("civiq")  # configured by each function (copy_config)


@dataclass(frozen=True)
class PublishEvents:
    outbox: Outbox
    publisher: EventPublisher

    def after_commit(self, events: Sequence[DomainEvent]) -> bool:
        """Publish right after the commit. A failure is logged, not raised: the relay retries."""
        try:
            self.publisher.publish(events)
        except Exception:
            logger.exception(
                "publish failed; the outbox relay will retry",
                extra={"event_ids": [e.event_id for e in events]},
            )
            return False
        self.outbox.mark_published(events)
        return True


@dataclass(frozen=True)
class RelayOutbox:
    """Scheduled: publish what stayed in the outbox longer than ``grace``."""

    outbox: Outbox
    publisher: EventPublisher
    clock: Clock
    grace: timedelta
    batch_size: int = 100

    def __call__(self) -> int:
        waiting = self.outbox.pending(self.clock.now() - self.grace, self.batch_size)
        if waiting:
            self.publisher.publish(waiting)
            self.outbox.mark_published(waiting)
            logger.info("relayed outbox events", extra={"count": len(waiting)})
        return len(waiting)
