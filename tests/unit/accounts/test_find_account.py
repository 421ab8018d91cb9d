"""FindAccount: a ULID-shaped string is an id; anything else is read as an account number."""

from __future__ import annotations

import pytest

from civiq.accounts.domain.accounts import Account
from civiq.accounts.services.find_account import FindAccount
from civiq.accounts.services.open_account import OpenAccount
from civiq.core.errors import InvalidInput, NotFound
from civiq.core.events import Actor
from civiq.core.fakes import SequentialIds
from tests.helpers.builders import address, command, new_property

ULID_PREFIX = "01JDXAMPLE00000000"  # + 8 digits from SequentialIds = 26 characters


@pytest.fixture
def ids() -> SequentialIds:
    return SequentialIds(prefix=ULID_PREFIX)


@pytest.fixture
def account(open_account: OpenAccount, actor: Actor) -> Account:
    return open_account(command(), actor, "corr")


@pytest.fixture
def find(find_account: FindAccount) -> FindAccount:
    return find_account


def test_account_ids_are_ulid_shaped_here(account: Account) -> None:
    assert len(account.account_id) == 26


def test_finds_by_id(find: FindAccount, account: Account) -> None:
    assert find(account.account_id) == account


@pytest.mark.parametrize("typed", ["UB00000018", "UB-0000001-8", "ub 0000001 8", " UB-0000001-8 "])
def test_finds_by_account_number_as_typed(find: FindAccount, account: Account, typed: str) -> None:
    assert find(typed) == account


def test_finds_each_account_among_several(
    find: FindAccount, account: Account, open_account: OpenAccount, actor: Actor
) -> None:
    other = open_account(
        command(property_=new_property(address_=address(street="9 Elm St"))), actor, "c"
    )
    assert other.account_number == "UB00000026"
    assert find("UB-0000002-6") == other
    assert find(other.account_id) == other
    assert find("UB-0000001-8") == account


def test_unknown_id_is_not_found(find: FindAccount, account: Account) -> None:
    with pytest.raises(NotFound) as error:
        find("01JDXAMPLE0000000000000099")
    assert error.value.field == "id"


def test_unknown_but_valid_account_number_is_not_found(find: FindAccount, account: Account) -> None:
    with pytest.raises(NotFound):
        find("UB-0000002-6")


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "hello",
        "UB-0000001-9",  # wrong check digit
        "01jdxample0000000000000001",  # lower-case id is read as a number
        "01JDXAMPLE00000000000000-1",  # 26 characters but not alphanumeric
    ],
)
def test_neither_an_id_nor_a_valid_number_is_invalid_input_on_id(
    find: FindAccount, account: Account, typed: str
) -> None:
    with pytest.raises(InvalidInput) as error:
        find(typed)
    assert error.value.field == "id"
    assert error.value.message == "id must be an account id or a valid account number"
