"""The daily print file: the day's letters, laid out for the mail house.

A letter is queued for the print file of its day: one queued before the cut-off (a local time of
day, ``PRINT_CUTOFF_HOUR``) goes in that day's file, one queued at or after it in the next day's.
A day's file is assembled once its cut-off is ``SETTLE`` behind: by then no letter of that day
can still be in flight (a sender invocation lives at most a few minutes), so the day's letters are
closed, and assembling them again gives the same file.

Letters are printed in Canada Post's presort order (by postal code, then address, then name) and
split into parts of at most ``part_size`` letters: each part is one PDF, rendered and stored by
itself, so a long day resumes where it stopped and no part outgrows a Lambda invocation. A small
town's day is one part: one PDF. The manifest lists every letter: its part, its first page and
page count there, and whom it goes to.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from civiq.core.addresses import Address
from civiq.core.language import Language

SETTLE = timedelta(minutes=15)
PRINT_PREFIX = "print-files/"


def print_day(queued_at: datetime, time_zone: ZoneInfo, cutoff: time) -> date:
    """The day of the print file a letter queued at ``queued_at`` goes in."""
    local = queued_at.astimezone(time_zone)
    return local.date() if local.time() < cutoff else local.date() + timedelta(days=1)


def day_to_assemble(at: datetime, time_zone: ZoneInfo, cutoff: time) -> date:
    """The latest day whose cut-off was at least :data:`SETTLE` before ``at``."""
    return print_day(at - SETTLE, time_zone, cutoff) - timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Letter:
    """A notification queued for print: what it says, to whom, where, and for which day."""

    notification_id: str
    account_id: str
    account_number: str
    kind: str
    language: Language
    recipient_name: str
    address: Address
    subject: str
    body: str
    queued_at: datetime
    day: date


def presort_key(letter: Letter) -> tuple[str, ...]:
    address = letter.address
    postal_code = address.postal_code.replace(" ", "").upper()
    return (
        postal_code,
        address.street,
        address.unit or "",
        letter.recipient_name,
        letter.notification_id,
    )


def in_print_order(letters: Iterable[Letter]) -> list[Letter]:
    return sorted(letters, key=presort_key)


def parts_of(letters: Sequence[Letter], size: int) -> list[Sequence[Letter]]:
    return [letters[start : start + size] for start in range(0, len(letters), size)]


def part_key(day: date, part: int) -> str:
    return f"{PRINT_PREFIX}{day.isoformat()}/letters-{part:03d}.pdf"


def manifest_key(day: date, extension: str) -> str:
    return f"{PRINT_PREFIX}{day.isoformat()}/manifest.{extension}"


@dataclass(frozen=True, slots=True)
class ManifestLine:
    """One letter of the file, as the mail house finds it."""

    sequence: int  # 1-based, over the whole file
    part: int
    first_page: int  # in its part's PDF, 1-based
    pages: int
    notification_id: str
    account_id: str
    account_number: str
    kind: str
    language: Language
    recipient_name: str
    address_lines: tuple[str, ...]

    @property
    def last_page(self) -> int:
        return self.first_page + self.pages - 1


@dataclass(frozen=True, slots=True)
class PrintedPart:
    """One PDF of the file, stored, and its letters' lines."""

    day: date
    part: int
    key: str
    pages: int
    lines: tuple[ManifestLine, ...]


def manifest_lines(
    letters: Sequence[Letter],
    page_counts: Sequence[int],
    part: int,
    first_sequence: int,
    address_lines: tuple[tuple[str, ...], ...],
) -> tuple[ManifestLine, ...]:
    """The lines of one part: ``page_counts`` and ``address_lines`` per letter, in order."""
    lines, page = [], 1
    for offset, (letter, pages, lines_of_address) in enumerate(
        zip(letters, page_counts, address_lines, strict=True)
    ):
        lines.append(
            ManifestLine(
                sequence=first_sequence + offset,
                part=part,
                first_page=page,
                pages=pages,
                notification_id=letter.notification_id,
                account_id=letter.account_id,
                account_number=letter.account_number,
                kind=letter.kind,
                language=letter.language,
                recipient_name=letter.recipient_name,
                address_lines=lines_of_address,
            )
        )
        page += pages
    return tuple(lines)


class PrintFileStatus(StrEnum):
    ASSEMBLING = "assembling"  # some parts stored; an interrupted run goes on from there
    COMPLETE = "complete"  # every part and the manifest stored: what the mail house takes


@dataclass(frozen=True, slots=True)
class PartSummary:
    part: int
    key: str
    letters: int
    pages: int


@dataclass(frozen=True, slots=True)
class PrintFile:
    day: date
    status: PrintFileStatus
    started_at: datetime
    parts: tuple[PartSummary, ...] = ()
    completed_at: datetime | None = None
    manifest_keys: tuple[str, ...] = field(default=())  # JSON, then CSV

    @property
    def letters(self) -> int:
        return sum(part.letters for part in self.parts)

    @property
    def pages(self) -> int:
        return sum(part.pages for part in self.parts)

    @property
    def complete(self) -> bool:
        return self.status is PrintFileStatus.COMPLETE


CSV_COLUMNS = (
    "sequence",
    "part",
    "first_page",
    "last_page",
    "pages",
    "notification_id",
    "account_number",
    "kind",
    "language",
    "recipient_name",
    "address_line_1",
    "address_line_2",
)


def manifest_json(file: PrintFile, lines: Sequence[ManifestLine]) -> str:
    """What the mail house reads with the PDFs: the totals, each part, each letter."""
    return json.dumps(
        {
            "day": file.day.isoformat(),
            "letters": file.letters,
            "pages": file.pages,
            "parts": [
                {"part": p.part, "key": p.key, "letters": p.letters, "pages": p.pages}
                for p in file.parts
            ],
            "items": [
                {
                    "sequence": line.sequence,
                    "part": line.part,
                    "first_page": line.first_page,
                    "last_page": line.last_page,
                    "pages": line.pages,
                    "notification_id": line.notification_id,
                    "account_id": line.account_id,
                    "account_number": line.account_number,
                    "kind": line.kind,
                    "language": line.language.value,
                    "recipient_name": line.recipient_name,
                    "address_lines": list(line.address_lines),
                }
                for line in lines
            ],
        },
        ensure_ascii=False,
        indent=1,
    )


def manifest_csv(lines: Sequence[ManifestLine]) -> str:
    """The same letters as a spreadsheet: one row each."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for line in lines:
        address = (*line.address_lines, "", "")[:2]
        writer.writerow(
            (
                line.sequence,
                line.part,
                line.first_page,
                line.last_page,
                line.pages,
                line.notification_id,
                line.account_number,
                line.kind,
                line.language.value,
                line.recipient_name,
                *address,
            )
        )
    return out.getvalue()
