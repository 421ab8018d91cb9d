"""Settings of the reading-file splitter, from the environment, validated once at cold start.

Nothing here is cached globally: every function builds its own settings object, so two functions
running in one process (the local stack) never see each other's configuration.
"""

from __future__ import annotations

from pydantic import Field

from civiq.core.settings import CommonSettings


class ReadingImportSettings(CommonSettings):
    """The reading-file splitter (functions/reading_import)."""

    readings_bucket: str = Field(min_length=3)
    reading_queue_url: str = Field(min_length=10)
