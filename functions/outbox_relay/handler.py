"""Scheduled: publish domain events left in the outbox (the publisher failed after commit)."""

from __future__ import annotations

from datetime import timedelta
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers

from civiq.core.clock import SystemClock
from civiq.core.publishing import RelayOutbox
from civiq.core.settings import OutboxRelaySettings
from civiq.platform import aws
from civiq.platform.dynamodb.outbox import DynamoOutbox
from civiq.platform.dynamodb.table import configure_models
from civiq.platform.eventbridge import EventBridgePublisher

logger = Logger(service="civiq-outbox-relay")
copy_config_to_registered_loggers(source_logger=logger, include={"civiq"})


@cache
def relay() -> RelayOutbox:
    settings = OutboxRelaySettings()
    configure_models(settings.table_name, settings.aws_region, settings.aws_endpoint_url)
    events = aws.client("events", settings.aws_region, settings.aws_endpoint_url)
    return RelayOutbox(
        outbox=DynamoOutbox(),
        publisher=EventBridgePublisher(events, settings.event_bus_name),
        clock=SystemClock(),
        grace=timedelta(seconds=settings.outbox_grace_seconds),
    )


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, int]:
    return {"relayed": relay()()}
