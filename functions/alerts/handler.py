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

Throughput of ``remind_route`` (bench/read_reminders.py, in-process moto, 2 cores):
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

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers

from civiq.core.events import DomainEvent
from civiq.metering.schemas.events import HighConsumptionDetectedV1
from civiq.notices import wiring
from civiq.notices.config import AlertSettings, ReadReminderSettings
from civiq.notices.domain.alerts import HighConsumption
from civiq.notices.schemas.tasks import RouteReminderMessage
from civiq.notices.services.alerts import (
    HighConsumptionAlert,
    NotifyHighConsumption,
    RemindRoute,
    ScheduleReadReminders,
)
from civiq.platform.sqs import process_domain_events, process_messages

logger = Logger(service="civiq-alerts")
copy_config_to_registered_loggers(source_logger=logger, include={"civiq"})


@cache
def notify_high_consumption() -> NotifyHighConsumption:
    return wiring.notify_high_consumption(AlertSettings())


@cache
def schedule_read_reminders() -> ScheduleReadReminders:
    return wiring.schedule_read_reminders(ReadReminderSettings())


@cache
def remind_route_service() -> RemindRoute:
    return wiring.remind_route(ReadReminderSettings())


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


@logger.inject_lambda_context(clear_state=True)
def high_consumption(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return process_domain_events(event, context, _notify, logger)


@logger.inject_lambda_context(clear_state=True)
def schedule_reminders(event: dict[str, Any], context: Any) -> dict[str, Any]:
    tasks = schedule_read_reminders()()
    routes = [f"{t.cycle_id}/{t.period_end}/{t.route}" for t in tasks]
    logger.info("read reminders queued", extra={"routes": routes})
    return {"routes": routes}


@logger.inject_lambda_context(clear_state=True)
def remind_route(event: dict[str, Any], context: Any) -> dict[str, Any]:
    def time_left() -> timedelta:
        return timedelta(milliseconds=context.get_remaining_time_in_millis())

    def remind(message: RouteReminderMessage) -> None:
        task = message.to_task()
        logger.append_keys(cycle_id=task.cycle_id, route=task.route)
        progress = remind_route_service()(task, time_left)
        logger.info(
            "route reminded",
            extra={"reminded": progress.reminded, "continued_after": progress.continued_after},
        )

    return process_messages(event, context, RouteReminderMessage.model_validate_json, remind)
