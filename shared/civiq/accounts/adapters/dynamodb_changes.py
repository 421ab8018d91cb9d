"""Changes on DynamoDB: one TransactWriteItems per change, with every derived item.

An entity's item comes with what keeps it findable and unique: account-number and roll-number
claims, the links that list an account under its property and customers, and its search
entries. They are written (and stale ones deleted) in the same transaction as the entity, its
history entries and its outbox events, so search and lists never disagree with the accounts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.update import Action
from pynamodb.models import Model

from civiq.accounts.adapters import dynamodb_mapping as mapping
from civiq.accounts.domain.accounts import Account, AccountStatus
from civiq.accounts.domain.customers import Customer
from civiq.accounts.domain.properties import Property
from civiq.accounts.domain.search import account_terms, shard_of
from civiq.accounts.ports import AccountSummary, Change, Entity
from civiq.core.errors import Conflict, DomainError, VersionConflict
from civiq.platform.dynamodb import keys, outbox
from civiq.platform.dynamodb.audit import audit_item
from civiq.platform.dynamodb.table import (
    AccountCountsItem,
    AccountItem,
    AccountLinkItem,
    AccountNumberClaim,
    AuditItem,
    RollNumberClaim,
    SearchEntryItem,
)

MAX_ITEMS = 100  # DynamoDB's limit per transaction
Failure = Callable[[], DomainError]


@dataclass
class _Writes:
    """Deletes, puts and updates in the order DynamoDB reports cancellation reasons for them."""

    deletes: list[tuple[dict[str, Any], Failure | None]] = field(default_factory=list)
    puts: list[tuple[dict[str, Any], Failure | None]] = field(default_factory=list)
    updates: list[tuple[dict[str, Any], Failure | None]] = field(default_factory=list)

    def put(self, item: Model, condition: Any = None, failure: Failure | None = None) -> None:
        self.puts.append((item.get_save_kwargs_from_instance(condition=condition), failure))

    def delete(self, item: Model, failure: Failure | None = None) -> None:
        kwargs = item.get_delete_kwargs_from_instance(add_version_condition=False)
        self.deletes.append((kwargs, failure))

    def update(self, before: Model, after: Model, failure: Failure) -> None:
        """Write only the attributes that changed, so attributes this adapter does not map
        (the ledger's balance, the welcome letter's key) are never overwritten; the version
        condition and increment come from the model's VersionAttribute."""
        old, new = before.serialize(), after.serialize()
        attributes = {a.attr_name: (name, a) for name, a in type(after).get_attributes().items()}
        actions: list[Action] = []
        for attr_name in sorted(old.keys() | new.keys()):
            name, attribute = attributes[attr_name]
            if attribute.is_hash_key or attribute.is_range_key or name == "version":
                continue
            if attr_name not in new:
                actions.append(attribute.remove())
            elif old.get(attr_name) != new[attr_name]:
                actions.append(attribute.set(getattr(after, name)))
        kwargs = after.get_update_kwargs_from_instance(actions=actions)
        self.updates.append((kwargs, failure))

    def add(self, item: Model, actions: list[Action]) -> None:
        """Counters: ADD to attributes, whatever the item's version."""
        kwargs = item.get_update_kwargs_from_instance(actions=actions, add_version_condition=False)
        self.updates.append((kwargs, None))

    def count(self) -> int:
        return len(self.deletes) + len(self.puts) + len(self.updates)

    def failures(self) -> list[Failure | None]:
        return [f for _, f in self.deletes + self.puts + self.updates]


def _links(account: Account) -> set[tuple[str, str]]:
    """Where the account is listed: its property, its customers, and (until it closes) its
    meter-reading route, which billing cycles select by."""
    owners = {account.holder.customer_id, account.owner_customer_id} - {None}
    listed_under = {keys.property_pk(account.property_id)} | {
        keys.customer_pk(c) for c in owners if c
    }
    if account.status is not AccountStatus.CLOSED:
        listed_under.add(keys.route_pk(account.route))
    return {(pk, keys.link_sk(account.account_id)) for pk in listed_under if pk}


def _search_keys(account: Account) -> set[tuple[str, str]]:
    return {
        (keys.search_pk(shard_of(t)), keys.search_sk(t, account.account_id))
        for t in account_terms(account)
    }


def _status_count(status: AccountStatus) -> Any:
    return getattr(AccountCountsItem, status.value.replace("-", "_"))


def _current_version(model: type[Model], pk: str, sk: str) -> int:
    try:
        return int(getattr(model.get(pk, sk, consistent_read=True), "version", 0) or 0)
    except model.DoesNotExist:
        return 0


class DynamoChanges:
    def __init__(self) -> None:
        self._connection: Connection | None = None

    def _client(self) -> Connection:
        """One connection (and botocore client) per adapter: building one costs ~36 ms."""
        if self._connection is None:
            self._connection = Connection(
                region=AccountItem.Meta.region, host=AccountItem.Meta.host
            )
        return self._connection

    def commit(self, change: Change) -> None:
        writes = _Writes()
        for entity in change.created:
            self._entity(writes, None, entity)
        for before, after in change.revised:
            self._entity(writes, before, after)
        for entry in change.history:
            writes.put(audit_item(entry), AuditItem.pk.does_not_exist())
        for event in change.events:
            writes.put(outbox.outbox_item(event))
        if writes.count() > MAX_ITEMS:
            raise ValueError(f"a change may write at most {MAX_ITEMS} items")
        try:
            self._client().transact_write_items(
                condition_check_items=[],
                delete_items=[kwargs for kwargs, _ in writes.deletes],
                put_items=[kwargs for kwargs, _ in writes.puts],
                update_items=[kwargs for kwargs, _ in writes.updates],
                client_request_token=change.token,
            )
        except TransactWriteError as exc:
            if exc.cause_response_code != "TransactionCanceledException":
                raise
            failures = writes.failures()
            for index, reason in enumerate(exc.cancellation_reasons):
                if reason is not None and reason.code == "ConditionalCheckFailed":
                    failure = failures[index]
                    if failure is not None:
                        raise failure() from exc
            raise

    def _entity(self, writes: _Writes, before: Entity | None, after: Entity) -> None:
        if isinstance(after, Account):
            assert before is None or isinstance(before, Account)
            self._account(writes, before, after)
        elif isinstance(after, Property):
            assert before is None or isinstance(before, Property)
            self._property(writes, before, after)
        else:
            assert before is None or isinstance(before, Customer)
            self._customer(writes, before, after)

    @staticmethod
    def _versioned(
        writes: _Writes, to_item: Callable[[Any], Model], before: Any, after: Any, what: str
    ) -> None:
        """Put a new entity; or update what changed since ``before``, if the stored version is
        still ``before.version``."""
        item = to_item(after)
        pk, sk = item.pk, item.sk  # type: ignore[attr-defined]
        model = type(item)
        if before is None:
            # a new item has no version yet: PynamoDB adds attribute_not_exists(version), sets 1
            writes.put(
                item,
                model.pk.does_not_exist(),  # type: ignore[attr-defined]
                lambda: Conflict(f"{what} already exists", "id"),
            )
            return
        before_item = to_item(before)
        before_item.version = item.version = before.version  # type: ignore[attr-defined]
        writes.update(
            before_item,
            item,
            lambda: VersionConflict(
                f"{what} was changed by someone else; reload it",
                _current_version(model, pk, sk),
            ),
        )

    def _account(self, writes: _Writes, before: Account | None, after: Account) -> None:
        self._versioned(writes, mapping.account_item, before, after, "the account")
        if before is None or before.status is not after.status:
            pk, sk = keys.account_counts_key(after.account_id)
            counts = [_status_count(after.status).add(1)]
            if before is not None:
                counts.append(_status_count(before.status).add(-1))
            writes.add(AccountCountsItem(pk=pk, sk=sk), counts)
        if before is None:
            number = after.account_number
            writes.put(
                AccountNumberClaim(
                    pk=keys.account_number_key(number),
                    sk=keys.CLAIM_SK,
                    account_id=after.account_id,
                ),
                AccountNumberClaim.pk.does_not_exist(),
                lambda: Conflict(f"account number {number} is already in use", "account_number"),
            )
        summary = mapping.summary_record(AccountSummary.of(after))
        old_links = _links(before) if before else set()
        for pk, sk in sorted(old_links - _links(after)):
            writes.delete(AccountLinkItem(pk=pk, sk=sk))
        for pk, sk in sorted(_links(after)):
            writes.put(AccountLinkItem(pk=pk, sk=sk, summary=summary))
        old_search = _search_keys(before) if before else set()
        for pk, sk in sorted(old_search - _search_keys(after)):
            writes.delete(SearchEntryItem(pk=pk, sk=sk))
        terms = sorted(account_terms(after))
        for pk, sk in sorted(_search_keys(after)):
            writes.put(
                SearchEntryItem(
                    pk=pk,
                    sk=sk,
                    terms=terms,
                    status=after.status.value,
                    services=[s.value for s in after.active_services()],
                    summary=summary,
                )
            )

    def _property(self, writes: _Writes, before: Property | None, after: Property) -> None:
        self._versioned(writes, mapping.property_item, before, after, "the property")
        old_roll = before.roll_number if before else None
        new_roll = after.roll_number
        if old_roll == new_roll:
            return
        if old_roll:
            writes.delete(RollNumberClaim(pk=keys.roll_number_key(old_roll), sk=keys.CLAIM_SK))
        if new_roll:
            writes.put(
                RollNumberClaim(
                    pk=keys.roll_number_key(new_roll),
                    sk=keys.CLAIM_SK,
                    property_id=after.property_id,
                ),
                RollNumberClaim.pk.does_not_exist(),
                lambda: Conflict(
                    f"roll number {new_roll} belongs to another property", "roll_number"
                ),
            )

    def _customer(self, writes: _Writes, before: Customer | None, after: Customer) -> None:
        self._versioned(writes, mapping.customer_item, before, after, "the customer")
