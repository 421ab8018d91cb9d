"""Customer, property and history payloads: strict requests, domain objects out, responses."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from civiq.accounts.adapters.memory import InMemoryStore
from civiq.accounts.domain.accounts import Account
from civiq.accounts.domain.customers import (
    ContactDetails,
    ContactMethod,
    Customer,
    CustomerKind,
    Preferences,
)
from civiq.accounts.domain.properties import MeterArrangement, Property, PropertyType
from civiq.accounts.ports import AccountSummary
from civiq.accounts.schemas.customers import (
    ContactUpdate,
    CustomerResponse,
    NewCustomerIn,
    PreferencesUpdate,
)
from civiq.accounts.schemas.properties import (
    PropertyResponse,
    PropertyUpdate,
    RegisterPropertyRequest,
)
from civiq.accounts.services.properties import RegisterProperty
from civiq.core.addresses import GeoPoint
from civiq.core.errors import InvalidInput
from civiq.core.events import Actor
from civiq.core.language import Language
from civiq.core.schemas import HistoryEntryOut, HistoryPage, PageQuery
from tests.helpers.builders import NOW, OPEN_BODY, ROLL, address, shared_meters

CUSTOMER = OPEN_BODY["customer"]
PROPERTY = OPEN_BODY["property"]


# --- customers ------------------------------------------------------------------------------------


def test_new_customer_in_builds_a_normalised_new_customer() -> None:
    new = NewCustomerIn.model_validate_json(json.dumps(CUSTOMER)).to_new()
    assert (new.kind, new.name) == (CustomerKind.PERSON, "Élise Tremblay")
    assert new.contact.phone == "+16135550100"
    assert new.preferences == Preferences(Language.FR, ContactMethod.EMAIL, True)


def test_an_organization_customer() -> None:
    body = {"kind": "organization", "name": "Gestion Côté inc.", "preferences": {"language": "fr"}}
    new = NewCustomerIn.model_validate_json(json.dumps(body)).to_new()
    assert new.kind is CustomerKind.ORGANIZATION
    assert new.contact.email is None


@pytest.mark.parametrize(
    ("contact", "field"),
    [
        ({"email": "no-at.ca"}, "contact.email"),
        ({"phone": "12"}, "contact.phone"),
        (
            {
                "mailing_address": {
                    "street": "1 A",
                    "city": "B",
                    "province": "QC",
                    "postal_code": "Z1A 1A1",
                }
            },
            "contact.mailing_address.postal_code",
        ),
    ],
)
def test_customer_contact_errors_name_their_path(contact: dict[str, Any], field: str) -> None:
    body = {**CUSTOMER, "contact": contact, "preferences": {"language": "en"}}
    with pytest.raises(ValidationError) as error:  # with the shape: every field at once
        NewCustomerIn.model_validate_json(json.dumps(body))
    assert [".".join(map(str, e["loc"])) for e in error.value.errors()] == [field]


@pytest.mark.parametrize(
    "body",
    [
        {"name": "E"},  # preferences are required
        {"name": "E", "preferences": {"language": "es"}},
        {"name": "E", "preferences": {"language": "en", "contact_method": "fax"}},
        {"name": "E", "preferences": {"language": "en"}, "kind": "company"},
        {"name": "E", "preferences": {"language": "en"}, "contact": {"email": 1}},
        {"name": "E", "preferences": {"language": "en"}, "age": 40},
    ],
)
def test_bad_customer_shapes_are_refused(body: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        NewCustomerIn.model_validate_json(json.dumps(body))


def test_contact_and_preferences_updates() -> None:
    update = ContactUpdate.model_validate_json(
        json.dumps({"version": 2, "name": "Élise Côté", "contact": {"phone": "819 555 0142"}})
    )
    current = ContactDetails("elise@example.ca", "+16135550100")
    assert update.contact.over(current, "contact") == ContactDetails(
        "elise@example.ca", "+18195550142"
    )
    cleared = ContactUpdate.model_validate_json(
        json.dumps({"version": 2, "contact": {"email": None}})
    )
    assert cleared.contact.over(current, "contact") == ContactDetails(None, "+16135550100")
    with pytest.raises(ValidationError):
        ContactUpdate.model_validate_json(json.dumps({"version": 2, "name": "", "contact": {}}))
    with pytest.raises(ValidationError, match="email address is not valid"):
        ContactUpdate.model_validate_json(
            json.dumps({"version": 2, "contact": {"email": "not-an-email"}})
        )
    prefs = PreferencesUpdate.model_validate_json(
        json.dumps({"version": 1, "preferences": {"language": "en", "contact_method": "sms"}})
    )
    was = Preferences(Language.FR, ContactMethod.EMAIL, ebilling=True)
    assert prefs.preferences.over(was) == Preferences(Language.EN, ContactMethod.SMS, True)


def test_customer_response_with_its_accounts(opened: Account, store: InMemoryStore) -> None:
    customer = store.entities[f"CUSTOMER#{opened.holder.customer_id}"]
    assert isinstance(customer, Customer)
    summaries = list(store.of_customer(customer.customer_id))
    response = CustomerResponse.of(customer, summaries)
    assert response.id == customer.customer_id
    assert response.contact.phone == "+16135550100"
    assert response.contact.mailing_address is None
    assert response.preferences.language is Language.FR
    assert response.accounts is not None
    [link] = response.accounts
    assert (link.id, link.account_number, link.holder_role, link.status) == (
        opened.account_id,
        "UB00000018",
        "owner",
        "active",
    )
    assert link.services == ["water", "sewer", "stormwater", "waste"]
    assert CustomerResponse.of(customer).accounts is None


# --- properties -----------------------------------------------------------------------------------


def test_register_property_request_builds_a_new_property() -> None:
    body = {**PROPERTY, "owner_customer_id": "C1"}
    request = RegisterPropertyRequest.model_validate_json(json.dumps(body))
    new = request.to_new(owner_customer_id=request.owner_customer_id)
    assert new.owner_customer_id == "C1"
    assert new.address == address()
    assert new.roll_number == ROLL  # normalised when the property is built
    assert new.meters == shared_meters(**{"1": "0.6", "2": "0.4"})
    assert new.location == GeoPoint(Decimal("45.4215"), Decimal("-75.6972"))


def test_property_defaults() -> None:
    body = {"address": PROPERTY["address"]}
    new = RegisterPropertyRequest.model_validate_json(json.dumps(body)).to_new()
    assert new.property_type is PropertyType.SINGLE_FAMILY
    assert (new.roll_number, new.units, new.location) == (None, (), None)
    assert new.meters.arrangement is MeterArrangement.INDIVIDUAL


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"location": {"latitude": 45.4, "longitude": -30.1}}, "location.longitude"),
        ({"meters": {"arrangement": "shared", "shares": {"1": 1}}}, "meters.shares"),
    ],
)
def test_property_edit_errors_name_their_path(change: dict[str, Any], field: str) -> None:
    request = PropertyUpdate.model_validate_json(json.dumps({**PROPERTY, **change, "version": 1}))
    with pytest.raises(InvalidInput) as error:
        request.over(surveyed())
    assert error.value.field == field


def surveyed() -> Property:
    return Property(
        "P1",
        address(),
        ROLL,
        PropertyType.SEMI_DETACHED,
        NOW,
        units=("1", "2"),
        meters=shared_meters(**{"1": "0.6", "2": "0.4"}),
        location=GeoPoint(Decimal("45.4215"), Decimal("-75.6972")),
        owner_customer_id="C1",
        route="7",
    )


def test_a_property_edit_keeps_every_detail_it_does_not_name() -> None:
    current = surveyed()
    retyped = PropertyUpdate.model_validate_json(
        json.dumps({"version": 1, "property_type": "townhouse"})
    ).over(current)
    assert retyped.property_type is PropertyType.TOWNHOUSE
    assert (retyped.address, retyped.roll_number, retyped.units) == (
        current.address,
        current.roll_number,
        current.units,
    )
    assert (retyped.meters, retyped.location, retyped.route) == (
        current.meters,
        current.location,
        current.route,
    )
    unpinned = PropertyUpdate.model_validate_json(
        json.dumps({"version": 1, "location": None, "roll_number": None})
    ).over(current)
    assert (unpinned.location, unpinned.roll_number) == (None, None)
    assert unpinned.property_type is current.property_type


def test_a_property_address_with_a_unit_is_refused_when_registered(
    register_property: RegisterProperty, actor: Actor
) -> None:
    body = {**PROPERTY, "address": {**PROPERTY["address"], "unit": "4"}}
    new = RegisterPropertyRequest.model_validate_json(json.dumps(body)).to_new()
    with pytest.raises(InvalidInput, match="list units instead"):
        register_property(new, actor, "c")


def test_a_property_address_unit_error_names_address_unit(
    register_property: RegisterProperty, actor: Actor
) -> None:
    body = {**PROPERTY, "address": {**PROPERTY["address"], "unit": "4"}}
    new = RegisterPropertyRequest.model_validate_json(json.dumps(body)).to_new()
    with pytest.raises(InvalidInput) as error:
        register_property(new, actor, "c")
    assert error.value.field == "address.unit"


def test_property_update_needs_a_version() -> None:
    with pytest.raises(ValidationError) as error:
        PropertyUpdate.model_validate_json(json.dumps(PROPERTY))
    assert error.value.errors()[0]["loc"] == ("version",)


def test_property_response_shows_display_roll_number_and_decimals_as_text() -> None:
    prop = Property(
        "P1",
        address(),
        ROLL,
        PropertyType.SEMI_DETACHED,
        NOW,
        units=("1", "2"),
        meters=shared_meters(**{"1": "0.6", "2": "0.4"}),
        location=GeoPoint(Decimal("45.4215"), Decimal("-75.6972")),
        owner_customer_id="C1",
    )
    response = PropertyResponse.of(prop)
    assert response.roll_number == "0614000123456780000"
    assert response.roll_number_display == "0614-000-123-45678-0000"
    assert response.meters.shares == {"1": "0.6", "2": "0.4"}
    assert response.location is not None
    assert (response.location.latitude, response.location.longitude) == ("45.4215", "-75.6972")
    assert response.address.one_line == "100 Main St, Ottawa ON K1P 1J1"
    assert response.accounts is None
    bare = PropertyResponse.of(Property("P2", address(), None, PropertyType.COMMERCIAL, NOW))
    assert (bare.roll_number_display, bare.location) == (None, None)


def test_property_response_lists_its_accounts(opened: Account, store: InMemoryStore) -> None:
    prop = store.entities[f"PROPERTY#{opened.property_id}"]
    assert isinstance(prop, Property)
    summaries: list[AccountSummary] = list(store.of_property(prop.property_id))
    response = PropertyResponse.of(prop, summaries)
    assert response.accounts is not None
    assert [a.id for a in response.accounts] == [opened.account_id]
    assert response.owner_customer_id == opened.holder.customer_id


# --- history and pages ----------------------------------------------------------------------------


def test_history_entries_show_who_when_and_what(opened: Account, store: InMemoryStore) -> None:
    [entry] = [e for e in store.history.values() if e.subject_id == f"ACCOUNT#{opened.account_id}"]
    shown = HistoryEntryOut.of(entry)
    assert (shown.action, shown.actor.subject, shown.actor.role) == (
        "AccountOpened",
        "clerk-1",
        "clerk",
    )
    assert (shown.occurred_at, shown.version, shown.correlation_id) == (NOW, 1, "corr-open")
    assert shown.changes["account_number"] == {"before": None, "after": "UB00000018"}
    page = HistoryPage(items=[shown], next_cursor=None)
    assert json.loads(page.model_dump_json())["items"][0]["changes"]["status"]["after"] == "active"


def test_page_query_bounds() -> None:
    assert PageQuery.model_validate_strings({"limit": "100", "cursor": "abc"}).limit == 100
    for bad in ({"limit": "0"}, {"limit": "101"}, {"limit": "ten"}, {"cursor": "x" * 2049}):
        with pytest.raises(ValidationError):
            PageQuery.model_validate_strings(bad)
