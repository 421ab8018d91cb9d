"""The ledger's use cases wired to DynamoDB and EventBridge: what every function that posts
payments (the API, the processor-event, remittance and late-penalty workers) builds alike."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from civiq.adapters import aws
from civiq.adapters.dynamodb.accounts import DynamoAccountRepository
from civiq.adapters.dynamodb.models import configure_models
from civiq.adapters.dynamodb.outbox import DynamoOutbox
from civiq.adapters.dynamodb.payments import DynamoLedger, DynamoPayments
from civiq.adapters.eventbridge import EventBridgePublisher
from civiq.adapters.system import SystemClock, UlidGenerator
from civiq.config import CommonSettings
from civiq.services.posting import Announcer, PaymentLedger
from civiq.services.publish_events import PublishEvents


def dynamo_payment_ledger(settings: CommonSettings) -> PaymentLedger:
    """The ledger's shared dependencies (models configured for ``settings``' table)."""
    configure_models(settings.table_name, settings.aws_region, settings.aws_endpoint_url)
    events = PublishEvents(
        DynamoOutbox(),
        EventBridgePublisher(
            aws.client("events", settings.aws_region, settings.aws_endpoint_url),
            settings.event_bus_name,
        ),
    )
    return PaymentLedger(
        DynamoLedger(),
        DynamoPayments(),
        DynamoAccountRepository(),
        Announcer(SystemClock(), UlidGenerator()),
        events,
        ZoneInfo(settings.municipal_time_zone),
    )
