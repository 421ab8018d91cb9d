"""In-memory stand-ins of the portal's own store, for tests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from civiq.portal.domain.throttle import Attempts


class MemoryLookupAttempts:
    def __init__(self) -> None:
        self.counted: dict[str, Attempts] = {}

    def of(self, keys: Sequence[str]) -> Mapping[str, Attempts]:
        return {key: self.counted.get(key, Attempts()) for key in keys}

    def failed(self, keys: Sequence[str], at: datetime, forget_at: datetime) -> None:
        for key in keys:
            self.counted[key] = Attempts(self.counted.get(key, Attempts()).failures + 1, at)

    def forget(self, key: str) -> None:
        self.counted.pop(key, None)
