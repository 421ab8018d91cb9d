"""A resident changes the email address on file, proved by a link sent to the new address.

Asking sends a signed, short-lived link to the new address; nothing changes yet. Following the
link (and confirming, signed in to the same account) changes the address through the accounts
feature's customer revision, every other field kept (the address's old bounce record is
dropped: it was the old address's). A link for another account, tampered with or expired
changes nothing. Confirming twice changes it once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta

from civiq.accounts.domain.customers import Customer, check_email
from civiq.accounts.ports import CustomerRepository
from civiq.accounts.services.customers import ReviseCustomer
from civiq.core.errors import InvalidInput
from civiq.core.ports import Clock
from civiq.portal.domain.resident import RESIDENT
from civiq.portal.ports import PortalAccounts, Signatures, VerificationMail


@dataclass(frozen=True)
class ChangeEmail:
    accounts: PortalAccounts
    customers: CustomerRepository
    revise: ReviseCustomer
    signatures: Signatures
    mail: VerificationMail
    clock: Clock
    valid_for: timedelta

    def ask(self, account_id: str, typed: str, link: Callable[[str], str]) -> str:
        """Send the link (``link`` makes it from the token) to the address typed; returns the
        address. Raises InvalidInput naming ``email``."""
        address = check_email(typed.strip(), "email")
        customer = self._holder(account_id)
        claims = {"account": account_id, "customer": customer.customer_id, "email": address}
        token = self.signatures.sign(claims, self.clock.now() + self.valid_for)
        self.mail.send(address, customer.name, customer.language, link(token))
        return address

    def pending(self, account_id: str, token: str) -> str:
        """The address a link of this account's confirms. Raises InvalidInput naming
        ``token`` (expired, altered, or another account's)."""
        claims = self.signatures.verify(token, self.clock.now())
        if claims is None or claims.get("account") != account_id:
            raise InvalidInput("the link has expired or is not this account's", "token")
        return str(claims["email"])

    def confirm(self, account_id: str, token: str, cid: str) -> Customer:
        address = self.pending(account_id, token)
        customer = self._holder(account_id)
        if customer.contact.email == address:
            return customer  # confirmed before
        contact = replace(customer.contact, email=address, email_undeliverable=None)
        return self.revise(customer.customer_id, customer.version, RESIDENT, cid, contact=contact)

    def _holder(self, account_id: str) -> Customer:
        return self.customers.get(self.accounts.get(account_id).holder.customer_id)
