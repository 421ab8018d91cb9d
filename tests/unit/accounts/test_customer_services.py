"""RegisterCustomer and ReviseCustomer: the holder snapshot on every held account follows."""

from __future__ import annotations

from dataclasses import replace

import pytest

from civiq.accounts.adapters.memory import InMemoryCustomers, InMemoryStore
from civiq.accounts.domain.accounts import Account, Holder, HolderRole
from civiq.accounts.domain.customers import ContactDetails, ContactMethod, Customer, Preferences
from civiq.accounts.ports import Change
from civiq.accounts.services.customers import RegisterCustomer, ReviseCustomer
from civiq.accounts.services.open_account import OpenAccount
from civiq.accounts.services.recording import Recorder, Step
from civiq.accounts.services.refresh_accounts import RefreshAccounts
from civiq.core.errors import InvalidInput, NotFound, VersionConflict
from civiq.core.events import Actor
from civiq.core.fakes import RecordingPublisher
from civiq.core.language import Language
from tests.helpers.builders import NOW, TODAY, address, command, new_customer, new_property


@pytest.fixture
def elise(register_customer: RegisterCustomer, actor: Actor) -> Customer:
    return register_customer(new_customer(), actor, "c")


def test_register_customer_records_it(
    register_customer: RegisterCustomer,
    actor: Actor,
    store: InMemoryStore,
    customers: InMemoryCustomers,
    publisher: RecordingPublisher,
) -> None:
    customer = register_customer(new_customer(), actor, "corr-7")
    assert customers.get(customer.customer_id) == customer
    assert (customer.created_at, customer.version, customer.name) == (NOW, 1, "Élise Tremblay")
    assert customer.contact.phone == "+16135550100"
    [change] = store.commits
    assert list(change.created) == [customer]
    [entry] = change.history
    assert (entry.action, entry.subject_id) == (
        "CustomerRegistered",
        f"CUSTOMER#{customer.customer_id}",
    )
    assert entry.correlation_id == "corr-7"
    assert change.events == []
    assert publisher.published == []


def test_register_customer_refuses_unreachable_preferences(
    register_customer: RegisterCustomer, actor: Actor, store: InMemoryStore
) -> None:
    with pytest.raises(InvalidInput) as error:
        register_customer(new_customer(phone=None, contact_method=ContactMethod.SMS), actor, "c")
    assert error.value.field == "contact.phone"
    assert store.commits == []


def test_revise_customer_changes_only_what_is_given(
    revise_customer: ReviseCustomer, elise: Customer, actor: Actor, store: InMemoryStore
) -> None:
    after = revise_customer(elise.customer_id, 1, actor, "c", name="Élise Côté")
    assert (after.name, after.version) == ("Élise Côté", 2)
    assert (after.contact, after.preferences) == (elise.contact, elise.preferences)
    [entry] = store.commits[-1].history
    assert entry.action == "CustomerRevised"
    assert entry.detail == {
        "version": 2,
        "changes": {"name": {"before": "Élise Tremblay", "after": "Élise Côté"}},
    }


def test_revise_contact_normalises_the_phone(
    revise_customer: ReviseCustomer, elise: Customer, actor: Actor
) -> None:
    contact = ContactDetails("elise@ville.ca", "1 (819) 555-0142", address(street="PO Box 9"))
    after = revise_customer(elise.customer_id, 1, actor, "c", contact=contact)
    assert after.contact.phone == "+18195550142"
    assert after.contact.mailing_address == address(street="PO Box 9")


def test_revise_refuses_dropping_the_email_that_e_billing_needs(
    register_customer: RegisterCustomer,
    revise_customer: ReviseCustomer,
    actor: Actor,
    store: InMemoryStore,
) -> None:
    billed = register_customer(new_customer(ebilling=True), actor, "c")
    with pytest.raises(InvalidInput, match="email address is needed"):
        revise_customer(
            billed.customer_id, 1, actor, "c", contact=ContactDetails(phone="6135550100")
        )
    assert len(store.commits) == 1


def test_revise_with_a_stale_version_is_refused(
    revise_customer: ReviseCustomer, elise: Customer, actor: Actor, store: InMemoryStore
) -> None:
    revise_customer(elise.customer_id, 1, actor, "c", name="Élise Côté")
    commits = len(store.commits)
    with pytest.raises(VersionConflict) as error:
        revise_customer(elise.customer_id, 1, actor, "c", name="Élise Roy")
    assert error.value.current_version == 2
    assert len(store.commits) == commits


def test_revise_an_unknown_customer_is_not_found(
    revise_customer: ReviseCustomer, actor: Actor
) -> None:
    with pytest.raises(NotFound):
        revise_customer("NOPE", 1, actor, "c", name="X")


# --- holder snapshots -----------------------------------------------------------------------------


@pytest.fixture
def landlord_and_tenant(
    open_account: OpenAccount,
    actor: Actor,
    store: InMemoryStore,
) -> tuple[Account, Account, Account]:
    """Élise owns a duplex (account in unit 1) and a house; Marc rents unit 2 of the duplex."""
    duplex = open_account(command(property_=new_property(units=("1", "2")), unit="1"), actor, "c")
    elise_id = duplex.holder.customer_id
    house = open_account(
        command(elise_id, new_property(address_=address(street="9 Elm St"))), actor, "c"
    )
    rented = open_account(
        command(
            new_customer("Marc Roy", language=Language.EN, email="marc@example.ca"),
            duplex.property_id,
            holder_role=HolderRole.TENANT,
            unit="2",
        ),
        actor,
        "c",
    )
    return duplex, house, rented


def test_revising_a_customer_refreshes_every_account_they_hold(
    revise_customer: ReviseCustomer,
    landlord_and_tenant: tuple[Account, Account, Account],
    actor: Actor,
    store: InMemoryStore,
    customers: InMemoryCustomers,
) -> None:
    duplex, house, _ = landlord_and_tenant
    elise_id = duplex.holder.customer_id
    commits = len(store.commits)
    preferences = Preferences(Language.EN, ContactMethod.EMAIL)
    revise_customer(elise_id, 1, actor, "c-rev", name="Élise Côté", preferences=preferences)
    fresh = Holder.of(customers.get(elise_id))
    for opened in (duplex, house):
        account = store.get(opened.account_id)
        assert account.holder == fresh
        assert account.language is Language.EN
        assert account.version == opened.version + 1
    refreshes = [e for c in store.commits[commits:] for e in c.history]
    assert [e.action for e in refreshes] == [
        "CustomerRevised",
        "HolderDetailsRefreshed",
        "HolderDetailsRefreshed",
    ]
    assert {e.subject_id for e in refreshes[1:]} == {
        f"ACCOUNT#{duplex.account_id}",
        f"ACCOUNT#{house.account_id}",
    }
    for entry in refreshes[1:]:
        assert entry.correlation_id == "c-rev"
        assert entry.detail["changes"] == {
            "holder.language": {"before": "fr", "after": "en"},
            "holder.name": {"before": "Élise Tremblay", "after": "Élise Côté"},
        }


def test_an_owner_of_record_s_tenant_accounts_keep_the_tenant_as_holder(
    revise_customer: ReviseCustomer,
    landlord_and_tenant: tuple[Account, Account, Account],
    actor: Actor,
    store: InMemoryStore,
) -> None:
    duplex, _, rented = landlord_and_tenant
    assert rented.owner_customer_id == duplex.holder.customer_id
    revise_customer(duplex.holder.customer_id, 1, actor, "c", name="Élise Côté")
    assert store.get(rented.account_id) == rented  # untouched: same holder, same version


def test_a_change_that_the_snapshot_does_not_show_refreshes_nothing(
    revise_customer: ReviseCustomer,
    landlord_and_tenant: tuple[Account, Account, Account],
    actor: Actor,
    store: InMemoryStore,
    customers: InMemoryCustomers,
) -> None:
    duplex, house, _ = landlord_and_tenant
    elise = customers.get(duplex.holder.customer_id)
    ebilling = replace(elise.preferences, ebilling=True)
    commits = len(store.commits)
    revise_customer(elise.customer_id, 1, actor, "c", preferences=ebilling)
    assert len(store.commits) == commits + 1  # the customer only
    assert store.get(house.account_id) == house


def test_refresh_holder_again_changes_nothing(
    revise_customer: ReviseCustomer,
    landlord_and_tenant: tuple[Account, Account, Account],
    actor: Actor,
    store: InMemoryStore,
) -> None:
    duplex, _, _ = landlord_and_tenant
    after = revise_customer(duplex.holder.customer_id, 1, actor, "c", name="Élise Côté")
    commits = len(store.commits)
    assert revise_customer.refresh_holder(after, actor, "again") == 0
    assert len(store.commits) == commits


def test_a_closed_account_s_holder_is_refreshed_too(
    revise_customer: ReviseCustomer,
    opened: Account,
    actor: Actor,
    store: InMemoryStore,
    recorder: Recorder,
) -> None:
    closed = opened.moved_out(TODAY).closed(NOW)
    store.commit(recorder.change([Step(closed, "Closed", opened)], actor, "x"))
    revise_customer(opened.holder.customer_id, 1, actor, "c", name="Élise Côté")
    assert store.get(opened.account_id).holder.name == "Élise Côté"


class RacingChanges:
    """Changes that let another clerk edit the account just before the first refresh commit."""

    def __init__(self, store: InMemoryStore, recorder: Recorder, actor: Actor) -> None:
        self.store, self.recorder, self.actor = store, recorder, actor
        self.raced = False

    def commit(self, change: Change) -> None:
        if not self.raced and change.history[0].action == "HolderDetailsRefreshed":
            self.raced = True
            [(before, _)] = change.revised
            assert isinstance(before, Account)
            other = before.revised(autopay=True)
            self.store.commit(
                self.recorder.change(
                    [Step(other, "AccountSettingsChanged", before)], self.actor, "x"
                )
            )
        self.store.commit(change)


def test_a_refresh_retries_after_a_concurrent_edit(
    opened: Account,
    store: InMemoryStore,
    customers: InMemoryCustomers,
    recorder: Recorder,
    actor: Actor,
) -> None:
    racing = RacingChanges(store, recorder, actor)
    revise = ReviseCustomer(
        customers, store, racing, recorder, RefreshAccounts(store, racing, recorder)
    )
    revise(opened.holder.customer_id, 1, actor, "c", name="Élise Côté")
    account = store.get(opened.account_id)
    assert racing.raced
    assert (account.holder.name, account.autopay, account.version) == ("Élise Côté", True, 3)


def test_a_new_mailing_address_reaches_the_holder_snapshot_statements_are_mailed_to(
    revise_customer: ReviseCustomer,
    landlord_and_tenant: tuple[Account, Account, Account],
    actor: Actor,
    store: InMemoryStore,
    customers: InMemoryCustomers,
) -> None:
    duplex, _, _ = landlord_and_tenant
    elise = customers.get(duplex.holder.customer_id)
    box = address(street="PO Box 1")
    mailing = ContactDetails(elise.contact.email, elise.contact.phone, box)
    revise_customer(elise.customer_id, 1, actor, "c", contact=mailing)
    assert store.get(duplex.account_id).holder.mailing_address == box
