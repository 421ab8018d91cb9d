"""Scheduled: publish domain events left in the outbox (the publisher failed after commit)."""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers

from civiq.core.publishing import RelayOutbox
from civiq.core.settings import OutboxRelaySettings
from civiq.platform.runtime import relay_outbox

logger = Logger(service="civiq-outbox-relay")
copy_config_to_registered_loggers(source_logger=logger, include={"civiq"})


@cache
def relay() -> RelayOutbox:
    return relay_outbox(OutboxRelaySettings())


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, int]:
    return {"relayed": relay()()}
