"""What every function's settings share (the tables, the region, the event bus, the municipal
time zone), and the settings of the functions every feature has (document renderers, the outbox
relay). Each feature's own functions have theirs in ``<feature>/config.py``.

Nothing here is cached globally: every function builds its own settings object, so two functions
running in one process (the local stack) never see each other's configuration.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from civiq.core.language import Language
from civiq.core.letterhead import Letterhead

STATE_MACHINE_ARN = r"^arn:aws[a-z-]*:states:[a-z0-9-]+:[0-9]{12}:stateMachine:[A-Za-z0-9_-]{1,80}$"


class AuthMode(StrEnum):
    LOCAL = "local"
    COGNITO = "cognito"


class CommonSettings(BaseSettings):
    """What every function needs: where the data lives."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    table_name: str = Field(min_length=3)
    # The ledger's own table (entries, posting guards, payments, refunds): only posting
    # functions may write it, and only by PutItem.
    ledger_table_name: str = Field(min_length=3)
    aws_region: str = Field(default="ca-central-1", alias="AWS_REGION")
    # Points boto3 and PynamoDB at moto or LocalStack; unset in AWS.
    aws_endpoint_url: str | None = Field(default=None, alias="AWS_ENDPOINT_URL")
    event_bus_name: str = Field(min_length=1)
    # The municipality's calendar: service start dates and due dates are local dates.
    municipal_time_zone: str = "America/Toronto"

    @model_validator(mode="after")
    def _known_time_zone(self) -> CommonSettings:
        try:
            ZoneInfo(self.municipal_time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {self.municipal_time_zone}") from None
        return self


class DocumentSettings(CommonSettings):
    """Functions that render documents (welcome letters, statements) into S3."""

    documents_bucket: str = Field(min_length=3)
    templates_dir: Path | None = None
    municipality_name: str = "Municipality"
    # The letterhead's contact block and remittance address: each left out of documents where
    # unset. Addresses are lines separated by "|" ("City Hall|1 Main St|Barrie ON L4M 3K2").
    municipality_logo: str | None = None  # an image file in the templates directory
    municipality_phone: str | None = None
    municipality_email: str | None = None
    municipality_office_address: str | None = None
    municipality_office_hours_en: str | None = None
    municipality_office_hours_fr: str | None = None
    municipality_remittance_address: str | None = None
    # "bilingual": statements print every label in both official languages.
    statement_layout: Literal["single", "bilingual"] = "single"
    # The resident portal's address, as printed on letters and statements.
    portal_url: str = Field(default="https://portal.example.ca", pattern=r"^https?://[^\s]+$")
    account_number_prefix: str = "UB"
    account_number_width: int = Field(default=7, ge=4, le=12)
    # Issued statements and receipts are locked (S3 Object Lock) this many years; 0: not locked.
    document_retention_years: int = Field(default=0, ge=0, le=100)
    document_lock_mode: Literal["COMPLIANCE", "GOVERNANCE"] = "COMPLIANCE"

    def letterhead(self) -> Letterhead:
        hours = {
            Language.EN: self.municipality_office_hours_en,
            Language.FR: self.municipality_office_hours_fr,
        }
        return Letterhead(
            name=self.municipality_name,
            logo=self.municipality_logo or None,
            phone=self.municipality_phone or None,
            email=self.municipality_email or None,
            office_address=address_lines(self.municipality_office_address),
            office_hours={language: text for language, text in hours.items() if text},
            remittance_address=address_lines(self.municipality_remittance_address),
            bilingual=self.statement_layout == "bilingual",
        )


def address_lines(configured: str | None) -> tuple[str, ...]:
    """An address configured on one line, its lines separated by "|"."""
    return tuple(line.strip() for line in (configured or "").split("|") if line.strip())


class OutboxRelaySettings(CommonSettings):
    outbox_grace_seconds: int = Field(default=120, ge=0)
