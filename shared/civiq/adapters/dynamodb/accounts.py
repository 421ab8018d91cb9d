"""AccountRepository on DynamoDB."""

from __future__ import annotations

import base64
import json

from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from civiq.adapters.dynamodb import keys, outbox
from civiq.adapters.dynamodb.models import AccountItem, AccountNumberClaim, CounterItem
from civiq.domain.accounts import Account, AccountStatus, Customer, ServiceAddress
from civiq.domain.errors import Conflict, InvalidInput, NotFound
from civiq.domain.events import DomainEvent
from civiq.domain.language import Language
from civiq.ports import AccountPage

ACCOUNT_SEQUENCE = "account-number"


def _to_item(account: Account) -> AccountItem:
    return AccountItem(
        pk=keys.account_pk(account.account_id),
        sk=keys.ACCOUNT_SK,
        gsi1pk=keys.account_number_key(account.account_number),
        gsi1sk=keys.ACCOUNT_SK,
        gsi2pk=keys.accounts_with_status(account.status.value),
        gsi2sk=account.account_number,
        account_id=account.account_id,
        account_number=account.account_number,
        customer={
            "name": account.customer.name,
            "email": account.customer.email,
            "phone": account.customer.phone,
        },
        address={
            "street": account.address.street,
            "unit": account.address.unit,
            "city": account.address.city,
            "province": account.address.province,
            "postal_code": account.address.postal_code,
        },
        language=account.language.value,
        status=account.status.value,
        autopay=account.autopay,
        opened_at=account.opened_at,
        opened_by=account.opened_by,
        welcome_letter_key=account.welcome_letter_key,
    )


def _to_account(item: AccountItem) -> Account:
    return Account(
        account_id=item.account_id,
        account_number=item.account_number,
        customer=Customer(**item.customer),
        address=ServiceAddress(**item.address),
        language=Language(item.language),
        opened_at=item.opened_at,
        opened_by=item.opened_by,
        status=AccountStatus(item.status),
        autopay=item.autopay,
        version=int(item.version or 1),
        welcome_letter_key=item.welcome_letter_key,
    )


class DynamoAccountRepository:
    def __init__(self) -> None:
        self._transactions: Connection | None = None

    def _connection(self) -> Connection:
        """One connection (and botocore client) per repository: building one costs ~36 ms."""
        if self._transactions is None:
            self._transactions = Connection(
                region=AccountItem.Meta.region, host=AccountItem.Meta.host
            )
        return self._transactions

    def next_sequence(self) -> int:
        counter = CounterItem(pk=keys.counter_pk(ACCOUNT_SEQUENCE), sk=keys.COUNTER_SK)
        counter.update(actions=[CounterItem.value.add(1)])
        return int(counter.value)

    def add(self, account: Account, event: DomainEvent) -> None:
        item = _to_item(account)
        claim = AccountNumberClaim(
            pk=keys.account_number_key(account.account_number),
            sk=keys.CLAIM_SK,
            account_id=account.account_id,
        )
        try:
            with TransactWrite(
                connection=self._connection(), client_request_token=event.event_id
            ) as tx:
                tx.save(item, condition=AccountItem.pk.does_not_exist())
                tx.save(claim, condition=AccountNumberClaim.pk.does_not_exist())
                outbox.save_in(tx, event)
        except TransactWriteError as exc:
            if exc.cause_response_code == "TransactionCanceledException":
                raise Conflict(
                    f"account number {account.account_number} is already in use", "account_number"
                ) from exc
            raise

    def get(self, account_id: str) -> Account:
        try:
            return _to_account(AccountItem.get(keys.account_pk(account_id), keys.ACCOUNT_SK))
        except DoesNotExist as exc:
            raise NotFound(f"no account with id {account_id}", "id") from exc

    def get_by_number(self, account_number: str) -> Account:
        key = keys.account_number_key(account_number)
        for item in AccountItem.by_number.query(key, limit=1):
            return _to_account(item)
        raise NotFound(f"no account with number {account_number}", "id")

    def list_by_status(self, status: AccountStatus, limit: int, cursor: str | None) -> AccountPage:
        try:
            start = json.loads(base64.urlsafe_b64decode(cursor)) if cursor else None
        except ValueError as exc:
            raise InvalidInput("cursor is not one this API returned", "cursor") from exc
        result = AccountItem.by_status.query(
            keys.accounts_with_status(status.value),
            limit=limit,
            last_evaluated_key=start,
            page_size=limit,
        )
        accounts = [_to_account(item) for item in result]
        last = result.last_evaluated_key
        next_cursor = base64.urlsafe_b64encode(json.dumps(last).encode()).decode() if last else None
        return AccountPage(accounts, next_cursor)
