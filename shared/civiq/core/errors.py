"""Typed domain errors. Handlers map them to HTTP status by type, in one place."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


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


class VersionConflict(Conflict):
    """Someone else changed the record first; the client reloads ``current_version``."""

    code = "version_conflict"

    def __init__(self, message: str, current_version: int) -> None:
        super().__init__(message, "version")
        self.current_version = current_version


class Unauthorized(DomainError):
    code = "unauthorized"


class Forbidden(DomainError):
    code = "forbidden"


@contextmanager
def field_prefix(prefix: str, replace: bool = False) -> Iterator[None]:
    """Name fields as the client sent them: ``postal_code`` -> ``mailing_address.postal_code``.

    Value objects name their own fields; where one is nested in a request, the caller wraps its
    construction in this context so the error names the full path the client sent. With
    ``replace``, any error's field (a lookup's ``id``) becomes ``prefix`` itself.
    """
    try:
        yield
    except DomainError as error:
        if replace or not error.field:
            error.field = prefix
        else:
            error.field = f"{prefix}.{error.field}"
        raise


def check_version(current_version: int, expected: int, what: str) -> None:
    """Refuse early when the client edited an older version (the commit checks it again)."""
    if current_version != expected:
        raise VersionConflict(f"{what} is at version {current_version}; reload it", current_version)
