"""The API's side of payments and the ledger, built once per cold start (like
:mod:`chalicelib.billing_composition`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

from chalicelib.composition import api
from civiq.core.clock import SystemClock
from civiq.ledger.ports import LedgerRepository, PaymentRepository
from civiq.payments.adapters.dynamodb_processor_events import DynamoProcessorEvents
from civiq.payments.adapters.processor_event_queue import SqsProcessorEventQueue
from civiq.payments.adapters.sandbox_gateway import SandboxGateway
from civiq.payments.services.payments import (
    AdjustBalance,
    PostPayment,
    ProcessorRefunds,
    RefundPayment,
    ReversePayment,
)
from civiq.payments.services.processor_events import AcceptWebhook
from civiq.payments.wiring import dynamo_payment_ledger
from civiq.platform import aws
from civiq.platform.idempotency import IdempotentRequests


@dataclass(frozen=True)
class Payments:
    ledger: LedgerRepository
    payments: PaymentRepository
    requests: IdempotentRequests
    post: PostPayment
    refund: RefundPayment
    reverse: ReversePayment
    adjust: AdjustBalance


@cache
def payments() -> Payments:
    settings = api().settings
    if not settings.idempotency_table_name:
        raise RuntimeError("IDEMPOTENCY_TABLE_NAME must be set")
    region, endpoint = settings.aws_region, settings.aws_endpoint_url
    books = dynamo_payment_ledger(settings)
    persistence = DynamoDBPersistenceLayer(
        table_name=settings.idempotency_table_name,
        boto3_client=aws.client("dynamodb", region, endpoint),
    )
    return Payments(
        ledger=books.ledger,
        payments=books.payments,
        requests=IdempotentRequests(persistence, settings.idempotency_key_hours * 3600),
        post=PostPayment(books, settings.allocation_order),
        refund=RefundPayment(books, processor_refunds(settings.sandbox_processor_queue_url)),
        reverse=ReversePayment(books, settings.nsf_fee),
        adjust=AdjustBalance(books, settings.allocation_order),
    )


def processor_refunds(queue_url: str | None) -> ProcessorRefunds | None:
    """Refunds of card and PAD payments go to the gateway (None: recorded here only)."""
    if not queue_url:
        return None
    settings = api().settings
    sqs = aws.client("sqs", settings.aws_region, settings.aws_endpoint_url)
    return ProcessorRefunds(DynamoProcessorEvents(), SandboxGateway(sqs, queue_url))


@cache
def webhook() -> AcceptWebhook:
    settings = api().settings
    secrets = settings.active_webhook_secrets()
    if not (secrets and settings.processor_events_queue_url):
        raise RuntimeError("WEBHOOK_SECRETS and PROCESSOR_EVENTS_QUEUE_URL must be set")
    sqs = aws.client("sqs", settings.aws_region, settings.aws_endpoint_url)
    return AcceptWebhook(
        secrets,
        timedelta(seconds=settings.webhook_tolerance_seconds),
        SqsProcessorEventQueue(sqs, settings.processor_events_queue_url),
        SystemClock(),
    )
