"""The API's side of payments and the ledger, and the processor's webhook, built at their first
request by :mod:`civiq.payments.wiring` from the settings of :mod:`chalicelib.composition`."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from chalicelib.composition import api

if TYPE_CHECKING:
    from civiq.payments.services.payments import ProcessorRefunds
    from civiq.payments.services.processor_events import AcceptWebhook
    from civiq.payments.wiring import PaymentServices


@cache
def payments() -> PaymentServices:
    from civiq.payments.wiring import payment_services

    settings = api().settings
    if not settings.idempotency_table_name:
        raise RuntimeError("IDEMPOTENCY_TABLE_NAME must be set")
    return payment_services(
        settings,
        idempotency_table_name=settings.idempotency_table_name,
        idempotency_key_hours=settings.idempotency_key_hours,
        allocation_order=settings.allocation_order,
        nsf_fee=settings.nsf_fee,
        refunds=processor_refunds(settings.sandbox_processor_queue_url),
    )


def processor_refunds(queue_url: str | None) -> ProcessorRefunds | None:
    """Refunds of card and PAD payments go to the gateway (None: recorded here only)."""
    from civiq.payments import wiring

    return wiring.processor_refunds(api().settings, queue_url)


@cache
def webhook() -> AcceptWebhook:
    from civiq.payments.wiring import accept_webhook

    settings = api().settings
    if not (settings.webhook_secret_id and settings.processor_events_queue_url):
        raise RuntimeError("WEBHOOK_SECRET_ID and PROCESSOR_EVENTS_QUEUE_URL must be set")
    return accept_webhook(
        settings,
        webhook_secret_id=settings.webhook_secret_id,
        tolerance_seconds=settings.webhook_tolerance_seconds,
        processor_events_queue_url=settings.processor_events_queue_url,
    )
