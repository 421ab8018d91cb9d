"""ChangeAccount: services, settings, agents and closing; each atomic, versioned and recorded."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest

from civiq.accounts.adapters.memory import InMemoryStore
from civiq.accounts.domain.accounts import (
    Account,
    AccountStatus,
    Agent,
    AgentScope,
    Service,
    ServiceStatus,
    ServiceType,
)
from civiq.accounts.schemas.events import AccountClosedV1, AccountServicesChangedV1, ServiceStateV1
from civiq.accounts.services.change_account import ChangeAccount
from civiq.accounts.services.open_account import OpenAccount
from civiq.accounts.services.recording import Recorder, Step
from civiq.core.errors import Conflict, InvalidInput, NotFound, VersionConflict
from civiq.core.events import Actor
from civiq.core.fakes import FixedClock, RecordingPublisher
from civiq.event_catalog import checked_envelope, payload_of
from tests.helpers.builders import SUPERVISOR, TODAY, command, services

DAY = timedelta(days=1)
WATER, SEWER, WASTE = ServiceType.WATER, ServiceType.SEWER, ServiceType.WASTE


class Snapshot:
    """What the store and the bus held at one moment, to show that nothing was written."""

    def __init__(self, store: InMemoryStore, publisher: RecordingPublisher) -> None:
        self.state = (dict(store.entities), dict(store.history), len(store.commits))
        self.published = list(publisher.published)
        self.store, self.publisher = store, publisher

    def unchanged(self) -> bool:
        now = (dict(self.store.entities), dict(self.store.history), len(self.store.commits))
        return now == self.state and self.publisher.published == self.published


@pytest.fixture
def snapshot(opened: Account, store: InMemoryStore, publisher: RecordingPublisher) -> Snapshot:
    return Snapshot(store, publisher)


def final_billed(
    store: InMemoryStore, recorder: Recorder, account: Account, actor: Actor
) -> Account:
    """Move the account out directly in the store (the move-out use case is tested elsewhere)."""
    moved = account.moved_out(TODAY)
    store.commit(recorder.change([Step(moved, "MovedOut", account)], actor, "move"))
    return moved


def agent_of(
    name: str = "Luc Tremblay", scope: AgentScope = AgentScope.PAY, to: date | None = None
) -> Callable[[str], Agent]:
    """What the API hands to add_agent: builds the agent with the id the service gives it."""
    return lambda agent_id: Agent(agent_id, name, scope, TODAY, to)


# --- services -------------------------------------------------------------------------------------


def test_services_are_replaced_in_a_new_version(
    change_account: ChangeAccount, opened: Account, actor: Actor, store: InMemoryStore
) -> None:
    new = (Service(WASTE, TODAY + DAY), Service(WATER, TODAY, ServiceStatus.SUSPENDED))
    after = change_account.services(opened.account_id, 1, new, actor, "c")
    assert after.services == (new[1], new[0])
    assert after.version == 2
    assert store.get(opened.account_id) == after
    entry = store.commits[-1].history[0]
    assert entry.action == "AccountServicesChanged"
    assert entry.subject_id == f"ACCOUNT#{opened.account_id}"
    assert entry.detail["version"] == 2
    assert set(entry.detail["changes"]) == {"services"}
    assert len(entry.detail["changes"]["services"]["before"]) == 4


def test_services_changed_event_has_the_schema_payload(
    change_account: ChangeAccount,
    opened: Account,
    actor: Actor,
    publisher: RecordingPublisher,
    store: InMemoryStore,
) -> None:
    ended = Service(SEWER, TODAY, ServiceStatus.CLOSED, TODAY + DAY)
    change_account.services(opened.account_id, 1, (Service(WATER, TODAY), ended), actor, "c-9")
    event = publisher.published[-1]
    assert event.event_type == "AccountServicesChanged"
    assert (event.correlation_id, event.subject_id) == ("c-9", f"ACCOUNT#{opened.account_id}")
    assert event.event_id == store.commits[-1].history[0].entry_id
    assert payload_of(checked_envelope(event)) == AccountServicesChangedV1(
        account_id=opened.account_id,
        account_number=opened.account_number,
        services=[
            ServiceStateV1(
                service_type=WATER, status=ServiceStatus.ACTIVE, start_date=TODAY, end_date=None
            ),
            ServiceStateV1(
                service_type=SEWER,
                status=ServiceStatus.CLOSED,
                start_date=TODAY,
                end_date=TODAY + DAY,
            ),
        ],
    )
    assert store.outbox == {}


def test_a_duplicate_service_is_refused_and_nothing_is_written(
    change_account: ChangeAccount, opened: Account, actor: Actor, snapshot: Snapshot
) -> None:
    with pytest.raises(InvalidInput, match="listed twice") as error:
        change_account.services(
            opened.account_id, 1, (Service(WATER, TODAY), Service(WATER, TODAY)), actor, "c"
        )
    assert error.value.field == "services.1.service_type"
    assert snapshot.unchanged()


def test_services_of_a_final_billed_account_are_a_conflict(
    change_account: ChangeAccount,
    opened: Account,
    actor: Actor,
    store: InMemoryStore,
    recorder: Recorder,
) -> None:
    moved = final_billed(store, recorder, opened, actor)
    commits = len(store.commits)
    with pytest.raises(Conflict, match="final-billed"):
        change_account.services(
            opened.account_id, moved.version, (Service(WATER, TODAY),), actor, "c"
        )
    assert len(store.commits) == commits


def test_a_pending_account_whose_services_now_start_today_becomes_active(
    open_account: OpenAccount, change_account: ChangeAccount, actor: Actor
) -> None:
    later = command(services=services(WATER, start=TODAY + 30 * DAY))
    pending = open_account(later, actor, "c")
    assert pending.status is AccountStatus.PENDING
    after = change_account.services(pending.account_id, 1, services(WATER), actor, "c")
    assert after.status is AccountStatus.ACTIVE


# --- optimistic locking ---------------------------------------------------------------------------


@pytest.mark.parametrize("stale", [0, 2, 99])
def test_a_version_other_than_the_current_one_is_refused(
    change_account: ChangeAccount, opened: Account, actor: Actor, snapshot: Snapshot, stale: int
) -> None:
    with pytest.raises(VersionConflict) as error:
        change_account.settings(
            opened.account_id, stale, actor, "c", autopay=True, landlord_copies=False
        )
    assert error.value.current_version == 1
    assert error.value.field == "version"
    assert error.value.code == "version_conflict"
    assert snapshot.unchanged()


def test_of_two_clerks_editing_the_same_version_the_second_reloads(
    change_account: ChangeAccount,
    opened: Account,
    actor: Actor,
    store: InMemoryStore,
    publisher: RecordingPublisher,
) -> None:
    change_account.services(opened.account_id, 1, (Service(WATER, TODAY),), actor, "first")
    published = list(publisher.published)
    with pytest.raises(VersionConflict) as error:
        change_account.services(opened.account_id, 1, (Service(SEWER, TODAY),), actor, "second")
    assert error.value.current_version == 2
    assert store.get(opened.account_id).active_services() == (WATER,)
    assert publisher.published == published


def test_a_change_committed_between_read_and_write_is_a_version_conflict(
    change_account: ChangeAccount,
    opened: Account,
    actor: Actor,
    store: InMemoryStore,
    recorder: Recorder,
    publisher: RecordingPublisher,
) -> None:
    """The commit checks the version again: the early check cannot see a concurrent writer."""

    def edit_raced_by_another_clerk(account: Account) -> Account:
        other = account.revised(autopay=True)
        store.commit(recorder.change([Step(other, "AccountSettingsChanged", account)], actor, "x"))
        return account.with_services((Service(WASTE, TODAY),))

    published = list(publisher.published)
    with pytest.raises(VersionConflict) as error:
        change_account.apply(
            opened.account_id, 1, edit_raced_by_another_clerk, "AccountServicesChanged", actor, "c"
        )
    assert error.value.current_version == 2
    kept = store.get(opened.account_id)
    assert (kept.autopay, kept.active_services()) == (True, opened.active_services())
    assert publisher.published == published


def test_an_unknown_account_is_not_found(change_account: ChangeAccount, actor: Actor) -> None:
    with pytest.raises(NotFound):
        change_account.settings("NOPE", 1, actor, "c", autopay=True, landlord_copies=False)


# --- settings -------------------------------------------------------------------------------------


def test_settings_change_autopay_with_history_and_no_event(
    change_account: ChangeAccount,
    opened: Account,
    actor: Actor,
    store: InMemoryStore,
    publisher: RecordingPublisher,
) -> None:
    published = list(publisher.published)
    after = change_account.settings(
        opened.account_id, 1, actor, "c", autopay=True, landlord_copies=False
    )
    assert (after.autopay, after.version) == (True, 2)
    [entry] = store.commits[-1].history
    assert entry.action == "AccountSettingsChanged"
    assert entry.detail["changes"] == {"autopay": {"before": False, "after": True}}
    assert store.commits[-1].events == []
    assert publisher.published == published


def test_an_owner_account_never_gets_landlord_copies(
    change_account: ChangeAccount, opened: Account, actor: Actor
) -> None:
    after = change_account.settings(
        opened.account_id, 1, actor, "c", autopay=False, landlord_copies=True
    )
    assert after.landlord_copies is False


# --- agents ---------------------------------------------------------------------------------------


def test_add_agent_gives_it_an_id_and_records_it(
    change_account: ChangeAccount, opened: Account, actor: Actor, store: InMemoryStore
) -> None:
    after = change_account.add_agent(opened.account_id, 1, agent_of(), actor, "c")
    [agent] = after.agents
    assert agent.name == "Luc Tremblay"
    assert agent.agent_id not in {opened.account_id, opened.property_id}
    assert agent.may(AgentScope.PAY, TODAY) and not agent.may(AgentScope.FULL, TODAY)
    [entry] = store.commits[-1].history
    assert entry.action == "AgentAuthorized"
    assert entry.detail["changes"]["agents"]["after"][0]["agent_id"] == agent.agent_id
    second = change_account.add_agent(opened.account_id, 2, agent_of("Ana"), actor, "c")
    assert [a.name for a in second.agents] == ["Luc Tremblay", "Ana"]
    assert len({a.agent_id for a in second.agents}) == 2


def test_an_invalid_agent_is_refused_and_nothing_is_written(
    change_account: ChangeAccount, opened: Account, actor: Actor, snapshot: Snapshot
) -> None:
    with pytest.raises(InvalidInput, match="valid_to") as error:
        change_account.add_agent(opened.account_id, 1, agent_of(to=TODAY - DAY), actor, "c")
    assert error.value.field == "valid_to"
    assert snapshot.unchanged()


def test_revoke_agent_removes_only_that_agent(
    change_account: ChangeAccount, opened: Account, actor: Actor, store: InMemoryStore
) -> None:
    one = change_account.add_agent(opened.account_id, 1, agent_of("Luc"), actor, "c")
    two = change_account.add_agent(opened.account_id, 2, agent_of("Ana"), actor, "c")
    luc = one.agents[0].agent_id
    after = change_account.revoke_agent(opened.account_id, two.version, luc, actor, "c")
    assert [a.name for a in after.agents] == ["Ana"]
    assert store.commits[-1].history[0].action == "AgentRevoked"


def test_revoking_an_unknown_agent_is_not_found(
    change_account: ChangeAccount, opened: Account, actor: Actor, snapshot: Snapshot
) -> None:
    with pytest.raises(NotFound) as error:
        change_account.revoke_agent(opened.account_id, 1, "NOBODY", actor, "c")
    assert error.value.field == "agent_id"
    assert snapshot.unchanged()


def test_revoke_with_a_stale_version_is_refused(
    change_account: ChangeAccount, opened: Account, actor: Actor, store: InMemoryStore
) -> None:
    one = change_account.add_agent(opened.account_id, 1, agent_of(), actor, "c")
    with pytest.raises(VersionConflict) as error:
        change_account.revoke_agent(opened.account_id, 1, one.agents[0].agent_id, actor, "c")
    assert error.value.current_version == 2
    assert store.get(opened.account_id).agents == one.agents


# --- closing --------------------------------------------------------------------------------------


def test_close_a_final_billed_account_announces_it(
    change_account: ChangeAccount,
    opened: Account,
    store: InMemoryStore,
    recorder: Recorder,
    publisher: RecordingPublisher,
    clock: FixedClock,
    actor: Actor,
) -> None:
    moved = final_billed(store, recorder, opened, actor)
    clock.advance(days=30)
    closed = change_account.close(opened.account_id, moved.version, SUPERVISOR, "c-close")
    assert (closed.status, closed.closed_at) == (AccountStatus.CLOSED, clock.now())
    assert store.get(opened.account_id) == closed
    event = publisher.published[-1]
    assert (event.event_type, event.actor) == ("AccountClosed", SUPERVISOR)
    assert payload_of(checked_envelope(event)) == AccountClosedV1(
        account_id=opened.account_id,
        account_number=opened.account_number,
        property_id=opened.property_id,
        closed_at=clock.now(),
        status=AccountStatus.CLOSED,
    )
    [entry] = store.commits[-1].history
    assert (entry.action, entry.actor_subject) == ("AccountClosed", SUPERVISOR.subject)
    assert entry.detail["changes"]["status"] == {"before": "final-billed", "after": "closed"}


def test_closing_an_active_account_is_a_conflict(
    change_account: ChangeAccount, opened: Account, snapshot: Snapshot
) -> None:
    with pytest.raises(Conflict, match="only a final-billed account can close"):
        change_account.close(opened.account_id, 1, SUPERVISOR, "c")
    assert snapshot.unchanged()


def test_closing_twice_is_a_conflict(
    change_account: ChangeAccount,
    opened: Account,
    store: InMemoryStore,
    recorder: Recorder,
    actor: Actor,
) -> None:
    moved = final_billed(store, recorder, opened, actor)
    closed = change_account.close(opened.account_id, moved.version, SUPERVISOR, "c")
    with pytest.raises(Conflict):
        change_account.close(opened.account_id, closed.version, SUPERVISOR, "c")


def test_a_closed_account_s_agents_are_frozen(
    change_account: ChangeAccount,
    opened: Account,
    store: InMemoryStore,
    recorder: Recorder,
    actor: Actor,
) -> None:
    moved = final_billed(store, recorder, opened, actor)
    closed = change_account.close(opened.account_id, moved.version, SUPERVISOR, "c")
    with pytest.raises(Conflict, match="closed"):
        change_account.add_agent(opened.account_id, closed.version, agent_of(), actor, "c")
