"""Text folded for search: lowercase ASCII words (``Côté`` -> ``cote``), numbers typed with
spaces joined. Account search (:mod:`civiq.accounts.domain.search`) indexes and queries with it.

And the one rule for names people type (customers, agents, payers, addresses, cycles, rates):
plain text, without control characters or bidirectional formatting (:func:`check_name`).
"""

from __future__ import annotations

import re
import unicodedata

from civiq.core.errors import InvalidInput

# What no name is typed with: C0 and C1 controls (NUL, escape, line breaks, DEL...) and the
# bidirectional formatting characters that make a name display otherwise than it is stored
# (marks U+061C, U+200E, U+200F; embeddings and overrides U+202A-U+202E; isolates U+2066-U+2069).
NOT_IN_NAMES = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ø": "o", "đ": "d", "ł": "l"})


def fold(text: str) -> str:
    """Lowercase, accents removed, ``ß`` and ligatures expanded: ``Côté`` -> ``cote``,
    ``Sacré-Cœur`` -> ``sacre-coeur`` (letters Unicode does not decompose are mapped)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(LIGATURES))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    return [w for w in re.split(r"[^0-9a-z]+", fold(text)) if w]


def joined_numbers(text: str) -> str:
    """``UB-0000042-2``, ``0614-000-111`` and ``9123-4567`` as one word, as people type them."""
    return re.sub(r"(?<=[0-9A-Za-z])[-.](?=[0-9])", "", text)


def name_problem(text: str) -> str | None:
    """Why ``text`` cannot be a stored name, or None: the first character it must not hold."""
    found = NOT_IN_NAMES.search(text)
    if found is None:
        return None
    return (
        f"must not contain control characters or bidirectional overrides "
        f"(found U+{ord(found.group()):04X})"
    )


def check_name(text: str, field: str) -> str:
    """``text`` as given, or InvalidInput naming ``field`` (see :data:`NOT_IN_NAMES`)."""
    problem = name_problem(text)
    if problem is not None:
        raise InvalidInput(f"{field} {problem}", field)
    return text
