"""One contract, two implementations: the in-memory fakes and DynamoDB must behave alike."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import boto3
import pytest

from civiq.accounts.domain.accounts import AccountStatus, HolderRole, Service, ServiceType
from civiq.accounts.domain.customers import CustomerKind, Preferences
from civiq.accounts.domain.search import SearchQuery
from civiq.accounts.services.customers import NewCustomer
from civiq.core.errors import Conflict, NotFound, VersionConflict
from civiq.core.language import Language
from tests.helpers.emulator import REGION, TABLE
from tests.helpers.stores import NUMBERS, START, Stores, dynamodb_stores


def test_an_opened_account_and_its_customer_and_property_read_back(stores: Stores) -> None:
    account = stores.open("Chloé Côté", "5 Rue Laval", roll="0614000111222220000")
    assert stores.accounts.get(account.account_id) == account
    assert stores.accounts.get_by_number(account.account_number) == account
    prop = stores.properties.get(account.property_id)
    assert prop.owner_customer_id == account.holder.customer_id
    assert stores.properties.get_by_roll_number("0614000111222220000") == prop
    customer = stores.customers.get(account.holder.customer_id)
    assert customer.name == "Chloé Côté"
    assert [s.account_id for s in stores.accounts.of_property(prop.property_id)] == [
        account.account_id
    ]
    assert [s.account_id for s in stores.accounts.of_customer(customer.customer_id)] == [
        account.account_id
    ]


def test_unknown_records_are_not_found(stores: Stores) -> None:
    for lookup in (
        lambda: stores.accounts.get("Z" * 26),
        lambda: stores.accounts.get_by_number("UB00000026"),
        lambda: stores.properties.get("Z" * 26),
        lambda: stores.properties.get_by_roll_number("0614000111222220000"),
        lambda: stores.customers.get("Z" * 26),
    ):
        with pytest.raises(NotFound):
            lookup()


def test_a_taken_account_number_writes_nothing(stores: Stores) -> None:
    first = stores.open("Chloé Côté", "5 Rue Laval", account_number="UB00000018")
    with pytest.raises(Conflict) as error:
        stores.open("Liam Brown", "7 Rue Laval", account_number="UB00000018")
    assert error.value.field == "account_number"
    later = START + timedelta(days=1)
    pending = stores.outbox.pending(later, 10)
    assert [e.subject_id for e in pending] == [f"ACCOUNT#{first.account_id}"]
    assert [
        s.holder_name
        for s in stores.accounts.search(SearchQuery.parse("brown"), None, None, 10, None).items
    ] == []


def test_roll_numbers_belong_to_one_property_and_are_released_on_change(stores: Stores) -> None:
    account = stores.open("Chloé Côté", "5 Rue Laval", roll="0614000111222220000")
    with pytest.raises(Conflict) as error:
        stores.open("Liam Brown", "7 Rue Laval", roll="0614000111222220000")
    assert error.value.field == "property.roll_number"
    other = stores.open("Liam Brown", "7 Rue Laval").property_id
    taken = stores.properties.get(other)
    with pytest.raises(Conflict) as claimed:  # the adapter's own claim, past any pre-check
        stores.revise(taken, taken.revised(roll_number="0614000111222220000"))
    assert claimed.value.field == "roll_number"
    prop = stores.properties.get(account.property_id)
    stores.revise(prop, prop.revised(roll_number="0614000111333330000"))
    assert (
        stores.properties.get_by_roll_number("0614000111333330000").property_id == prop.property_id
    )
    with pytest.raises(NotFound):
        stores.properties.get_by_roll_number("0614000111222220000")
    third = stores.open("Léo Roy", "9 Rue Laval", roll="0614000111222220000")
    assert third.roll_number == "0614000111222220000"


def test_a_stale_version_is_refused_with_the_current_one(stores: Stores) -> None:
    account = stores.open("Chloé Côté", "5 Rue Laval")
    stores.revise(account, account.revised(autopay=True))
    with pytest.raises(VersionConflict) as error:
        stores.revise(account, account.revised(landlord_copies=False, autopay=False))
    assert error.value.current_version == 2
    assert stores.accounts.get(account.account_id).autopay is True


def test_lists_page_in_number_order_and_filter_by_service(stores: Stores) -> None:
    opened = [stores.open(f"Name {i}", f"{i} Rue Laval") for i in range(3)]
    water_only = opened[1].with_services([Service(ServiceType.WATER, date(2026, 11, 26))])
    stores.revise(opened[1], water_only)
    first = stores.accounts.list_by_status(AccountStatus.ACTIVE, None, 2, None)
    numbers = sorted(a.account_number for a in opened)
    assert [a.account_number for a in first.items] == numbers[:2]
    assert first.next_cursor
    second = stores.accounts.list_by_status(AccountStatus.ACTIVE, None, 2, first.next_cursor)
    assert [a.account_number for a in second.items] == numbers[2:]
    assert second.next_cursor is None
    waste = stores.accounts.list_by_status(AccountStatus.ACTIVE, ServiceType.WASTE, 10, None)
    assert {a.account_id for a in waste.items} == {opened[0].account_id, opened[2].account_id}
    assert not stores.accounts.list_by_status(AccountStatus.CLOSED, None, 2, None).items


def _found(stores: Stores, text: str, **filters: Any) -> list[str]:
    page = stores.accounts.search(
        SearchQuery.parse(text), filters.get("status"), filters.get("service"), 50, None
    )
    return sorted(s.holder_name for s in page.items)


def test_search_is_prefix_and_accent_insensitive(stores: Stores) -> None:
    stores.open("Chloé Côté", "5 Rue Laval", roll="0614000111222220000")
    stores.open("Claude Cotton", "12 Main Street")
    stores.open("Léo Bouchard", "40 Rue Laval")
    assert _found(stores, "cote") == ["Chloé Côté"]
    assert _found(stores, "CÔT") == ["Chloé Côté", "Claude Cotton"]
    assert _found(stores, "laval") == ["Chloé Côté", "Léo Bouchard"]
    assert _found(stores, "chlo laval") == ["Chloé Côté"]
    assert _found(stores, "0614-000-111") == ["Chloé Côté"]
    assert _found(stores, "J8X 3G8") == ["Chloé Côté", "Claude Cotton", "Léo Bouchard"]
    assert _found(stores, "zzz") == []


def test_search_reads_a_phrase_first_then_falls_back_to_words(stores: Stores) -> None:
    stores.open("Andrée Côté", "11 Lakeview Avenue", roll="0614000111222220000")
    stores.open("Andrée Gagnon", "110 Lakeview Avenue")
    stores.open("Marc Côté", "11 Rue Laval")
    assert _found(stores, "Andrée Côté") == ["Andrée Côté"]
    assert _found(stores, "cote andree") == ["Andrée Côté"]
    assert _found(stores, "11 Lakeview") == ["Andrée Côté"]
    assert _found(stores, "0614 000 111 22222 0000") == ["Andrée Côté"]
    assert _found(stores, "andree lakeview") == ["Andrée Côté", "Andrée Gagnon"]  # by words
    page = stores.accounts.search(SearchQuery.parse("11 lakeview"), None, None, 1, None)
    assert page.next_cursor is None


def test_phrase_results_page_without_repeats(stores: Stores) -> None:
    opened = {stores.open("Andrée Côté", f"{n} Rue Laval").account_id for n in (1, 2, 3)}
    query = SearchQuery.parse("andree cote")
    first = stores.accounts.search(query, None, None, 2, None)
    assert len(first.items) == 2 and first.next_cursor
    second = stores.accounts.search(query, None, None, 2, first.next_cursor)
    assert second.next_cursor is None
    assert {s.account_id for s in [*first.items, *second.items]} == opened


def test_search_finds_by_account_number_typed_any_way(stores: Stores) -> None:
    account = stores.open("Chloé Côté", "5 Rue Laval")
    display = NUMBERS.display(account.account_number)
    spaced = display.replace("-", " ")
    typed_ways = (
        account.account_number,
        display,
        display.lower(),
        spaced,
        account.account_number[2:6],
    )
    for typed in typed_ways:
        assert _found(stores, typed) == ["Chloé Côté"], typed


def test_search_filters_and_pages_without_repeats(stores: Stores) -> None:
    names = [f"Tremblay {chr(ord('a') + i)}x" for i in range(5)]
    opened = [stores.open(n, f"{i + 1} Rue Tremblay") for i, n in enumerate(names)]
    water_only = opened[0].with_services([Service(ServiceType.WATER, date(2026, 11, 26))])
    stores.revise(opened[0], water_only)
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        page = stores.accounts.search(SearchQuery.parse("trem"), None, None, 2, cursor)
        seen.extend(s.account_id for s in page.items)
        cursor = page.next_cursor
        if cursor is None:
            break
    assert sorted(seen) == sorted(a.account_id for a in opened)  # each once, though two terms match
    assert _found(stores, "trem", service=ServiceType.WASTE) == sorted(names[1:])
    assert _found(stores, "trem", status=AccountStatus.CLOSED) == []


def test_search_forgets_old_terms_after_a_change(stores: Stores) -> None:
    account = stores.open("Chloé Côté", "5 Rue Laval")
    renamed = replace(account.holder, name="Chloé Gagnon")
    stores.revise(account, account.with_holder(renamed))
    assert _found(stores, "cote") == []
    assert _found(stores, "gagnon") == ["Chloé Gagnon"]


def test_accounts_list_under_the_owner_of_record_too(stores: Stores) -> None:
    owner = stores.open("Landlord Inc", "99 Rue Laval")
    tenant = stores.open(
        "Zoé Gauthier",
        "unused",
        customer=NewCustomer(CustomerKind.PERSON, "Zoé Gauthier", Preferences(Language.FR)),
        property=owner.property_id,
        holder_role=HolderRole.TENANT,
    )
    assert tenant.owner_customer_id == owner.holder.customer_id
    listed = {s.account_id for s in stores.accounts.of_customer(owner.holder.customer_id)}
    assert listed == {owner.account_id, tenant.account_id}
    assert len(stores.accounts.of_property(owner.property_id)) == 2


def test_outbox_holds_events_until_published(stores: Stores) -> None:
    account = stores.open("Chloé Côté", "5 Rue Laval")
    assert stores.outbox.pending(START, 10) == []  # not older than the cut-off yet
    waiting = stores.outbox.pending(START + timedelta(minutes=5), 10)
    assert [e.event_type for e in waiting] == ["AccountOpened"]
    assert waiting[0].detail["account_id"] == account.account_id
    stores.outbox.mark_published(waiting)
    assert stores.outbox.pending(START + timedelta(minutes=5), 10) == []


def test_history_is_append_only_and_pages_oldest_first(stores: Stores) -> None:
    account = stores.open("Chloé Côté", "5 Rue Laval")
    stores.revise(account, account.revised(autopay=True), "AccountSettingsChanged")
    subject = f"ACCOUNT#{account.account_id}"
    first = stores.audit.entries_for(subject, 1, None)
    assert [e.action for e in first.items] == ["AccountOpened"]
    second = stores.audit.entries_for(subject, 1, first.next_cursor)
    assert [e.action for e in second.items] == ["AccountSettingsChanged"]
    assert second.items[0].detail["changes"] == {"autopay": {"before": False, "after": True}}
    assert second.items[0].detail["version"] == 2
    assert stores.audit.record(first.items[0]) is False  # a redelivered event


def test_a_revision_writes_only_what_changed(aws: None) -> None:
    """Attributes other writers own (the letter's key, the ledger's balance) survive an edit."""
    stores = dynamodb_stores()
    account = stores.open("Chloé Côté", "5 Rue Laval")
    table = boto3.client("dynamodb", region_name=REGION)
    key = {"PK": {"S": f"ACCOUNT#{account.account_id}"}, "SK": {"S": "ACCOUNT"}}
    table.update_item(
        TableName=TABLE,
        Key=key,
        UpdateExpression="SET welcome_letter_key = :letter, balance_cents = :owed",
        ExpressionAttributeValues={
            ":letter": {"S": "letters/welcome/x.pdf"},
            ":owed": {"N": "4250"},
        },
    )
    stores.revise(account, account.revised(autopay=True))
    item = table.get_item(TableName=TABLE, Key=key)["Item"]
    assert item["welcome_letter_key"] == {"S": "letters/welcome/x.pdf"}
    assert item["balance_cents"] == {"N": "4250"}
    assert item["autopay"] == {"BOOL": True} and item["version"] == {"N": "2"}
