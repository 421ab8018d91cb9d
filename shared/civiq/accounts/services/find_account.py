"""Find an account by its id or by its account number (the resident's lookup code)."""

from __future__ import annotations

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
        if len(id_or_number) == 26 and id_or_number.isalnum() and id_or_number.isupper():
            return self.accounts.get(id_or_number)
        try:
            number = self.numbering.normalize(id_or_number, field="id")
        except InvalidInput:
            raise InvalidInput("id must be an account id or a valid account number", "id") from None
        return self.accounts.get_by_number(number)
