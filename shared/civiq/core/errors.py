"""Typed domain errors. Handlers map them to HTTP status by type, in one place."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace


class DomainError(Exception):
    """Base of every error a client can cause; ``code`` is stable and machine-readable."""

    code = "domain_error"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True, slots=True)
class FieldError:
    """One invalid field of a request, by its path as the client sent it (``customer.name``)."""

    field: str | None
    message: str
    # What kind of refusal (a validator's, e.g. "string_too_short") and its limits, so that a
    # page can word it in its own language; None: the message is the only wording.
    code: str | None = None
    params: tuple[tuple[str, str], ...] = ()


class InvalidInput(DomainError):
    """The request is invalid; ``errors`` names every invalid field, ``field`` and ``message``
    the first of them (or sum them up)."""

    code = "invalid_input"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message, field)
        self._collected: list[FieldError] = []

    @property
    def errors(self) -> list[FieldError]:
        return self._collected or [FieldError(self.field, self.message)]

    @classmethod
    def of(cls, errors: Iterable[FieldError]) -> InvalidInput:
        """One refusal naming every error (at least one)."""
        found = list(dict.fromkeys(errors))
        if len(found) == 1:
            error = cls(found[0].message, found[0].field)
            error._collected = found  # with its kind, when a validator refused it
            return error
        fields = ", ".join(dict.fromkeys(e.field or "body" for e in found))
        error = cls(f"{len(found)} problems with the request: {fields}", found[0].field)
        error._collected = found
        return error

    def rename(self, rename: Callable[[str | None], str | None]) -> None:
        """Rename the fields of every error (a nested value's fields as the request names them)."""
        self.field = rename(self.field)
        self._collected = [replace(e, field=rename(e.field)) for e in self._collected]


class Problems:
    """Every invalid field of a request, collected to refuse it once, naming them all.

    A problem is :meth:`add`-ed, or each part of a request is checked in its own
    ``with problems.collect(...)`` block: an :class:`InvalidInput` raised there is kept (and the
    block's remaining statements skipped). :meth:`check` then raises one error naming every
    problem. A value assigned in a block is only used after :meth:`check`, when no block failed.
    """

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def add(self, message: str, field: str | None) -> None:
        self.errors.append(FieldError(field, message))

    @contextmanager
    def collect(self, prefix: str | None = None, replace: bool = False) -> Iterator[None]:
        try:
            if prefix is None:
                yield
            else:
                with field_prefix(prefix, replace):
                    yield
        except InvalidInput as error:
            self.errors.extend(error.errors)

    def check(self) -> None:
        if self.errors:
            raise InvalidInput.of(self.errors)


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

    def prefixed(field: str | None) -> str:
        return prefix if replace or not field else f"{prefix}.{field}"

    try:
        yield
    except InvalidInput as error:
        error.rename(prefixed)
        raise
    except DomainError as error:
        error.field = prefixed(error.field)
        raise


def check_version(current_version: int, expected: int, what: str) -> None:
    """Refuse early when the client edited an older version (the commit checks it again)."""
    if current_version != expected:
        raise VersionConflict(f"{what} is at version {current_version}; reload it", current_version)
