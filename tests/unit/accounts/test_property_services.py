"""RegisterProperty and ReviseProperty: unique roll numbers, versions, accounts that follow."""

from __future__ import annotations

from decimal import Decimal

import pytest

from civiq.accounts.adapters.memory import InMemoryProperties, InMemoryStore
from civiq.accounts.domain.accounts import Account, HolderRole
from civiq.accounts.domain.properties import Property, PropertyType
from civiq.accounts.services.customers import RegisterCustomer
from civiq.accounts.services.open_account import OpenAccount
from civiq.accounts.services.properties import RegisterProperty, ReviseProperty
from civiq.core.addresses import GeoPoint
from civiq.core.errors import Conflict, InvalidInput, NotFound, VersionConflict
from civiq.core.events import Actor
from civiq.core.fakes import RecordingPublisher
from tests.helpers.builders import (
    NOW,
    ROLL,
    ROLL_19,
    address,
    command,
    edits_of,
    new_customer,
    new_property,
    shared_meters,
)

OTHER_ROLL = "0614-000-123-99999"


def test_register_property_records_it(
    register_property: RegisterProperty,
    actor: Actor,
    store: InMemoryStore,
    properties: InMemoryProperties,
    publisher: RecordingPublisher,
) -> None:
    new = new_property(
        roll_number=ROLL,
        units=("1", "2"),
        meters=shared_meters(**{"1": "0.4", "2": "0.6"}),
        location=GeoPoint(Decimal("45.4215"), Decimal("-75.6972")),
        property_type=PropertyType.SEMI_DETACHED,
    )
    prop = register_property(new, actor, "c")
    assert properties.get(prop.property_id) == prop
    assert properties.get_by_roll_number(ROLL_19) == prop
    assert (prop.roll_number, prop.created_at, prop.version) == (ROLL_19, NOW, 1)
    assert prop.owner_customer_id is None
    [change] = store.commits
    [entry] = change.history
    assert (entry.action, entry.subject_id) == (
        "PropertyRegistered",
        f"PROPERTY#{prop.property_id}",
    )
    assert entry.detail["changes"]["meters.shares.1"] == {"before": None, "after": "0.4"}
    assert publisher.published == []


def test_register_property_with_a_known_owner(
    register_property: RegisterProperty, register_customer: RegisterCustomer, actor: Actor
) -> None:
    owner = register_customer(new_customer(), actor, "c")
    prop = register_property(new_property(owner_customer_id=owner.customer_id), actor, "c")
    assert prop.owner_customer_id == owner.customer_id


def test_register_property_with_an_unknown_owner_is_not_found(
    register_property: RegisterProperty, actor: Actor, store: InMemoryStore
) -> None:
    with pytest.raises(NotFound) as error:
        register_property(new_property(owner_customer_id="NOPE"), actor, "c")
    assert error.value.field == "owner_customer_id"
    assert store.commits == []


@pytest.mark.parametrize("typed", [ROLL, ROLL_19, "0614 000 123 45678 0000"])
def test_a_roll_number_belongs_to_one_property(
    register_property: RegisterProperty,
    actor: Actor,
    store: InMemoryStore,
    typed: str,
) -> None:
    register_property(new_property(roll_number=ROLL), actor, "c")
    with pytest.raises(Conflict, match="belongs to another property") as error:
        register_property(
            new_property(address_=address(street="9 Elm St"), roll_number=typed), actor, "c"
        )
    assert error.value.field == "roll_number"
    assert len(store.commits) == 1


def test_properties_without_roll_numbers_do_not_collide(
    register_property: RegisterProperty, actor: Actor, store: InMemoryStore
) -> None:
    register_property(new_property(), actor, "c")
    register_property(new_property(address_=address(street="9 Elm St")), actor, "c")
    assert len(store.commits) == 2


def test_the_store_itself_refuses_a_taken_roll_number(
    register_property: RegisterProperty, actor: Actor, store: InMemoryStore, recorder: object
) -> None:
    """The early check is a courtesy; the commit's claim decides (two clerks at once)."""
    from civiq.accounts.services.recording import Recorder, Step

    assert isinstance(recorder, Recorder)
    first = register_property(new_property(roll_number=ROLL), actor, "c")
    twin = Property("TWIN", address(street="9 Elm St"), ROLL, PropertyType.COMMERCIAL, NOW)
    with pytest.raises(Conflict) as error:
        store.commit(recorder.change([Step(twin, "PropertyRegistered")], actor, "c"))
    assert error.value.field == "roll_number"
    assert InMemoryProperties(store).get_by_roll_number(ROLL_19) == first


# --- revising -------------------------------------------------------------------------------------


@pytest.fixture
def duplex(register_property: RegisterProperty, actor: Actor) -> Property:
    return register_property(new_property(roll_number=ROLL, units=("1", "2")), actor, "c")


@pytest.fixture
def accounts_in_duplex(
    open_account: OpenAccount, duplex: Property, actor: Actor
) -> tuple[Account, Account]:
    """The first owner's account records them as owner of record: the duplex is at version 2."""
    owner = open_account(command(property_=duplex.property_id, unit="1"), actor, "c")
    tenant = open_account(
        command(
            new_customer("Marc Roy"),
            duplex.property_id,
            holder_role=HolderRole.TENANT,
            unit="2",
        ),
        actor,
        "c",
    )
    return owner, tenant


def test_revise_property_records_before_and_after(
    revise_property: ReviseProperty,
    duplex: Property,
    actor: Actor,
    store: InMemoryStore,
) -> None:
    edits = edits_of(
        new_property(roll_number=ROLL, units=("1", "2")), property_type=PropertyType.TOWNHOUSE
    )
    after = revise_property(duplex.property_id, 1, edits, actor, "c")
    assert (after.property_type, after.version) == (PropertyType.TOWNHOUSE, 2)
    [entry] = store.commits[-1].history
    assert entry.action == "PropertyRevised"
    assert entry.detail["changes"] == {
        "property_type": {"before": "single-family", "after": "townhouse"}
    }


def test_revise_property_with_a_stale_version_is_refused(
    revise_property: ReviseProperty,
    duplex: Property,
    actor: Actor,
    store: InMemoryStore,
    properties: InMemoryProperties,
) -> None:
    edits = edits_of(new_property(roll_number=ROLL, units=("1", "2")))
    revise_property(duplex.property_id, 1, edits, actor, "c")
    commits = len(store.commits)
    with pytest.raises(VersionConflict) as error:
        revise_property(duplex.property_id, 1, edits_of(new_property()), actor, "c")
    assert error.value.current_version == 2
    assert len(store.commits) == commits
    assert properties.get(duplex.property_id).units == ("1", "2")


def test_revise_property_to_a_roll_number_of_another_property_is_a_conflict(
    revise_property: ReviseProperty,
    register_property: RegisterProperty,
    duplex: Property,
    actor: Actor,
    store: InMemoryStore,
) -> None:
    other = register_property(
        new_property(address_=address(street="9 Elm St"), roll_number=OTHER_ROLL), actor, "c"
    )
    commits = len(store.commits)
    with pytest.raises(Conflict) as error:
        revise_property(other.property_id, 1, edits_of(new_property(roll_number=ROLL)), actor, "c")
    assert error.value.field == "roll_number"
    assert len(store.commits) == commits


def test_revise_property_keeping_its_own_roll_number_is_fine(
    revise_property: ReviseProperty, duplex: Property, actor: Actor
) -> None:
    edits = edits_of(new_property(roll_number=ROLL_19, units=("1", "2", "3")))
    assert revise_property(duplex.property_id, 1, edits, actor, "c").units == ("1", "2", "3")


def test_revise_an_unknown_property_is_not_found(
    revise_property: ReviseProperty, actor: Actor
) -> None:
    with pytest.raises(NotFound):
        revise_property("NOPE", 1, edits_of(new_property()), actor, "c")


def test_accounts_follow_the_corrected_address_and_roll_number(
    revise_property: ReviseProperty,
    duplex: Property,
    accounts_in_duplex: tuple[Account, Account],
    actor: Actor,
    store: InMemoryStore,
) -> None:
    corrected = address(street="102 Main St", postal_code="K1P 5J9")
    edits = edits_of(new_property(address_=corrected, roll_number=OTHER_ROLL, units=("1", "2")))
    commits = len(store.commits)
    revise_property(duplex.property_id, 2, edits, actor, "c-fix")
    for opened in accounts_in_duplex:
        account = store.get(opened.account_id)
        assert account.service_address == corrected.with_unit(opened.service_address.unit)
        assert account.roll_number == "0614000123999990000"
        assert account.version == opened.version + 1
    actions = [e.action for c in store.commits[commits:] for e in c.history]
    assert actions == ["PropertyRevised", "PropertyDetailsRefreshed", "PropertyDetailsRefreshed"]


def test_accounts_are_untouched_when_what_they_show_did_not_change(
    revise_property: ReviseProperty,
    duplex: Property,
    accounts_in_duplex: tuple[Account, Account],
    actor: Actor,
    store: InMemoryStore,
) -> None:
    edits = edits_of(
        new_property(roll_number=ROLL, units=("1", "2")), property_type=PropertyType.TOWNHOUSE
    )
    revise_property(duplex.property_id, 2, edits, actor, "c")
    for opened in accounts_in_duplex:
        assert store.get(opened.account_id) == opened


def test_a_unit_with_an_account_cannot_be_removed(
    revise_property: ReviseProperty,
    duplex: Property,
    accounts_in_duplex: tuple[Account, Account],
    actor: Actor,
    store: InMemoryStore,
) -> None:
    commits = len(store.commits)
    with pytest.raises(InvalidInput, match="unit must be one of 1, 3") as error:
        revise_property(
            duplex.property_id,
            2,
            edits_of(new_property(roll_number=ROLL, units=("1", "3"))),
            actor,
            "c",
        )
    assert error.value.field == "units"
    assert len(store.commits) == commits


def test_an_invalid_revision_is_refused_by_the_domain(
    revise_property: ReviseProperty, duplex: Property, actor: Actor
) -> None:
    bad = edits_of(
        new_property(roll_number=ROLL, units=("1", "2")),
        meters=shared_meters(**{"1": "0.5", "3": "0.5"}),
    )
    with pytest.raises(InvalidInput) as error:
        revise_property(duplex.property_id, 1, bad, actor, "c")
    assert error.value.field == "meters.shares"
