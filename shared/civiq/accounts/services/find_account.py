"""Find an account by its id or by its account number (the resident's lookup code)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from civiq.accounts.domain.account_numbers import AccountNumberScheme
from civiq.accounts.domain.accounts import Account
from civiq.accounts.ports import AccountRepository
from civiq.core.errors import InvalidInput


@dataclass(frozen=True)
class FindAccount:
    accounts: AccountRepository
    numbering: AccountNumberScheme

    def __call__(self, id_or_number: str) -> Account:
        """Ids are ULIDs (26 characters); anything else is read as an account number."""
        if is_account_id(id_or_number):
            return self.accounts.get(id_or_number)
        try:
            number = self.numbering.normalize(id_or_number, field="id")
        except InvalidInput:
            raise InvalidInput("id must be an account id or a valid account number", "id") from None
        return self.accounts.get_by_number(number)

    def id_of(self, id_or_number: str) -> str:
        """The account's id: an id as it is (no read), a number looked up (one read)."""
        if is_account_id(id_or_number):
            return id_or_number
        return self(id_or_number).account_id


def is_account_id(text: str) -> bool:
    """26 capital letters and digits (a ULID); no account number is that long."""
    return re.fullmatch(r"[0-9A-Z]{26}", text) is not None
