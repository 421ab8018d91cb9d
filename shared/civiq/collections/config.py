"""Settings of collections from the environment, validated once at cold start: the payment
arrangement policy (the API, which makes arrangements, and the daily check, which keeps them),
the collection cases' workflow and dunning defaults (the API, the check and the case
functions), the write-off policy (the API and the write-off functions), the transfers of arrears
to the tax roll (the API and their workflow's task), and the delinquency risk score's scoring
run."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from pydantic import Field, model_validator

from civiq.accounts.domain.moves import ArrearsPolicy
from civiq.collections.domain.arrangements import ArrangementPolicy
from civiq.collections.domain.dunning import DunningPolicy
from civiq.collections.domain.risk_scores import Bands
from civiq.collections.domain.risk_training import TrainingPolicy
from civiq.collections.domain.tax_roll import MIN_DAYS_PAST_DUE, NOTICE_DAYS, TaxRollPolicy
from civiq.collections.domain.write_offs import WriteOffPolicy
from civiq.core.settings import STATE_MACHINE_ARN, CommonSettings
from civiq.payments.domain.payment_troubles import SHIELD_DAYS


class ArrangementSettings(CommonSettings):
    arrangement_max_instalments: int = Field(default=12, ge=1, le=120)
    arrangement_min_instalment: Decimal = Field(
        default=Decimal("25.00"), ge=0, le=100_000, decimal_places=2
    )
    arrangement_min_down_payment_percent: Decimal = Field(
        default=Decimal(0), ge=0, lt=100, decimal_places=2
    )
    arrangement_interest_percent_per_year: Decimal = Field(
        default=Decimal(0), ge=0, le=30, decimal_places=2
    )
    arrangement_grace_days: int = Field(default=5, ge=0, le=60)
    arrangement_broken_limit: int = Field(default=2, ge=1, le=20)

    def arrangement_policy(self) -> ArrangementPolicy:
        return ArrangementPolicy(
            max_instalments=self.arrangement_max_instalments,
            min_instalment=self.arrangement_min_instalment,
            min_down_payment_percent=self.arrangement_min_down_payment_percent,
            interest_percent_per_year=self.arrangement_interest_percent_per_year,
            grace_days=self.arrangement_grace_days,
            broken_limit=self.arrangement_broken_limit,
        )


class WriteOffSettings(CommonSettings):
    """The write-off policy: the clerk's authority, and the small balances written off by
    themselves (how small, how long past due)."""

    write_off_clerk_limit: Decimal = Field(
        default=Decimal("100.00"), ge=0, le=1_000_000, decimal_places=2
    )
    write_off_small_balance: Decimal = Field(
        default=Decimal("10.00"), ge=0, le=1_000, decimal_places=2
    )
    write_off_small_balance_days: int = Field(default=90, ge=1, le=3650)

    def write_off_policy(self) -> WriteOffPolicy:
        return WriteOffPolicy(
            clerk_limit=self.write_off_clerk_limit,
            small_balance=self.write_off_small_balance,
            small_balance_days=self.write_off_small_balance_days,
        )


class CollectionSettings(ArrangementSettings, WriteOffSettings):
    """Arrangements, cases and write-offs together: making or breaking an arrangement pauses or
    resumes the account's case, a write-off closes it."""

    collection_case_state_machine_arn: str = Field(pattern=STATE_MACHINE_ARN)
    # the days between two stages of a case at least, and the shortest notice of disconnection
    # the bylaw allows (the default ladder's shutoff warning gives exactly that)
    collection_days_between_stages: int = Field(default=7, ge=1, le=60)
    collection_shutoff_notice_days: int = Field(default=14, ge=1, le=120)
    # days after a payment attempt failed on our side that no stage advances
    payment_shield_days: int = Field(default=SHIELD_DAYS, ge=0, le=30)
    # the notices are worded from the catalogs
    templates_dir: Path | None = None
    municipality_name: str = "Municipality"
    account_number_prefix: str = "UB"
    account_number_width: int = Field(default=7, ge=4, le=12)

    def dunning_policy(self) -> DunningPolicy:
        return DunningPolicy(
            days_between_stages=self.collection_days_between_stages,
            min_shutoff_notice_days=self.collection_shutoff_notice_days,
        )


class TaxRollSettings(CollectionSettings):
    """Transfers of arrears to the tax roll: which arrears, how long the notice gives, the
    bylaw on tenants' arrears, their workflow, and where the files for the tax system go."""

    tax_roll_min_days_past_due: int = Field(default=MIN_DAYS_PAST_DUE, ge=1, le=3650)
    tax_roll_notice_days: int = Field(default=NOTICE_DAYS, ge=1, le=365)
    tenant_arrears_policy: ArrearsPolicy = ArrearsPolicy.STAY_WITH_TENANT
    tax_roll_state_machine_arn: str | None = Field(default=None, pattern=STATE_MACHINE_ARN)
    # The files for the tax system (tax-roll/<day>.csv) and statements are fetched from this
    # bucket through short-lived presigned URLs.
    documents_bucket: str | None = None
    document_url_seconds: int = Field(default=300, ge=30, le=3600)

    def tax_roll_policy(self) -> TaxRollPolicy:
        return TaxRollPolicy(
            min_days_past_due=self.tax_roll_min_days_past_due,
            notice_days=self.tax_roll_notice_days,
            owner_liable_for_tenants=self.tenant_arrears_policy is ArrearsPolicy.ROLL_TO_OWNER,
        )


class RiskScoringSettings(CommonSettings):
    """The delinquency risk score's scoring run (functions/risk_scoring): where it queues its
    chunks, how it trains, and where its bands start."""

    risk_scoring_queue_url: str | None = Field(default=None, min_length=10)  # the scheduler's
    risk_band_medium: float = Field(default=0.10, gt=0, lt=1)
    risk_band_high: float = Field(default=0.30, gt=0, lt=1)
    risk_retrain_days: int = Field(default=28, ge=1, le=366)
    risk_training_accounts: int = Field(default=20_000, ge=100, le=300_000)
    risk_training_cutoffs: int = Field(default=15, ge=6, le=36)
    risk_training_l2: float = Field(default=1.0, gt=0, le=1000)
    risk_min_positives: int = Field(default=20, ge=1, le=10_000)
    risk_chunk_accounts: int = Field(default=250, ge=1, le=1000)

    @model_validator(mode="after")
    def _bands_in_order(self) -> RiskScoringSettings:
        if self.risk_band_medium >= self.risk_band_high:
            raise ValueError("RISK_BAND_MEDIUM must be below RISK_BAND_HIGH")
        return self

    def bands(self) -> Bands:
        return Bands(self.risk_band_medium, self.risk_band_high)

    def training_policy(self) -> TrainingPolicy:
        return TrainingPolicy(
            cutoffs=self.risk_training_cutoffs,
            l2=self.risk_training_l2,
            min_positives=self.risk_min_positives,
            min_holdout_positives=max(1, self.risk_min_positives // 4),
        )
