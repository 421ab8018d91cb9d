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
from dataclasses import dataclass

from civiq.accounts.domain.accounts import Account
from civiq.core.errors import InvalidInput
from civiq.core.text import fold, joined_numbers, words

MIN_QUERY = 2


MAX_QUERY_WORDS = 6


SHARD_CHARS = 2  # index partitions are keyed by a term's first two characters


def account_terms(account: Account) -> frozenset[str]:
    """Everything an account can be found by; each term is at least one character."""
    address = account.service_address
    named = f"{account.holder.name} {address.street}"
    terms = set(words(named)) | set(words(joined_numbers(named)))
    name = words(account.holder.name)
    street = words(joined_numbers(address.street))
    terms.update(p for p in ("".join(name), "".join(name[-1:] + name[:-1]), "".join(street)) if p)
    terms.add(fold(address.postal_code.replace(" ", "")))
    if address.unit:
        terms.update(words(address.unit))
    number = fold(account.account_number)
    terms.add(number)
    terms.add(number.lstrip("abcdefghijklmnopqrstuvwxyz"))
    if account.roll_number:
        terms.add(account.roll_number)
    return frozenset(terms)


def shard_of(term: str) -> str:
    return term[:SHARD_CHARS]


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """What a clerk typed, folded into words; read by ``phrase`` first, else by ``lead``."""

    words: tuple[str, ...]
    phrase: str | None = None  # the words run together, when there are several

    @classmethod
    def parse(cls, text: str, field: str = "q") -> SearchQuery:
        # "UB-0000042-2" and "1234-567-890" are one word each: drop separators inside numbers.
        typed = joined_numbers(text)
        typed = re.sub(r"\b([A-Za-z][0-9][A-Za-z]) ([0-9][A-Za-z][0-9])\b", r"\1\2", typed)
        in_order = words(typed)
        found = tuple(dict.fromkeys(in_order))
        if not found or max(len(w) for w in found) < MIN_QUERY:
            raise InvalidInput(f"search needs a word of at least {MIN_QUERY} characters", field)
        if len(in_order) > MAX_QUERY_WORDS:
            raise InvalidInput(f"search takes at most {MAX_QUERY_WORDS} words", field)
        return cls(found, "".join(in_order) if len(in_order) > 1 else None)

    @property
    def lead(self) -> str:
        return max(self.words, key=len)

    def matches(self, terms: frozenset[str]) -> bool:
        return all(any(t.startswith(w) for t in terms) for w in self.words)

    def matches_phrase(self, terms: frozenset[str]) -> bool:
        return self.phrase is not None and any(t.startswith(self.phrase) for t in terms)
