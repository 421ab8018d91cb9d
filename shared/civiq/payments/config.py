"""Settings of the functions that post payments, penalties and autopay, and the sandbox processor,
from the environment, validated once at cold start.

Nothing here is cached globally: every function builds its own settings object, so two functions
running in one process (the local stack) never see each other's configuration.
"""

from __future__ import annotations

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from civiq.core.errors import InvalidInput
from civiq.core.settings import CommonSettings
from civiq.ledger.domain.journal import AllocationOrder
from civiq.payments.domain.payment_troubles import SHIELD_DAYS
from civiq.payments.domain.penalties import PenaltyPolicy


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
    # days after a payment attempt failed on our side that the account is not penalized
    payment_shield_days: int = Field(default=SHIELD_DAYS, ge=0, le=30)

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
    # the KMS key that seals the bank accounts of PAD agreements (a new gateway is given them)
    mandate_key_id: str = Field(min_length=1)


class SandboxProcessorSettings(BaseSettings):
    """functions/sandbox_processor: where it posts the events it signs, and the webhook's secret
    in Secrets Manager (ARN or name) it signs them with (its current version)."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    sandbox_webhook_url: str = Field(pattern=r"^https?://")
    webhook_secret_id: str = Field(min_length=1)
    aws_region: str = Field(default="ca-central-1", alias="AWS_REGION")
    aws_endpoint_url: str | None = Field(default=None, alias="AWS_ENDPOINT_URL")
