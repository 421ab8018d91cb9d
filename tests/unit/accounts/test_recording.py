"""Recorder: one atomic Change with a history entry per step, events sharing the entries' ids;
and the in-memory store's commit rules the services rely on (atomic, idempotent, versioned)."""

from __future__ import annotations

import pytest

from civiq.accounts.adapters.memory import InMemoryStore
from civiq.accounts.domain.customers import ContactDetails, Customer, CustomerKind, Preferences
from civiq.accounts.domain.properties import Property, PropertyType
from civiq.accounts.services.recording import Recorder, Step
from civiq.core.errors import Conflict, NotFound, VersionConflict
from civiq.core.history import subject_of
from civiq.core.language import Language
from tests.helpers.builders import CLERK, NOW, ROLL, account, address


def customer(customer_id: str = "C1") -> Customer:
    return Customer(
        customer_id, CustomerKind.PERSON, "Élise", Preferences(Language.FR), NOW, ContactDetails()
    )


def prop(property_id: str = "P1", roll: str | None = ROLL) -> Property:
    return Property(property_id, address(), roll, PropertyType.SINGLE_FAMILY, NOW)


def test_subject_of_each_entity() -> None:
    assert subject_of(account()) == "ACCOUNT#A1"
    assert subject_of(customer()) == "CUSTOMER#C1"
    assert subject_of(prop()) == "PROPERTY#P1"


def test_a_change_has_one_history_entry_per_step_and_events_share_their_ids(
    recorder: Recorder,
) -> None:
    before = account()
    after = before.revised(autopay=True)
    change = recorder.change(
        [
            Step(customer(), "CustomerRegistered"),
            Step(after, "AccountSettingsChanged", before, ("SettingsChanged", {"autopay": True})),
        ],
        CLERK,
        "corr",
    )
    assert list(change.created) == [customer()]
    assert list(change.revised) == [(before, after)]
    first, second = change.history
    assert change.token == first.entry_id
    assert first.entry_id != second.entry_id
    assert (first.subject_id, first.action) == ("CUSTOMER#C1", "CustomerRegistered")
    assert second.detail == {
        "version": 2,
        "changes": {"autopay": {"before": False, "after": True}},
    }
    [event] = change.events
    assert event.event_id == second.entry_id
    assert (event.event_type, event.subject_id, event.detail) == (
        "SettingsChanged",
        "ACCOUNT#A1",
        {"autopay": True},
    )
    assert (event.occurred_at, event.actor, event.correlation_id) == (NOW, CLERK, "corr")


def test_a_retried_commit_is_a_no_op(store: InMemoryStore, recorder: Recorder) -> None:
    change = recorder.change([Step(customer(), "CustomerRegistered")], CLERK, "c")
    store.commit(change)
    store.commit(change)
    assert len(store.commits) == 1


def test_a_failing_commit_writes_nothing(store: InMemoryStore, recorder: Recorder) -> None:
    store.commit(recorder.change([Step(prop(), "PropertyRegistered")], CLERK, "c"))
    entities, history = dict(store.entities), dict(store.history)
    twin = prop("P2")  # same roll number
    change = recorder.change(
        [Step(customer(), "CustomerRegistered"), Step(twin, "PropertyRegistered")], CLERK, "c"
    )
    with pytest.raises(Conflict) as error:
        store.commit(change)
    assert error.value.field == "roll_number"
    assert (store.entities, store.history, len(store.commits)) == (entities, history, 1)


def test_creating_an_existing_entity_is_a_conflict(
    store: InMemoryStore, recorder: Recorder
) -> None:
    store.commit(recorder.change([Step(customer(), "CustomerRegistered")], CLERK, "c"))
    with pytest.raises(Conflict):
        store.commit(recorder.change([Step(customer(), "CustomerRegistered")], CLERK, "c"))


def test_revising_checks_the_stored_version(store: InMemoryStore, recorder: Recorder) -> None:
    original = customer()
    store.commit(recorder.change([Step(original, "CustomerRegistered")], CLERK, "c"))
    first = original.revised(name="Élise Côté")
    store.commit(recorder.change([Step(first, "CustomerRevised", original)], CLERK, "c"))
    late = original.revised(name="Élise Roy")
    with pytest.raises(VersionConflict) as error:
        store.commit(recorder.change([Step(late, "CustomerRevised", original)], CLERK, "c"))
    assert error.value.current_version == 2
    assert store.entities["CUSTOMER#C1"] == first


def test_revising_a_missing_entity_is_not_found(store: InMemoryStore, recorder: Recorder) -> None:
    ghost = customer("GHOST")
    with pytest.raises(NotFound):
        store.commit(recorder.change([Step(ghost.revised(), "CustomerRevised", ghost)], CLERK, "c"))
