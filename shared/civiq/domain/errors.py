"""Typed domain errors. Handlers map them to HTTP status by type, in one place."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error a client can cause; ``code`` is stable and machine-readable."""

    code = "domain_error"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(DomainError):
    code = "invalid_input"


class NotFound(DomainError):
    code = "not_found"


class Conflict(DomainError):
    code = "conflict"


class Unauthorized(DomainError):
    code = "unauthorized"


class Forbidden(DomainError):
    code = "forbidden"
