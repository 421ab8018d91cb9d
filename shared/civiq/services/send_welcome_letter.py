"""Render an account's welcome letter in its language and store it (a workflow task)."""

from __future__ import annotations

from dataclasses import dataclass

from civiq.domain.account_numbers import AccountNumberScheme
from civiq.ports import AccountRepository, DocumentRenderer, DocumentStore


def welcome_letter_key(account_id: str) -> str:
    """Deterministic: a retried task overwrites the same object instead of adding one."""
    return f"letters/welcome/{account_id}.pdf"


@dataclass(frozen=True)
class SendWelcomeLetter:
    accounts: AccountRepository
    renderer: DocumentRenderer
    documents: DocumentStore
    numbering: AccountNumberScheme
    municipality_name: str
    portal_url: str

    def __call__(self, account_id: str) -> str:
        account = self.accounts.get(account_id)
        pdf = self.renderer.render_pdf(
            "welcome_letter",
            account.language,
            {
                "account_number_display": self.numbering.display(account.account_number),
                "customer_name": account.customer.name,
                "service_address": account.address.one_line(),
                "opened_on": account.opened_at.date(),
                "municipality_name": self.municipality_name,
                "portal_url": self.portal_url,
            },
        )
        key = welcome_letter_key(account.account_id)
        self.documents.put_pdf(
            key, pdf, {"account-id": account.account_id, "language": account.language.value}
        )
        return key
