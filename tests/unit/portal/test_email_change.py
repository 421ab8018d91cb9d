"""A new email address, proved by a link: the link goes to the new address and changes nothing
by itself; confirmed in time by the same account, it changes the address once (every other
field kept); expired, altered or another account's, it changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from civiq.accounts.services.customers import ReviseCustomer
from civiq.accounts.services.refresh_accounts import RefreshAccounts
from civiq.core.errors import InvalidInput
from civiq.core.fakes import FixedClock
from civiq.core.language import Language
from civiq.platform.web import Signer
from civiq.portal.services.email_change import ChangeEmail
from tests.helpers.stores import Stores, memory_stores

NOW = datetime(2026, 11, 5, 15, 0, tzinfo=UTC)


class Mailbox:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, Language, str]] = []

    def send(self, to_address: str, to_name: str, language: Language, link: str) -> None:
        self.sent.append((to_address, to_name, language, link))


World = tuple[ChangeEmail, Stores, Mailbox, FixedClock, Any]


@pytest.fixture
def world() -> World:
    stores = memory_stores()
    account = stores.open("Élise Tremblay", "17 Rue Laval")
    revise = ReviseCustomer(
        stores.customers,
        stores.accounts,
        stores.changes,
        stores.recorder,
        RefreshAccounts(stores.accounts, stores.changes, stores.recorder),
    )
    clock, mailbox = FixedClock(NOW), Mailbox()
    change = ChangeEmail(
        stores.accounts,
        stores.customers,
        revise,
        Signer(b"k" * 32, "portal-email"),
        mailbox,
        clock,
        timedelta(minutes=60),
    )
    return change, stores, mailbox, clock, account


def token_of(mailbox: Mailbox) -> str:
    return mailbox.sent[-1][3].split("token=", 1)[1]


def test_the_link_goes_to_the_new_address_and_changes_nothing_by_itself(world: World) -> None:
    change, stores, mailbox, _, account = world
    before = stores.customers.get(account.holder.customer_id)
    assert change.ask(account.account_id, " elise@example.ca ", lambda t: f"/v?token={t}") == (
        "elise@example.ca"
    )
    ((to, name, language, _),) = mailbox.sent
    assert (to, name, language) == ("elise@example.ca", "Élise Tremblay", Language.FR)
    assert change.pending(account.account_id, token_of(mailbox)) == "elise@example.ca"
    assert stores.customers.get(account.holder.customer_id) == before


def test_confirmed_in_time_it_changes_the_address_once(world: World) -> None:
    change, stores, mailbox, clock, account = world
    before = stores.customers.get(account.holder.customer_id)
    change.ask(account.account_id, "elise@example.ca", lambda t: f"/v?token={t}")
    clock.advance(minutes=59)
    after = change.confirm(account.account_id, token_of(mailbox), "c1")
    again = change.confirm(account.account_id, token_of(mailbox), "c2")
    assert after.contact.email == "elise@example.ca" and again == after
    assert after.version == before.version + 1
    assert (after.name, after.preferences) == (before.name, before.preferences)


def test_an_expired_altered_or_other_accounts_link_changes_nothing(world: World) -> None:
    change, stores, mailbox, clock, account = world
    other = stores.open("Marc Roy", "19 Rue Laval")
    change.ask(account.account_id, "elise@example.ca", lambda t: f"/v?token={t}")
    token = token_of(mailbox)
    for account_id, sent in ((other.account_id, token), (account.account_id, token[:-3] + "abc")):
        with pytest.raises(InvalidInput) as refused:
            change.confirm(account_id, sent, "c")
        assert refused.value.field == "token"
    clock.advance(minutes=61)
    with pytest.raises(InvalidInput):
        change.confirm(account.account_id, token, "c")
    assert stores.customers.get(account.holder.customer_id).contact.email is None


def test_a_malformed_address_is_named_and_nothing_is_sent(world: World) -> None:
    change, _, mailbox, _, account = world
    with pytest.raises(InvalidInput) as refused:
        change.ask(account.account_id, "elise@", lambda t: t)
    assert refused.value.field == "email" and mailbox.sent == []
