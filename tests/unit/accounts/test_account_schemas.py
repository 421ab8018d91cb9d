"""Account API payloads: strict JSON shapes, domain rules on the way in, full error field paths."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from civiq.accounts.domain.account_numbers import AccountNumberScheme
from civiq.accounts.domain.accounts import (
    AccountStatus,
    AgentScope,
    HolderRole,
    Service,
    ServiceStatus,
    ServiceType,
)
from civiq.accounts.domain.customers import ContactMethod, CustomerKind
from civiq.accounts.domain.properties import MeterArrangement, PropertyType
from civiq.accounts.schemas.accounts import (
    AccountResponse,
    AccountSearchQuery,
    AgentRequest,
    OpenAccountRequest,
    ServicesUpdate,
    SettingsUpdate,
    VersionQuery,
    services_of,
)
from civiq.accounts.services.customers import NewCustomer
from civiq.accounts.services.open_account import OpenAccount
from civiq.accounts.services.properties import NewProperty
from civiq.core.addresses import GeoPoint
from civiq.core.errors import DomainError, InvalidInput
from civiq.core.events import Actor
from civiq.core.language import Language
from tests.helpers.builders import TODAY, account, address, open_body, with_path

SERVICE = {"service_type": "water", "start_date": "2026-12-01"}


def parse(payload: dict[str, Any]) -> OpenAccountRequest:
    """As the API parses it: from the raw JSON body."""
    return OpenAccountRequest.model_validate_json(json.dumps(payload))


def error_locations(error: ValidationError) -> list[str]:
    return [".".join(str(part) for part in e["loc"]) for e in error.errors()]


# --- a valid request ------------------------------------------------------------------------------


def test_a_valid_body_becomes_a_command_of_domain_objects() -> None:
    command = parse(open_body(account_number="ub-0000042-2")).to_command()
    assert isinstance(command.customer, NewCustomer)
    assert command.customer.kind is CustomerKind.PERSON
    assert command.customer.contact.phone == "+16135550100"
    assert command.customer.preferences.contact_method is ContactMethod.EMAIL
    assert command.customer.preferences.ebilling is True
    assert isinstance(command.property, NewProperty)
    assert command.property.address == address()
    assert command.property.address.postal_code == "K1P 1J1"
    assert command.property.property_type is PropertyType.SEMI_DETACHED
    assert command.property.units == ("1", "2")
    assert command.property.meters.arrangement is MeterArrangement.SHARED
    assert command.property.meters.shares == {"1": Decimal("0.6"), "2": Decimal("0.4")}
    assert command.property.location == GeoPoint(Decimal("45.4215"), Decimal("-75.6972"))
    assert command.property.owner_customer_id is None
    assert (command.unit, command.holder_role) == ("1", HolderRole.OWNER)
    assert command.services is None  # the service's default: all four from today
    assert (command.autopay, command.landlord_copies) == (True, False)
    assert command.account_number == "ub-0000042-2"  # normalised by OpenAccount


def test_the_body_opens_an_account(open_account: OpenAccount, actor: Actor) -> None:
    account_ = open_account(parse(open_body()).to_command(), actor, "c")
    assert account_.service_address.one_line() == "1-100 Main St, Ottawa ON K1P 1J1"
    assert account_.roll_number == "0614000123456780000"
    assert account_.holder.name == "Élise Tremblay"


def test_the_documented_sample_request_opens_an_account(
    sample_event: Any, open_account: OpenAccount, actor: Actor
) -> None:
    command = parse(sample_event("api/open_account_request.json")).to_command()
    opened = open_account(command, actor, "c")
    assert opened.service_address.province == "QC"
    assert opened.status is AccountStatus.PENDING  # services start 2026-12-01, after today
    assert [s.service_type for s in opened.services] == [
        ServiceType.WATER,
        ServiceType.SEWER,
        ServiceType.WASTE,
    ]


def test_existing_customer_and_property_by_id() -> None:
    body = {"customer_id": "C1", "property_id": "P1", "holder_role": "tenant", "unit": "2"}
    command = parse(body).to_command()
    assert (command.customer, command.property) == ("C1", "P1")
    assert command.holder_role is HolderRole.TENANT


def test_optional_fields_default_and_strings_are_stripped() -> None:
    body = open_body(customer={"name": "  Élise  ", "preferences": {"language": "en"}})
    for name in ("autopay", "unit", "holder_role"):
        body.pop(name)
    request = parse(body)
    assert request.customer is not None
    assert request.customer.name == "Élise"
    assert (request.autopay, request.landlord_copies, request.account_number) == (
        False,
        False,
        None,
    )
    assert request.holder_role is HolderRole.OWNER
    command = request.to_command()
    assert isinstance(command.customer, NewCustomer)
    assert command.customer.contact.email is None
    assert command.customer.preferences.contact_method is ContactMethod.MAIL


def test_a_blank_unit_is_no_unit() -> None:
    assert parse(open_body(unit="  ")).to_command().unit is None


def test_given_services_are_built_and_sorted() -> None:
    services = [
        {"service_type": "waste", "start_date": "2026-12-01"},
        {
            "service_type": "water",
            "start_date": "2026-01-01",
            "status": "closed",
            "end_date": "2026-11-26",
        },
    ]
    command = parse(open_body(services=services)).to_command()
    assert command.services == (
        Service(ServiceType.WATER, date(2026, 1, 1), ServiceStatus.CLOSED, TODAY),
        Service(ServiceType.WASTE, date(2026, 12, 1)),
    )


@pytest.mark.parametrize("shares", [{"1": "0.6", "2": "0.4"}, {"1": 0.1, "2": 0.9}])
def test_shares_may_be_json_numbers_or_decimal_strings(shares: dict[str, Any]) -> None:
    command = parse(with_path(open_body(), "property.meters.shares", shares)).to_command()
    assert isinstance(command.property, NewProperty)
    assert command.property.meters.shares == {k: Decimal(str(v)) for k, v in shares.items()}


# --- one of customer/customer_id and property/property_id -----------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"customer_id": "C1"}, "customer"),  # both
        ({"customer": None}, "customer"),  # neither
        ({"property_id": "P1"}, "property"),
        ({"property": None}, "property"),
    ],
    ids=["both-customers", "no-customer", "both-properties", "no-property"],
)
def test_exactly_one_of_new_or_existing(change: dict[str, Any], field: str) -> None:
    body = open_body()
    for name, value in change.items():
        if value is None:
            del body[name]
        else:
            body[name] = value
    with pytest.raises(InvalidInput, match=f"give either {field} or {field}_id") as error:
        parse(body)
    assert error.value.field == field


# --- shapes and types -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "nickname",
        "customer.nickname",
        "customer.contact.fax",
        "customer.preferences.channel",
        "property.zoning",
        "property.address.country",
        "property.meters.count",
        "property.location.altitude",
        "services.0.rate",
    ],
)
def test_unknown_fields_are_refused(path: str) -> None:
    body = open_body(services=[dict(SERVICE)])
    with pytest.raises(ValidationError) as error:
        parse(with_path(body, path, "x"))
    assert error.value.errors()[0]["type"] == "extra_forbidden"
    assert error_locations(error.value) == [path]


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("customer.name", 42),
        ("customer.kind", "Person"),
        ("customer.preferences.language", "EN"),
        ("customer.preferences.language", "de"),
        ("customer.preferences.ebilling", "true"),
        ("customer.contact.phone", 6135550100),
        ("property.roll_number", 61400012345678),
        ("property.units", ["1", 2]),
        ("property.property_type", "house"),
        ("property.address.postal_code", 123456),
        ("property.location.latitude", True),
        ("unit", 1),
        ("holder_role", "landlord"),
        ("autopay", "yes"),
        ("autopay", 1),
        ("account_number", 42),
        ("services", []),
        ("services", [{"service_type": "water", "start_date": 20261201}]),
        ("services", [{"service_type": "electricity", "start_date": "2026-12-01"}]),
        ("services", [{"service_type": "water", "start_date": "2026-13-01"}]),
    ],
)
def test_wrong_types_are_refused_not_coerced(path: str, value: Any) -> None:
    with pytest.raises(ValidationError) as error:
        parse(with_path(open_body(), path, value))
    assert error_locations(error.value)[0].startswith(path)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("customer.name", ""),
        ("customer.name", "   "),
        ("customer.name", "x" * 201),
        ("property.address.province", "ONT"),
        ("property.address.postal_code", "K1P1J"),
        ("property.address.street", ""),
        ("property.address.street", "   "),
        ("property.roll_number", "1" * 33),
        ("property.units", ["x" * 21]),
        ("unit", "x" * 21),
        ("account_number", "U" * 25),
        ("customer.preferences", ...),
        ("property.address", ...),
    ],
)
def test_missing_or_out_of_bounds_fields_are_refused(path: str, value: Any) -> None:
    with pytest.raises(ValidationError) as error:
        parse(with_path(open_body(), path, value))
    assert error_locations(error.value)[0].startswith(path)


# --- domain rules, named by the path the client sent ----------------------------------------------


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("customer.contact.email", "not-an-email", "customer.contact.email"),
        ("customer.contact.phone", "555-0100", "customer.contact.phone"),
        (
            "customer.contact.mailing_address",
            {"street": "PO Box 1", "city": "Ottawa", "province": "ON", "postal_code": "D1P 1J1"},
            "customer.contact.mailing_address.postal_code",
        ),
        ("property.address.postal_code", "W1P 1J1", "property.address.postal_code"),
        ("property.address.province", "XX", "property.address.province"),
        ("property.roll_number", "0614-000-123-4567", "property.roll_number"),
        ("property.roll_number", "0000-000-123-45678", "property.roll_number"),
        ("property.units", ["1", "#2"], "property.units.1"),
    ],
)
def test_the_domain_rules_of_one_field_are_checked_with_the_shape(
    path: str, value: Any, field: str
) -> None:
    """With the shape's own checks, so that one response names every invalid field."""
    with pytest.raises(ValidationError) as error:
        parse(with_path(open_body(), path, value))
    assert error_locations(error.value) == [field]


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("property.meters.shares", {"1": 0.6, "2": 0.5}, "property.meters.shares"),
        ("property.meters.shares", {"1": 0.6}, "property.meters.shares"),
        ("property.meters.shares", {"1": "0.55555", "2": "0.44445"}, "property.meters.shares.1"),
        ("property.meters.arrangement", "individual", "property.meters.shares"),
        ("property.location.latitude", 40.7128, "property.location.latitude"),
        ("property.location.latitude", 45.12345678, "property.location.latitude"),
        ("property.location.longitude", 75.6972, "property.location.longitude"),
        (
            "services",
            [{"service_type": "water", "start_date": "2026-12-01", "end_date": "2026-11-30"}],
            "services.0.end_date",
        ),
        (
            "services",
            [SERVICE, {"service_type": "sewer", "start_date": "2026-12-01", "status": "closed"}],
            "services.1.end_date",
        ),
        ("services", [SERVICE, SERVICE], "services.1.service_type"),
    ],
)
def test_to_command_applies_domain_rules(path: str, value: Any, field: str) -> None:
    request = parse(with_path(open_body(), path, value))  # the shape is fine...
    with pytest.raises(InvalidInput) as error:
        request.to_command()  # ...the domain says no
    assert error.value.field == field


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("property.units", ["1", "1"], "property.units"),
        ("property.units", ["1", "2", "3"], "property.meters.shares"),
        ("unit", "3", "unit"),
        ("customer.contact", {"phone": "613-555-0100"}, "customer.contact.email"),
        ("holder_role", "tenant", "holder_role"),
    ],
)
def test_the_service_applies_the_rest_with_the_full_path(
    open_account: OpenAccount, actor: Actor, path: str, value: Any, field: str
) -> None:
    command = parse(with_path(open_body(), path, value)).to_command()
    with pytest.raises(InvalidInput) as error:
        open_account(command, actor, "c")
    assert error.value.field == field


def test_an_email_needed_by_the_preferences_is_named_where_the_client_sends_it(
    open_account: OpenAccount, actor: Actor
) -> None:
    command = parse(with_path(open_body(), "customer.contact", {})).to_command()
    with pytest.raises(InvalidInput) as error:
        open_account(command, actor, "c")
    assert error.value.field == "customer.contact.email"


def test_every_domain_error_is_a_domain_error_with_a_field() -> None:
    with pytest.raises(DomainError) as error:
        parse(with_path(open_body(), "property.location.latitude", 40.7128)).to_command()
    assert (error.value.code, error.value.field) == ("invalid_input", "property.location.latitude")


# --- the other account requests -------------------------------------------------------------------


def test_services_update_builds_services_with_indexed_errors() -> None:
    update = ServicesUpdate.model_validate_json(json.dumps({"version": 3, "services": [SERVICE]}))
    assert services_of(update.services) == (Service(ServiceType.WATER, date(2026, 12, 1)),)
    bad = ServicesUpdate.model_validate_json(
        json.dumps(
            {
                "version": 3,
                "services": [
                    SERVICE,
                    {**SERVICE, "service_type": "sewer", "end_date": "2020-01-01"},
                ],
            }
        )
    )
    with pytest.raises(InvalidInput) as error:
        services_of(bad.services)
    assert error.value.field == "services.1.end_date"


@pytest.mark.parametrize(
    "body",
    [
        {"services": [SERVICE]},
        {"version": 0, "services": [SERVICE]},
        {"version": "3", "services": [SERVICE]},
        {"version": 3, "services": []},
    ],
    ids=["no-version", "version-0", "version-text", "no-services"],
)
def test_services_update_needs_a_version_and_services(body: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        ServicesUpdate.model_validate_json(json.dumps(body))


def test_settings_update_is_strict() -> None:
    ok = SettingsUpdate.model_validate_json(
        '{"version": 1, "autopay": true, "landlord_copies": false}'
    )
    assert (ok.autopay, ok.landlord_copies) == (True, False)
    with pytest.raises(ValidationError):
        SettingsUpdate.model_validate_json(
            '{"version": 1, "autopay": "true", "landlord_copies": false}'
        )


def test_agent_request_builds_an_agent_with_prefixed_errors() -> None:
    fields: dict[str, Any] = {"name": "Luc", "scope": "pay", "valid_from": "2026-11-26"}
    body = {"version": 2, "agent": fields}
    agent = AgentRequest.model_validate_json(json.dumps(body)).agent.to_domain("G1")
    assert (agent.agent_id, agent.scope, agent.valid_to) == ("G1", AgentScope.PAY, None)
    fields["valid_to"] = "2026-11-25"
    request = AgentRequest.model_validate_json(json.dumps(body))
    with pytest.raises(InvalidInput) as error:
        request.agent.to_domain("G1")
    assert error.value.field == "agent.valid_to"
    fields["scope"] = "admin"
    with pytest.raises(ValidationError):
        AgentRequest.model_validate_json(json.dumps(body))


def test_query_strings_are_parsed_from_text() -> None:
    assert VersionQuery.model_validate_strings({"version": "4"}).version == 4
    with pytest.raises(ValidationError):
        VersionQuery.model_validate_strings({"version": "0"})
    query = AccountSearchQuery.model_validate_strings(
        {"q": " côté ", "status": "final-billed", "service": "water", "limit": "10"}
    )
    assert (query.q, query.status, query.service, query.limit) == (
        "côté",
        AccountStatus.FINAL_BILLED,
        ServiceType.WATER,
        10,
    )
    assert AccountSearchQuery.model_validate_strings({}).limit == 25
    for bad in ({"limit": "0"}, {"limit": "101"}, {"q": "x" * 121}, {"sort": "name"}):
        with pytest.raises(ValidationError):
            AccountSearchQuery.model_validate_strings(bad)


# --- responses ------------------------------------------------------------------------------------


def test_account_response_shows_the_account() -> None:
    shown = account(
        service_address=address(unit="3"),
        autopay=True,
        services=(Service(ServiceType.WATER, TODAY, ServiceStatus.SUSPENDED),),
    )
    response = AccountResponse.of(shown, AccountNumberScheme())
    assert response.id == "A1"
    assert response.account_number_display == "UB-0000001-8"
    assert response.status is AccountStatus.ACTIVE
    assert response.service_address.one_line == "3-100 Main St, Ottawa ON K1P 1J1"
    assert response.service_address.postal_code == "K1P 1J1"
    assert response.holder.name == "Élise Tremblay"
    assert response.language is Language.FR
    assert response.owner_customer_id == "C1"
    assert [(s.service_type, s.status) for s in response.services] == [
        (ServiceType.WATER, ServiceStatus.SUSPENDED)
    ]
    assert response.roll_number == "0614000123456780000"
    assert (response.version, response.welcome_letter_key, response.closed_at) == (1, None, None)
    assert json.loads(response.model_dump_json())["holder_role"] == "owner"
