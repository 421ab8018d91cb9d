"""The words a delivery adds to a message, from the catalogs: the email's footer (why it came,
and the link that stops it) and the SMS's STOP line."""

from __future__ import annotations

from civiq.core.language import Language
from civiq.platform.catalogs import Catalogs


class CatalogDeliveryWording:
    def __init__(self, catalogs: Catalogs, municipality: str) -> None:
        self._catalogs = catalogs
        self._municipality = municipality

    def email_footer(self, language: Language, unsubscribe_url: str) -> str:
        return self._catalogs.message(
            language,
            "delivery.email_footer",
            {"municipality": self._municipality, "url": unsubscribe_url},
        )

    def sms_stop(self, language: Language) -> str:
        return self._catalogs.message(language, "delivery.sms_stop", {})
