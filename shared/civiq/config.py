"""Settings from the environment, validated once at cold start by each function's entry module.

Nothing here is cached globally: every function builds its own settings object, so two functions
running in one process (the local stack) never see each other's configuration.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from civiq.domain.moves import ArrearsPolicy

STATE_MACHINE_ARN = r"^arn:aws[a-z-]*:states:[a-z0-9-]+:[0-9]{12}:stateMachine:[A-Za-z0-9_-]{1,80}$"


class AuthMode(StrEnum):
    LOCAL = "local"
    COGNITO = "cognito"


class CommonSettings(BaseSettings):
    """What every function needs: where the data lives."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    table_name: str = Field(min_length=3)
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


class ApiSettings(CommonSettings):
    auth_mode: AuthMode = AuthMode.COGNITO
    local_signing_key: SecretStr | None = None
    cognito_user_pool_id: str | None = None
    cognito_app_client_id: str | None = None
    account_number_prefix: str = "UB"
    account_number_width: int = Field(default=7, ge=4, le=12)
    max_body_bytes: int = Field(default=65_536, ge=1_024)
    # The move and transfer workflows (the template sets both; their routes need them).
    move_state_machine_arn: str | None = Field(default=None, pattern=STATE_MACHINE_ARN)
    transfer_state_machine_arn: str | None = Field(default=None, pattern=STATE_MACHINE_ARN)
    # Where reading files are uploaded (the import routes need it).
    readings_bucket: str | None = Field(default=None, min_length=3)
    billing_cycle_state_machine_arn: str | None = Field(default=None, pattern=STATE_MACHINE_ARN)
    # Statements are fetched through short-lived presigned URLs of this bucket.
    documents_bucket: str | None = None
    document_url_seconds: int = Field(default=300, ge=30, le=3600)
    # A rebill's PDF is rendered by the statement renderer, invoked asynchronously.
    statement_renderer_function: str | None = None
    # Report exports are made by functions/report_export, asked for on this queue.
    export_queue_url: str | None = Field(default=None, min_length=10)

    @model_validator(mode="after")
    def _auth_is_configured(self) -> ApiSettings:
        if self.auth_mode is AuthMode.LOCAL:
            key = self.local_signing_key
            if key is None or len(key.get_secret_value()) < 32:
                raise ValueError("LOCAL_SIGNING_KEY of at least 32 characters is required")
        elif not (self.cognito_user_pool_id and self.cognito_app_client_id):
            raise ValueError("COGNITO_USER_POOL_ID and COGNITO_APP_CLIENT_ID are required")
        return self


class DocumentSettings(CommonSettings):
    """Functions that render documents (welcome letters, statements) into S3."""

    documents_bucket: str = Field(min_length=3)
    templates_dir: Path | None = None
    municipality_name: str = "Municipality"
    portal_url: str = "http://127.0.0.1:8000/portal"
    account_number_prefix: str = "UB"
    account_number_width: int = Field(default=7, ge=4, le=12)


class LetterStarterSettings(CommonSettings):
    welcome_letter_state_machine_arn: str = Field(min_length=20)


class OutboxRelaySettings(CommonSettings):
    outbox_grace_seconds: int = Field(default=120, ge=0)


class ReadingImportSettings(CommonSettings):
    """The reading-file splitter (functions/reading_import)."""

    readings_bucket: str = Field(min_length=3)
    reading_queue_url: str = Field(min_length=10)


class WorkflowTaskSettings(CommonSettings):
    """The move and transfer workflow tasks (functions/workflow_tasks)."""

    tenant_arrears_policy: ArrearsPolicy  # template parameter TenantArrearsPolicy
    account_number_prefix: str = "UB"
    account_number_width: int = Field(default=7, ge=4, le=12)


class BillingTaskSettings(CommonSettings):
    """The billing-cycle workflow's tasks (functions/billing_tasks)."""

    documents_bucket: str = Field(min_length=3)  # run manifests are written under runs/


class ReportExportSettings(CommonSettings):
    """The report-export worker (functions/report_export): files go to exports/."""

    documents_bucket: str = Field(min_length=3)
    templates_dir: Path | None = None
    municipality_name: str = "Municipality"


class BillingSchedulerSettings(CommonSettings):
    billing_cycle_state_machine_arn: str = Field(pattern=STATE_MACHINE_ARN)


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
