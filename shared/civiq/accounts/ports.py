"""Ports of accounts, properties, customers and their workflows (moves and transfers): what
the services need from the outside world. Adapters implement them."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeAlias

from civiq.accounts.domain.accounts import Account, AccountStatus, HolderRole, ServiceType
from civiq.accounts.domain.billability import BillingProfile, Unmet
from civiq.accounts.domain.customers import Customer
from civiq.accounts.domain.properties import Property
from civiq.accounts.domain.search import SearchQuery
from civiq.accounts.domain.transfers import Transfer, TransferStatus
from civiq.core.audit import AuditEntry
from civiq.core.events import DomainEvent
from civiq.core.money import Money
from civiq.core.ports import Page

Entity: TypeAlias = Account | Customer | Property


@dataclass(frozen=True)
class Change:
    """One atomic change: every item is written, or none is.

    ``revised`` pairs are (before, after); each is written only if the stored version is still
    ``before.version`` (optimistic locking). Uniqueness (account numbers, roll numbers) is
    enforced by the adapter. ``token`` makes a retried commit a no-op (the first event's id).
    """

    token: str
    created: Sequence[Entity] = ()
    revised: Sequence[tuple[Entity, Entity]] = ()
    history: Sequence[AuditEntry] = ()
    events: Sequence[DomainEvent] = ()


@dataclass(frozen=True)
class AccountSummary:
    """An account as lists and search results show it."""

    account_id: str
    account_number: str
    property_id: str
    unit: str | None
    holder_customer_id: str
    holder_name: str
    holder_role: HolderRole
    service_address: str
    status: AccountStatus
    services: tuple[ServiceType, ...]
    autopay: bool

    @classmethod
    def of(cls, account: Account) -> AccountSummary:
        return cls(
            account.account_id,
            account.account_number,
            account.property_id,
            account.service_address.unit,
            account.holder.customer_id,
            account.holder.name,
            account.holder_role,
            account.service_address.one_line(),
            account.status,
            account.active_services(),
            account.autopay,
        )


class Changes(Protocol):
    def commit(self, change: Change) -> None:
        """Write ``change`` atomically. Raises Conflict (a taken account or roll number) or
        VersionConflict (a revised entity changed since it was read)."""
        ...


class AccountRepository(Protocol):
    def next_sequence(self) -> int:
        """Next account-number sequence value (atomic, never reused)."""
        ...

    def get(self, account_id: str) -> Account:
        """Raises NotFound."""
        ...

    def get_by_number(self, account_number: str) -> Account:
        """Raises NotFound."""
        ...

    def list_by_status(
        self, status: AccountStatus, service: ServiceType | None, limit: int, cursor: str | None
    ) -> Page[AccountSummary]:
        """One page in account-number order; ``cursor`` is the previous page's ``next_cursor``."""
        ...

    def search(
        self,
        query: SearchQuery,
        status: AccountStatus | None,
        service: ServiceType | None,
        limit: int,
        cursor: str | None,
    ) -> Page[AccountSummary]:
        """Accounts matching every word of ``query``; never scans the table."""
        ...

    def of_property(self, property_id: str) -> Sequence[AccountSummary]: ...

    def of_customer(self, customer_id: str) -> Sequence[AccountSummary]:
        """Accounts the customer holds or owns as owner of record."""
        ...

    def on_route(self, route: str) -> Iterator[AccountSummary]:
        """Every account on a meter-reading route that is not closed, in id order, read page
        by page as the caller consumes it."""
        ...


class PropertyRepository(Protocol):
    def get(self, property_id: str) -> Property:
        """Raises NotFound."""
        ...

    def get_by_roll_number(self, roll_number: str) -> Property:
        """Raises NotFound."""
        ...


class CustomerRepository(Protocol):
    def get(self, customer_id: str) -> Customer:
        """Raises NotFound."""
        ...


class TransferRepository(Protocol):
    def find(self, transfer_id: str) -> Transfer | None: ...

    def get(self, transfer_id: str) -> Transfer:
        """Raises NotFound."""
        ...

    def open_transfer_of(self, property_id: str) -> str | None:
        """The id of the property's open transfer, if it has one."""
        ...

    def with_status(self, status: TransferStatus, limit: int, cursor: str | None) -> Page[Transfer]:
        """The transfers with ``status``, oldest submitted first (one query, never a scan)."""
        ...

    def create(self, transfer: Transfer, events: Sequence[DomainEvent] = ()) -> None:
        """Write a new transfer with the property's open-transfer claim, atomically. Raises
        Conflict (field ``property_id``) when the property has another open transfer, and
        Conflict (field ``id``) when this transfer exists."""
        ...

    def update(self, before: Transfer, after: Transfer, events: Sequence[DomainEvent] = ()) -> None:
        """Write ``after`` if the stored version is still ``before.version`` (else
        VersionConflict), with ``events``; a closed transfer releases the property's claim."""
        ...


class Balances(Protocol):
    def balance_of(self, account_id: str) -> Money:
        """What the holder owes (negative: a credit). Raises NotFound for an unknown account."""
        ...


class BillingRequirements(Protocol):
    """What would stop an account from being billed. Billing implements it (its cycles and rate
    schedules sit above accounts); account opening and changes ask it before they write."""

    def unmet(self, profile: BillingProfile) -> Sequence[Unmet]:
        """What billing lacks to bill an account of ``profile``: nothing when it could."""
        ...
