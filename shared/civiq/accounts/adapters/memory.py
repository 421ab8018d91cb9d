"""In-memory fakes of the accounts' ports (store, repositories, transfers, balances), for unit
tests and the contract suite."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime

from civiq.accounts.domain.accounts import Account, AccountStatus, ServiceType
from civiq.accounts.domain.customers import Customer
from civiq.accounts.domain.properties import Property
from civiq.accounts.domain.search import SearchQuery, account_terms
from civiq.accounts.domain.transfers import Transfer, TransferStatus
from civiq.accounts.ports import AccountSummary, Change, Entity
from civiq.core.audit import AuditEntry
from civiq.core.errors import Conflict, NotFound, VersionConflict
from civiq.core.events import DomainEvent
from civiq.core.fakes import page_of
from civiq.core.history import subject_of
from civiq.core.money import Money
from civiq.core.ports import Page


class InMemoryStore:
    """Accounts, properties, customers, their history and the outbox, with the same rules as
    the DynamoDB adapter: atomic commits, optimistic locking, unique numbers and roll numbers."""

    def __init__(self) -> None:
        self.entities: dict[str, Entity] = {}
        self.history: dict[str, AuditEntry] = {}
        self.outbox: dict[str, DomainEvent] = {}
        self.commits: list[Change] = []
        self._sequence = 0

    # Changes
    def commit(self, change: Change) -> None:
        if any(c.token == change.token for c in self.commits):
            return
        staged = dict(self.entities)
        for entity in change.created:
            if subject_of(entity) in staged:
                raise Conflict(f"{subject_of(entity)} already exists", "id")
            self._check_unique(staged, entity)
            staged[subject_of(entity)] = entity
        for before, after in change.revised:
            current = staged.get(subject_of(before))
            if current is None:
                raise NotFound(f"{subject_of(before)} does not exist", "id")
            if current.version != before.version:
                raise VersionConflict(
                    f"{subject_of(before)} was changed by someone else", current.version
                )
            self._check_unique(staged, after)
            staged[subject_of(after)] = after
        self.entities = staged
        self.history.update({e.entry_id: e for e in change.history})
        self.outbox.update({e.event_id: e for e in change.events})
        self.commits.append(change)

    @staticmethod
    def _check_unique(staged: Mapping[str, Entity], entity: Entity) -> None:
        for other in staged.values():
            if subject_of(other) == subject_of(entity) or type(other) is not type(entity):
                continue
            if (
                isinstance(entity, Account)
                and isinstance(other, Account)
                and other.account_number == entity.account_number
            ):
                raise Conflict(
                    f"account number {entity.account_number} is already in use", "account_number"
                )
            if (
                isinstance(entity, Property)
                and isinstance(other, Property)
                and entity.roll_number is not None
                and other.roll_number == entity.roll_number
            ):
                raise Conflict(
                    f"roll number {entity.roll_number} belongs to another property", "roll_number"
                )

    # AccountRepository
    def next_sequence(self) -> int:
        self._sequence += 1
        return self._sequence

    def get(self, account_id: str) -> Account:
        found = self.entities.get(f"ACCOUNT#{account_id}")
        if not isinstance(found, Account):
            raise NotFound(f"no account with id {account_id}", "id")
        return found

    def get_by_number(self, account_number: str) -> Account:
        for account in self.accounts():
            if account.account_number == account_number:
                return account
        raise NotFound(f"no account with number {account_number}", "id")

    def accounts(self) -> list[Account]:
        return sorted(
            (e for e in self.entities.values() if isinstance(e, Account)),
            key=lambda a: a.account_number,
        )

    def list_by_status(
        self, status: AccountStatus, service: ServiceType | None, limit: int, cursor: str | None
    ) -> Page[AccountSummary]:
        found = [
            AccountSummary.of(a)
            for a in self.accounts()
            if a.status is status and (service is None or service in a.active_services())
        ]
        return page_of(found, limit, cursor)

    def search(
        self,
        query: SearchQuery,
        status: AccountStatus | None,
        service: ServiceType | None,
        limit: int,
        cursor: str | None,
    ) -> Page[AccountSummary]:
        wanted = [
            a
            for a in self.accounts()
            if (status is None or a.status is status)
            and (service is None or service in a.active_services())
        ]
        by_phrase = [a for a in wanted if query.matches_phrase(account_terms(a))]
        found = by_phrase or [a for a in wanted if query.matches(account_terms(a))]
        return page_of([AccountSummary.of(a) for a in found], limit, cursor)

    def of_property(self, property_id: str) -> Sequence[AccountSummary]:
        return [AccountSummary.of(a) for a in self.accounts() if a.property_id == property_id]

    def of_customer(self, customer_id: str) -> Sequence[AccountSummary]:
        return [
            AccountSummary.of(a)
            for a in self.accounts()
            if customer_id in (a.holder.customer_id, a.owner_customer_id)
        ]

    def on_route(self, route: str) -> Iterator[AccountSummary]:
        listed = (
            a for a in self.accounts() if a.route == route and a.status is not AccountStatus.CLOSED
        )
        return iter(sorted((AccountSummary.of(a) for a in listed), key=lambda s: s.account_id))

    # Outbox
    def pending(self, older_than: datetime, limit: int) -> Sequence[DomainEvent]:
        waiting = [e for e in self.outbox.values() if e.occurred_at < older_than]
        return sorted(waiting, key=lambda e: e.occurred_at)[:limit]

    def mark_published(self, events: Sequence[DomainEvent]) -> None:
        for event in events:
            self.outbox.pop(event.event_id, None)


class InMemoryProperties:
    """PropertyRepository over an :class:`InMemoryStore`."""

    def __init__(self, store: InMemoryStore) -> None:
        self.store = store

    def get(self, property_id: str) -> Property:
        found = self.store.entities.get(f"PROPERTY#{property_id}")
        if not isinstance(found, Property):
            raise NotFound(f"no property with id {property_id}", "id")
        return found

    def get_by_roll_number(self, roll_number: str) -> Property:
        for entity in self.store.entities.values():
            if isinstance(entity, Property) and entity.roll_number == roll_number:
                return entity
        raise NotFound(f"no property with roll number {roll_number}", "roll_number")


class InMemoryCustomers:
    """CustomerRepository over an :class:`InMemoryStore`."""

    def __init__(self, store: InMemoryStore) -> None:
        self.store = store

    def get(self, customer_id: str) -> Customer:
        found = self.store.entities.get(f"CUSTOMER#{customer_id}")
        if not isinstance(found, Customer):
            raise NotFound(f"no customer with id {customer_id}", "id")
        return found


class InMemoryTransfers:
    """Transfers and the one-open-transfer-per-property claim, with optimistic locking."""

    def __init__(self, store: InMemoryStore) -> None:
        self.store = store
        self.transfers: dict[str, Transfer] = {}
        self.open_claims: dict[str, str] = {}  # property id -> transfer id

    def find(self, transfer_id: str) -> Transfer | None:
        return self.transfers.get(transfer_id)

    def get(self, transfer_id: str) -> Transfer:
        found = self.transfers.get(transfer_id)
        if found is None:
            raise NotFound(f"no transfer with id {transfer_id}", "id")
        return found

    def open_transfer_of(self, property_id: str) -> str | None:
        return self.open_claims.get(property_id)

    def with_status(self, status: TransferStatus, limit: int, cursor: str | None) -> Page[Transfer]:
        listed = sorted(
            (t for t in self.transfers.values() if t.status is status),
            key=lambda t: (t.submitted_at, t.transfer_id),
        )
        return page_of(listed, limit, cursor)

    def create(self, transfer: Transfer, events: Sequence[DomainEvent] = ()) -> None:
        if transfer.transfer_id in self.transfers:
            raise Conflict(f"transfer {transfer.transfer_id} already exists", "id")
        holder = self.open_claims.get(transfer.property_id)
        if holder is not None:
            raise Conflict(f"the property has an open transfer ({holder})", "property_id")
        self.transfers[transfer.transfer_id] = transfer
        self.open_claims[transfer.property_id] = transfer.transfer_id
        self.store.outbox.update({e.event_id: e for e in events})
        self.store.history.update({e.event_id: AuditEntry.of(e) for e in events})

    def update(self, before: Transfer, after: Transfer, events: Sequence[DomainEvent] = ()) -> None:
        current = self.get(before.transfer_id)
        if current.version != before.version:
            raise VersionConflict("the transfer was changed meanwhile", current.version)
        self.transfers[after.transfer_id] = after
        if not after.is_open and self.open_claims.get(after.property_id) == after.transfer_id:
            del self.open_claims[after.property_id]
        self.store.outbox.update({e.event_id: e for e in events})
        self.store.history.update({e.event_id: AuditEntry.of(e) for e in events})


class InMemoryBalances:
    """Balances set by the test; an account never set owes nothing."""

    def __init__(self, store: InMemoryStore) -> None:
        self.store = store
        self.owed: dict[str, Money] = {}

    def balance_of(self, account_id: str) -> Money:
        self.store.get(account_id)  # NotFound for an unknown account
        return self.owed.get(account_id, Money.zero())
