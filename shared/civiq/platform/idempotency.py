"""Requests answered once per Idempotency-Key, with Powertools' idempotency utility.

The first request with a key runs and its response is kept (in the idempotency table, for
``expires_after_seconds``); a retry with the same key and the same request gets that response
again; the same key with a different request is refused (422), and a retry arriving while the
first is still running gets 409. What the request does is idempotent by itself as well (a staff
payment's id is derived from the key), so even a key used again after its record expired
changes nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)

from civiq.core.errors import Conflict, DomainError

KEY_FIELD = "Idempotency-Key"


class IdempotencyKeyReused(DomainError):
    """The key was used before with another request."""

    code = "idempotency_key_reused"


class IdempotentRequests:
    def __init__(self, persistence: DynamoDBPersistenceLayer, expires_after_seconds: int) -> None:
        self.persistence = persistence
        self.config = IdempotencyConfig(
            event_key_jmespath="key",
            payload_validation_jmespath="request",
            expires_after_seconds=expires_after_seconds,
            raise_on_no_idempotency_key=True,
        )

    def once(
        self,
        scope: str,
        key: str,
        request: Mapping[str, Any],
        respond: Callable[[], dict[str, Any]],
        lambda_context: Any | None = None,
    ) -> dict[str, Any]:
        """``respond()``'s result, or the result of the first request with ``key`` in
        ``scope`` (a route's name). With the invocation's ``lambda_context``, a request cut
        short by the Lambda timeout stops counting as in progress when its time is up (else
        after the key's whole lifetime)."""
        if lambda_context is not None:
            self.config.register_lambda_context(lambda_context)

        @idempotent_function(
            data_keyword_argument="call", persistence_store=self.persistence, config=self.config
        )
        def answer(call: dict[str, Any]) -> dict[str, Any]:
            return respond()

        try:
            return answer(call={"key": f"{scope}#{key}", "request": dict(request)})
        except IdempotencyValidationError as exc:
            raise IdempotencyKeyReused(
                f"this {KEY_FIELD} was used for a different request", KEY_FIELD
            ) from exc
        except IdempotencyAlreadyInProgressError as exc:
            raise Conflict(
                f"a request with this {KEY_FIELD} is still being processed; retry later",
                KEY_FIELD,
            ) from exc
