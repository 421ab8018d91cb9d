"""Assemble a day's print file (scheduled daily, after the cut-off): the day's letters rendered in
the customer's language on the letterhead, the address placed for a #10 window envelope, as PDF
parts of at most ``part_size`` letters, then the manifest (JSON and CSV) beside them in S3.

Idempotent and resumable: a part is rendered only when not stored yet, so a run that stopped
(short of time, or failed) goes on from the next part; a complete file is never assembled again,
so running the day again makes no second file, and the day's letters are closed by then (see
:mod:`civiq.notices.domain.print_files`), so none is lost. Each letter's delivery is marked
printed, with its part and pages, and the account's history says so.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from civiq.accounts.domain.account_numbers import AccountNumberScheme
from civiq.billing.services.statement_document import mailing_lines
from civiq.core.audit import AuditEntry
from civiq.core.events import Actor
from civiq.core.ids import DeterministicIds
from civiq.core.letterhead import Letterhead
from civiq.core.ports import Clock
from civiq.notices.domain.deliveries import DeliveryStatus, PrintPlace, history_entry
from civiq.notices.domain.print_files import (
    Letter,
    PartSummary,
    PrintedPart,
    PrintFile,
    PrintFileStatus,
    day_to_assemble,
    in_print_order,
    manifest_csv,
    manifest_json,
    manifest_key,
    manifest_lines,
    part_key,
    parts_of,
)
from civiq.notices.ports import BundleRenderer, Deliveries, PrintFiles, PrintFileStore, PrintQueue

TEMPLATE = "notice_letter"
PRINTER = Actor("print-file", "system")
PRINTED = "NotificationPrinted"
# Left for the part in hand and the manifest when the next part starts: a part of the default
# size renders in well under a minute (bench/print_file.py).
TIME_RESERVE = timedelta(minutes=3)


@dataclass(frozen=True)
class Assembly:
    day: date
    file: PrintFile | None  # None: no letter was queued for that day
    done: bool  # False: stopped short of time; run it again to go on


def letter_context(
    letter: Letter, numbering: AccountNumberScheme, letterhead: Letterhead
) -> Mapping[str, object]:
    """The letter template's context: the message's paragraphs as its lines."""
    return {
        "municipality_name": letterhead.name,
        "letterhead": letterhead,
        "recipient_name": letter.recipient_name,
        "recipient_address": mailing_lines(letter.address),
        "letter_date": letter.day,
        "account_number": numbering.display(letter.account_number),
        "subject": letter.subject,
        "paragraphs": [
            paragraph.split("\n") for paragraph in letter.body.split("\n\n") if paragraph.strip()
        ],
    }


@dataclass(frozen=True)
class AssemblePrintFile:
    queue: PrintQueue
    files: PrintFiles
    deliveries: Deliveries
    renderer: BundleRenderer
    store: PrintFileStore
    numbering: AccountNumberScheme
    letterhead: Letterhead
    clock: Clock
    time_zone: ZoneInfo
    cutoff: time
    part_size: int

    def day_for(self, at: datetime) -> date:
        """The day a run started at ``at`` (a schedule's event time) assembles."""
        return day_to_assemble(at, self.time_zone, self.cutoff)

    def __call__(
        self, day: date, time_left: Callable[[], timedelta], correlation_id: str
    ) -> Assembly:
        file = self.files.get(day)
        if file is not None and file.complete:
            return Assembly(day, file, True)
        letters = in_print_order(self.queue.letters(day))
        if not letters:
            return Assembly(day, None, True)
        file = file or PrintFile(day, PrintFileStatus.ASSEMBLING, self.clock.now())
        stored = {part.part: part for part in self.files.parts(day)}
        printed_now, sequence = 0, 1
        for number, chunk in enumerate(parts_of(letters, self.part_size), start=1):
            if number not in stored:
                if printed_now and time_left() < TIME_RESERVE:
                    so_far = self._with_parts(file, stored)
                    self.files.save(so_far)
                    return Assembly(day, so_far, False)
                stored[number] = self._print(day, number, chunk, sequence, correlation_id)
                printed_now += 1
            sequence += len(chunk)
        return Assembly(day, self._complete(file, stored, correlation_id), True)

    @staticmethod
    def _with_parts(file: PrintFile, stored: Mapping[int, PrintedPart]) -> PrintFile:
        parts = tuple(
            PartSummary(p.part, p.key, len(p.lines), p.pages)
            for p in sorted(stored.values(), key=lambda p: p.part)
        )
        return replace(file, parts=parts)

    def _print(
        self, day: date, number: int, letters: Sequence[Letter], sequence: int, cid: str
    ) -> PrintedPart:
        documents = [
            (letter.language, letter_context(letter, self.numbering, self.letterhead))
            for letter in letters
        ]
        pdf, page_counts = self.renderer.render_bundle(TEMPLATE, documents)
        key = part_key(day, number)
        self.store.put_pdf(
            key,
            pdf,
            {"print-day": day.isoformat(), "part": str(number), "letters": str(len(letters))},
        )
        lines = manifest_lines(
            letters,
            page_counts,
            number,
            sequence,
            tuple(mailing_lines(letter.address) for letter in letters),
        )
        for line in lines:
            self._mark_printed(
                PrintPlace(day, number, line.first_page, line.pages), line.notification_id, cid
            )
        part = PrintedPart(day, number, key, sum(page_counts), lines)
        self.files.keep_part(part)
        return part

    def _mark_printed(self, place: PrintPlace, notification_id: str, cid: str) -> None:
        delivery = self.deliveries.get(notification_id)
        if delivery is None or delivery.status is not DeliveryStatus.QUEUED_FOR_PRINT:
            return  # marked by an earlier run
        after = delivery.in_print(place, self.clock.now())
        self.deliveries.save(delivery, after, [history_entry(after, PRINTED, PRINTER, cid)])

    def _complete(
        self, file: PrintFile, stored: Mapping[int, PrintedPart], correlation_id: str
    ) -> PrintFile:
        lines = [line for number in sorted(stored) for line in stored[number].lines]
        json_key, csv_key = manifest_key(file.day, "json"), manifest_key(file.day, "csv")
        now = self.clock.now()
        complete = replace(
            self._with_parts(file, stored),
            status=PrintFileStatus.COMPLETE,
            completed_at=now,
            manifest_keys=(json_key, csv_key),
        )
        self.store.put_text(json_key, manifest_json(complete, lines), "application/json")
        self.store.put_text(csv_key, manifest_csv(lines), "text/csv")
        entry = AuditEntry(
            entry_id=DeterministicIds(f"print-file/{file.day.isoformat()}").peek(1),
            subject_id=f"PRINTFILE#{file.day.isoformat()}",
            action="PrintFileAssembled",
            actor_subject=PRINTER.subject,
            actor_role=PRINTER.role,
            occurred_at=now,
            correlation_id=correlation_id,
            detail={
                "letters": complete.letters,
                "pages": complete.pages,
                "parts": [p.key for p in complete.parts],
                "manifest": list(complete.manifest_keys),
            },
        )
        self.files.save(complete, [entry])
        return complete
