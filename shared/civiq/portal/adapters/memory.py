"""In-memory stand-ins of the portal's own stores, for tests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from civiq.core.audit import AuditEntry
from civiq.portal.domain.online_payments import OnlinePayment
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


class MemoryOnlinePayments:
    def __init__(self) -> None:
        self.kept: dict[str, OnlinePayment] = {}
        self.history: list[AuditEntry] = []

    def submit(self, payment: OnlinePayment, entry: AuditEntry) -> OnlinePayment:
        if payment.idempotency_key in self.kept:
            return self.kept[payment.idempotency_key]
        self.kept[payment.idempotency_key] = payment
        self.history.append(entry)
        return payment

    def charged(self, payment: OnlinePayment, processor_payment_id: str) -> None:
        self.kept[payment.idempotency_key] = replace(
            payment, processor_payment_id=processor_payment_id
        )

    def of_account(self, account_id: str, limit: int) -> Sequence[OnlinePayment]:
        mine = [p for p in self.kept.values() if p.account_id == account_id]
        return sorted(mine, key=lambda p: p.submitted_at, reverse=True)[:limit]
