"""Plain-text notification messages from the message catalogs (``alert.<kind>.subject`` and
``.body``), with dates, dollars and numbers written as the recipient's language writes them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal

from civiq.core.language import Language
from civiq.core.money import Money
from civiq.notices.domain.alerts import Message, NotificationKind
from civiq.platform.catalogs import Catalogs, format_date, format_money, format_number


def _written(value: object, language: Language) -> object:
    """Dates in running text; dollars; cubic metres without trailing zeros (never rounded)."""
    if isinstance(value, date):
        return format_date(value, language)
    if isinstance(value, Money):
        return format_money(value.amount, language)
    if isinstance(value, Decimal):
        return format_number(value.normalize(), language)
    return value


class CatalogWording:
    def __init__(self, catalogs: Catalogs, municipality: str) -> None:
        self._catalogs = catalogs
        self._municipality = municipality

    def word(
        self, kind: NotificationKind, language: Language, arguments: Mapping[str, object]
    ) -> Message:
        written = {name: _written(value, language) for name, value in arguments.items()}
        written["municipality"] = self._municipality
        written["department"] = self._catalogs.message(language, "common.department", {})
        key = kind.catalog_key
        return Message(
            subject=self._catalogs.message(language, f"{key}.subject", written),
            body=self._catalogs.message(language, f"{key}.body", written),
        )
