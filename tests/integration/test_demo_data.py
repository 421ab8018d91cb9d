"""The demo municipality: valid, deterministic, loadable through the API and directly."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import boto3
import pytest
from chalice.test import Client

from civiq.accounts.domain.properties import (
    MeterArrangement,
    MeterConfiguration,
    normalize_roll_number,
)
from civiq.core.addresses import POSTAL_CODE, Address, GeoPoint
from civiq.core.staff import Role
from civiq.platform.dynamodb.table import configure_models
from civiq.platform.tokens import LocalTokens
from infra.local import dynamodb_transactions
from infra.local.demo import (
    ACCOUNTS,
    CUSTOMERS,
    PROPERTIES,
    DemoLoadError,
    Plan,
    Send,
    load_direct,
    load_via_api,
    municipality,
    shares_for,
)
from tests.helpers.emulator import LEDGER_TABLE, REGION, SIGNING_KEY, TABLE


@pytest.fixture
def one_backup_per_transaction() -> None:
    """moto 5.2.5 deep-copies a table per item of a TransactWriteItems, so loading a town through
    the API would grow quadratically: the local stack's journal patch writes the same result."""
    dynamodb_transactions.install()


def _sender(client: Client) -> Send:
    token = LocalTokens(SIGNING_KEY).mint(
        "demo", [Role.CLERK], datetime.now(UTC), timedelta(hours=1)
    )
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}

    def send(method: str, path: str, body: dict[str, Any]) -> tuple[int, Any]:
        call = getattr(client.http, method.lower())
        answer = call(path, headers=headers, body=json.dumps(body) if body else None)
        return answer.status_code, answer.json_body

    return send


def _properties(plan: Plan) -> Iterator[dict[str, Any]]:
    for call in plan.calls:
        if call.path == PROPERTIES:
            yield call.body
        elif call.path == ACCOUNTS and "property" in call.body:
            yield call.body["property"]


def _customers(plan: Plan) -> Iterator[dict[str, Any]]:
    for call in plan.calls:
        if call.path == CUSTOMERS:
            yield call.body
        elif call.path == ACCOUNTS:
            yield call.body["customer"]


def _items(table: str) -> list[dict[str, Any]]:
    """Every item (a test may Scan; the API never does)."""
    client = boto3.client("dynamodb", region_name=REGION)
    return [
        i for page in client.get_paginator("scan").paginate(TableName=table) for i in page["Items"]
    ]


def _account_counts(items: list[dict[str, Any]]) -> Counter[str]:
    """Accounts by status, summed over the count shards."""
    total: Counter[str] = Counter()
    for item in items:
        if _kind(item) == "TOTALS ACCOUNTS":
            total.update({k: int(v["N"]) for k, v in item.items() if k not in ("PK", "SK")})
    return total


def _kind(item: dict[str, Any]) -> str:
    pk, sk = item["PK"]["S"], item["SK"]["S"]
    if pk.startswith(("SEARCH#", "OUTBOX#")):
        return pk.split("#")[0]
    if sk.startswith("AUDIT#"):
        return f"{pk.split('#')[0]} AUDIT"
    return f"{pk.split('#')[0]} {sk.split('#')[0]}"


def test_a_small_town_loads_through_the_api(
    chalice_app: Any, one_backup_per_transaction: None
) -> None:
    plan = municipality(properties=30, seed=11)
    assert plan.properties == 30
    with Client(chalice_app) as client:
        send = _sender(client)
        opened = load_via_api(plan, send)
        assert len(opened) == plan.accounts

        roles = Counter(a["holder_role"] for a in opened)
        assert roles["owner"] and roles["tenant"], roles
        assert {a["language"] for a in opened} == {"en", "fr"}
        assert all(a["status"] == "active" for a in opened)
        assert any(a["autopay"] for a in opened)
        assert any(a["landlord_copies"] for a in opened)
        tenants = [a for a in opened if a["holder_role"] == "tenant"]
        assert all(
            a["owner_customer_id"] not in (None, a["holder"]["customer_id"]) for a in tenants
        )
        assert any(a["service_address"]["unit"] for a in tenants)

        arrangements: Counter[str] = Counter()
        for property_id in sorted({a["property_id"] for a in opened}):
            status, prop = send("GET", f"{PROPERTIES}/{property_id}", {})
            assert status == 200, prop
            assert len(prop["accounts"]) == max(1, len(prop["units"]))  # a tenant per dwelling
            if prop["units"]:
                arrangements[prop["meters"]["arrangement"]] += 1
            if prop["meters"]["arrangement"] == "shared":
                assert sum(Decimal(s) for s in prop["meters"]["shares"].values()) == 1
        assert arrangements["shared"] and arrangements["individual"], arrangements

        landlord = tenants[0]["owner_customer_id"]
        status, owner = send("GET", f"{CUSTOMERS}/{landlord}", {})
        assert status == 200 and owner["accounts"], owner
        status, found = send("GET", f"{ACCOUNTS}?q={quote(opened[0]['holder']['name'])}", {})
        assert status == 200 and opened[0]["id"] in [i["id"] for i in found["items"]], found


def test_a_refused_call_stops_the_load_naming_it(
    chalice_app: Any, one_backup_per_transaction: None
) -> None:
    plan = municipality(accounts=3, seed=1)
    broken = Plan(plan.town, plan.seed, plan.calls[:1] * 2, 2, 2, 2)  # same roll number twice
    with Client(chalice_app) as client, pytest.raises(DemoLoadError, match="demo call 1 POST"):
        load_via_api(broken, _sender(client))
    kinds = Counter(map(_kind, _items(TABLE)))  # the refused transaction wrote nothing
    assert kinds["ACCOUNT ACCOUNT"] == kinds["PROPERTY PROPERTY"] == kinds["CUSTOMER CUSTOMER"] == 1


def test_same_seed_same_plan() -> None:
    first = municipality(properties=300, seed=5)
    assert first.as_json() == municipality(properties=300, seed=5).as_json()
    assert first.as_json() != municipality(properties=300, seed=6).as_json()
    # the limit only cuts the town short: a smaller town is the same town, fewer lots
    assert municipality(accounts=40, seed=5).calls[:20] == first.calls[:20]


def test_mix_of_a_town() -> None:
    plan = municipality(accounts=5000)
    assert plan.accounts == 5000
    types = Counter(p["property_type"] for p in _properties(plan))
    assert types.most_common(1)[0][0] == "single-family"
    assert {"single-family", "semi-detached", "townhouse", "multi-residential"} <= set(types)
    buildings = [p for p in _properties(plan) if p.get("units")]
    assert all(4 <= len(p["units"]) <= 24 for p in buildings)
    assert {p["meters"]["arrangement"] for p in buildings} == {"shared", "individual"}
    customers = list(_customers(plan))
    assert len(customers) == plan.customers
    assert Counter(c["preferences"]["language"] for c in customers).keys() == {"en", "fr"}
    methods = Counter(c["preferences"]["contact_method"] for c in customers)
    assert methods.keys() == {"email", "mail", "sms"}
    assert any(c["preferences"]["ebilling"] for c in customers)
    assert any(c.get("kind") == "organization" for c in customers)
    names = " ".join(c["name"] for c in customers)
    for accented in ("Côté", "Gagnon", "Lévesque", "Béliveau"):
        assert accented in names
    holders = Counter(c.body.get("holder_role") for c in plan.calls if c.path == ACCOUNTS)
    assert holders["owner"] > 0 and holders["tenant"] > 0


def test_every_generated_value_passes_the_domain_validators() -> None:
    plan = municipality(accounts=5000)
    town = plan.town
    rolls = []
    for prop in _properties(plan):
        roll = prop["roll_number"]
        assert len(roll) == 19 and normalize_roll_number(roll) == roll
        assert roll.startswith(town.municipality_code)
        rolls.append(roll)
        address = Address(**prop["address"])
        assert POSTAL_CODE.fullmatch(address.postal_code)
        assert address.postal_code == prop["address"]["postal_code"]  # already canonical
        assert address.postal_code[:3] in town.fsas
        pin = GeoPoint(
            Decimal(prop["location"]["latitude"]), Decimal(prop["location"]["longitude"])
        )
        assert town.south <= pin.latitude <= town.north
        assert town.west <= pin.longitude <= town.east
        meters = prop.get("meters", {"arrangement": "individual", "shares": {}})
        shares = {u: Decimal(s) for u, s in meters.get("shares", {}).items()}
        MeterConfiguration(MeterArrangement(meters["arrangement"]), shares)  # sums to exactly 1
        assert all(s == s.quantize(Decimal("0.0001")) for s in shares.values())
    assert len(set(rolls)) == len(rolls)
    for customer in _customers(plan):
        mailing = customer["contact"].get("mailing_address")
        if mailing:
            assert POSTAL_CODE.fullmatch(Address(**mailing).postal_code)


def test_shares_add_up_to_one_with_the_last_unit_taking_the_remainder() -> None:
    units = [str(u) for u in range(1, 8)]
    shares = shares_for(units, [Decimal(1)] * 7)
    assert list(shares.values()) == ["0.1429"] * 6 + ["0.1426"]
    assert sum(Decimal(s) for s in shares.values()) == 1


def test_the_direct_load_writes_what_the_api_writes(
    chalice_app: Any, template_resources: dict[str, Any], one_backup_per_transaction: None
) -> None:
    """Same plan, two tables: through the API, and directly (services + the adapter's items in
    batches). The same items of the same kinds, with the same attributes, the same account
    numbers; only the outbox differs (the API publishes and deletes it; the direct load has none).
    """
    plan = municipality(properties=12, seed=3)
    with Client(chalice_app) as client:
        opened = load_via_api(plan, _sender(client))
    by_api = [i for i in _items(TABLE) if _kind(i) != "OUTBOX"]
    direct_table = "civiq-test-direct"
    table = template_resources["MainTable"]["Properties"]
    boto3.client("dynamodb", region_name=REGION).create_table(
        TableName=direct_table,
        **{k: table[k] for k in ("AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes")},
        BillingMode=table["BillingMode"],
    )
    configure_models(direct_table, LEDGER_TABLE, REGION, None)
    try:
        loaded = load_direct(plan)
    finally:
        configure_models(TABLE, LEDGER_TABLE, REGION, None)
    direct = _items(direct_table)
    assert loaded.accounts == plan.accounts
    assert loaded.items == len(direct) - 1  # and the account-number counter, updated in place

    counts = "TOTALS ACCOUNTS"  # sharded by account id: which shards are used varies
    assert Counter(k for k in map(_kind, direct) if k != counts) == Counter(
        k for k in map(_kind, by_api) if k != counts
    )
    assert _account_counts(direct) == _account_counts(by_api) == Counter({"active": plan.accounts})
    shapes_api = {(_kind(i), frozenset(i)) for i in by_api if _kind(i) != counts}
    shapes_direct = {(_kind(i), frozenset(i)) for i in direct if _kind(i) != counts}
    assert shapes_direct == shapes_api
    numbers = sorted(i["account_number"]["S"] for i in direct if _kind(i) == "ACCOUNT ACCOUNT")
    assert numbers == sorted(a["account_number"] for a in opened)


def test_the_direct_load_refuses_a_table_in_use(aws: None) -> None:
    load_direct(municipality(accounts=2, seed=2))
    with pytest.raises(ValueError, match="empty table"):
        load_direct(municipality(accounts=2, seed=2))
