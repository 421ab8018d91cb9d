"""A bank's remittance file as staff uploaded it, and what became of each of its lines.

A file is named by its content (the same file uploaded twice is one file), its lines are matched
in chunks (:func:`chunks`), and each line's outcome is recorded once: posted to the account it
matched, or an exception for a clerk, who then posts it to the right account or returns it to
the bank. A line's payment id is the file's id and the line number, so a line is paid once
whatever the retries, and whoever posts it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from civiq.core.errors import Conflict
from civiq.ledger.domain.payments import derived_id
from civiq.payments.domain.remittance import (
    LineError,
    LineMatch,
    MatchReason,
    ParsedFile,
    RemittanceLine,
)

CHUNK_LINES = 250  # lines a worker invocation matches and posts (about 2,000 requests)


class LineStatus(StrEnum):
    POSTED = "posted"  # matched with certainty and paid
    EXCEPTION = "exception"  # waiting for a clerk
    RESOLVED = "resolved"  # a clerk named the account; paid
    RETURNED = "returned"  # a clerk sent it back to the bank; nothing paid


def remittance_id(content: bytes) -> str:
    return f"RM-{hashlib.sha256(content).hexdigest()[:20].upper()}"


def line_payment_id(remittance_id: str, line_no: int) -> str:
    return derived_id("BANK", remittance_id, str(line_no))


def chunks(line_numbers: list[int], size: int = CHUNK_LINES) -> list[tuple[int, int]]:
    """(first, last) line numbers of each chunk, in file order."""
    return [
        (line_numbers[i], line_numbers[min(i + size, len(line_numbers)) - 1])
        for i in range(0, len(line_numbers), size)
    ]


def as_of(parsed: ParsedFile, uploaded_on: date) -> ParsedFile:
    """The file as it stood when uploaded: a line dated after that day is an error (a bank
    reports payments made, never payments to come)."""
    late = [line for line in parsed.lines if line.paid_on > uploaded_on]
    errors = [LineError(line.line_no, "date", "a payment date after the upload") for line in late]
    return ParsedFile(
        [line for line in parsed.lines if line.paid_on <= uploaded_on],
        sorted([*parsed.errors, *errors], key=lambda e: e.line_no),
    )


@dataclass(frozen=True, slots=True)
class RemittanceFile:
    remittance_id: str
    file_name: str
    uploaded_by: str
    uploaded_at: datetime
    lines: int  # well-formed lines, each matched
    total: Decimal  # what the well-formed lines add up to
    errors: tuple[LineError, ...]  # malformed lines, reported with their field
    uploaded_on: date  # the municipal date of the upload: no line is dated after it


@dataclass(frozen=True, slots=True)
class RemittanceCounts:
    posted: int = 0
    exceptions: int = 0  # still waiting for a clerk
    resolved: int = 0
    returned: int = 0
    posted_amount: Decimal = Decimal(0)

    @property
    def done(self) -> int:
        return self.posted + self.exceptions + self.resolved + self.returned


@dataclass(frozen=True, slots=True)
class LineOutcome:
    remittance_id: str
    line: RemittanceLine
    status: LineStatus
    reason: MatchReason
    confidence: Decimal
    candidates: tuple[str, ...]
    account_id: str | None  # the account paid (posted, resolved)
    payment_id: str | None
    decided_by: str | None = None  # the clerk who resolved or returned it
    note: str | None = None

    @classmethod
    def of(cls, remittance_id: str, match: LineMatch) -> LineOutcome:
        posted = match.certain
        return cls(
            remittance_id,
            match.line,
            LineStatus.POSTED if posted else LineStatus.EXCEPTION,
            match.reason,
            match.confidence,
            match.candidates,
            match.account_id,
            line_payment_id(remittance_id, match.line.line_no) if posted else None,
        )

    def resolved(self, account_id: str, by: str, note: str) -> LineOutcome:
        self._check_open()
        return replace(
            self,
            status=LineStatus.RESOLVED,
            account_id=account_id,
            payment_id=line_payment_id(self.remittance_id, self.line.line_no),
            decided_by=by,
            note=note,
        )

    def returned(self, by: str, note: str) -> LineOutcome:
        self._check_open()
        return replace(self, status=LineStatus.RETURNED, decided_by=by, note=note)

    def _check_open(self) -> None:
        if self.status is not LineStatus.EXCEPTION:
            raise Conflict(f"the line is {self.status.value} already", "line_no")
