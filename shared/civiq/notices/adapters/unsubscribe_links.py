"""Unsubscribe links signed with the current key of the municipality's secret (see
:mod:`civiq.notices.domain.unsubscribe`)."""

from __future__ import annotations

from urllib.parse import quote

from civiq.notices.domain.unsubscribe import unsubscribe_token
from civiq.notices.ports import SigningKeys


class SignedUnsubscribeLinks:
    def __init__(self, keys: SigningKeys, base_url: str, mailbox: str | None = None) -> None:
        self._keys = keys
        self._base_url = base_url
        self._mailbox = mailbox

    def _token(self, customer_id: str) -> str:
        return unsubscribe_token(customer_id, self._keys.current())

    def url(self, customer_id: str) -> str:
        return f"{self._base_url}?token={self._token(customer_id)}"

    def mailto(self, customer_id: str) -> str | None:
        if not self._mailbox:
            return None
        return f"mailto:{self._mailbox}?subject={quote('unsubscribe ' + self._token(customer_id))}"
