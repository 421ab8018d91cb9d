"""Settings of the alert, reminder and welcome-letter functions, and of the delivery of
notifications (the sender, the email-feedback handler, the print file), from the environment,
validated once at cold start.

Nothing here is cached globally: every function builds its own settings object, so two functions
running in one process (the local stack) never see each other's configuration.
"""

from __future__ import annotations

from datetime import time
from pathlib import Path

from pydantic import Field

from civiq.core.settings import CommonSettings, DocumentSettings


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


class PrintCutoffSettings(CommonSettings):
    """When a day's print file closes: a letter queued at or after this local hour goes in the
    next day's file. The print-file schedule runs at least 15 minutes after it."""

    print_cutoff_hour: int = Field(default=16, ge=0, le=23)  # template parameter PrintCutoffHour

    def print_cutoff(self) -> time:
        return time(self.print_cutoff_hour)


class DeliverySettings(PrintCutoffSettings):
    """The notification sender (functions/notification_sender, ``deliver``); the email-feedback
    handler needs only the print file's cut-off."""

    templates_dir: Path | None = None
    municipality_name: str = "Municipality"
    # The From address (template parameter NotificationSenderAddress): SES must have verified it
    # or its domain.
    notification_sender_address: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
    # The SES configuration set whose event destination reports bounces and complaints; none
    # locally (the emulator has no event publishing).
    notification_configuration_set: str | None = None
    # The public one-click unsubscribe route, and the secret its links are signed with.
    unsubscribe_url: str = Field(pattern=r"^https?://[^\s?#]+$")
    unsubscribe_secret_id: str = Field(min_length=1)
    # The office's mailbox, offered as a mailto: unsubscribe too when set.
    municipality_email: str | None = None


class PrintFileSettings(DocumentSettings, PrintCutoffSettings):
    """The daily print-file assembly (functions/print_file)."""

    # Letters per PDF part: a part renders in one go, so a big day is several parts.
    print_part_letters: int = Field(default=200, ge=1, le=2000)
