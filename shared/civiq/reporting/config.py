"""Settings of the report-export worker, from the environment, validated once at cold start.

Nothing here is cached globally: every function builds its own settings object, so two functions
running in one process (the local stack) never see each other's configuration.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from civiq.core.settings import CommonSettings


class ReportExportSettings(CommonSettings):
    """The report-export worker (functions/report_export): files go to exports/."""

    documents_bucket: str = Field(min_length=3)
    templates_dir: Path | None = None
    municipality_name: str = "Municipality"
