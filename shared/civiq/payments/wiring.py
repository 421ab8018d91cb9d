"""The ledger's use cases wired to DynamoDB and EventBridge: what every function that posts
payments (the API, the processor-event, remittance and late-penalty workers) builds alike."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from civiq.accounts.adapters.dynamodb_accounts import DynamoAccountRepository
from civiq.core.clock import SystemClock
from civiq.core.ids import UlidGenerator
from civiq.core.publishing import PublishEvents
from civiq.core.settings import CommonSettings
from civiq.ledger.services.posting import Announcer, PaymentLedger
from civiq.payments.adapters.dynamodb_payments import DynamoLedger, DynamoPayments
from civiq.platform import aws
from civiq.platform.dynamodb.outbox import DynamoOutbox
from civiq.platform.dynamodb.table import configure_models
from civiq.platform.eventbridge import EventBridgePublisher


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
