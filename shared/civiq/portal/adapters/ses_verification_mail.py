"""The email verification link, through Amazon SES (SendEmail): a short plain-text message in
the customer's language, worded from the catalogs. It is transactional (the resident asked for
it, to prove the address is theirs): it carries no unsubscribe link and needs no consent."""

from __future__ import annotations

from email.utils import formataddr
from typing import Any

from civiq.core.language import Language
from civiq.platform.catalogs import Catalogs


class SesVerificationMail:
    def __init__(
        self, ses_client: Any, sender: str, municipality: str, catalogs: Catalogs, minutes: int
    ) -> None:
        self._ses = ses_client
        self._sender = sender
        self._municipality = municipality
        self._catalogs = catalogs
        self._minutes = minutes

    def send(self, to_address: str, to_name: str, language: Language, link: str) -> None:
        said = {
            "name": to_name,
            "link": link,
            "minutes": self._minutes,
            "municipality": self._municipality,
        }
        self._ses.send_email(
            Source=formataddr((self._municipality, self._sender)),
            Destination={"ToAddresses": [to_address]},
            Message={
                "Subject": {
                    "Data": self._catalogs.message(language, "portal.email_verify_subject", said),
                    "Charset": "UTF-8",
                },
                "Body": {
                    "Text": {
                        "Data": self._catalogs.message(language, "portal.email_verify_body", said),
                        "Charset": "UTF-8",
                    }
                },
            },
        )
