"""Settings of collections from the environment, validated once at cold start: the payment
arrangement policy (the API, which makes arrangements, and the daily check, which keeps them)."""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field

from civiq.collections.domain.arrangements import ArrangementPolicy
from civiq.core.settings import CommonSettings


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
