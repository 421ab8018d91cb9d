"""Calling the API function in process: staff bearer tokens, request helpers, bodies."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from chalice.test import Client

from civiq.core.staff import Role
from civiq.platform.tokens import LocalTokens
from infra.local.demo_rates import SCHEDULE_ID
from tests.helpers.emulator import SIGNING_KEY

API = "/api/v1/utility"
CYCLES = f"{API}/cycles"
CYCLE = f"{CYCLES}/residential"
DEFINITION: dict[str, Any] = {
    "cycle_id": "residential",
    "name": "Residential (bimonthly)",
    "frequency": "bimonthly",
    "routes": ["1", "2"],
    "rate_schedule_id": SCHEDULE_ID,
    "first_period_end": "2026-01-31",
}


def token(*roles: Role, key: str = SIGNING_KEY, ttl: timedelta = timedelta(hours=1)) -> str:
    return LocalTokens(key).mint("staff-7", roles, datetime.now(UTC), ttl)


def headers(bearer: str | None = None) -> dict[str, str]:
    result = {"Content-Type": "application/json"}
    if bearer is not None:
        result["Authorization"] = f"Bearer {bearer}"
    return result


def bearer(role: Role = Role.CLERK) -> dict[str, str]:
    token = LocalTokens(SIGNING_KEY).mint("staff-7", [role], datetime.now(UTC), timedelta(hours=1))
    return {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}


def call(
    client: Client,
    method: str,
    path: str,
    body: Any = None,
    role: Role = Role.CLERK,
    key: str | None = None,
) -> Any:
    """``method`` on ``path`` as a staff member of ``role`` (with an Idempotency-Key if given)."""
    sent = bearer(role)
    if key is not None:
        sent["Idempotency-Key"] = key
    raw = None if body is None else json.dumps(body)
    return getattr(client.http, method.lower())(path, headers=sent, body=raw)


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.json_body
    return response.json_body


def address(street: str = "100 Rue Principale") -> dict[str, str]:
    return {"street": street, "city": "Ottawa", "province": "ON", "postal_code": "K1P 1J1"}


def owner_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "customer": {
            "name": "Élise Côté",
            "contact": {"email": "elise@example.ca", "phone": "613-555-0100"},
            "preferences": {"language": "fr", "contact_method": "email", "ebilling": True},
        },
        "property": {
            "address": address(),
            "property_type": "semi-detached",
            "roll_number": "0614-000-111-22222",
            "location": {"latitude": 45.4215, "longitude": "-75.6972"},
        },
    }
    body.update(overrides)
    return body


def open_account(client: Client, street: str, start: str = "2024-01-01") -> dict[str, Any]:
    body = owner_body(
        property={"address": address(street)},
        services=[{"service_type": "water", "start_date": start}],
    )
    return ok(call(client, "POST", f"{API}/accounts", body), 201)  # type: ignore[no-any-return]
