"""Settings of the move and transfer workflow tasks, from the environment, validated once at cold
start.

Nothing here is cached globally: every function builds its own settings object, so two functions
running in one process (the local stack) never see each other's configuration.
"""

from __future__ import annotations

from pydantic import Field

from civiq.accounts.domain.moves import ArrearsPolicy
from civiq.core.settings import CommonSettings


class WorkflowTaskSettings(CommonSettings):
    """The move and transfer workflow tasks (functions/workflow_tasks)."""

    tenant_arrears_policy: ArrearsPolicy  # template parameter TenantArrearsPolicy
    account_number_prefix: str = "UB"
    account_number_width: int = Field(default=7, ge=4, le=12)
