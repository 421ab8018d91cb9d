"""SendWelcomeLetter: rendered in the account's language, stored under a deterministic key."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from civiq.adapters.memory import FakeRenderer, InMemoryAccounts, InMemoryDocuments
from civiq.domain.account_numbers import AccountNumberScheme
from civiq.domain.errors import NotFound
from civiq.domain.events import Actor
from civiq.domain.language import Language
from civiq.services.open_account import OpenAccount, OpenAccountCommand
from civiq.services.send_welcome_letter import SendWelcomeLetter, welcome_letter_key

MakeCommand = Callable[..., OpenAccountCommand]


@pytest.fixture
def renderer() -> FakeRenderer:
    return FakeRenderer()


@pytest.fixture
def documents() -> InMemoryDocuments:
    return InMemoryDocuments()


@pytest.fixture
def send(
    accounts: InMemoryAccounts,
    renderer: FakeRenderer,
    documents: InMemoryDocuments,
    numbering: AccountNumberScheme,
) -> SendWelcomeLetter:
    return SendWelcomeLetter(
        accounts=accounts,
        renderer=renderer,
        documents=documents,
        numbering=numbering,
        municipality_name="Ville de Sainte-Anne",
        portal_url="https://portal.example.ca/lookup",
    )


def test_welcome_letter_key_is_deterministic() -> None:
    assert welcome_letter_key("ID00000001") == "letters/welcome/ID00000001.pdf"


@pytest.mark.parametrize("language", list(Language))
def test_renders_the_welcome_letter_in_the_account_language(
    send: SendWelcomeLetter,
    open_account: OpenAccount,
    make_command: MakeCommand,
    actor: Actor,
    renderer: FakeRenderer,
    language: Language,
) -> None:
    account = open_account(make_command(language=language), actor, "corr")
    send(account.account_id)
    assert renderer.calls == [
        (
            "welcome_letter",
            language,
            {
                "account_number_display": "UB-0000001-8",
                "customer_name": "Élise Tremblay",
                "service_address": "12-100 Main St, Ottawa ON K1P 1J1",
                "opened_on": date(2026, 11, 26),
                "municipality_name": "Ville de Sainte-Anne",
                "portal_url": "https://portal.example.ca/lookup",
            },
        )
    ]


def test_stores_the_pdf_under_its_key_with_metadata(
    send: SendWelcomeLetter,
    open_account: OpenAccount,
    make_command: MakeCommand,
    actor: Actor,
    documents: InMemoryDocuments,
) -> None:
    account = open_account(make_command(language=Language.FR), actor, "corr")
    key = send(account.account_id)
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
    make_command: MakeCommand,
    actor: Actor,
    documents: InMemoryDocuments,
) -> None:
    account = open_account(make_command(), actor, "corr")
    assert send(account.account_id) == send(account.account_id)
    assert list(documents.objects) == [welcome_letter_key(account.account_id)]


def test_unknown_account_is_not_found_and_nothing_is_rendered(
    send: SendWelcomeLetter, renderer: FakeRenderer, documents: InMemoryDocuments
) -> None:
    with pytest.raises(NotFound):
        send("ID99999999")
    assert renderer.calls == []
    assert documents.objects == {}
