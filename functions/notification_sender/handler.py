"""Delivery of notifications: two entry points, deployed as two functions of this one code
directory (template.yaml).

- ``deliver``: SQS consumer of NotificationRequested (NotificationQueue, fed by a rule): each
  notification once, by email (SES), SMS (SNS) or the daily print file, as the customer's consents
  and the suppression and opt-out lists allow.
- ``email_feedback``: SQS consumer of SES's events (EmailFeedbackQueue, subscribed to the SES
  events topic): a bounce or complaint suppresses the address, changes the customer, and queues
  a bounced message for mail.

Failed records are reported back (partial batch failures) and, after the queue's maxReceiveCount,
their dead letters wait in the staff work queue. No WeasyPrint here: the print file is
functions/print_file.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers

from civiq.core.events import DomainEvent
from civiq.notices import wiring
from civiq.notices.config import DeliverySettings, PrintCutoffSettings
from civiq.notices.schemas.deliveries import email_feedback as read_feedback
from civiq.notices.schemas.deliveries import notification_request
from civiq.notices.services.deliver_notification import DeliverNotification
from civiq.notices.services.email_feedback import EmailFeedback, HandleEmailFeedback
from civiq.platform.sqs import process_domain_events, process_messages

logger = Logger(service="civiq-notification-sender")
copy_config_to_registered_loggers(source_logger=logger, include={"civiq"})


@cache
def deliver_service() -> DeliverNotification:
    return wiring.deliver_notification(DeliverySettings())


@cache
def feedback_service() -> HandleEmailFeedback:
    return wiring.handle_email_feedback(PrintCutoffSettings())


def _deliver(event: DomainEvent) -> None:
    delivery = deliver_service()(notification_request(event))
    logger.info(
        "notification delivered",
        extra={
            "notification_id": delivery.notification_id,
            "channel": delivery.channel,
            "status": delivery.status,
            "fallback": delivery.fallback,
            "attempts": delivery.attempts,
        },
    )


@logger.inject_lambda_context(clear_state=True)
def deliver(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return process_domain_events(event, context, _deliver, logger)


def _feedback(read: tuple[str, EmailFeedback | None]) -> None:
    message_id, feedback = read
    if feedback is None:
        logger.info(
            "SES event ignored: neither a bounce nor a complaint", extra={"ses": message_id}
        )
        return
    outcome = feedback_service()(feedback, message_id)
    logger.info(
        "email feedback handled",
        extra={
            "ses": message_id,
            "kind": feedback.kind,
            "notification_id": feedback.notification_id,
            "suppressed": len(outcome.suppressed),
            "customer_changed": outcome.customer_changed,
            "requeued_for_mail": outcome.requeued,
        },
    )


@logger.inject_lambda_context(clear_state=True)
def email_feedback(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return process_messages(event, context, read_feedback, _feedback)
