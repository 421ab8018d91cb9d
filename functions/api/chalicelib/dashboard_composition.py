"""The API's side of the staff dashboard and report exports, built at their first request by
:mod:`civiq.reporting.wiring` from the settings of :mod:`chalicelib.composition`. Only an export
request needs the export queue."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from chalicelib.composition import api

if TYPE_CHECKING:
    from civiq.reporting.domain.exports import Export
    from civiq.reporting.services.dashboard import Dashboard
    from civiq.reporting.wiring import ExportServices


@cache
def dashboard() -> Dashboard:
    from civiq.reporting import wiring

    return wiring.dashboard(api().settings)


@cache
def exports() -> ExportServices:
    from civiq.reporting.wiring import export_services

    settings = api().settings
    if not (settings.export_queue_url and settings.documents_bucket):
        raise RuntimeError("EXPORT_QUEUE_URL and DOCUMENTS_BUCKET must be set")
    return export_services(
        settings,
        export_queue_url=settings.export_queue_url,
        documents_bucket=settings.documents_bucket,
    )


def file_link(export: Export) -> tuple[str | None, int | None]:
    """A short-lived link to a done export's file, and the seconds it stays valid (None, None
    until it is done)."""
    from civiq.reporting.domain.exports import ExportStatus

    if export.status is not ExportStatus.DONE:
        return None, None
    seconds = api().settings.document_url_seconds
    return exports().links.url_for(export.file_key, seconds), seconds
