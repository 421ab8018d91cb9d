"""Register customers and change their contact details and preferences."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from civiq.accounts.domain.accounts import Account, Holder
from civiq.accounts.domain.customers import (
    ConsentChanges,
    ContactDetails,
    Customer,
    CustomerKind,
    Preferences,
)
from civiq.accounts.ports import AccountRepository, Changes, CustomerRepository
from civiq.accounts.services.recording import Recorder, Step
from civiq.accounts.services.refresh_accounts import RefreshAccounts
from civiq.core.errors import check_version
from civiq.core.events import Actor


@dataclass(frozen=True)
class NewCustomer:
    kind: CustomerKind
    name: str
    preferences: Preferences
    contact: ContactDetails = field(default_factory=ContactDetails)
    consents: ConsentChanges = field(default_factory=ConsentChanges)  # given as registered

    def build(self, customer_id: str, now: datetime) -> Customer:
        preferences = self.consents.applied_to(self.preferences, now)
        return Customer(customer_id, self.kind, self.name, preferences, now, self.contact)


@dataclass(frozen=True)
class RegisterCustomer:
    changes: Changes
    recorder: Recorder

    def __call__(self, new: NewCustomer, actor: Actor, correlation_id: str) -> Customer:
        customer = new.build(self.recorder.ids.new_id(), self.recorder.clock.now())
        self.changes.commit(
            self.recorder.change([Step(customer, "CustomerRegistered")], actor, correlation_id)
        )
        return customer


@dataclass(frozen=True)
class ReviseCustomer:
    """Change a customer's name, contact details, preferences or consents, then refresh the
    holder details kept on each account they hold. A consent given or withdrawn is dated by the
    clock: when it was recorded."""

    customers: CustomerRepository
    accounts: AccountRepository
    changes: Changes
    recorder: Recorder
    refresh: RefreshAccounts

    def __call__(
        self,
        customer_id: str,
        version: int,
        actor: Actor,
        cid: str,
        *,
        name: str | None = None,
        contact: ContactDetails | None = None,
        preferences: Preferences | None = None,
        consents: ConsentChanges | None = None,
    ) -> Customer:
        before = self.customers.get(customer_id)
        check_version(before.version, version, "the customer")
        wanted = preferences or before.preferences
        if consents is not None:
            wanted = consents.applied_to(wanted, self.recorder.clock.now())
        after = before.revised(
            name=name if name is not None else before.name,
            contact=contact or before.contact,
            preferences=wanted,
        )
        self.changes.commit(
            self.recorder.change([Step(after, "CustomerRevised", before)], actor, cid)
        )
        self.refresh_holder(after, actor, cid)
        return after

    def refresh_holder(self, customer: Customer, actor: Actor, cid: str) -> int:
        """Bring every account the customer holds up to date; safe to run again."""
        holder = Holder.of(customer)

        def refreshed(account: Account) -> Account | None:
            held = account.holder.customer_id == customer.customer_id
            return account.with_holder(holder) if held and account.holder != holder else None

        summaries = list(self.accounts.of_customer(customer.customer_id))
        return self.refresh(summaries, refreshed, "HolderDetailsRefreshed", actor, cid)
