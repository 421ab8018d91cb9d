"""Account numbers: the resident's portal lookup code.

Format: a prefix, a zero-padded sequence and one Luhn check digit (e.g. ``UB-0000042-2`` printed,
stored without separators as ``UB00000422``). The Luhn digit detects every single mistyped digit
and most adjacent transpositions, so a resident's typo is caught before it reaches the wrong
account.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from civiq.core.errors import InvalidInput


def luhn_check_digit(digits: str) -> int:
    """Check digit to append to ``digits`` so that the whole passes the Luhn test."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return (10 - total % 10) % 10


@dataclass(frozen=True, slots=True)
class AccountNumberScheme:
    """A municipality's numbering pattern: ``prefix`` + ``width`` sequence digits + check digit."""

    prefix: str = "UB"
    width: int = 7

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[A-Z]{0,4}", self.prefix):
            raise ValueError("prefix must be 0 to 4 capital letters")
        if not 4 <= self.width <= 12:
            raise ValueError("width must be between 4 and 12 digits")

    def number_for(self, sequence: int) -> str:
        if sequence < 1 or sequence >= 10**self.width:
            raise ValueError(f"sequence {sequence} does not fit in {self.width} digits")
        body = f"{sequence:0{self.width}d}"
        return f"{self.prefix}{body}{luhn_check_digit(body)}"

    def pattern(self) -> str:
        """A regular expression of the numbers as printed (``UB-0000042-2``) or compact
        (``ub00000422``); whether the check digit matches is not part of it. Every text it
        matches is :meth:`well_formed` (which also takes spaces)."""
        prefix = "".join(f"[{letter}{letter.lower()}]" for letter in self.prefix)
        return rf"{prefix}-?[0-9]{{{self.width}}}-?[0-9]"

    def well_formed(self, typed: str) -> bool:
        """Whether ``typed`` is a number of this scheme, but for its check digit."""
        return self._parts(typed) is not None

    def _parts(self, typed: str) -> re.Match[str] | None:
        compact = re.sub(r"[\s\-]", "", typed).upper()
        return re.fullmatch(rf"{self.prefix}([0-9]{{{self.width}}})([0-9])", compact)  # ASCII

    def normalize(self, typed: str, field: str = "account_number") -> str:
        """Canonical form of a number as a person typed it; raises InvalidInput when invalid."""
        match = self._parts(typed)
        if not match:
            raise InvalidInput(
                f"account number must look like {self.display(self.number_for(1))}", field
            )
        body, check = match.groups()
        if luhn_check_digit(body) != int(check):
            raise InvalidInput("account number check digit does not match (typo?)", field)
        return match.group()

    def one_typo_away(self, typed: str) -> list[tuple[str, str]]:
        """Valid numbers one typo away from ``typed`` (prefix optional, separators ignored),
        each with the typo it undoes: ``transposition`` (two adjacent digits swapped) first,
        then ``substitution`` (one digit mistyped). Remittance matching narrows
        these down with the accounts that exist and the payer's name and amount: the check
        digit alone cannot tell which digit was mistyped (every position has one digit that
        passes), only that one was.
        """
        digits = re.sub(r"[\s\-]", "", typed).upper().removeprefix(self.prefix)
        if not re.fullmatch(rf"[0-9]{{{self.width + 1}}}", digits):
            return []
        found: dict[str, str] = {}
        for i in range(len(digits) - 1):
            swapped = digits[:i] + digits[i + 1] + digits[i] + digits[i + 2 :]
            if swapped != digits and self._valid(swapped):
                found.setdefault(swapped, "transposition")
        for i, typed_digit in enumerate(digits):
            for digit in "0123456789":
                changed = digits[:i] + digit + digits[i + 1 :]
                if digit != typed_digit and self._valid(changed):
                    found.setdefault(changed, "substitution")
        ranked = sorted(found.items(), key=lambda item: (item[1] != "transposition", item[0]))
        return [(f"{self.prefix}{number}", typo) for number, typo in ranked]

    def _valid(self, digits: str) -> bool:
        return int(digits[:-1]) > 0 and luhn_check_digit(digits[:-1]) == int(digits[-1])

    def display(self, number: str) -> str:
        """Printed form with separators, e.g. ``UB-0000001-8``."""
        body = number[len(self.prefix) : -1]
        return f"{self.prefix}-{body}-{number[-1]}" if self.prefix else f"{body}-{number[-1]}"
