"""The write-offs as staff read them: newest first, of every account or of one, and each by
its id."""

from __future__ import annotations

from dataclasses import dataclass

from civiq.accounts.ports import AccountRepository
from civiq.collections.domain.write_offs import WriteOff
from civiq.collections.ports import WriteOffs
from civiq.core.ports import Page


@dataclass(frozen=True)
class WriteOffViews:
    accounts: AccountRepository
    write_offs: WriteOffs

    def newest(self, account_id: str | None, limit: int, after: str | None) -> Page[WriteOff]:
        """Raises NotFound (no such account)."""
        if account_id is not None:
            self.accounts.get(account_id)
        return self.write_offs.newest(account_id, limit, after)

    def get(self, write_off_id: str) -> WriteOff:
        """Raises NotFound."""
        return self.write_offs.get(write_off_id)
