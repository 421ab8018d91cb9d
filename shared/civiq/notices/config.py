"""Settings of the alert, reminder and welcome-letter functions, from the environment, validated
once at cold start.

Nothing here is cached globally: every function builds its own settings object, so two functions
running in one process (the local stack) never see each other's configuration.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from civiq.core.settings import CommonSettings


class LetterStarterSettings(CommonSettings):
    welcome_letter_state_machine_arn: str = Field(min_length=20)


class AlertSettings(CommonSettings):
    """The alert functions (functions/alerts): messages worded from the catalogs."""

    templates_dir: Path | None = None
    municipality_name: str = "Municipality"
    account_number_prefix: str = "UB"
    account_number_width: int = Field(default=7, ge=4, le=12)


class ReadReminderSettings(AlertSettings):
    """The read-reminder scheduler and route consumer: the queue that fans routes out."""

    read_reminder_queue_url: str = Field(min_length=10)
    read_reminder_days: int = Field(default=3, ge=1, le=14)  # template parameter ReadReminderDays
