"""Report exports: a clerk asks for a run's billing or consumption report; a worker makes it.

API -> RequestExport (export item, then a message on the export queue) -> SQS -> ProduceExport
(the run's statements page by page from its index, each row streamed into the writer; the file
to ``exports/<id>.<ext>``; the export marked done). A run of 300,000 accounts is never read
inside an API request. A redelivered message rewrites the same key and finishes the export
once; a message for a finished export changes nothing.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

from civiq.accounts.services.recording import Recorder
from civiq.billing.domain.statements import Statement
from civiq.billing.ports import RunRepository
from civiq.core.dates import MUNICIPAL_TIME_ZONE, local_today
from civiq.core.events import Actor
from civiq.core.export_formats import ExportFormat
from civiq.core.language import Language
from civiq.core.ports import Clock
from civiq.reporting.domain.exports import (
    Export,
    ExportStatus,
    Report,
    ReportKind,
    check_run_id,
    is_month_list,
)
from civiq.reporting.ports import (
    DashboardReader,
    ExportQueue,
    ExportRepository,
    ReportFiles,
    ReportWriter,
)

logger = logging.getLogger("civiq")
PAGE_SIZE = 200  # statements per Query of the run's index (about 1 MB)


@dataclass(frozen=True)
class RequestExport:
    exports: ExportRepository
    queue: ExportQueue
    runs: RunRepository
    recorder: Recorder

    def __call__(
        self,
        report: ReportKind,
        run_id: str,
        export_format: ExportFormat,
        language: Language,
        actor: Actor,
    ) -> Export:
        check_run_id(run_id)
        if not is_month_list(run_id):
            self.runs.get(run_id)  # NotFound names run_id
        export = Export(
            export_id=self.recorder.ids.new_id(),
            report=report,
            run_id=run_id,
            format=export_format,
            language=language,
            requested_by=actor.subject,
            requested_at=self.recorder.clock.now(),
        )
        self.exports.create(export)
        try:
            self.queue.send(export.export_id)
        except Exception:
            # Nothing will make the file: say so rather than leave it queued forever.
            self.exports.fail(export.export_id, "the export could not be queued; ask again")
            raise
        return export


@dataclass(frozen=True)
class ProduceExport:
    exports: ExportRepository
    reader: DashboardReader
    writers: Mapping[ExportFormat, ReportWriter]
    files: ReportFiles
    clock: Clock
    time_zone: ZoneInfo = MUNICIPAL_TIME_ZONE
    page_size: int = PAGE_SIZE

    def __call__(self, export_id: str) -> Export:
        export = self.exports.get(export_id)
        if export.status is not ExportStatus.QUEUED:
            logger.info("export already %s; nothing to do", export.status.value)
            return export
        report = Report(
            export.report, export.run_id, export.language, local_today(self.clock, self.time_zone)
        )
        rows = (report.row(statement) for statement in self._statements(export.run_id))
        with tempfile.TemporaryFile() as out:
            written = self.writers[export.format].write(out, report, rows)
            out.seek(0)
            self.files.put(export.file_key, out, export.format, export.file_name)
        finished_at = self.clock.now()
        self.exports.finish(export_id, written, finished_at)
        return replace(export, status=ExportStatus.DONE, rows=written, finished_at=finished_at)

    def _statements(self, run_id: str) -> Iterator[Statement]:
        """Page after page, only as far as the writer reads (a PDF stops early)."""
        cursor: str | None = None
        while True:
            page = self.reader.run_statements(run_id, self.page_size, cursor)
            yield from page.items
            if page.next_cursor is None:
                return
            cursor = page.next_cursor
