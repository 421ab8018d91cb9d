"""The reading queue's message: rows of one import, parsed by the splitter, for the worker."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import AwareDatetime, ConfigDict, Field

from civiq.core.events import Actor
from civiq.core.schemas import Payload
from civiq.metering.domain.metering import ReadSource
from civiq.metering.domain.reading_imports import ImportRow
from civiq.metering.ports import RowBatch

REGISTER = r"^[0-9]{1,9}(\.[0-9]{1,3})?$"


class _Strict(Payload):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ActorMessage(_Strict):
    subject: str
    role: str


class RowMessage(_Strict):
    line: int = Field(ge=2)
    meter_serial: str = Field(min_length=1, max_length=40)
    read_on: date
    value: str = Field(pattern=REGISTER)
    source: ReadSource
    read_at: AwareDatetime | None = None


class RowBatchMessage(_Strict):
    import_id: str = Field(min_length=1, max_length=40)
    actor: ActorMessage
    rows: list[RowMessage] = Field(min_length=1)

    @classmethod
    def of(cls, batch: RowBatch) -> RowBatchMessage:
        return cls(
            import_id=batch.import_id,
            actor=ActorMessage(subject=batch.actor.subject, role=batch.actor.role),
            rows=[
                RowMessage(
                    line=r.line,
                    meter_serial=r.meter_serial,
                    read_on=r.read_on,
                    value=str(r.value),
                    source=r.source,
                    read_at=r.read_at,
                )
                for r in batch.rows
            ],
        )

    def to_batch(self) -> RowBatch:
        return RowBatch(
            import_id=self.import_id,
            actor=Actor(self.actor.subject, self.actor.role),
            rows=[
                ImportRow(r.line, r.meter_serial, r.read_on, Decimal(r.value), r.source, r.read_at)
                for r in self.rows
            ],
        )
