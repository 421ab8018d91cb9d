"""Settings of the billing-cycle tasks and scheduler, from the environment, validated once at cold
start.

Nothing here is cached globally: every function builds its own settings object, so two functions
running in one process (the local stack) never see each other's configuration.
"""

from __future__ import annotations

from pydantic import Field

from civiq.core.settings import STATE_MACHINE_ARN, CommonSettings


class BillingTaskSettings(CommonSettings):
    """The billing-cycle workflow's tasks (functions/billing_tasks)."""

    documents_bucket: str = Field(min_length=3)  # run manifests are written under runs/


class BillingSchedulerSettings(CommonSettings):
    billing_cycle_state_machine_arn: str = Field(pattern=STATE_MACHINE_ARN)
