"""Bank remittance files over the API and on their queue."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field

from civiq.core.errors import InvalidInput
from civiq.core.events import Actor
from civiq.core.money import dollars as money
from civiq.core.schemas import Cursor, Omissible, Payload, Request, rules, when
from civiq.payments.domain.remittance import REQUIRED
from civiq.payments.domain.remittance_files import LineOutcome, RemittanceCounts, RemittanceFile
from civiq.payments.services.remittances import DecideException

RemittanceId = Field(pattern=r"^RM-[0-9A-F]{20}$")


class ChunkMessage(Payload):
    remittance_id: str = RemittanceId
    first_line: int = Field(ge=2)
    last_line: int = Field(ge=2)


class UploadQuery(Request):
    file_name: str = Field(
        default="remittance.csv", min_length=1, max_length=120, pattern=r"^[\w .()-]+$"
    )


class LineErrorOut(Payload):
    line_no: int
    field: str
    message: str


class RemittanceResponse(Payload):
    remittance_id: str
    file_name: str
    uploaded_by: str
    uploaded_at: datetime
    lines: int = Field(description="Well-formed lines, each matched")
    total: str
    errors: list[LineErrorOut] = Field(description="Malformed lines, not matched")
    status: Literal["matching", "done"]
    posted: int = Field(description="Lines matched with certainty and paid")
    exceptions: int = Field(description="Lines waiting for a clerk")
    resolved: int
    returned: int
    posted_amount: str
    auto_match_rate: str = Field(description="Posted without a clerk, of the lines matched")

    @classmethod
    def of(cls, file: RemittanceFile, counts: RemittanceCounts) -> RemittanceResponse:
        matched = counts.posted + counts.exceptions + counts.resolved + counts.returned
        return cls(
            remittance_id=file.remittance_id,
            file_name=file.file_name,
            uploaded_by=file.uploaded_by,
            uploaded_at=file.uploaded_at,
            lines=file.lines,
            total=money(file.total),
            errors=[
                LineErrorOut(line_no=e.line_no, field=e.field, message=e.message)
                for e in file.errors
            ],
            status="done" if counts.done >= file.lines else "matching",
            posted=counts.posted,
            exceptions=counts.exceptions,
            resolved=counts.resolved,
            returned=counts.returned,
            posted_amount=money(counts.posted_amount),
            auto_match_rate=f"{counts.posted / matched:.4f}" if matched else "0.0000",
        )


class LineOut(Payload):
    remittance_id: str
    line_no: int
    paid_on: date
    amount: str
    reference: str
    payer_name: str
    status: str
    reason: str = Field(description="Why it matched, or why a clerk must look")
    confidence: str
    candidates: list[str] = Field(description="Accounts the evidence pointed at")
    account_id: str | None
    payment_id: str | None
    decided_by: str | None
    note: str | None

    @classmethod
    def of(cls, outcome: LineOutcome) -> LineOut:
        line = outcome.line
        return cls(
            remittance_id=outcome.remittance_id,
            line_no=line.line_no,
            paid_on=line.paid_on,
            amount=money(line.amount),
            reference=line.reference,
            payer_name=line.payer_name,
            status=outcome.status.value,
            reason=outcome.reason.value,
            confidence=f"{outcome.confidence:.2f}",
            candidates=list(outcome.candidates),
            account_id=outcome.account_id,
            payment_id=outcome.payment_id,
            decided_by=outcome.decided_by,
            note=outcome.note,
        )


# The file a clerk uploads, as the JSON Schema of the text/csv body: the header names the
# columns (in any order, more allowed; this is the usual one), then at least one line.
CSV_FILE = {
    "type": "string",
    "pattern": f'^\ufeff?{",".join(REQUIRED)}\r?\n[^\x00"]*[^\\s,\x00"][^\x00"]*$',
    "description": f"CSV: a header ({','.join(REQUIRED)}), then one payment a line: the date "
    "received (2026-11-26), the amount (1234.56), the payer's reference (the account number) and "
    "name. Malformed lines are kept with their errors; the file is refused only when its header "
    "lacks a column or it has no line.",
}


class LinePage(Payload):
    items: list[LineOut]
    next_cursor: str | None


class LinesQuery(Request):
    status: Literal["exception"] | None = None
    limit: int = Field(default=50, ge=1, le=200)
    cursor: Cursor | None = None


class DecisionRequest(Request):
    model_config = rules(
        when({"action": {"const": "post"}}, {"required": ["account_id"]}),
        when({"action": {"const": "return"}}, {"properties": {"account_id": False}}),
    )

    action: Literal["post", "return"] = Field(
        description="post: pay the line to account_id; return: send it back to the bank"
    )
    account_id: Omissible[str] = Field(default=None, min_length=1, max_length=64)
    note: str = Field(min_length=3, max_length=500)

    def apply(
        self, decide: DecideException, remittance_id: str, line_no: int, actor: Actor, cid: str
    ) -> LineOutcome:
        """Post the line to the account named, or return it to the bank."""
        if self.action == "post":
            if self.account_id is None:
                raise InvalidInput("account_id is required to post a line", "account_id")
            return decide.resolve(remittance_id, line_no, self.account_id, self.note, actor, cid)
        if self.account_id is not None:
            raise InvalidInput("a returned line is paid to no account", "account_id")
        return decide.give_back(remittance_id, line_no, self.note, actor)
