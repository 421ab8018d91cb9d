"""Account API payloads: unknown fields refused, strict types, domain rules in to_command()."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from civiq.domain.account_numbers import AccountNumberScheme
from civiq.domain.accounts import Account, AccountStatus, Customer, ServiceAddress
from civiq.domain.errors import InvalidInput
from civiq.domain.language import Language
from civiq.schemas.accounts import AccountResponse, OpenAccountRequest


def body(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "customer": {
            "name": "Élise Tremblay",
            "email": "elise@example.ca",
            "phone": "613-555-0100",
        },
        "service_address": {
            "street": "100 Main St",
            "unit": "12",
            "city": "Ottawa",
            "province": "ON",
            "postal_code": "k1p1j1",
        },
        "language": "fr",
        "autopay": True,
    }
    base.update(overrides)
    return base


def parse(payload: dict[str, Any]) -> OpenAccountRequest:
    """As the API parses it: from the raw JSON body."""
    return OpenAccountRequest.model_validate_json(json.dumps(payload))


def test_valid_request_becomes_a_normalised_command() -> None:
    command = parse(body(account_number="ub-0000042-2")).to_command()
    assert command.customer == Customer(
        name="Élise Tremblay", email="elise@example.ca", phone="+16135550100"
    )
    assert command.address.postal_code == "K1P 1J1"
    assert command.address.unit == "12"
    assert command.language is Language.FR
    assert command.autopay is True
    assert command.account_number == "ub-0000042-2"  # normalised later by OpenAccount


def test_optional_fields_default() -> None:
    payload = body(customer={"name": "E"})
    del payload["autopay"]
    request = parse(payload)
    assert request.autopay is False
    assert request.account_number is None
    assert request.customer.email is None
    assert request.customer.phone is None


def test_strings_are_stripped() -> None:
    request = parse(body(customer={"name": "  Élise  "}))
    assert request.customer.name == "Élise"


@pytest.mark.parametrize(
    "payload",
    [
        body(nickname="E"),
        body(customer={"name": "E", "nickname": "E"}),
        body(service_address={**body()["service_address"], "country": "CA"}),
    ],
    ids=["top-level", "customer", "address"],
)
def test_unknown_fields_are_refused(payload: dict[str, Any]) -> None:
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        parse(payload)


@pytest.mark.parametrize(
    "payload",
    [
        body(autopay="yes"),
        body(autopay=1),
        body(autopay="true"),
        body(language="de"),
        body(language="EN"),
        body(language=1),
        body(customer={"name": 42}),
        body(account_number=42),
    ],
    ids=repr,
)
def test_wrong_types_are_refused_not_coerced(payload: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        parse(payload)


@pytest.mark.parametrize(
    "payload",
    [
        {k: v for k, v in body().items() if k != "customer"},
        body(customer={"name": ""}),
        body(service_address={**body()["service_address"], "province": "ONT"}),
        body(service_address={**body()["service_address"], "postal_code": "K1P1J"}),
        body(account_number="U" * 25),
    ],
    ids=["missing-customer", "empty-name", "long-province", "short-postal", "long-number"],
)
def test_missing_or_out_of_bounds_fields_are_refused(payload: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        parse(payload)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (
            body(service_address={**body()["service_address"], "postal_code": "D1P 1J1"}),
            "service_address.postal_code",
        ),
        (
            body(service_address={**body()["service_address"], "province": "XX"}),
            "service_address.province",
        ),
        (body(customer={"name": "E", "email": "not-an-email"}), "customer.email"),
        (body(customer={"name": "E", "phone": "555-0100"}), "customer.phone"),
    ],
    ids=["postal-code", "province", "email", "phone"],
)
def test_to_command_applies_domain_rules(payload: dict[str, Any], field: str) -> None:
    request = parse(payload)  # the shape is fine...
    with pytest.raises(InvalidInput) as error:
        request.to_command()  # ...the domain says no
    assert error.value.field == field


def test_account_response_shows_the_display_number() -> None:
    opened = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)
    account = Account(
        account_id="ID00000001",
        account_number="UB00000018",
        customer=Customer(name="E", phone="6135550100"),
        address=ServiceAddress("100 Main St", "Ottawa", "ON", "k1p1j1"),
        language=Language.EN,
        opened_at=opened,
        opened_by="clerk-1",
    )
    response = AccountResponse.of(account, AccountNumberScheme())
    assert response.id == "ID00000001"
    assert response.account_number_display == "UB-0000001-8"
    assert response.status == AccountStatus.ACTIVE.value
    assert response.customer.phone == "+16135550100"
    assert response.service_address.postal_code == "K1P 1J1"
    assert response.opened_at == opened
    assert response.welcome_letter_key is None
