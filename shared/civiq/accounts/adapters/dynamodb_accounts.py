"""AccountRepository on DynamoDB: lookups are one request; lists and search are Queries."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.condition import Condition

from civiq.accounts.adapters import dynamodb_mapping as mapping
from civiq.accounts.domain.accounts import Account, AccountStatus, ServiceType
from civiq.accounts.domain.search import SearchQuery, shard_of
from civiq.accounts.ports import AccountSummary
from civiq.core.errors import NotFound
from civiq.core.ports import Page
from civiq.platform.dynamodb import keys, pages
from civiq.platform.dynamodb.table import AccountItem, AccountLinkItem, CounterItem, SearchEntryItem

ACCOUNT_SEQUENCE = "account-number"
QUERY_PAGE = 100  # items per Query request while a filtered page fills up


def _marked(mode: str, page: Page[AccountSummary]) -> Page[AccountSummary]:
    cursor = f"{mode}.{page.next_cursor}" if page.next_cursor else None
    return Page(page.items, cursor)


def _fill(
    found: Iterator[Any], limit: int, keep: Any, summary: Any, key: Any
) -> Page[AccountSummary]:
    """Take ``limit`` kept items; the cursor is the key of the last one taken (filters may
    drop items, so DynamoDB's own LastEvaluatedKey can be past items this page did not show)."""
    taken: list[Any] = []
    for item in found:
        if not keep(item):
            continue
        if len(taken) == limit:
            return Page([summary(i) for i in taken], pages.encode(key(taken[-1])))
        taken.append(item)
    return Page([summary(i) for i in taken], None)


class DynamoAccountRepository:
    def next_sequence(self) -> int:
        counter = CounterItem(pk=keys.counter_pk(ACCOUNT_SEQUENCE), sk=keys.COUNTER_SK)
        counter.update(actions=[CounterItem.value.add(1)])
        return int(counter.value)

    def get(self, account_id: str) -> Account:
        try:
            item = AccountItem.get(keys.account_pk(account_id), keys.ACCOUNT_SK)
        except DoesNotExist as exc:
            raise NotFound(f"no account with id {account_id}", "id") from exc
        return mapping.account_of(item)

    def get_by_number(self, account_number: str) -> Account:
        key = keys.account_number_key(account_number)
        for item in AccountItem.by_number.query(key, limit=1):
            return mapping.account_of(item)
        raise NotFound(f"no account with number {account_number}", "id")

    def list_by_status(
        self, status: AccountStatus, service: ServiceType | None, limit: int, cursor: str | None
    ) -> Page[AccountSummary]:
        found = AccountItem.by_status.query(
            keys.accounts_with_status(status.value),
            filter_condition=AccountItem.active_services.contains(service.value)
            if service
            else None,
            last_evaluated_key=pages.decode(cursor),
            page_size=limit + 1 if service is None else QUERY_PAGE,
        )
        return _fill(
            iter(found),
            limit,
            keep=lambda item: True,
            summary=lambda item: AccountSummary.of(mapping.account_of(item)),
            key=lambda item: pages.key_of(
                PK=item.pk, SK=item.sk, GSI2PK=item.gsi2pk, GSI2SK=item.gsi2sk
            ),
        )

    def search(
        self,
        query: SearchQuery,
        status: AccountStatus | None,
        service: ServiceType | None,
        limit: int,
        cursor: str | None,
    ) -> Page[AccountSummary]:
        """Read the index by the query's phrase, or (when no phrase starts that way) by its
        lead word; status and service filter in DynamoDB, other words in Python. The cursor
        remembers which of the two reads it continues."""
        mode, _, position = (cursor or "").partition(".")
        if cursor is not None and mode not in ("p", "w"):
            raise pages.unknown_cursor()
        condition: Condition | None = None
        if status is not None:
            condition = SearchEntryItem.status == status.value
        if service is not None:
            has_service = SearchEntryItem.services.contains(service.value)
            condition = has_service if condition is None else condition & has_service
        # Unfiltered, nearly every entry read is shown: read one page of limit + 1. Words
        # checked in Python drop most entries: read in larger pages.
        narrow = limit + 1 if condition is None else QUERY_PAGE
        if query.phrase is not None and mode in ("", "p"):
            page = self._read(
                query.phrase, query.matches_phrase, condition, narrow, limit, position
            )
            if page.items or mode == "p":
                return _marked("p", page)
        size = narrow if len(query.words) == 1 else QUERY_PAGE
        page = self._read(query.lead, query.matches, condition, size, limit, position)
        return _marked("w", page)

    @staticmethod
    def _read(
        prefix: str,
        matches: Callable[[frozenset[str]], bool],
        condition: Any,
        page_size: int,
        limit: int,
        position: str,
    ) -> Page[AccountSummary]:
        """Entries whose term starts with ``prefix``. An account with several such terms is
        shown at the first only, so no result repeats across pages."""
        found = SearchEntryItem.query(
            keys.search_pk(shard_of(prefix)),
            SearchEntryItem.sk.startswith(prefix),
            filter_condition=condition,
            last_evaluated_key=pages.decode(position or None),
            page_size=page_size,
        )

        def keep(item: SearchEntryItem) -> bool:
            terms = frozenset(str(t) for t in item.terms)
            first = min(t for t in terms if t.startswith(prefix))
            return item.sk.rsplit("#", 1)[0] == first and matches(terms)

        return _fill(
            iter(found),
            limit,
            keep=keep,
            summary=lambda item: mapping.summary_of(item.summary),
            key=lambda item: pages.key_of(PK=item.pk, SK=item.sk),
        )

    def of_property(self, property_id: str) -> Sequence[AccountSummary]:
        return self._links(keys.property_pk(property_id))

    def of_customer(self, customer_id: str) -> Sequence[AccountSummary]:
        return self._links(keys.customer_pk(customer_id))

    def on_route(self, route: str) -> Iterator[AccountSummary]:
        links = AccountLinkItem.query(
            keys.route_pk(route), AccountLinkItem.sk.startswith(keys.LINK_PREFIX)
        )
        return (mapping.summary_of(link.summary) for link in links)

    @staticmethod
    def _links(pk: str) -> list[AccountSummary]:
        links = AccountLinkItem.query(pk, AccountLinkItem.sk.startswith(keys.LINK_PREFIX))
        summaries = [mapping.summary_of(link.summary) for link in links]
        return sorted(summaries, key=lambda s: s.account_number)
