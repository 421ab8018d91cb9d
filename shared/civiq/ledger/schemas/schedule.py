"""The scheduled event the ledger digest is started by, typed at the edge."""

from __future__ import annotations

from pydantic import AwareDatetime, BaseModel, ConfigDict


class ScheduledEvent(BaseModel):
    """The part of EventBridge's scheduled event the digest needs: its id and its time."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str
    time: AwareDatetime
