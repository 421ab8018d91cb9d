"""Settings from the environment, validated once at cold start by each function's entry module.

Nothing here is cached globally: every function builds its own settings object, so two functions
running in one process (the local stack) never see each other's configuration.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from civiq.domain.errors import InvalidInput
from civiq.domain.ledger import AllocationOrder
from civiq.domain.moves import ArrearsPolicy
from civiq.domain.penalties import PenaltyPolicy

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
    # Staff payments: Idempotency-Key records (Powertools), and the ledger's rules.
    idempotency_table_name: str | None = Field(default=None, min_length=3)
    idempotency_key_hours: int = Field(default=72, ge=1, le=24 * 30)
    allocation_order: AllocationOrder = AllocationOrder.OLDEST_FIRST
    nsf_fee: Decimal = Field(default=Decimal("45.00"), ge=0, le=500, decimal_places=2)
    # The payment processor's webhook: its signing secrets (comma-separated: several are
    # active while one is rotated), and the queue its events are processed from.
    webhook_secrets: SecretStr | None = None
    webhook_tolerance_seconds: int = Field(default=300, ge=30, le=3600)
    processor_events_queue_url: str | None = Field(default=None, min_length=10)
    # Bank remittance files are kept in the documents bucket and matched from this queue.
    remittance_queue_url: str | None = Field(default=None, min_length=10)
    # A card or PAD payment is refunded through the payment gateway (the sandbox's queue).
    sandbox_processor_queue_url: str | None = Field(default=None, min_length=10)

    def active_webhook_secrets(self) -> tuple[str, ...]:
        raw = self.webhook_secrets.get_secret_value() if self.webhook_secrets else ""
        return tuple(s.strip() for s in raw.split(",") if s.strip())

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


class PaymentSettings(CommonSettings):
    """The functions that post payments (processor events, remittances, autopay)."""

    documents_bucket: str | None = Field(default=None, min_length=3)  # remittance files
    account_number_prefix: str = "UB"
    account_number_width: int = Field(default=7, ge=4, le=12)
    allocation_order: AllocationOrder = AllocationOrder.OLDEST_FIRST


class PenaltySettings(CommonSettings):
    """The late-payment penalty job (functions/late_penalties): the municipality's rule, from
    template parameters PenaltyKind, PenaltyPercent, PenaltyFee, PenaltyGraceDays and
    PenaltyMinimum; kept as strings and parsed exactly (never through a float)."""

    penalty_kind: str = Field(min_length=1)  # monthly-percent, flat-fee or after-due-rate
    penalty_percent: str = "0"  # per month, e.g. "1.25"
    penalty_fee: str = "0"  # dollars and cents
    penalty_grace_days: str = "0"
    penalty_minimum: str = "0"  # a statement owing at most this is not penalized

    def policy(self) -> PenaltyPolicy:
        try:
            return PenaltyPolicy.parse(
                kind=self.penalty_kind,
                percent=self.penalty_percent,
                fee=self.penalty_fee,
                grace_days=self.penalty_grace_days,
                minimum=self.penalty_minimum,
            )
        except InvalidInput as error:
            raise ValueError(f"PENALTY_{(error.field or '').upper()}: {error.message}") from None

    @model_validator(mode="after")
    def _valid_policy(self) -> PenaltySettings:
        self.policy()
        return self


class AutopaySettings(CommonSettings):
    """functions/autopay: charges go to the sandbox gateway's queue (the only gateway shipped)."""

    sandbox_processor_queue_url: str = Field(min_length=10)


class SandboxProcessorSettings(BaseSettings):
    """functions/sandbox_processor: where it posts the events it signs."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    sandbox_webhook_url: str = Field(pattern=r"^https?://")
    webhook_secrets: SecretStr

    def signing_secret(self) -> str:
        """The newest secret (listed first): the processor signs with one."""
        return self.webhook_secrets.get_secret_value().split(",")[0].strip()
