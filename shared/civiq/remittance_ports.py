"""Ports of bank remittance files. Adapters implement them (DynamoDB, S3, SQS, in memory)."""

from __future__ import annotations

from typing import Protocol

from civiq.domain.remittance_files import LineOutcome, RemittanceCounts, RemittanceFile
from civiq.ports import Page


class RemittanceRepository(Protocol):
    def create(self, file: RemittanceFile) -> bool:
        """False, writing nothing, when the file was uploaded before."""
        ...

    def get(self, remittance_id: str) -> tuple[RemittanceFile, RemittanceCounts]:
        """Raises NotFound."""
        ...

    def outcome(self, remittance_id: str, line_no: int) -> LineOutcome | None: ...

    def record(self, outcome: LineOutcome) -> bool:
        """Record a line's first outcome and count it; False when it has one already."""
        ...

    def decide(self, before: LineOutcome, after: LineOutcome) -> None:
        """An exception's resolution, if it is still an exception (else Conflict)."""
        ...

    def lines(
        self, remittance_id: str, exceptions_only: bool, limit: int, cursor: str | None
    ) -> Page[LineOutcome]: ...

    def open_exceptions(self, limit: int, cursor: str | None) -> Page[LineOutcome]:
        """Every file's lines waiting for a clerk, oldest file first."""
        ...


class RemittanceContents(Protocol):
    def put(self, remittance_id: str, content: bytes) -> None: ...

    def get(self, remittance_id: str) -> bytes: ...


class RemittanceQueue(Protocol):
    def send(self, remittance_id: str, first_line: int, last_line: int) -> None: ...
