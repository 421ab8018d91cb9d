"""Report exports: a clerk asks for a run's billing or consumption report (or another feature's
report: :func:`queue_export`); a worker makes it.

API -> RequestExport (export item, then a message on the export queue) -> SQS -> ProduceExport
(the report and its rows from the row source of its kind, e.g. the run's statements page by
page from its index, each row streamed into the writer; the file to ``exports/<id>.<ext>``;
the export marked done). A run of 300,000 accounts is never read inside an API request. A
redelivered message rewrites the same key and finishes the export once; a message for a
finished export changes nothing.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

from civiq.accounts.services.recording import Recorder
from civiq.billing.ports import RunRepository
from civiq.core.dates import MUNICIPAL_TIME_ZONE, local_today
from civiq.core.events import Actor
from civiq.core.export_formats import ExportFormat
from civiq.core.language import Language
from civiq.core.ports import Clock
from civiq.reporting.domain.exports import (
    Export,
    ExportStatus,
    ReportKind,
    check_run_id,
    is_month_list,
)
from civiq.reporting.ports import (
    ExportQueue,
    ExportRepository,
    ReportFiles,
    ReportSource,
    ReportWriter,
)

logger = logging.getLogger("civiq")


def queue_export(exports: ExportRepository, queue: ExportQueue, export: Export) -> Export:
    """Record ``export`` and ask the report worker for it; an export that cannot be queued is
    marked failed (nothing would ever make it) before the error goes on."""
    exports.create(export)
    try:
        queue.send(export.export_id)
    except Exception:
        exports.fail(export.export_id, "the export could not be queued; ask again")
        raise
    return export


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
            report=report.value,
            run_id=run_id,
            format=export_format,
            language=language,
            requested_by=actor.subject,
            requested_at=self.recorder.clock.now(),
        )
        return queue_export(self.exports, self.queue, export)


@dataclass(frozen=True)
class ProduceExport:
    exports: ExportRepository
    sources: Mapping[str, ReportSource]  # by report kind
    writers: Mapping[ExportFormat, ReportWriter]
    files: ReportFiles
    clock: Clock
    time_zone: ZoneInfo = MUNICIPAL_TIME_ZONE

    def __call__(self, export_id: str) -> Export:
        export = self.exports.get(export_id)
        if export.status is not ExportStatus.QUEUED:
            logger.info("export already %s; nothing to do", export.status.value)
            return export
        source = self.sources.get(export.report)
        if source is None:
            raise LookupError(f"no row source makes {export.report!r} reports")
        made = source(export, local_today(self.clock, self.time_zone))
        with tempfile.TemporaryFile() as out:
            written = self.writers[export.format].write(out, made.report, made.rows)
            out.seek(0)
            self.files.put(
                export.file_key, out, export.format, made.report.file_name(export.format)
            )
        finished_at = self.clock.now()
        self.exports.finish(export_id, written, finished_at)
        return replace(export, status=ExportStatus.DONE, rows=written, finished_at=finished_at)
