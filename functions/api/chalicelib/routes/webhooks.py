"""The payment processor's webhook: POST /api/v1/utility/webhooks/payments.

No staff token: the processor signs each delivery (``Civiq-Signature``, HMAC-SHA256 over the
timestamp and the raw body). A valid delivery is queued and acknowledged at once; the worker
(functions/processor_events) posts it, or keeps it as a processor exception for a clerk.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint, Response

from chalicelib import openapi
from chalicelib.composition import api
from chalicelib.http import (
    JSON,
    PayloadTooLarge,
    error_response,
    from_domain_error,
    invalid_input,
    json_response,
)
from chalicelib.payments_composition import webhook
from chalicelib.routes import deferred
from civiq.core.errors import DomainError

if TYPE_CHECKING:
    from civiq.payments.domain import webhooks
    from civiq.payments.schemas import processor_events as schemas
else:
    webhooks = deferred("civiq.payments.domain.webhooks")
    schemas = deferred("civiq.payments.schemas.processor_events")

blueprint = Blueprint(__name__)
WEBHOOK = "/api/v1/utility/webhooks/payments"
MAX_BODY_BYTES = 16_384

openapi.register(
    openapi.Operation(
        WEBHOOK,
        "POST",
        "processor_webhook",
        "A payment processor's event, signed with the shared secret",
        "payments",
        role=None,
        status=200,
        models=lambda: openapi.Models(
            body=schemas.ProcessorEventIn,
            headers=(
                {
                    "name": webhooks.SIGNATURE_HEADER,
                    "in": "header",
                    "required": True,
                    "description": "The processor's signature of the timestamp and the raw body",
                    "schema": {"type": "string"},
                },
            ),
        ),
        errors={
            401: "The signature is missing, not the processor's, or too old.",
            503: "The webhook's signing secrets are not configured yet.",
        },
    )
)


@blueprint.route(WEBHOOK, methods=["POST"], content_types=[JSON])
def processor_webhook() -> Response:
    request = blueprint.current_request
    raw = request.raw_body or b""
    if not api().settings.webhook_secret_id:  # not deployed with PaymentWebhookSecret
        return error_response("not_configured", "the payment webhook is not configured", None, 503)
    try:
        if len(raw) > MAX_BODY_BYTES:
            raise PayloadTooLarge(f"an event is at most {MAX_BODY_BYTES} bytes")
        signature = request.headers.get(webhooks.SIGNATURE_HEADER.lower())
        event_id = webhook()(raw, signature, well_formed)
    except DomainError as error:
        return from_domain_error(error)
    return json_response({"received": event_id})


def well_formed(raw: bytes) -> str:
    """The event's id; raises InvalidInput naming the field of a malformed event. An event that
    is well formed but cannot be posted is accepted: the worker keeps it for a clerk."""
    from pydantic import ValidationError

    try:
        return schemas.read_delivery(raw).reported.event_id
    except ValidationError as exc:
        raise invalid_input(exc) from exc
