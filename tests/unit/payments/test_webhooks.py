"""Webhook signatures: only the raw body signed with an active secret, within the window, passes;
each refusal is a 401 naming the Civiq-Signature header, with its own reason."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civiq.core.errors import Unauthorized
from civiq.payments.domain.webhooks import (
    SIGNATURE_HEADER,
    InvalidSignature,
    MalformedSignature,
    SignatureMismatch,
    StaleSignature,
    sign,
    verify,
)
from tests.helpers.files import EVENTS

OLD_SECRET = "whsec_4f8a2c6e0b9d3f7a1c5e8b2d6f0a4c7e"
NEW_SECRET = "whsec_9b1d5f3a7c2e6b0d4f8a3c7e1b5d9f2a"
NOW = datetime(2026, 12, 6, 11, 0, 5, tzinfo=UTC)
T = int(NOW.timestamp())
BODY = (EVENTS / "processor" / "payment_succeeded.json").read_bytes()


def signature_of(header: str) -> str:
    return header.split(",v1=")[1]


def test_a_signed_body_verifies_and_gives_its_timestamp() -> None:
    assert verify(BODY, sign(BODY, NEW_SECRET, T), [NEW_SECRET], NOW) == T


def test_the_signature_is_hmac_sha256_of_timestamp_dot_raw_body() -> None:
    expected = hmac.new(NEW_SECRET.encode(), f"{T}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert sign(BODY, NEW_SECRET, T) == f"t={T},v1={expected}"


def test_a_tampered_body_is_refused() -> None:
    header = sign(BODY, NEW_SECRET, T)
    tampered = BODY.replace(b'"187.42"', b'"1.00"')
    assert tampered != BODY
    with pytest.raises(SignatureMismatch):
        verify(tampered, header, [NEW_SECRET], NOW)


def test_the_raw_bytes_are_signed_not_the_json_they_parse_to() -> None:
    reserialized = json.dumps(json.loads(BODY)).encode()
    with pytest.raises(SignatureMismatch):
        verify(reserialized, sign(BODY, NEW_SECRET, T), [NEW_SECRET], NOW)


def test_a_changed_timestamp_breaks_the_signature() -> None:
    forged = f"t={T + 60},v1={signature_of(sign(BODY, NEW_SECRET, T))}"
    with pytest.raises(SignatureMismatch):
        verify(BODY, forged, [NEW_SECRET], NOW)


def test_a_signature_with_another_secret_is_refused() -> None:
    with pytest.raises(SignatureMismatch):
        verify(BODY, sign(BODY, "whsec_" + "x" * 32, T), [OLD_SECRET, NEW_SECRET], NOW)


def test_during_rotation_either_secret_passes_and_a_removed_one_fails() -> None:
    both = f"{sign(BODY, OLD_SECRET, T)},v1={signature_of(sign(BODY, NEW_SECRET, T))}"
    old_only, new_only = sign(BODY, OLD_SECRET, T), sign(BODY, NEW_SECRET, T)
    during = [OLD_SECRET, NEW_SECRET]
    for header in (both, old_only, new_only):
        assert verify(BODY, header, during, NOW) == T
    assert verify(BODY, both, [NEW_SECRET], NOW) == T
    with pytest.raises(SignatureMismatch):
        verify(BODY, old_only, [NEW_SECRET], NOW)


@pytest.mark.parametrize("offset", [-301, 301, -3600, 86_400], ids=str)
def test_a_genuine_signature_outside_the_window_is_a_replay(offset: int) -> None:
    with pytest.raises(StaleSignature):
        verify(BODY, sign(BODY, NEW_SECRET, T + offset), [NEW_SECRET], NOW)


@pytest.mark.parametrize("offset", [-300, 0, 300], ids=str)
def test_the_window_includes_its_edges(offset: int) -> None:
    assert verify(BODY, sign(BODY, NEW_SECRET, T + offset), [NEW_SECRET], NOW) == T + offset


def test_the_tolerance_is_configurable() -> None:
    header = sign(BODY, NEW_SECRET, T - 30)
    assert verify(BODY, header, [NEW_SECRET], NOW, tolerance=timedelta(seconds=30)) == T - 30
    with pytest.raises(StaleSignature):
        verify(BODY, header, [NEW_SECRET], NOW, tolerance=timedelta(seconds=29))


VALID = signature_of(sign(BODY, NEW_SECRET, T))


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "sha256=abc",
        f"v1={VALID}",
        f"t={T}",
        f"t={T},v0={VALID}",
        f"t=yesterday,v1={VALID}",
        f"t=-{T},v1={VALID}",
        f"t={T},t={T},v1={VALID}",
        f"t={T},v1={VALID[:-1]}",
        f"t={T},v1={VALID},v1=nothex",
        f"t={'9' * 5000},v1={VALID}",
    ],
)
def test_a_missing_or_malformed_header_is_refused(header: str | None) -> None:
    with pytest.raises(MalformedSignature) as raised:
        verify(BODY, header, [NEW_SECRET], NOW)
    assert raised.value.field == SIGNATURE_HEADER
    assert isinstance(raised.value, Unauthorized)


def test_unknown_schemes_spaces_and_upper_case_hex_are_tolerated() -> None:
    header = f"t={T}, v0=deadbeef, v1={VALID.upper()}"
    assert verify(BODY, header, [NEW_SECRET], NOW) == T


def test_each_refusal_says_why() -> None:
    refusals: list[InvalidSignature] = []
    for header, secrets, now in (
        ("t=1", [NEW_SECRET], NOW),
        (sign(BODY, OLD_SECRET, T), [NEW_SECRET], NOW),
        (sign(BODY, NEW_SECRET, T), [NEW_SECRET], NOW + timedelta(hours=1)),
    ):
        with pytest.raises(InvalidSignature) as raised:
            verify(BODY, header, secrets, now)
        refusals.append(raised.value)
    assert [type(r) for r in refusals] == [MalformedSignature, SignatureMismatch, StaleSignature]
    assert len({r.message for r in refusals}) == 3
    assert {r.field for r in refusals} == {SIGNATURE_HEADER}
    assert {r.code for r in refusals} == {"unauthorized"}


def test_secrets_shorter_than_32_characters_are_refused() -> None:
    short = "s" * 31
    with pytest.raises(ValueError, match="32"):
        sign(BODY, short, T)
    with pytest.raises(ValueError, match="32"):
        verify(BODY, sign(BODY, NEW_SECRET, T), [NEW_SECRET, short], NOW)
    with pytest.raises(ValueError, match="32"):
        verify(BODY, sign(BODY, NEW_SECRET, T), NEW_SECRET, NOW)  # a str is not a list


def test_verifying_needs_an_active_secret_and_an_aware_now() -> None:
    header = sign(BODY, NEW_SECRET, T)
    with pytest.raises(ValueError, match="at least one"):
        verify(BODY, header, [], NOW)
    with pytest.raises(ValueError, match="timezone"):
        verify(BODY, header, [NEW_SECRET], NOW.replace(tzinfo=None))


@given(body=st.binary(max_size=2048), flip=st.integers(min_value=0), bit=st.integers(0, 7))
def test_any_body_round_trips_and_any_flipped_bit_is_caught(
    body: bytes, flip: int, bit: int
) -> None:
    header = sign(body, NEW_SECRET, T)
    assert verify(body, header, [OLD_SECRET, NEW_SECRET], NOW) == T
    if body:
        tampered = bytearray(body)
        tampered[flip % len(body)] ^= 1 << bit
        with pytest.raises(SignatureMismatch):
            verify(bytes(tampered), header, [OLD_SECRET, NEW_SECRET], NOW)
