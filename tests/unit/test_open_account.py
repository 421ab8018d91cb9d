"""OpenAccount: numbers, storage, the AccountOpened event and its outbox, manual numbers."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

import pytest

from civiq.adapters.memory import FixedClock, InMemoryAccounts, RecordingPublisher
from civiq.domain.accounts import AccountStatus
from civiq.domain.errors import Conflict, InvalidInput
from civiq.domain.events import Actor
from civiq.domain.language import Language
from civiq.schemas.events import AccountOpenedV1, EventEnvelope
from civiq.services.open_account import OpenAccount, OpenAccountCommand
from civiq.services.publish_events import RelayOutbox

MakeCommand = Callable[..., OpenAccountCommand]


def test_accounts_get_sequential_check_digited_numbers(
    open_account: OpenAccount, make_command: MakeCommand, actor: Actor
) -> None:
    numbers = [open_account(make_command(), actor, "corr").account_number for _ in range(3)]
    assert numbers == ["UB00000018", "UB00000026", "UB00000034"]


def test_account_is_stored_with_the_command_and_who_opened_it(
    open_account: OpenAccount,
    make_command: MakeCommand,
    actor: Actor,
    accounts: InMemoryAccounts,
    clock: FixedClock,
) -> None:
    command = make_command()
    account = open_account(command, actor, "corr-1")
    assert accounts.accounts == {"ID00000001": account}
    assert account.account_id == "ID00000001"
    assert account.customer == command.customer
    assert account.address == command.address
    assert account.language is Language.FR
    assert account.autopay is True
    assert account.opened_at == clock.now()
    assert account.opened_by == "clerk-1"
    assert account.status is AccountStatus.ACTIVE
    assert account.version == 1
    assert account.welcome_letter_key is None


def test_account_opened_event_is_published_and_outbox_cleared(
    open_account: OpenAccount,
    make_command: MakeCommand,
    actor: Actor,
    accounts: InMemoryAccounts,
    publisher: RecordingPublisher,
    clock: FixedClock,
) -> None:
    account = open_account(make_command(), actor, "corr-1")
    [event] = publisher.published
    assert event.event_id == "ID00000002"
    assert event.event_type == "AccountOpened"
    assert event.version == 1
    assert event.occurred_at == clock.now()
    assert event.actor == actor
    assert event.correlation_id == "corr-1"
    assert event.subject_id == f"ACCOUNT#{account.account_id}"
    assert accounts.outbox == {}


def test_account_opened_payload_matches_its_schema(
    open_account: OpenAccount,
    make_command: MakeCommand,
    actor: Actor,
    publisher: RecordingPublisher,
) -> None:
    account = open_account(make_command(), actor, "corr-1")
    [event] = publisher.published
    assert EventEnvelope.of(event).payload() == AccountOpenedV1(
        account_id=account.account_id,
        account_number="UB00000018",
        customer_name="Élise Tremblay",
        language=Language.FR,
        service_address="12-100 Main St, Ottawa ON K1P 1J1",
    )


def test_publish_failure_still_opens_the_account_and_keeps_the_event(
    open_account: OpenAccount,
    make_command: MakeCommand,
    actor: Actor,
    accounts: InMemoryAccounts,
    publisher: RecordingPublisher,
    caplog: pytest.LogCaptureFixture,
) -> None:
    publisher.fail = True
    with caplog.at_level(logging.ERROR, logger="civiq"):
        account = open_account(make_command(), actor, "corr-1")
    assert accounts.accounts == {account.account_id: account}
    assert list(accounts.outbox) == ["ID00000002"]
    assert publisher.published == []
    assert "outbox relay will retry" in caplog.text


def test_relay_publishes_a_stranded_event_only_after_the_grace_period(
    open_account: OpenAccount,
    make_command: MakeCommand,
    actor: Actor,
    accounts: InMemoryAccounts,
    publisher: RecordingPublisher,
    clock: FixedClock,
) -> None:
    publisher.fail = True
    open_account(make_command(), actor, "corr-1")
    [stranded] = accounts.outbox.values()
    publisher.fail = False
    relay = RelayOutbox(accounts, publisher, clock, grace=timedelta(minutes=2))

    assert relay() == 0
    clock.advance(seconds=120)
    assert relay() == 0  # exactly the grace period is not yet "longer than"
    assert publisher.published == []
    assert accounts.outbox == {"ID00000002": stranded}

    clock.advance(seconds=1)
    assert relay() == 1
    assert publisher.published == [stranded]
    assert accounts.outbox == {}
    assert relay() == 0
    assert publisher.published == [stranded]


def test_manual_account_number_is_normalised_and_does_not_use_the_sequence(
    open_account: OpenAccount, make_command: MakeCommand, actor: Actor
) -> None:
    manual = open_account(make_command(account_number=" ub-0000042-2 "), actor, "corr")
    generated = open_account(make_command(), actor, "corr")
    assert manual.account_number == "UB00000422"
    assert generated.account_number == "UB00000018"


@pytest.mark.parametrize("typed", ["UB-0000042-7", "UB-42", "XY00000018"])
def test_invalid_manual_account_number_is_refused_before_anything_is_stored(
    open_account: OpenAccount,
    make_command: MakeCommand,
    actor: Actor,
    accounts: InMemoryAccounts,
    publisher: RecordingPublisher,
    typed: str,
) -> None:
    with pytest.raises(InvalidInput) as error:
        open_account(make_command(account_number=typed), actor, "corr")
    assert error.value.field == "account_number"
    assert accounts.accounts == {}
    assert accounts.outbox == {}
    assert publisher.published == []


@pytest.mark.parametrize("typed", ["UB00000018", "ub-0000001-8"])
def test_duplicate_manual_account_number_is_a_conflict(
    open_account: OpenAccount,
    make_command: MakeCommand,
    actor: Actor,
    accounts: InMemoryAccounts,
    publisher: RecordingPublisher,
    typed: str,
) -> None:
    first = open_account(make_command(), actor, "corr")
    with pytest.raises(Conflict) as error:
        open_account(make_command(account_number=typed), actor, "corr")
    assert error.value.field == "account_number"
    assert list(accounts.accounts.values()) == [first]
    assert len(publisher.published) == 1


def test_duplicate_typed_with_non_ascii_digits_is_not_opened(
    open_account: OpenAccount, make_command: MakeCommand, actor: Actor
) -> None:
    open_account(make_command(), actor, "corr")  # UB00000018
    fullwidth = "UB-\uff10\uff10\uff10\uff10\uff10\uff10\uff11-\uff18"
    with pytest.raises((Conflict, InvalidInput)):
        open_account(make_command(account_number=fullwidth), actor, "corr")
