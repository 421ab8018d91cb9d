"""Secrets Manager values, read at run time through Powertools parameters and cached.

A function's environment carries only a secret's ARN (or name); its value is fetched when first
needed and kept ``max_age`` seconds (five minutes by default): a cold start costs one call, and
a value put in Secrets Manager reaches every warm function within that time, with no redeploy.

Rotation keeps the previous value valid. Putting a new value (``put-secret-value``, or a
rotation function) labels it AWSCURRENT and moves AWSPREVIOUS to the value it replaces, so
:meth:`Secret.active` gives both, current first: a verifier keeps accepting what was signed with
the old value until the next rotation (or until an operator removes the AWSPREVIOUS label), and a
signer uses :meth:`Secret.current`.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.parameters import SecretsProvider
from aws_lambda_powertools.utilities.parameters.base import ExpirableValue

from civiq.platform import aws

CURRENT = "AWSCURRENT"
PREVIOUS = "AWSPREVIOUS"
DEFAULT_MAX_AGE_SECONDS = 300


class SecretVersions(SecretsProvider):
    """Powertools' Secrets Manager provider whose value is a secret's AWSCURRENT and AWSPREVIOUS
    versions (stage -> value), cached together: Powertools' cache key is the secret alone, and a
    secret never rotated has no previous version, an absence cached like a value.

    The cache's expiry reads ``now`` (Powertools reads the system clock), so a test can move
    time instead of waiting.
    """

    def __init__(self, client: Any, now: Callable[[], datetime] = datetime.now) -> None:
        super().__init__(boto3_client=client)
        self._now = now

    # BaseProvider's values may be dicts; SecretsProvider narrows them to one string or bytes.
    def _get(self, name: str, **sdk_options: Any) -> dict[str, str]:  # type: ignore[override]
        versions = {CURRENT: self._value(name, CURRENT)}
        with suppress(self.client.exceptions.ResourceNotFoundException):  # never rotated
            versions[PREVIOUS] = self._value(name, PREVIOUS)
        return versions

    def _value(self, name: str, stage: str) -> str:
        value = super()._get(name, VersionStage=stage)
        if not isinstance(value, str):
            raise ValueError(f"secret {name} holds binary data, not a string")
        return value

    def has_not_expired_in_cache(self, key: tuple[Any, ...]) -> bool:
        return key in self.store and self.store[key].ttl >= self._now()

    def add_to_cache(self, key: tuple[Any, ...], value: Any, max_age: int) -> None:
        if max_age > 0:
            self.store[key] = ExpirableValue(value, self._now() + timedelta(seconds=max_age))


@dataclass(frozen=True)
class Secret:
    """One secret, by ARN or name, read through ``provider`` at most every ``max_age`` seconds.

    Raises Powertools' ``GetParameterError`` when Secrets Manager cannot give its current value.
    """

    provider: SecretVersions
    secret_id: str
    max_age: int = DEFAULT_MAX_AGE_SECONDS

    def current(self) -> str:
        """The value to sign with (AWSCURRENT)."""
        return self._versions()[CURRENT]

    def active(self) -> tuple[str, ...]:
        """Every value to accept: AWSCURRENT, then AWSPREVIOUS when there is one."""
        versions = self._versions()
        return tuple(versions[stage] for stage in (CURRENT, PREVIOUS) if stage in versions)

    def _versions(self) -> dict[str, str]:
        versions: dict[str, str] = self.provider.get(self.secret_id, max_age=self.max_age)  # type: ignore[assignment]
        return versions


@cache
def _provider(region: str, endpoint_url: str | None) -> SecretVersions:
    """One provider (one cache) per place, for the life of the process (a warm function)."""
    return SecretVersions(aws.client("secretsmanager", region, endpoint_url))


def secret(
    secret_id: str,
    region: str,
    endpoint_url: str | None = None,
    max_age: int = DEFAULT_MAX_AGE_SECONDS,
) -> Secret:
    """The secret ``secret_id`` of ``region`` (at ``endpoint_url``: moto or LocalStack).

    Cheap (the provider is shared): call it where the value is read, so that composing a
    function builds no client (a client's credentials are fixed when it is built)."""
    return Secret(_provider(region, endpoint_url), secret_id, max_age)


def clear_cache() -> None:
    """Forget every value read in this process (tests start each app from Secrets Manager)."""
    _provider.cache_clear()
