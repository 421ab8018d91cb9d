"""Ports of the payment receipts: where their PDFs go, and how their messages are worded."""

from __future__ import annotations

from typing import Protocol

from civiq.domain.alerts import Message
from civiq.domain.receipts import Receipt
from civiq.ports import DocumentStore


class ReceiptDocuments(DocumentStore, Protocol):
    def exists(self, key: str) -> bool:
        """True when a document is stored under ``key``: a redelivered payment's receipt is
        not rendered again."""
        ...


class ReceiptWording(Protocol):
    def word(self, receipt: Receipt) -> Message:
        """The receipt's plain-text subject and body in ``receipt.language``, amounts and dates
        written as that language writes them. A missing message raises."""
        ...
