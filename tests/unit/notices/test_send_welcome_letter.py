"""SendWelcomeLetter: rendered in the account's language, stored under a deterministic key."""

from __future__ import annotations

from datetime import date

import pytest

from civiq.accounts.adapters.memory import InMemoryCustomers, InMemoryStore
from civiq.accounts.domain.account_numbers import AccountNumberScheme
from civiq.accounts.domain.accounts import HolderRole
from civiq.accounts.services.customers import ReviseCustomer
from civiq.accounts.services.open_account import OpenAccount
from civiq.core.errors import NotFound
from civiq.core.events import Actor
from civiq.core.fakes import FakeRenderer, InMemoryDocuments
from civiq.core.language import Language
from civiq.core.letterhead import Letterhead
from civiq.notices.services.welcome_letters import (
    SendWelcomeLetter,
    WelcomeLetters,
    owner_copy_key,
    welcome_letter_key,
)
from tests.helpers.builders import command, new_customer, new_property


@pytest.fixture
def renderer() -> FakeRenderer:
    return FakeRenderer()


@pytest.fixture
def documents() -> InMemoryDocuments:
    return InMemoryDocuments()


@pytest.fixture
def send(
    store: InMemoryStore,
    renderer: FakeRenderer,
    documents: InMemoryDocuments,
    numbering: AccountNumberScheme,
) -> SendWelcomeLetter:
    return SendWelcomeLetter(
        accounts=store,
        customers=InMemoryCustomers(store),
        renderer=renderer,
        documents=documents,
        numbering=numbering,
        letterhead=Letterhead("Ville de Sainte-Anne"),
        portal_url="https://portal.example.ca/lookup",
    )


def test_welcome_letter_key_is_deterministic() -> None:
    assert welcome_letter_key("ID00000001") == "letters/welcome/ID00000001.pdf"


@pytest.mark.parametrize("language", list(Language))
def test_renders_the_welcome_letter_in_the_account_language(
    send: SendWelcomeLetter,
    open_account: OpenAccount,
    actor: Actor,
    renderer: FakeRenderer,
    language: Language,
) -> None:
    unit_2 = new_property(units=("12", "14"))
    account = open_account(
        command(new_customer(language=language), unit_2, unit="12"), actor, "corr"
    )
    send(account.account_id)
    assert renderer.calls == [
        (
            "welcome_letter",
            language,
            {
                "account_number_display": "UB-0000001-8",
                "customer_name": "Élise Tremblay",
                "recipient_name": "Élise Tremblay",
                "copy_to_owner": False,
                "service_address": "12-100 Main St, Ottawa ON K1P 1J1",
                "opened_on": date(2026, 11, 26),
                "municipality_name": "Ville de Sainte-Anne",
                "letterhead": Letterhead("Ville de Sainte-Anne"),
                "portal_url": "https://portal.example.ca/lookup",
            },
        )
    ]


def test_stores_the_pdf_under_its_key_with_metadata(
    send: SendWelcomeLetter,
    open_account: OpenAccount,
    actor: Actor,
    documents: InMemoryDocuments,
) -> None:
    account = open_account(command(new_customer(language=Language.FR)), actor, "corr")
    key = send(account.account_id).key
    assert key == f"letters/welcome/{account.account_id}.pdf"
    assert documents.objects == {
        key: (
            b"%PDF-1.7 fake welcome_letter fr",
            {"account-id": account.account_id, "language": "fr"},
        )
    }


def test_a_retry_overwrites_the_same_object(
    send: SendWelcomeLetter,
    open_account: OpenAccount,
    actor: Actor,
    documents: InMemoryDocuments,
) -> None:
    account = open_account(command(), actor, "corr")
    assert send(account.account_id) == send(account.account_id)
    assert list(documents.objects) == [welcome_letter_key(account.account_id)]


def test_unknown_account_is_not_found_and_nothing_is_rendered(
    send: SendWelcomeLetter, renderer: FakeRenderer, documents: InMemoryDocuments
) -> None:
    with pytest.raises(NotFound):
        send("ID99999999")
    assert renderer.calls == []
    assert documents.objects == {}


def test_the_letter_follows_the_holder_s_current_name_and_language(
    send: SendWelcomeLetter,
    open_account: OpenAccount,
    revise_customer: ReviseCustomer,
    actor: Actor,
    renderer: FakeRenderer,
) -> None:
    """The holder snapshot on the account is refreshed when the customer changes."""
    account = open_account(command(new_customer(language=Language.FR)), actor, "corr")
    customer_id = account.holder.customer_id
    revised = revise_customer(customer_id, 1, actor, "corr", name="Élise Côté")
    preferences = type(revised.preferences)(Language.EN)
    revise_customer(customer_id, 2, actor, "corr", preferences=preferences)
    send(account.account_id)
    [(_, language, context)] = renderer.calls
    assert language is Language.EN
    assert context["customer_name"] == "Élise Côté"


def test_a_tenant_account_with_landlord_copies_sends_the_owner_a_copy_in_their_language(
    send: SendWelcomeLetter,
    open_account: OpenAccount,
    actor: Actor,
    renderer: FakeRenderer,
    documents: InMemoryDocuments,
) -> None:
    owner = open_account(command(new_customer(name="Paul Owner", language=Language.EN)), actor, "c")
    tenant = open_account(
        command(
            new_customer(name="Zoé Gauthier", language=Language.FR),
            owner.property_id,
            holder_role=HolderRole.TENANT,
            landlord_copies=True,
        ),
        actor,
        "c",
    )
    letters = send(tenant.account_id)
    assert letters == WelcomeLetters(
        welcome_letter_key(tenant.account_id), owner_copy_key(tenant.account_id)
    )
    (_, holder_language, holder_context), (_, owner_language, owner_context) = renderer.calls
    assert (holder_language, holder_context["recipient_name"]) == (Language.FR, "Zoé Gauthier")
    assert holder_context["copy_to_owner"] is False
    assert (owner_language, owner_context["recipient_name"]) == (Language.EN, "Paul Owner")
    assert owner_context["copy_to_owner"] is True
    assert owner_context["customer_name"] == "Zoé Gauthier"
    assert documents.objects[owner_copy_key(tenant.account_id)][1]["language"] == "en"


def test_no_copy_without_the_setting(
    send: SendWelcomeLetter, open_account: OpenAccount, actor: Actor, renderer: FakeRenderer
) -> None:
    owner = open_account(command(new_customer(name="Paul Owner")), actor, "c")
    tenant = open_account(
        command(
            new_customer(name="Zoé Gauthier"), owner.property_id, holder_role=HolderRole.TENANT
        ),
        actor,
        "c",
    )
    assert send(tenant.account_id).owner_copy_key is None
    assert len(renderer.calls) == 1
