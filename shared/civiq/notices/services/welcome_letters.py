"""Render an account's welcome letter in its language and store it (a workflow task).

When a tenant account is set to copy the landlord, the owner of record gets a copy in their own
language, addressed to them and marked as a copy.
"""

from __future__ import annotations

from dataclasses import dataclass

from civiq.accounts.domain.account_numbers import AccountNumberScheme
from civiq.accounts.domain.accounts import Account, HolderRole
from civiq.accounts.ports import AccountRepository, CustomerRepository
from civiq.core.language import Language
from civiq.core.letterhead import Letterhead
from civiq.core.ports import DocumentRenderer, DocumentStore


def welcome_letter_key(account_id: str) -> str:
    """Deterministic: a retried task overwrites the same object instead of adding one."""
    return f"letters/welcome/{account_id}.pdf"


def owner_copy_key(account_id: str) -> str:
    return f"letters/welcome/{account_id}-owner-copy.pdf"


@dataclass(frozen=True)
class WelcomeLetters:
    """Where the letters went: the holder's, and the owner's copy when there is one."""

    key: str
    owner_copy_key: str | None = None


@dataclass(frozen=True)
class SendWelcomeLetter:
    accounts: AccountRepository
    customers: CustomerRepository
    renderer: DocumentRenderer
    documents: DocumentStore
    numbering: AccountNumberScheme
    letterhead: Letterhead
    portal_url: str

    def __call__(self, account_id: str) -> WelcomeLetters:
        account = self.accounts.get(account_id)
        key = welcome_letter_key(account.account_id)
        self._send(account, key, account.holder.name, account.language, copy_to_owner=False)
        owner_id = account.owner_customer_id
        if not (account.holder_role is HolderRole.TENANT and account.landlord_copies and owner_id):
            return WelcomeLetters(key)
        owner = self.customers.get(owner_id)
        copy_key = owner_copy_key(account.account_id)
        self._send(account, copy_key, owner.name, owner.language, copy_to_owner=True)
        return WelcomeLetters(key, copy_key)

    def _send(
        self, account: Account, key: str, recipient: str, language: Language, copy_to_owner: bool
    ) -> None:
        pdf = self.renderer.render_pdf(
            "welcome_letter",
            language,
            {
                "account_number_display": self.numbering.display(account.account_number),
                "customer_name": account.holder.name,
                "recipient_name": recipient,
                "copy_to_owner": copy_to_owner,
                "service_address": account.service_address.one_line(),
                "opened_on": account.opened_at.date(),
                "municipality_name": self.letterhead.name,
                "letterhead": self.letterhead,
                "portal_url": self.portal_url,
            },
        )
        self.documents.put_pdf(
            key, pdf, {"account-id": account.account_id, "language": language.value}
        )
