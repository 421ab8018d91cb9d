"""Withdraw a customer's consent to email from the link in their emails (one click, no sign-in),
recorded in the customer's history like any change: the system made it, from the link."""

from __future__ import annotations

from dataclasses import dataclass

from civiq.accounts.domain.customers import ConsentChange, ConsentChanges, ConsentSource, Customer
from civiq.accounts.ports import CustomerRepository
from civiq.accounts.services.customers import ReviseCustomer
from civiq.core.errors import NotFound, VersionConflict
from civiq.core.events import Actor
from civiq.notices.domain.unsubscribe import customer_of
from civiq.notices.ports import SigningKeys

LINK = Actor("unsubscribe-link", "resident")
WITHDRAWAL = ConsentChanges(email=ConsentChange(False, ConsentSource.UNSUBSCRIBE_LINK))
ATTEMPTS = 3  # a clerk editing the customer at the same moment: read again and withdraw


@dataclass(frozen=True)
class Unsubscribe:
    keys: SigningKeys
    customers: CustomerRepository
    revise_customer: ReviseCustomer

    def customer(self, token: str) -> Customer:
        """The customer ``token`` was made for; NotFound when it is not a link we made."""
        customer_id = customer_of(token, self.keys.active())
        if customer_id is None:
            raise NotFound("no such unsubscribe link", "token")
        return self.customers.get(customer_id)

    def __call__(self, token: str, correlation_id: str) -> Customer:
        """The customer, their consent to email withdrawn (already withdrawn: unchanged)."""
        for _ in range(ATTEMPTS - 1):
            try:
                return self._withdraw(token, correlation_id)
            except VersionConflict:
                continue  # changed meanwhile: read it again
        return self._withdraw(token, correlation_id)

    def _withdraw(self, token: str, correlation_id: str) -> Customer:
        customer = self.customer(token)
        consent = customer.preferences.email_consent
        if consent is None or not consent.in_force:
            return customer
        return self.revise_customer(
            customer.customer_id, customer.version, LINK, correlation_id, consents=WITHDRAWAL
        )
