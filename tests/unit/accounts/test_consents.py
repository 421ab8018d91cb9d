"""A customer's consents to email and SMS (CASL): given at registration or later, dated by the
clock when recorded and by how, withdrawn and kept on record, named in the history; an edit that
names no consent keeps them, and a bounced email's mark stays until another address is given."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from civiq.accounts.adapters.memory import InMemoryStore
from civiq.accounts.domain.customers import (
    Consent,
    ConsentSource,
    Customer,
    Undeliverable,
)
from civiq.accounts.schemas.customers import (
    ContactUpdate,
    CustomerResponse,
    NewCustomerIn,
    PreferencesUpdate,
)
from civiq.accounts.services.customers import RegisterCustomer, ReviseCustomer
from civiq.core.events import Actor
from civiq.core.fakes import FixedClock
from tests.helpers.builders import NOW

REGISTRATION = {
    "name": "Élise Tremblay",
    "contact": {"email": "elise@example.ca", "phone": "613-555-0100"},
    "preferences": {
        "language": "fr",
        "contact_method": "email",
        "email_consent": {"given": True, "source": "paper-form"},
    },
}


@pytest.fixture
def elise(register_customer: RegisterCustomer, actor: Actor) -> Customer:
    return register_customer(
        NewCustomerIn.model_validate_json(json.dumps(REGISTRATION)).to_new(), actor, "c"
    )


def edit(body: dict[str, object]) -> PreferencesUpdate:
    return PreferencesUpdate.model_validate_json(json.dumps(body))


def test_a_consent_given_at_registration_is_dated_and_sourced(elise: Customer) -> None:
    assert elise.preferences.email_consent == Consent(NOW, ConsentSource.PAPER_FORM)
    assert elise.preferences.sms_consent is None
    shown = CustomerResponse.of(elise).model_dump(mode="json")["preferences"]
    assert shown["email_consent"]["in_force"] is True
    assert shown["sms_consent"] is None


def test_withdrawing_keeps_the_consent_on_record_and_in_the_history(
    elise: Customer,
    revise_customer: ReviseCustomer,
    actor: Actor,
    clock: FixedClock,
    store: InMemoryStore,
) -> None:
    clock.advance(days=3)
    body = edit(
        {"version": 1, "preferences": {"email_consent": {"given": False, "source": "phone"}}}
    )

    after = revise_customer(
        elise.customer_id,
        body.version,
        actor,
        "c",
        preferences=body.preferences.over(elise.preferences),
        consents=body.preferences.consents(),
    )

    consent = after.preferences.email_consent
    assert consent == Consent(NOW, ConsentSource.PAPER_FORM, clock.now(), ConsentSource.PHONE)
    assert not consent.in_force
    assert after.preferences.contact_method is elise.preferences.contact_method  # kept
    [entry] = [e for e in store.history.values() if e.action == "CustomerRevised"]
    assert entry.detail["changes"]["preferences.email_consent.withdrawn_via"] == {
        "before": None,
        "after": "phone",
    }


def test_an_edit_naming_no_consent_keeps_them(
    elise: Customer, revise_customer: ReviseCustomer, actor: Actor
) -> None:
    body = edit({"version": 1, "preferences": {"language": "en"}})

    after = revise_customer(
        elise.customer_id,
        1,
        actor,
        "c",
        preferences=body.preferences.over(elise.preferences),
        consents=body.preferences.consents(),
    )

    assert after.preferences.email_consent == elise.preferences.email_consent
    assert after.language.value == "en"


def test_staff_record_only_how_a_customer_told_them() -> None:
    with pytest.raises(ValueError, match="source"):
        edit(
            {
                "version": 1,
                "preferences": {"email_consent": {"given": False, "source": "unsubscribe-link"}},
            }
        )


def test_a_bounced_address_stays_marked_until_another_is_given(elise: Customer) -> None:
    marked = replace(
        elise.contact, email_undeliverable=Undeliverable(NOW, "Permanent/General: 550 user unknown")
    )
    same = ContactUpdate.model_validate_json(
        json.dumps({"version": 2, "contact": {"phone": "613-555-0199"}})
    )
    new = ContactUpdate.model_validate_json(
        json.dumps({"version": 2, "contact": {"email": "elise.t@example.ca"}})
    )

    assert same.contact.over(marked, "contact").email_undeliverable == marked.email_undeliverable
    assert new.contact.over(marked, "contact").email_undeliverable is None
    shown = CustomerResponse.of(elise).model_dump(mode="json")["contact"]
    assert shown["email_undeliverable"] is None
