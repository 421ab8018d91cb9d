"""Text folded for search: lowercase ASCII words (``Côté`` -> ``cote``), numbers typed with
spaces joined. Account search (:mod:`civiq.accounts.domain.search`) indexes and queries with it.
"""

from __future__ import annotations

import re
import unicodedata

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
