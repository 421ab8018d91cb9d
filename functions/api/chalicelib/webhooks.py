"""The payment processor's webhook: POST /api/v1/utility/webhooks/payments.

No staff token: the processor signs each delivery (``Civiq-Signature``, HMAC-SHA256 over the
timestamp and the raw body). A valid delivery is queued and acknowledged at once; the worker
(functions/processor_events) posts it.
"""

from __future__ import annotations

from chalice import Blueprint, Response
from pydantic import ValidationError

from chalicelib import openapi
from chalicelib.composition import api
from chalicelib.http import JSON, error_response, from_domain_error, invalid_input, json_response
from chalicelib.payments_composition import webhook
from civiq.core.errors import DomainError, InvalidInput
from civiq.payments.domain.webhooks import SIGNATURE_HEADER
from civiq.payments.schemas.processor_events import ProcessorEventIn

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
        request=ProcessorEventIn,
        status=200,
    )
)


@blueprint.route(WEBHOOK, methods=["POST"], content_types=[JSON])
def processor_webhook() -> Response:
    request = blueprint.current_request
    raw = request.raw_body or b""
    if not api().settings.active_webhook_secrets():  # PaymentWebhookSecrets not set yet
        return error_response("not_configured", "the payment webhook is not configured", None, 503)
    try:
        if len(raw) > MAX_BODY_BYTES:
            raise InvalidInput(f"an event is at most {MAX_BODY_BYTES} bytes", None)
        event_id = webhook()(raw, request.headers.get(SIGNATURE_HEADER.lower()), well_formed)
    except DomainError as error:
        return from_domain_error(error)
    return json_response({"received": event_id})


def well_formed(raw: bytes) -> str:
    """The event's id; raises InvalidInput naming the field of a malformed event."""
    try:
        event = ProcessorEventIn.model_validate_json(raw)
    except ValidationError as exc:
        raise invalid_input(exc) from exc
    return event.to_domain().event_id
