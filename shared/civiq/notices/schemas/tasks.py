"""The read-reminder queue's message: one route of one cycle period, from where to continue."""

from __future__ import annotations

from datetime import date

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from civiq.notices.domain.alerts import RouteReminder


class RouteReminderMessage(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    cycle_id: str = Field(min_length=1)
    period_end: date
    route: str = Field(min_length=1, max_length=12)
    requested_at: AwareDatetime
    after: str | None = Field(default=None, min_length=1)

    @classmethod
    def of(cls, task: RouteReminder) -> RouteReminderMessage:
        return cls(
            cycle_id=task.cycle_id,
            period_end=task.period_end,
            route=task.route,
            requested_at=task.requested_at,
            after=task.after,
        )

    def to_task(self) -> RouteReminder:
        return RouteReminder(
            self.cycle_id, self.period_end, self.route, self.requested_at, self.after
        )
