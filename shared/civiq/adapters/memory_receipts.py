"""In-memory fake of the receipt ports, for unit tests."""

from __future__ import annotations

from civiq.adapters.memory import InMemoryDocuments


class InMemoryReceiptDocuments(InMemoryDocuments):
    def exists(self, key: str) -> bool:
        return key in self.objects
