"""A resident's preferences on the portal: e-billing and the language of their notices and
statements, changed through the accounts feature's customer revision (every other field of the
customer kept, the holder's details on each account they hold refreshed, the change recorded
with the resident as its actor).

Only the holder's own account leads to these: a resident who looked an account up changes the
preferences of its holder. The email address is shown masked (a lookup proves the account, not
who is at the keyboard)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from civiq.accounts.domain.customers import Customer
from civiq.accounts.ports import CustomerRepository
from civiq.accounts.services.customers import ReviseCustomer
from civiq.core.errors import InvalidInput
from civiq.core.language import Language
from civiq.portal.domain.resident import RESIDENT
from civiq.portal.ports import PortalAccounts


@dataclass(frozen=True, slots=True)
class PreferencesShown:
    language: Language
    ebilling: bool
    email: str | None  # masked


@dataclass(frozen=True)
class ResidentPreferences:
    accounts: PortalAccounts
    customers: CustomerRepository
    revise: ReviseCustomer

    def shown(self, account_id: str) -> PreferencesShown:
        customer = self._holder(account_id)
        email = customer.contact.email
        return PreferencesShown(
            customer.preferences.language,
            customer.preferences.ebilling,
            masked_email(email) if email else None,
        )

    def change(self, account_id: str, ebilling: bool, language: str, cid: str) -> Customer:
        """Raises InvalidInput naming ``language`` (neither en nor fr) or ``ebilling`` (no email
        address on file to send bills to)."""
        try:
            chosen = Language(language)
        except ValueError:
            raise InvalidInput("choose English or French", "language") from None
        customer = self._holder(account_id)
        wanted = replace(customer.preferences, ebilling=ebilling, language=chosen)
        if wanted == customer.preferences:
            return customer  # nothing changed: nothing recorded
        try:
            return self.revise(
                customer.customer_id, customer.version, RESIDENT, cid, preferences=wanted
            )
        except InvalidInput as invalid:
            invalid.rename(lambda field: "ebilling" if field == "contact.email" else field)
            raise

    def _holder(self, account_id: str) -> Customer:
        return self.customers.get(self.accounts.get(account_id).holder.customer_id)


def masked_email(email: str) -> str:
    """``e•••••@example.com``: recognisable to its owner, not given away to anyone else."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}{'•' * max(len(local) - 1, 3)}@{domain}"
