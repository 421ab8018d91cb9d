"""Looking an account up: the second factor (the service address's postal code) and what a
resident sees of the account before they have shown more than that.

The postal code is on every statement and letter, but is not on the outside of an envelope
with the account number, so a number alone (a neighbour's misdelivered bill's stub) is not
enough. Nothing here says whether a number exists: a wrong number and a wrong postal code get
the same answer (:class:`LookupRefused`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from civiq.core.addresses import Address

# Canada Post's letters: D, F, I, O, Q and U never appear; W and Z never first.
POSTAL_CODE = re.compile(r"[ABCEGHJ-NPRSTVXY][0-9][ABCEGHJ-NPRSTV-Z][0-9][ABCEGHJ-NPRSTV-Z][0-9]")
MASK = "•"


def compact_postal_code(typed: str) -> str | None:
    """``typed`` as the six characters of a Canadian postal code ("k1a 0b1" is "K1A0B1"), or
    None when it cannot be one."""
    compact = re.sub(r"[\s\-]", "", typed).upper()
    return compact if POSTAL_CODE.fullmatch(compact) else None


def masked_address(address: Address) -> str:
    """The service address as shown before a resident has proved more than the lookup: the
    street's name, the civic number and unit masked but for their first character, the city and
    the postal code's first half. Enough to recognise one's own home, not to learn someone
    else's."""
    number, _, street = address.street.partition(" ")
    shown_number = _mask(number) if street else ""
    unit = f"{_mask(address.unit)}-" if address.unit else ""
    forward = address.postal_code.split(" ")[0]
    place = f"{unit}{shown_number} {street or address.street}".strip()
    return f"{place}, {address.city} {forward} {MASK * 3}"


def _mask(text: str) -> str:
    return text[:1] + MASK * max(len(text) - 1, 1)


@dataclass(frozen=True, slots=True)
class LookupRefused:
    """No account has that number with that postal code (which of the two was wrong is not
    said)."""


@dataclass(frozen=True, slots=True)
class LookupThrottled:
    """Too many wrong tries, from this address or for this number: try again after
    ``retry_after``."""

    retry_after: timedelta


@dataclass(frozen=True, slots=True)
class LookupMatched:
    account_id: str
