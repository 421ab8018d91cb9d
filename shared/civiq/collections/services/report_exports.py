"""A clerk asks for a collections report as a file (CSV, XLSX, PDF): the export is recorded
with its parameters, defaults filled in, and queued for the report worker
(:func:`civiq.reporting.services.exports.queue_export`), which makes it from the collections'
row sources (:mod:`civiq.collections.services.report_rows`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from civiq.accounts.services.recording import Recorder
from civiq.collections.domain.report_exports import CollectionExportAsk, parameters_of
from civiq.core.events import Actor
from civiq.core.export_formats import ExportFormat
from civiq.core.language import Language
from civiq.reporting.domain.exports import Export
from civiq.reporting.ports import ExportQueue, ExportRepository
from civiq.reporting.services.exports import queue_export


@dataclass(frozen=True)
class RequestCollectionExport:
    exports: ExportRepository
    queue: ExportQueue
    recorder: Recorder
    today: Callable[[], date]  # the municipal date

    def __call__(
        self,
        ask: CollectionExportAsk,
        export_format: ExportFormat,
        language: Language,
        actor: Actor,
    ) -> Export:
        """Raises InvalidInput naming a parameter that does not apply or is out of range;
        nothing is written then."""
        parameters = parameters_of(ask, self.today())
        export = Export(
            export_id=self.recorder.ids.new_id(),
            report=ask.report.value,
            run_id=None,
            format=export_format,
            language=language,
            requested_by=actor.subject,
            requested_at=self.recorder.clock.now(),
            parameters=parameters,
        )
        return queue_export(self.exports, self.queue, export)
