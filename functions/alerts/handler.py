"""Alerts to customers as NotificationRequested events, worded in their language.

Three entry points, deployed as three functions of this one code directory (template.yaml):

- ``high_consumption``: SQS consumer of HighConsumptionDetected (HighConsumptionQueue, fed by a
  rule): notifies every pending or active account the meter serves, once per trigger.
- ``schedule_reminders``: daily; puts one message per route of each cycle whose period ends
  ``READ_REMINDER_DAYS`` days from today on ReadReminderQueue.
- ``remind_route``: consumer of ReadReminderQueue (one route per message): reminds the route's
  active accounts, 10 events per PutEvents call, and re-enqueues the rest of the route when the
  invocation nears its time limit.

No WeasyPrint here: the messages are plain text from the catalogs.

Throughput of ``remind_route`` (tests/integration/test_alerts.py, in-process moto, 2 cores):
about 40 reminders/s, moto's own delivery of each event to a queue included. Per 1,000
reminders it made ~1,370 GetItem (the holder; the account too when mail goes to the service
address), 100 PutEvents and a few Query pages. In AWS (GetItem ~5 ms, PutEvents ~30 ms per 10)
that is ~100 reminders/s per invocation, ~85,000 in a 15-minute invocation; a longer route
re-enqueues its rest 20 s before the limit, and with at most 5 routes at once (the queue's
MaximumConcurrency) a city of 300,000 accounts is reminded in about 10 minutes.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from civiq.accounts.adapters.dynamodb_accounts import DynamoAccountRepository
from civiq.accounts.adapters.dynamodb_customers import DynamoCustomerRepository
from civiq.accounts.domain.account_numbers import AccountNumberScheme
from civiq.accounts.services.recording import Recorder
from civiq.billing.adapters.dynamodb import DynamoCycles
from civiq.core.clock import SystemClock
from civiq.core.events import DomainEvent
from civiq.core.ids import UlidGenerator
from civiq.core.publishing import PublishEvents
from civiq.metering.schemas.events import HighConsumptionDetectedV1
from civiq.notices.adapters.dynamodb import DynamoNotificationLog
from civiq.notices.adapters.reminder_queue import SqsReminderQueue
from civiq.notices.adapters.wording import CatalogWording
from civiq.notices.config import AlertSettings, ReadReminderSettings
from civiq.notices.domain.alerts import HighConsumption
from civiq.notices.schemas.tasks import RouteReminderMessage
from civiq.notices.services.alerts import (
    HighConsumptionAlert,
    Notifier,
    NotifyHighConsumption,
    RemindRoute,
    ScheduleReadReminders,
)
from civiq.platform import aws
from civiq.platform.catalogs import Catalogs, default_templates_dir
from civiq.platform.dynamodb.outbox import DynamoOutbox
from civiq.platform.dynamodb.table import configure_models
from civiq.platform.eventbridge import EventBridgePublisher
from civiq.platform.sqs import process_domain_events

logger = Logger(service="civiq-alerts")
copy_config_to_registered_loggers(source_logger=logger, include={"civiq"})


def _publisher(settings: AlertSettings) -> EventBridgePublisher:
    client = aws.client("events", settings.aws_region, settings.aws_endpoint_url)
    return EventBridgePublisher(client, settings.event_bus_name)


def _notifier(settings: AlertSettings) -> Notifier:
    configure_models(settings.table_name, settings.aws_region, settings.aws_endpoint_url)
    catalogs = Catalogs(settings.templates_dir or default_templates_dir())
    return Notifier(
        DynamoAccountRepository(),
        DynamoCustomerRepository(),
        CatalogWording(catalogs, settings.municipality_name),
        AccountNumberScheme(settings.account_number_prefix, settings.account_number_width),
    )


def _queue(settings: ReadReminderSettings) -> SqsReminderQueue:
    client = aws.client("sqs", settings.aws_region, settings.aws_endpoint_url)
    return SqsReminderQueue(client, settings.read_reminder_queue_url)


@cache
def notify_high_consumption() -> NotifyHighConsumption:
    settings = AlertSettings()
    notifier = _notifier(settings)
    events = PublishEvents(DynamoOutbox(), _publisher(settings))
    return NotifyHighConsumption(
        DynamoAccountRepository(), notifier, DynamoNotificationLog(), events
    )


@cache
def schedule_read_reminders() -> ScheduleReadReminders:
    settings = ReadReminderSettings()
    configure_models(settings.table_name, settings.aws_region, settings.aws_endpoint_url)
    recorder = Recorder(SystemClock(), UlidGenerator(), ZoneInfo(settings.municipal_time_zone))
    return ScheduleReadReminders(
        DynamoCycles(), _queue(settings), recorder, settings.read_reminder_days
    )


@cache
def remind_route_service() -> RemindRoute:
    settings = ReadReminderSettings()
    notifier = _notifier(settings)
    return RemindRoute(DynamoAccountRepository(), notifier, _publisher(settings), _queue(settings))


def _notify(event: DomainEvent) -> None:
    detected = HighConsumptionDetectedV1.model_validate(event.detail)
    alert = HighConsumptionAlert(
        trigger_id=event.event_id,
        occurred_at=event.occurred_at,
        correlation_id=event.correlation_id,
        property_id=detected.property_id,
        unit=detected.unit,
        facts=HighConsumption(
            detected.meter_id,
            detected.read_on,
            detected.previous_read_on,
            Decimal(detected.volume),
            Decimal(detected.daily_use),
            Decimal(detected.usual_daily_use),
        ),
    )
    notified = notify_high_consumption()(alert)
    logger.info(
        "high consumption notified",
        extra={"property_id": detected.property_id, "notifications": len(notified)},
    )


@logger.inject_lambda_context
def high_consumption(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return process_domain_events(event, context, _notify, logger)


@logger.inject_lambda_context
def schedule_reminders(event: dict[str, Any], context: Any) -> dict[str, Any]:
    tasks = schedule_read_reminders()()
    routes = [f"{t.cycle_id}/{t.period_end}/{t.route}" for t in tasks]
    logger.info("read reminders queued", extra={"routes": routes})
    return {"routes": routes}


@logger.inject_lambda_context
def remind_route(event: dict[str, Any], context: Any) -> dict[str, Any]:
    def time_left() -> timedelta:
        return timedelta(milliseconds=context.get_remaining_time_in_millis())

    def remind(record: SQSRecord) -> None:
        task = RouteReminderMessage.model_validate_json(record.body).to_task()
        logger.append_keys(cycle_id=task.cycle_id, route=task.route)
        progress = remind_route_service()(task, time_left)
        logger.info(
            "route reminded",
            extra={"reminded": progress.reminded, "continued_after": progress.continued_after},
        )

    processor = BatchProcessor(event_type=EventType.SQS)
    return dict(
        process_partial_response(
            event=event, record_handler=remind, processor=processor, context=context
        )
    )
