"""Settings of the work queue's function (functions/work_queue): what CommonSettings holds."""

from __future__ import annotations

from civiq.core.settings import CommonSettings


class WorkQueueSettings(CommonSettings):
    """Records workflow failures and dead letters; the API retries and resolves them."""
