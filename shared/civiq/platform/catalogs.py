"""The en/fr message catalogs (``templates/messages/<lang>.json``) and how each language writes
dates and numbers in running text.

Kept apart from :mod:`civiq.platform.pdf` so that functions which only word plain-text messages
(the alerts) read the catalogs without importing WeasyPrint and its native libraries.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path

from civiq.core.language import Language

# Own month names rather than the locale module: a Lambda image need not have fr_CA, and
# setlocale is process-wide, so it is unsafe while several documents render.
MONTHS: Mapping[Language, tuple[str, ...]] = {
    Language.EN: (
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ),
    Language.FR: (
        "janvier", "février", "mars", "avril", "mai", "juin",
        "juillet", "août", "septembre", "octobre", "novembre", "décembre",
    ),
}  # fmt: skip
NBSP = "\u00a0"


def default_templates_dir() -> Path:
    """``TEMPLATES_DIR`` where the Lambda package puts templates elsewhere; else the repo's."""
    if configured := os.environ.get("TEMPLATES_DIR"):
        return Path(configured)
    return Path(__file__).resolve().parents[3] / "templates"


def format_date(day: date, language: Language) -> str:
    """A date as written in running text: "November 26, 2026" / "26 novembre 2026"."""
    month = MONTHS[language][day.month - 1]
    if language is Language.FR:
        # French writes the first of the month as an ordinal: « 1er novembre ».
        return f"{'1er' if day.day == 1 else day.day} {month} {day.year}"
    return f"{month} {day.day}, {day.year}"


def format_number(value: Decimal, language: Language, places: int = 0) -> str:
    """Digits grouped by thousands, with at least ``places`` decimals: "1,234.500" /
    "1 234,500". Never rounds: a value with more decimals shows them all, so what a
    resident reads is what was computed (rounding belongs to ``Money.rounded``)."""
    shown = max(places, -int(value.as_tuple().exponent))
    digits = f"{abs(value):,.{shown}f}"
    if language is Language.FR:
        digits = digits.replace(",", NBSP).replace(".", ",")
    return f"-{digits}" if value < 0 else digits


def format_money(amount: Decimal, language: Language, places: int = 2) -> str:
    """Dollars as each language writes them: "$1,234.56" / "1 234,56 $"; "-$10.00" /
    "-10,00 $" for a credit. Unit prices pass ``places=4`` ("$1.8500")."""
    digits = format_number(abs(amount), language, places)
    sign = "-" if amount < 0 else ""
    return f"{sign}{digits}{NBSP}$" if language is Language.FR else f"{sign}${digits}"


class Catalogs:
    """Both languages' catalogs, read once (once per Lambda container)."""

    def __init__(self, templates_dir: Path) -> None:
        self._catalogs: dict[Language, dict[str, str]] = {
            language: json.loads(
                (templates_dir / "messages" / f"{language.value}.json").read_text("utf-8")
            )
            for language in Language
        }

    def message(self, language: Language, key: str, arguments: Mapping[str, object]) -> str:
        """A catalog message; a gap raises, because a blank would go out to a resident."""
        try:
            message = self._catalogs[language][key]
        except KeyError:
            raise KeyError(
                f"message {key!r} is missing from the {language.value!r} catalog"
            ) from None
        try:
            return message.format_map(arguments)
        except KeyError as missing:
            raise KeyError(
                f"message {key!r} ({language.value}) needs the argument {missing}"
            ) from None

    def get(self, language: Language, key: str, default: str) -> str:
        """The catalog's wording of ``key``, or ``default`` where the catalog has none."""
        return self._catalogs[language].get(key, default)
