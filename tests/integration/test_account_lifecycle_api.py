"""Accounts, properties and customers through real Chalice routing against in-process moto:
the daily work of a billing office, and every bad input it must refuse without writing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import boto3
import pytest
from chalice.test import Client

from civiq.accounts.adapters.dynamodb_accounts import DynamoAccountRepository
from civiq.accounts.adapters.dynamodb_changes import DynamoChanges
from civiq.accounts.services.activate_accounts import ActivateAccounts
from civiq.accounts.services.recording import Recorder
from civiq.core.fakes import FixedClock, SequentialIds
from civiq.core.staff import Role
from tests.helpers.api import address, call, ok, owner_body
from tests.helpers.emulator import REGION, TABLE

ACCOUNTS = "/api/v1/utility/accounts"
PROPERTIES = "/api/v1/utility/properties"
CUSTOMERS = "/api/v1/utility/customers"


def table_items() -> list[dict[str, Any]]:
    return boto3.client("dynamodb", region_name=REGION).scan(TableName=TABLE)["Items"]


def person(name: str, language: str = "fr", **contact: str) -> dict[str, Any]:
    return {"name": name, "contact": contact, "preferences": {"language": language}}


@pytest.fixture
def client(chalice_app: Any) -> Any:
    with Client(chalice_app) as test_client:
        yield test_client


@pytest.fixture
def building(client: Client) -> dict[str, Any]:
    """A landlord's triplex on one shared meter, with a tenant account per unit."""
    landlord = ok(
        call(
            client,
            "POST",
            CUSTOMERS,
            {
                "kind": "organization",
                "name": "Gestion Béliveau Inc.",
                "contact": {"email": "gestion@beliveau.ca"},
                "preferences": {"language": "fr", "contact_method": "email"},
            },
        ),
        201,
    )
    prop = ok(
        call(
            client,
            "POST",
            PROPERTIES,
            {
                "address": address("12 Rue Laval"),
                "property_type": "multi-residential",
                "roll_number": "0614 000 333 44444 0000",
                "units": ["1", "2", "3"],
                "meters": {
                    "arrangement": "shared",
                    "shares": {"1": "0.4", "2": "0.3", "3": "0.3"},
                },
                "owner_customer_id": landlord["id"],
            },
        ),
        201,
    )
    tenants = [
        ok(
            call(
                client,
                "POST",
                ACCOUNTS,
                {
                    "customer": person(name, language, email=f"t{unit}@example.ca"),
                    "property_id": prop["id"],
                    "unit": unit,
                    "holder_role": "tenant",
                    "landlord_copies": unit == "1",
                },
            ),
            201,
        )
        for unit, name, language in (
            ("1", "Zoé Gauthier", "fr"),
            ("2", "Liam Brown", "en"),
            ("3", "Chloé Lévesque", "fr"),
        )
    ]
    return {"landlord": landlord, "property": prop, "tenants": tenants}


def test_a_multi_unit_building_links_tenants_to_the_owner_of_record(
    client: Client, building: dict[str, Any]
) -> None:
    landlord, prop = building["landlord"], building["property"]
    for tenant in building["tenants"]:
        assert tenant["holder_role"] == "tenant"
        assert tenant["owner_customer_id"] == landlord["id"]
        assert tenant["roll_number"] == "0614000333444440000"
        assert tenant["service_address"]["one_line"].startswith(tenant["service_address"]["unit"])
    assert [t["landlord_copies"] for t in building["tenants"]] == [True, False, False]
    seen = ok(call(client, "GET", f"{PROPERTIES}/{prop['id']}"))
    assert seen["meters"] == {
        "arrangement": "shared",
        "shares": {"1": "0.4", "2": "0.3", "3": "0.3"},
    }
    assert sorted(a["holder_name"] for a in seen["accounts"]) == [
        "Chloé Lévesque",
        "Liam Brown",
        "Zoé Gauthier",
    ]
    by_roll = ok(call(client, "GET", f"{PROPERTIES}?roll_number=0614-000-333-44444-0000"))
    assert by_roll["id"] == prop["id"]
    owner_view = ok(call(client, "GET", f"{CUSTOMERS}/{landlord['id']}"))
    assert len(owner_view["accounts"]) == 3


def test_search_by_name_address_number_and_roll_with_filters(
    client: Client, building: dict[str, Any]
) -> None:
    ok(call(client, "POST", ACCOUNTS, owner_body()), 201)

    def names(query: str) -> list[str]:
        page = ok(call(client, "GET", f"{ACCOUNTS}?{query}"))
        return sorted(a["holder_name"] for a in page["items"])

    assert names("q=levesque") == ["Chloé Lévesque"]
    assert names("q=COTE") == ["Élise Côté"]
    assert names("q=laval") == ["Chloé Lévesque", "Liam Brown", "Zoé Gauthier"]
    assert names("q=laval%20zo") == ["Zoé Gauthier"]
    assert names("q=0614-000-333") == ["Chloé Lévesque", "Liam Brown", "Zoé Gauthier"]
    number = building["tenants"][1]["account_number_display"]
    assert names(f"q={number}") == ["Liam Brown"]
    assert names("q=laval&status=closed") == []
    assert names("q=laval&service=water&limit=2") != []
    first = ok(call(client, "GET", f"{ACCOUNTS}?q=laval&limit=2"))
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = ok(call(client, "GET", f"{ACCOUNTS}?q=laval&limit=2&cursor={first['next_cursor']}"))
    assert len(rest["items"]) == 1 and rest["next_cursor"] is None


def test_two_clerks_editing_the_same_version_one_wins_one_gets_409(client: Client) -> None:
    account = ok(call(client, "POST", ACCOUNTS, owner_body()), 201)
    path = f"{ACCOUNTS}/{account['id']}/services"
    first = {"version": 1, "services": [{"service_type": "water", "start_date": "2026-11-26"}]}
    second = {"version": 1, "services": [{"service_type": "waste", "start_date": "2026-11-26"}]}
    won = ok(call(client, "PUT", path, first))
    assert won["version"] == 2
    lost = call(client, "PUT", path, second)
    assert lost.status_code == 409
    assert lost.json_body["error"]["code"] == "version_conflict"
    assert lost.json_body["error"]["current_version"] == 2
    assert lost.json_body["error"]["field"] == "version"
    now = ok(call(client, "GET", f"{ACCOUNTS}/{account['id']}"))
    assert [s["service_type"] for s in now["services"]] == ["water"]


def test_a_settings_edit_keeps_every_setting_it_does_not_name(client: Client) -> None:
    account = ok(call(client, "POST", ACCOUNTS, owner_body(cart_size="medium")), 201)
    path = f"{ACCOUNTS}/{account['id']}/settings"
    assert account["cart_size"] == "medium"

    autopay = ok(call(client, "PUT", path, {"version": 1, "autopay": True}))
    assert (autopay["autopay"], autopay["cart_size"]) == (True, "medium")
    assert autopay["landlord_copies"] is False

    larger = ok(call(client, "PUT", path, {"version": 2, "cart_size": "large"}))
    assert (larger["autopay"], larger["cart_size"]) == (True, "large")

    removed = ok(call(client, "PUT", path, {"version": 3, "cart_size": None}))
    assert (removed["autopay"], removed["cart_size"]) == (True, None)
    history = ok(call(client, "GET", f"{ACCOUNTS}/{account['id']}/history"))["items"]
    assert history[1]["changes"] == {"autopay": {"before": False, "after": True}}


def test_history_records_who_when_and_before_after(client: Client) -> None:
    account = ok(call(client, "POST", ACCOUNTS, owner_body()), 201)
    path = f"{ACCOUNTS}/{account['id']}"
    ok(
        call(
            client,
            "PUT",
            f"{path}/settings",
            {"version": 1, "autopay": True, "landlord_copies": False},
        )
    )
    agent = ok(
        call(
            client,
            "POST",
            f"{path}/agents",
            {
                "version": 2,
                "agent": {"name": "Marc Côté", "scope": "pay", "valid_from": "2026-11-26"},
            },
        ),
        201,
    )
    (authorized,) = agent["agents"]
    revoked = ok(call(client, "DELETE", f"{path}/agents/{authorized['id']}?version=3"))
    assert revoked["agents"] == [] and revoked["version"] == 4
    history = ok(call(client, "GET", f"{path}/history"))["items"]
    assert [h["action"] for h in history] == [
        "AccountOpened",
        "AccountSettingsChanged",
        "AgentAuthorized",
        "AgentRevoked",
    ]
    assert history[1]["changes"] == {"autopay": {"before": False, "after": True}}
    assert history[1]["actor"] == {"subject": "staff-7", "role": "clerk"}
    assert history[1]["version"] == 2
    assert history[3]["changes"]["agents"]["before"][0]["name"] == "Marc Côté"
    page = ok(call(client, "GET", f"{path}/history?limit=3"))
    assert len(page["items"]) == 3 and page["next_cursor"]


def test_customer_edits_keep_every_detail_they_do_not_name(client: Client) -> None:
    account = ok(call(client, "POST", ACCOUNTS, owner_body()), 201)
    path = f"{CUSTOMERS}/{account['holder']['customer_id']}"
    mailing = address("PO Box 12")

    moved = ok(
        call(
            client,
            "PUT",
            f"{path}/contact",
            {"version": 1, "contact": {"mailing_address": mailing}},
        )
    )
    assert moved["name"] == "Élise Côté"
    assert moved["contact"]["email"] == "elise@example.ca"
    assert moved["contact"]["phone"] == "+16135550100"  # as normalized when it was opened
    assert moved["contact"]["mailing_address"]["street"] == "PO Box 12"

    renamed = ok(call(client, "PUT", f"{path}/contact", {"version": 2, "name": "Élise Gagnon"}))
    assert renamed["contact"] == moved["contact"]

    no_phone = ok(
        call(client, "PUT", f"{path}/contact", {"version": 3, "contact": {"phone": None}})
    )
    assert no_phone["contact"]["phone"] is None
    assert no_phone["contact"]["email"] == "elise@example.ca"
    assert no_phone["contact"]["mailing_address"] == moved["contact"]["mailing_address"]

    paper = ok(
        call(
            client, "PUT", f"{path}/preferences", {"version": 4, "preferences": {"ebilling": False}}
        )
    )
    none_given = {"email_consent": None, "sms_consent": None}
    assert paper["preferences"] == {
        "language": "fr",
        "contact_method": "email",
        "ebilling": False,
        **none_given,
    }
    english = ok(
        call(
            client, "PUT", f"{path}/preferences", {"version": 5, "preferences": {"language": "en"}}
        )
    )
    assert english["preferences"] == {
        "language": "en",
        "contact_method": "email",
        "ebilling": False,
        **none_given,
    }


def test_customer_changes_reach_their_accounts_and_search(client: Client) -> None:
    account = ok(call(client, "POST", ACCOUNTS, owner_body()), 201)
    customer_id = account["holder"]["customer_id"]
    changed = ok(
        call(
            client,
            "PUT",
            f"{CUSTOMERS}/{customer_id}/contact",
            {
                "version": 1,
                "name": "Élise Côté-Gagnon",
                "contact": {"email": "elise.gagnon@example.ca", "phone": "613-555-0199"},
            },
        )
    )
    assert changed["version"] == 2
    prefs = ok(
        call(
            client,
            "PUT",
            f"{CUSTOMERS}/{customer_id}/preferences",
            {"version": 2, "preferences": {"language": "en", "contact_method": "mail"}},
        )
    )
    # ebilling was not named: it keeps its value
    assert prefs["preferences"] == {
        "language": "en",
        "contact_method": "mail",
        "ebilling": True,
        "email_consent": None,
        "sms_consent": None,
    }
    now = ok(call(client, "GET", f"{ACCOUNTS}/{account['id']}"))
    assert now["holder"]["name"] == "Élise Côté-Gagnon"
    assert now["holder"]["email"] == "elise.gagnon@example.ca"
    assert now["language"] == "en"
    found = ok(call(client, "GET", f"{ACCOUNTS}?q=gagnon"))["items"]
    assert [a["id"] for a in found] == [account["id"]]
    actions = [
        h["action"] for h in ok(call(client, "GET", f"{ACCOUNTS}/{account['id']}/history"))["items"]
    ]
    assert actions == ["AccountOpened", "HolderDetailsRefreshed", "HolderDetailsRefreshed"]
    customer_history = ok(call(client, "GET", f"{CUSTOMERS}/{customer_id}/history"))["items"]
    assert [h["action"] for h in customer_history] == [
        "CustomerRegistered",
        "CustomerRevised",
        "CustomerRevised",
    ]


def test_property_corrections_reach_their_accounts(
    client: Client, building: dict[str, Any]
) -> None:
    prop = building["property"]
    body = {
        "version": 1,
        "address": address("14 Rue Laval"),
        "property_type": "multi-residential",
        "roll_number": "0614000333555550000",
        "units": ["1", "2", "3"],
        "meters": {"arrangement": "individual"},
    }
    revised = ok(call(client, "PUT", f"{PROPERTIES}/{prop['id']}", body))
    assert revised["version"] == 2 and revised["meters"]["arrangement"] == "individual"
    tenant = ok(call(client, "GET", f"{ACCOUNTS}/{building['tenants'][0]['id']}"))
    assert tenant["service_address"]["street"] == "14 Rue Laval"
    assert tenant["roll_number"] == "0614000333555550000"
    dropping_a_unit = {**body, "version": 2, "units": ["1", "2"]}
    refused = call(client, "PUT", f"{PROPERTIES}/{prop['id']}", dropping_a_unit)
    assert refused.status_code == 400 and refused.json_body["error"]["field"] == "units"


def test_closing_is_for_supervisors_and_only_after_the_final_bill(client: Client) -> None:
    account = ok(call(client, "POST", ACCOUNTS, owner_body()), 201)
    path = f"{ACCOUNTS}/{account['id']}/closure"
    assert call(client, "POST", path, {"version": 1}).status_code == 403
    early = call(client, "POST", path, {"version": 1}, Role.SUPERVISOR)
    assert early.status_code == 409 and early.json_body["error"]["field"] == "status"


def test_bad_inputs_on_every_resource_write_nothing(client: Client) -> None:
    account = ok(call(client, "POST", ACCOUNTS, owner_body()), 201)
    before = table_items()
    path = f"{ACCOUNTS}/{account['id']}"
    cases: list[tuple[str, str, Any, int, str | None]] = [
        ("POST", ACCOUNTS, owner_body(), 409, "property.roll_number"),
        ("PUT", f"{path}/services", {"services": []}, 400, "version"),
        ("PUT", f"{path}/services", {"version": 1, "services": []}, 400, "services"),
        (
            "PUT",
            f"{path}/services",
            {"version": 1, "services": [{"service_type": "gas", "start_date": "2026-11-26"}]},
            400,
            "services.0.service_type",
        ),
        (
            "PUT",
            f"{path}/services",
            {
                "version": 1,
                "services": [
                    {"service_type": "water", "start_date": "2026-11-26", "end_date": "2026-11-01"}
                ],
            },
            400,
            "services.0.end_date",
        ),
        (
            "POST",
            f"{path}/agents",
            {
                "version": 1,
                "agent": {
                    "name": "X",
                    "scope": "pay",
                    "valid_from": "2026-11-26",
                    "valid_to": "2026-01-01",
                },
            },
            400,
            "agent.valid_to",
        ),
        ("DELETE", f"{path}/agents/NOPE?version=1", None, 404, "agent_id"),
        ("DELETE", f"{path}/agents/NOPE", None, 400, "version"),
        ("GET", f"{ACCOUNTS}?q=a", None, 400, "q"),
        ("GET", f"{ACCOUNTS}?service=electricity", None, 400, "service"),
        # a cursor this API did not return names no page (like an unknown id)
        ("GET", f"{ACCOUNTS}?cursor=bm90LWEta2V5", None, 404, "cursor"),
        ("GET", f"{ACCOUNTS}?q=cote&cursor=x.bm90LWEta2V5", None, 404, "cursor"),
        ("GET", f"{ACCOUNTS}?q=cote&cursor=w.bm90LWEta2V5", None, 404, "cursor"),
        ("GET", f"{ACCOUNTS}?cursor=no%20cursor", None, 400, "cursor"),
        (
            "POST",
            PROPERTIES,
            {"address": address(), "roll_number": "0614-000-111-22222"},
            409,
            "roll_number",
        ),
        (
            "POST",
            PROPERTIES,
            {"address": address(), "location": {"latitude": 45, "longitude": -40}},
            400,
            "location.longitude",
        ),
        (
            "POST",
            PROPERTIES,
            {"address": address(), "owner_customer_id": "NOPE"},
            404,
            "owner_customer_id",
        ),
        (
            "POST",
            CUSTOMERS,
            {"name": "A", "contact": {"email": "a@b"}, "preferences": {"language": "fr"}},
            400,
            "contact.email",
        ),
        (
            "POST",
            CUSTOMERS,
            {"name": "A", "preferences": {"language": "fr", "ebilling": True}},
            400,
            "contact.email",
        ),
        ("GET", f"{PROPERTIES}?roll_number=12", None, 400, "roll_number"),
        ("GET", f"{CUSTOMERS}/NOPE", None, 404, "id"),
    ]
    for method, target, body, status, field in cases:
        response = call(client, method, target, body)
        assert response.status_code == status, (method, target, response.json_body)
        assert response.json_body["error"]["field"] == field, (method, target, response.json_body)
    assert table_items() == before


def test_pending_accounts_activate_when_their_services_start(client: Client) -> None:
    """The daily job, against DynamoDB: due accounts activate once, the others stay pending."""
    later = (datetime.now(UTC) + timedelta(days=10)).date()
    services = [{"service_type": "water", "start_date": later.isoformat()}]
    soon = ok(call(client, "POST", ACCOUNTS, owner_body(services=services)), 201)
    far = ok(
        call(
            client,
            "POST",
            ACCOUNTS,
            owner_body(
                property={"address": address("9 Rue Loin")},
                services=[{"service_type": "water", "start_date": "2099-01-01"}],
            ),
        ),
        201,
    )
    assert soon["status"] == far["status"] == "pending"
    midnight = datetime(
        later.year, later.month, later.day, 0, 5, tzinfo=ZoneInfo("America/Toronto")
    )
    job = ActivateAccounts(
        DynamoAccountRepository(),
        DynamoChanges(),
        Recorder(FixedClock(midnight), SequentialIds("01K")),
    )
    assert job("scheduled-1") == 1
    assert job("scheduled-2") == 0
    assert ok(call(client, "GET", f"{ACCOUNTS}/{soon['id']}"))["status"] == "active"
    assert ok(call(client, "GET", f"{ACCOUNTS}/{far['id']}"))["status"] == "pending"
    actions = [
        h["action"] for h in ok(call(client, "GET", f"{ACCOUNTS}/{soon['id']}/history"))["items"]
    ]
    assert actions == ["AccountOpened", "AccountActivated"]
