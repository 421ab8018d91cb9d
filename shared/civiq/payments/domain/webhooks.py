"""Signed webhooks from the payment processor (a Stripe-like scheme).

The processor sends ``Civiq-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>...]``; each ``v1`` is
an HMAC-SHA256, keyed with one of the endpoint's secrets, of ``f"{t}."`` followed by the raw
request body, byte for byte (JSON re-serialized by anyone would not match). During a secret
rotation both sides hold several secrets: the processor signs with each, we accept a match with
any secret still active. The timestamp bounds replays: a genuine signature older, or further in
the future, than the tolerance is refused. Unknown schemes (``v0=``...) are ignored, so the
processor can add one without breaking us.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Sequence
from datetime import datetime, timedelta

from civiq.core.errors import Unauthorized

SIGNATURE_HEADER = "Civiq-Signature"
SCHEME = "v1"
DEFAULT_TOLERANCE = timedelta(minutes=5)
MIN_SECRET_LENGTH = 32
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"[0-9a-f]{64}")


class InvalidSignature(Unauthorized):
    """The webhook is not provably from the processor, now; the API answers 401."""

    def __init__(self, message: str) -> None:
        super().__init__(message, SIGNATURE_HEADER)


class MalformedSignature(InvalidSignature):
    pass


class StaleSignature(InvalidSignature):
    """Signed, but outside the tolerance window: a replay (or a badly skewed clock)."""


class SignatureMismatch(InvalidSignature):
    pass


def sign(raw_body: bytes, secret: str, timestamp: int) -> str:
    """The ``Civiq-Signature`` header value for ``raw_body`` sent at ``timestamp``."""
    if timestamp < 0:
        raise ValueError("a timestamp is a non-negative number of unix seconds")
    return f"t={timestamp},{SCHEME}={_digest(raw_body, _checked(secret), timestamp)}"


def verify(
    raw_body: bytes,
    header: str | None,
    secrets: Sequence[str],
    now: datetime,
    tolerance: timedelta = DEFAULT_TOLERANCE,
) -> int:
    """The signed timestamp, when ``header`` signs ``raw_body`` with one of ``secrets`` within
    ``tolerance`` of ``now``; raises a subclass of :class:`InvalidSignature` otherwise.

    The signature is checked before the time, so :class:`StaleSignature` only ever reports a
    genuine signature replayed (or delivered) outside the window.
    """
    if not secrets:
        raise ValueError("at least one webhook secret must be active")
    keys = [_checked(secret) for secret in secrets]
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    timestamp, signatures = _parse(header)
    expected = [_digest(raw_body, key, timestamp) for key in keys]
    if not any(hmac.compare_digest(e, s) for e in expected for s in signatures):
        raise SignatureMismatch(f"no {SCHEME} signature matches an active secret")
    if abs(now.timestamp() - timestamp) > tolerance.total_seconds():
        raise StaleSignature(f"the signature's timestamp is more than {tolerance} from now")
    return timestamp


def _parse(header: str | None) -> tuple[int, list[str]]:
    if not header:
        raise MalformedSignature(f"the {SIGNATURE_HEADER} header is missing")
    timestamps: list[str] = []
    signatures: list[str] = []
    for item in header.split(","):
        name, _, value = item.strip().partition("=")
        if name == "t":
            timestamps.append(value)
        elif name == SCHEME:
            signatures.append(value.lower())
    if len(timestamps) != 1 or not _TIMESTAMP.fullmatch(timestamps[0]):
        raise MalformedSignature(f"{SIGNATURE_HEADER} needs exactly one t=<unix seconds>")
    if not signatures or not all(_SIGNATURE.fullmatch(s) for s in signatures):
        raise MalformedSignature(f"{SIGNATURE_HEADER} needs {SCHEME}=<64 hex digits>")
    return int(timestamps[0]), signatures


def _checked(secret: str) -> bytes:
    if len(secret) < MIN_SECRET_LENGTH:
        raise ValueError(f"a webhook secret has at least {MIN_SECRET_LENGTH} characters")
    return secret.encode()


def _digest(raw_body: bytes, key: bytes, timestamp: int) -> str:
    return hmac.new(key, f"{timestamp}.".encode() + raw_body, hashlib.sha256).hexdigest()
