"""Account search terms: prefix and accent-insensitive, without a table scan.

Every account is indexed under a small set of *terms*: the words of the holder's name and of
the service address, the postal code, the account number (with and without its prefix) and the
property's roll number, plus three *phrases*: the name's words run together in order and last
name first, and the street's words run together. A query's words are folded the same way.

Several words are first looked up as one phrase (``andree cote`` -> ``andreecote``, ``11
lakeview`` -> ``11lakeview``, a roll number typed with spaces): one narrow read of the index.
When no phrase starts that way (words from different fields, ``gagnon sauve``), the longest
word selects the entries and every other word must start one of the entry's terms.
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
