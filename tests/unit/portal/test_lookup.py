"""Looking an account up: the second factor's form, what is shown before more is proved, the
throttle's waits, and the lookup itself (one answer for a wrong number and a wrong code)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from civiq.accounts.domain.account_numbers import AccountNumberScheme
from civiq.core.addresses import Address
from civiq.core.audit import AuditEntry
from civiq.core.errors import InvalidInput
from civiq.core.fakes import FixedClock
from civiq.core.ids import DeterministicIds
from civiq.portal.adapters.memory import MemoryLookupAttempts
from civiq.portal.domain.lookup import (
    LookupMatched,
    LookupRefused,
    LookupThrottled,
    compact_postal_code,
    masked_address,
)
from civiq.portal.domain.throttle import Attempts, Backoff
from civiq.portal.services.look_up_account import LookUpAccount, LookupPolicy
from tests.helpers.stores import memory_stores

NOW = datetime(2026, 11, 5, 15, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("typed", "compact"),
    [("k1a 0b1", "K1A0B1"), ("J8X-3G8", "J8X3G8"), (" h0h0h0 ", "H0H0H0")],
)
def test_a_postal_code_is_read_however_it_is_typed(typed: str, compact: str) -> None:
    assert compact_postal_code(typed) == compact


@pytest.mark.parametrize("typed", ["", "123456", "K1A 0B", "D1A 0B1", "W1A 0B1", "K1A 0B1 X"])
def test_what_cannot_be_a_canadian_postal_code_is_refused(typed: str) -> None:
    assert compact_postal_code(typed) is None


def test_the_address_is_masked_but_recognisable() -> None:
    home = Address("1234 Maple Street", "Gatineau", "QC", "J8X 3G8", unit="12")
    shown = masked_address(home)
    assert shown == "1•-1••• Maple Street, Gatineau J8X •••"
    assert "1234" not in shown and "3G8" not in shown


def test_waits_start_after_the_free_tries_and_double_up_to_a_ceiling() -> None:
    backoff = Backoff(3, timedelta(seconds=30), timedelta(minutes=10))
    assert backoff.wait(Attempts(2, NOW), NOW) == timedelta(0)
    assert backoff.wait(Attempts(3, NOW), NOW) == timedelta(seconds=30)
    assert backoff.wait(Attempts(4, NOW), NOW) == timedelta(seconds=60)
    assert backoff.wait(Attempts(4, NOW), NOW + timedelta(seconds=45)) == timedelta(seconds=15)
    assert backoff.wait(Attempts(40, NOW), NOW) == timedelta(minutes=10)
    assert backoff.wait(Attempts(4, NOW), NOW + timedelta(minutes=2)) == timedelta(0)


class History:
    def __init__(self) -> None:
        self.entries: list[AuditEntry] = []

    def record(self, entry: AuditEntry) -> bool:
        self.entries.append(entry)
        return True


World = tuple[LookUpAccount, Any, MemoryLookupAttempts, "History", str, list[float]]


@pytest.fixture
def world() -> World:
    stores = memory_stores()
    account = stores.open("Élise Tremblay", "17 Rue Laval")  # Gatineau J8X 3G8
    attempts = MemoryLookupAttempts()
    history = History()
    pauses: list[float] = []
    policy = LookupPolicy(
        per_number=Backoff(3, timedelta(seconds=30), timedelta(hours=1)),
        per_client=Backoff(10, timedelta(seconds=30), timedelta(hours=1)),
    )
    look_up = LookUpAccount(
        stores.accounts,
        attempts,
        history,
        AccountNumberScheme(),
        policy,
        FixedClock(NOW),
        DeterministicIds("L"),
        pauses.append,
    )
    return look_up, stores.accounts, attempts, history, account.account_number, pauses


def test_the_number_and_postal_code_find_the_account_and_the_lookup_is_kept(world: World) -> None:
    look_up, accounts, _, history, number, _ = world
    found = look_up(number, "j8x 3g8", "203.0.113.9", "corr")
    assert found == LookupMatched(accounts.get_by_number(number).account_id)
    (entry,) = history.entries
    assert (entry.action, entry.actor_subject) == ("PortalLookup", "resident")


def test_a_wrong_number_and_a_wrong_code_are_one_answer_counted_alike(world: World) -> None:
    look_up, _, attempts, _, number, _ = world
    other = AccountNumberScheme().number_for(777)
    assert look_up(other, "J8X 3G8", "203.0.113.9", "c") == LookupRefused()
    assert look_up(number, "K1A 0B1", "203.0.113.9", "c") == LookupRefused()
    assert attempts.counted["client#203.0.113.9"].failures == 2
    assert attempts.counted[f"number#{other}"].failures == 1
    assert attempts.counted[f"number#{number}"].failures == 1


def test_after_the_free_tries_even_the_right_code_waits(world: World) -> None:
    look_up, _, _, history, number, _ = world
    for _ in range(3):
        look_up(number, "K1A 0B1", "203.0.113.9", "c")
    throttled = look_up(number, "J8X 3G8", "198.51.100.7", "c")  # another address: still the number
    assert throttled == LookupThrottled(timedelta(seconds=30))
    assert history.entries == []


def test_a_success_forgets_the_numbers_wrong_tries_but_not_the_clients(world: World) -> None:
    look_up, _, attempts, _, number, _ = world
    look_up(number, "K1A 0B1", "203.0.113.9", "c")
    assert isinstance(look_up(number, "J8X 3G8", "203.0.113.9", "c"), LookupMatched)
    assert f"number#{number}" not in attempts.counted
    assert attempts.counted["client#203.0.113.9"].failures == 1


def test_malformed_entries_are_refused_naming_each_field_and_not_counted(world: World) -> None:
    look_up, _, attempts, _, _, _ = world
    with pytest.raises(InvalidInput) as refused:
        look_up("UB-0000042-9", "12345", "203.0.113.9", "c")
    assert {e.field for e in refused.value.errors} == {"account_number", "postal_code"}
    assert attempts.counted == {}


def test_a_refusal_takes_the_same_time_whichever_was_wrong(world: World) -> None:
    """The clock stands still here: each refusal waits the whole refusal time, a match none."""
    look_up, _, _, _, number, pauses = world
    look_up(AccountNumberScheme().number_for(777), "J8X 3G8", "203.0.113.9", "c")
    look_up(number, "K1A 0B1", "203.0.113.9", "c")
    look_up(number, "J8X 3G8", "203.0.113.9", "c")
    assert pauses == [0.25, 0.25]
