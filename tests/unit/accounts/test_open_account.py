"""OpenAccount: customer, property and account in one atomic change, with history and an event."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from civiq.accounts.adapters.memory import InMemoryCustomers, InMemoryProperties, InMemoryStore
from civiq.accounts.domain.account_numbers import AccountNumberScheme
from civiq.accounts.domain.accounts import (
    Account,
    AccountStatus,
    Holder,
    HolderRole,
    Service,
    ServiceStatus,
    ServiceType,
)
from civiq.accounts.domain.customers import ContactMethod
from civiq.accounts.domain.properties import PropertyType
from civiq.accounts.schemas.events import AccountOpenedV1
from civiq.accounts.services.customers import RegisterCustomer
from civiq.accounts.services.open_account import OpenAccount
from civiq.accounts.services.properties import RegisterProperty
from civiq.core.errors import Conflict, InvalidInput, NotFound
from civiq.core.events import Actor
from civiq.core.fakes import RecordingPublisher
from civiq.core.language import Language
from civiq.event_catalog import checked_envelope, payload_of
from tests.helpers.builders import (
    NOW,
    ROLL,
    ROLL_19,
    TODAY,
    address,
    command,
    new_customer,
    new_property,
    services,
)

DAY = timedelta(days=1)


def assert_nothing_written(store: InMemoryStore, publisher: RecordingPublisher) -> None:
    assert store.entities == {}
    assert store.commits == []
    assert store.history == {}
    assert store.outbox == {}
    assert publisher.published == []


@pytest.fixture
def owner_id(register_customer: RegisterCustomer, actor: Actor) -> str:
    return register_customer(
        new_customer("Paul Owner", language=Language.EN), actor, "c"
    ).customer_id


@pytest.fixture
def owned_property(register_property: RegisterProperty, owner_id: str, actor: Actor) -> str:
    """A duplex at 200 Elm St whose owner of record is ``owner_id``."""
    new = new_property(
        address_=address(street="200 Elm St"), units=("1", "2"), owner_customer_id=owner_id
    )
    return register_property(new, actor, "c").property_id


# --- one atomic change ----------------------------------------------------------------------------


def test_new_customer_new_property_and_account_are_one_commit(
    open_account: OpenAccount,
    actor: Actor,
    store: InMemoryStore,
    customers: InMemoryCustomers,
    properties: InMemoryProperties,
) -> None:
    account = open_account(command(), actor, "corr-1")
    [change] = store.commits
    customer = customers.get(account.holder.customer_id)
    prop = properties.get(account.property_id)
    assert list(change.created) == [customer, prop, account]
    assert list(change.revised) == []
    assert store.get(account.account_id) == account
    assert prop.owner_customer_id == customer.customer_id == account.owner_customer_id
    assert prop.version == 1


def test_the_account_snapshots_its_holder_and_property(
    open_account: OpenAccount,
    actor: Actor,
    customers: InMemoryCustomers,
) -> None:
    new_prop = new_property(
        roll_number=ROLL, units=("A", "B"), property_type=PropertyType.TOWNHOUSE
    )
    account = open_account(command(property_=new_prop, unit="B", autopay=True), actor, "c")
    customer = customers.get(account.holder.customer_id)
    assert account.holder == Holder.of(customer)
    assert account.holder.phone == "+16135550100"
    assert account.language is Language.FR
    assert account.holder_role is HolderRole.OWNER
    assert account.service_address == address(unit="B")
    assert account.roll_number == ROLL_19
    assert account.account_number == "UB00000018"
    assert account.opened_at == NOW
    assert account.opened_by == actor.subject
    assert account.autopay is True
    assert account.landlord_copies is False
    assert account.agents == ()
    assert (account.status, account.version, account.closed_at) == (AccountStatus.ACTIVE, 1, None)
    assert account.welcome_letter_key is None


def test_history_entries_for_customer_property_and_account(
    open_account: OpenAccount, actor: Actor, store: InMemoryStore
) -> None:
    account = open_account(command(), actor, "corr-1")
    [change] = store.commits
    subjects = [
        f"CUSTOMER#{account.holder.customer_id}",
        f"PROPERTY#{account.property_id}",
        f"ACCOUNT#{account.account_id}",
    ]
    assert [(e.subject_id, e.action) for e in change.history] == list(
        zip(subjects, ["CustomerRegistered", "PropertyRegistered", "AccountOpened"], strict=True)
    )
    for entry in change.history:
        assert (entry.actor_subject, entry.actor_role) == (actor.subject, actor.role)
        assert (entry.occurred_at, entry.correlation_id) == (NOW, "corr-1")
        assert entry.detail["version"] == 1
        assert all(c["before"] is None for c in entry.detail["changes"].values())
        assert store.history[entry.entry_id] == entry
    customer_changes, property_changes, account_changes = (
        e.detail["changes"] for e in change.history
    )
    assert customer_changes["name"] == {"before": None, "after": "Élise Tremblay"}
    assert property_changes["owner_customer_id"] == {
        "before": None,
        "after": account.holder.customer_id,
    }
    assert account_changes["account_number"] == {"before": None, "after": "UB00000018"}


def test_exactly_one_account_opened_event_with_the_schema_payload(
    open_account: OpenAccount,
    actor: Actor,
    store: InMemoryStore,
    publisher: RecordingPublisher,
) -> None:
    account = open_account(command(property_=new_property(units=("1", "2")), unit="2"), actor, "c")
    [event] = publisher.published
    [change] = store.commits
    assert list(change.events) == [event]
    assert event.event_type == "AccountOpened"
    assert (event.version, event.occurred_at, event.actor, event.correlation_id) == (
        1,
        NOW,
        actor,
        "c",
    )
    assert event.subject_id == f"ACCOUNT#{account.account_id}"
    assert event.event_id == change.history[-1].entry_id  # the audit writer finds it written
    assert payload_of(checked_envelope(event)) == AccountOpenedV1(
        account_id=account.account_id,
        account_number="UB00000018",
        property_id=account.property_id,
        customer_id=account.holder.customer_id,
        customer_name="Élise Tremblay",
        holder_role=HolderRole.OWNER,
        language=Language.FR,
        service_address="2-100 Main St, Ottawa ON K1P 1J1",
        services=list(ServiceType),
    )
    assert store.outbox == {}


def test_publish_failure_still_opens_the_account_and_keeps_the_event(
    open_account: OpenAccount,
    actor: Actor,
    store: InMemoryStore,
    publisher: RecordingPublisher,
    caplog: pytest.LogCaptureFixture,
) -> None:
    publisher.fail = True
    with caplog.at_level(logging.ERROR, logger="civiq"):
        account = open_account(command(), actor, "c")
    assert store.get(account.account_id) == account
    [kept] = store.outbox.values()
    assert kept.subject_id == f"ACCOUNT#{account.account_id}"
    assert "outbox relay will retry" in caplog.text


# --- owners and tenants ---------------------------------------------------------------------------


def test_an_existing_customer_opening_at_an_unowned_property_becomes_its_owner(
    open_account: OpenAccount,
    register_customer: RegisterCustomer,
    register_property: RegisterProperty,
    actor: Actor,
    store: InMemoryStore,
    properties: InMemoryProperties,
) -> None:
    customer = register_customer(new_customer(), actor, "c")
    prop = register_property(new_property(), actor, "c")
    account = open_account(command(customer.customer_id, prop.property_id), actor, "c")
    change = store.commits[-1]
    owned = properties.get(prop.property_id)
    assert (owned.owner_customer_id, owned.version) == (customer.customer_id, 2)
    assert list(change.created) == [account]
    assert list(change.revised) == [(prop, owned)]
    assert [e.action for e in change.history] == ["PropertyOwnerRecorded", "AccountOpened"]
    assert change.history[0].detail["changes"] == {
        "owner_customer_id": {"before": None, "after": customer.customer_id}
    }


def test_a_new_customer_at_an_unowned_existing_property(
    open_account: OpenAccount,
    register_property: RegisterProperty,
    actor: Actor,
    store: InMemoryStore,
    properties: InMemoryProperties,
) -> None:
    prop = register_property(new_property(), actor, "c")
    account = open_account(command(property_=prop.property_id), actor, "c")
    change = store.commits[-1]
    assert [e.action for e in change.history] == [
        "CustomerRegistered",
        "PropertyOwnerRecorded",
        "AccountOpened",
    ]
    assert properties.get(prop.property_id).owner_customer_id == account.holder.customer_id


def test_a_tenant_account_names_the_property_owner(
    open_account: OpenAccount,
    actor: Actor,
    owner_id: str,
    owned_property: str,
    properties: InMemoryProperties,
) -> None:
    before = properties.get(owned_property)
    tenant = open_account(
        command(
            property_=owned_property,
            holder_role=HolderRole.TENANT,
            unit="1",
            landlord_copies=True,
        ),
        actor,
        "c",
    )
    assert tenant.owner_customer_id == owner_id
    assert tenant.holder.customer_id != owner_id
    assert tenant.landlord_copies is True
    assert properties.get(owned_property) == before  # the owner of record does not change


def test_the_owner_may_open_an_account_at_their_property(
    open_account: OpenAccount, actor: Actor, owner_id: str, owned_property: str
) -> None:
    account = open_account(command(owner_id, owned_property, unit="2"), actor, "c")
    assert account.owner_customer_id == owner_id
    assert account.service_address.unit == "2"


def test_a_tenant_account_at_a_property_without_owner_is_refused(
    open_account: OpenAccount,
    actor: Actor,
    store: InMemoryStore,
    publisher: RecordingPublisher,
) -> None:
    with pytest.raises(InvalidInput, match="no owner of record") as error:
        open_account(command(holder_role=HolderRole.TENANT), actor, "c")
    assert error.value.field == "holder_role"
    assert_nothing_written(store, publisher)


def test_an_owner_account_by_someone_else_than_the_owner_is_refused(
    open_account: OpenAccount,
    actor: Actor,
    owned_property: str,
    store: InMemoryStore,
    publisher: RecordingPublisher,
) -> None:
    commits = len(store.commits)
    with pytest.raises(InvalidInput, match="not the property's owner") as error:
        open_account(command(property_=owned_property, unit="1"), actor, "c")
    assert error.value.field == "holder_role"
    assert len(store.commits) == commits
    assert publisher.published == []


def test_the_owner_cannot_be_a_tenant_of_their_own_property(
    open_account: OpenAccount, actor: Actor, owner_id: str, owned_property: str
) -> None:
    with pytest.raises(InvalidInput, match="tenant cannot be the owner") as error:
        open_account(
            command(owner_id, owned_property, holder_role=HolderRole.TENANT, unit="1"), actor, "c"
        )
    assert error.value.field == "owner"


# --- units ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("units", "unit", "message"),
    [(("1", "2"), "3", "one of 1, 2"), (("1", "2"), None, "one of 1, 2"), ((), "1", "no units")],
    ids=["unknown-unit", "missing-unit", "house-with-unit"],
)
def test_the_unit_must_be_one_of_the_property_units(
    open_account: OpenAccount,
    actor: Actor,
    store: InMemoryStore,
    publisher: RecordingPublisher,
    units: tuple[str, ...],
    unit: str | None,
    message: str,
) -> None:
    with pytest.raises(InvalidInput, match=message) as error:
        open_account(command(property_=new_property(units=units), unit=unit), actor, "c")
    assert error.value.field == "unit"
    assert_nothing_written(store, publisher)


# --- account numbers ------------------------------------------------------------------------------


def test_generated_numbers_follow_the_sequence(open_account: OpenAccount, actor: Actor) -> None:
    numbers = [
        open_account(
            command(property_=new_property(address_=address(street=f"{n} Main St"))), actor, "c"
        ).account_number
        for n in (1, 2, 3)
    ]
    assert numbers == ["UB00000018", "UB00000026", "UB00000034"]


def test_a_manual_number_is_normalised_and_does_not_use_the_sequence(
    open_account: OpenAccount, actor: Actor
) -> None:
    manual = open_account(command(account_number=" ub-0000042-2 "), actor, "c")
    generated = open_account(command(), actor, "c")
    assert (manual.account_number, generated.account_number) == ("UB00000422", "UB00000018")


@pytest.mark.parametrize("typed", ["UB-0000042-7", "UB-42", "XY00000018", "UB-\uff10000042-2"])
def test_an_invalid_manual_number_is_refused_before_anything_is_written(
    open_account: OpenAccount,
    actor: Actor,
    store: InMemoryStore,
    publisher: RecordingPublisher,
    typed: str,
) -> None:
    with pytest.raises(InvalidInput) as error:
        open_account(command(account_number=typed), actor, "c")
    assert error.value.field == "account_number"
    assert_nothing_written(store, publisher)


@pytest.mark.parametrize("typed", ["UB00000018", "ub-0000001-8"])
def test_a_duplicate_manual_number_is_a_conflict_and_nothing_is_written(
    open_account: OpenAccount,
    actor: Actor,
    store: InMemoryStore,
    publisher: RecordingPublisher,
    typed: str,
) -> None:
    first = open_account(command(), actor, "c")
    entities, history = dict(store.entities), dict(store.history)
    with pytest.raises(Conflict, match="already in use") as error:
        open_account(command(account_number=typed), actor, "c")
    assert error.value.field == "account_number"
    assert store.entities == entities  # no second customer, property or account
    assert store.history == history
    assert len(store.commits) == 1
    assert [e.subject_id for e in publisher.published] == [f"ACCOUNT#{first.account_id}"]


def test_a_generated_number_skips_one_taken_by_hand(
    open_account: OpenAccount, actor: Actor, store: InMemoryStore
) -> None:
    open_account(command(account_number="UB-0000001-8"), actor, "c")
    generated = open_account(command(), actor, "c")
    assert generated.account_number == "UB00000026"
    assert [a.account_number for a in store.accounts()] == ["UB00000018", "UB00000026"]


def test_the_numbering_scheme_is_the_municipality_s(
    store: InMemoryStore,
    properties: InMemoryProperties,
    customers: InMemoryCustomers,
    open_account: OpenAccount,
    actor: Actor,
) -> None:
    from dataclasses import replace

    water = replace(open_account, numbering=AccountNumberScheme(prefix="WTR", width=5))
    assert water(command(), actor, "c").account_number == "WTR000018"


# --- services -------------------------------------------------------------------------------------


def test_default_services_are_all_four_from_the_clock_s_date(
    open_account: OpenAccount, actor: Actor
) -> None:
    account = open_account(command(), actor, "c")
    assert account.services == tuple(Service(kind, TODAY) for kind in ServiceType)
    assert account.status is AccountStatus.ACTIVE


def test_given_services_are_kept_in_canonical_order(
    open_account: OpenAccount, actor: Actor
) -> None:
    given = (
        Service(ServiceType.WASTE, TODAY - DAY),
        Service(ServiceType.WATER, TODAY, ServiceStatus.SUSPENDED),
    )
    account = open_account(command(services=given), actor, "c")
    assert account.services == (given[1], given[0])
    assert account.active_services() == (ServiceType.WASTE,)


def test_services_that_all_start_later_make_the_account_pending(
    open_account: OpenAccount, actor: Actor
) -> None:
    later = services(ServiceType.WATER, ServiceType.SEWER, start=TODAY + 7 * DAY)
    assert open_account(command(services=later), actor, "c").status is AccountStatus.PENDING


def test_one_service_starting_today_makes_the_account_active(
    open_account: OpenAccount, actor: Actor
) -> None:
    mixed = (Service(ServiceType.WATER, TODAY + 7 * DAY), Service(ServiceType.SEWER, TODAY))
    assert open_account(command(services=mixed), actor, "c").status is AccountStatus.ACTIVE


def test_a_duplicate_service_is_refused_with_its_index(
    open_account: OpenAccount,
    actor: Actor,
    store: InMemoryStore,
    publisher: RecordingPublisher,
) -> None:
    twice = services(ServiceType.WATER, ServiceType.SEWER, ServiceType.WATER)
    with pytest.raises(InvalidInput, match="listed twice") as error:
        open_account(command(services=twice), actor, "c")
    assert error.value.field == "services.2.service_type"
    assert_nothing_written(store, publisher)


# --- new customer and property validation ---------------------------------------------------------


def test_a_new_property_error_names_the_property_field(
    open_account: OpenAccount,
    actor: Actor,
    store: InMemoryStore,
    publisher: RecordingPublisher,
) -> None:
    with pytest.raises(InvalidInput) as error:
        open_account(command(property_=new_property(roll_number="123")), actor, "c")
    assert error.value.field == "property.roll_number"
    assert_nothing_written(store, publisher)


def test_a_new_customer_error_names_the_customer_field(
    open_account: OpenAccount,
    actor: Actor,
    store: InMemoryStore,
    publisher: RecordingPublisher,
) -> None:
    unreachable = new_customer(email=None, contact_method=ContactMethod.EMAIL)
    with pytest.raises(InvalidInput, match="email address is needed") as error:
        open_account(command(unreachable), actor, "c")
    assert error.value.field == "customer.contact.email"
    assert_nothing_written(store, publisher)


def test_a_roll_number_already_on_another_property_is_a_conflict(
    open_account: OpenAccount,
    actor: Actor,
    store: InMemoryStore,
    publisher: RecordingPublisher,
) -> None:
    open_account(command(property_=new_property(roll_number=ROLL)), actor, "c")
    entities = dict(store.entities)
    other = new_property(address_=address(street="9 Elm St"), roll_number=ROLL_19)
    with pytest.raises(Conflict, match="belongs to another property") as error:
        open_account(command(property_=other), actor, "c")
    assert error.value.field == "property.roll_number"
    assert store.entities == entities
    assert len(publisher.published) == 1


@pytest.mark.parametrize("missing", ["customer", "property"])
def test_an_unknown_customer_or_property_is_not_found(
    open_account: OpenAccount,
    actor: Actor,
    store: InMemoryStore,
    publisher: RecordingPublisher,
    missing: str,
) -> None:
    unknown = command(**{"customer" if missing == "customer" else "property_": "NOPE"})
    with pytest.raises(NotFound, match=f"no {missing} with id NOPE") as error:
        open_account(unknown, actor, "c")
    assert error.value.field == f"{missing}_id"  # as the request names it
    assert_nothing_written(store, publisher)


def test_opened_account_is_active_on_the_clock_s_date(opened: Account) -> None:
    assert opened.opened_at == NOW
    assert all(s.start_date == TODAY for s in opened.services)
