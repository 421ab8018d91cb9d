"""Rate schedules and quotes through real Chalice routing, against in-process moto."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from chalice.test import Client

from civiq.core.staff import Role
from infra.local.demo_rates import SCHEDULE_ID, sample_schedule, sample_version
from tests.helpers.api import headers, token
from tests.helpers.emulator import table_items

RATES = "/api/v1/utility/rates"
SCHEDULE = f"{RATES}/{SCHEDULE_ID}"


def call(
    client: Client, method: str, path: str, body: Any = None, role: Role = Role.SUPERVISOR
) -> Any:
    raw = None if body is None else body if isinstance(body, str) else json.dumps(body)
    return getattr(client.http, method.lower())(path, headers=headers(token(role)), body=raw)


def history() -> list[dict[str, Any]]:
    items = [i for i in table_items() if i["PK"]["S"] == f"RATE#{SCHEDULE_ID}"]
    audit = [i for i in items if i["SK"]["S"].startswith("AUDIT#")]
    return sorted(audit, key=lambda i: i["SK"]["S"])


def quote_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "period_start": "2026-02-28",
        "period_end": "2026-04-30",  # 61 days
        "volume": "75.250",
        "meter_size": "16mm",
        "property_type": "single-family",
        "services": ["water", "sewer", "stormwater", "waste"],
        "cart_size": "medium",
        "miscellaneous": [{"description": "Meter test", "amount": "75.00"}],
    }
    body.update(changes)
    return body


def test_create_then_read_and_list(chalice_app: Any) -> None:
    with Client(chalice_app) as client:
        created = call(client, "POST", RATES, sample_schedule())
        assert created.status_code == 201, created.json_body
        assert created.headers["Location"] == SCHEDULE
        schedule = created.json_body
        assert (schedule["schedule_id"], schedule["version"]) == (SCHEDULE_ID, 1)
        (version,) = schedule["versions"]
        assert (version["effective_from"], version["effective_to"]) == ("2026-01-01", None)
        fixed, blocks, sewer, stormwater, waste = version["components"]
        # posted as "annual": read back as prices with their basis
        assert fixed["prices"]["16mm"] == "372.00" and fixed["charge_type"] == "water"
        assert fixed["basis"] == {"per": "year"}
        assert blocks["basis"] == {"per": "days", "days": 30}
        assert [(b["limit"], b["rate"]) for b in blocks["blocks"]] == [
            ("15", "1.8900"),
            ("30", "2.3400"),
            (None, "2.9800"),
        ]
        assert (sewer["component"], sewer["percent"]) == ("sewer", "80")
        assert stormwater["prices"]["commercial"] == "552.00"
        assert waste["prices"] == {"small": "150.00", "medium": "200.00", "large": "260.00"}
        assert version["day_count"] == "actual/365" and "periods_per_year" not in version
        assert version["taxes"] == [{"charge_type": "miscellaneous", "name": "HST", "rate": "0.13"}]

        read = call(client, "GET", SCHEDULE, role=Role.CLERK)
        assert read.status_code == 200 and read.json_body == schedule
        listed = call(client, "GET", RATES, role=Role.CLERK)
        assert listed.json_body == {"items": [schedule]}
    (entry,) = history()
    assert entry["action"]["S"] == "RateScheduleCreated"
    assert entry["actor_role"]["S"] == "supervisor"


def test_what_was_read_can_be_posted_back() -> None:
    from civiq.rates.schemas.rates import NewRateSchedule, RateScheduleResponse

    schedule = NewRateSchedule.model_validate_json(json.dumps(sample_schedule())).to_domain()
    echoed = json.loads(RateScheduleResponse.of(schedule).model_dump_json())
    del echoed["version"]
    assert NewRateSchedule.model_validate_json(json.dumps(echoed)).to_domain() == schedule


def test_only_supervisors_change_rates(chalice_app: Any) -> None:
    with Client(chalice_app) as client:
        refused = call(client, "POST", RATES, sample_schedule(), role=Role.CLERK)
        assert refused.status_code == 403
        assert table_items() == []
        assert call(client, "POST", RATES, sample_schedule()).status_code == 201
        version = {**sample_version("2027-01-01"), "version": 1}
        clerk = call(client, "POST", f"{SCHEDULE}/versions", version, role=Role.CLERK)
        assert clerk.status_code == 403
        quote = call(client, "POST", f"{SCHEDULE}/quote", quote_body(), role=Role.CLERK)
        assert quote.status_code == 200


def test_a_new_version_closes_the_open_one_the_day_before(chalice_app: Any) -> None:
    with Client(chalice_app) as client:
        call(client, "POST", RATES, sample_schedule())
        raised = sample_version("2027-01-01")
        raised["components"][1]["blocks"][0]["rate"] = "1.9800"
        added = call(client, "POST", f"{SCHEDULE}/versions", {**raised, "version": 1})
        assert added.status_code == 201, added.json_body
        schedule = added.json_body
        assert schedule["version"] == 2
        assert [(v["effective_from"], v["effective_to"]) for v in schedule["versions"]] == [
            ("2026-01-01", "2026-12-31"),
            ("2027-01-01", None),
        ]
        assert call(client, "GET", SCHEDULE, role=Role.CLERK).json_body == schedule

        # a period across the change is prorated by days: 31 days at each version's rates
        across = quote_body(
            period_start="2026-11-30", period_end="2027-01-31", volume="62.000", miscellaneous=[]
        )
        quoted = call(client, "POST", f"{SCHEDULE}/quote", across, role=Role.CLERK).json_body
        first_blocks = [
            (line["rate_effective_from"], line["quantity"], line["unit_price"], line["amount"])
            for line in quoted["lines"]
            if line["kind"] == "block" and line["tier"] == 1
        ]
        # 15 m3 per 30 days over 31 days: 15.5 m3 in block 1, in each half
        assert first_blocks == [
            ("2026-01-01", "15.500", "1.8900", "29.30"),  # 29.295, half up
            ("2027-01-01", "15.500", "1.9800", "30.69"),
        ]
    assert [e["action"]["S"] for e in history()] == ["RateScheduleCreated", "RateVersionAdded"]


def test_an_overlapping_or_stale_version_is_refused_and_nothing_is_written(
    chalice_app: Any,
) -> None:
    with Client(chalice_app) as client:
        call(client, "POST", RATES, sample_schedule())
        before = table_items()
        overlapping = {**sample_version("2025-06-01"), "effective_to": "2026-01-31", "version": 1}
        refused = call(client, "POST", f"{SCHEDULE}/versions", overlapping)
        assert refused.status_code == 409
        assert refused.json_body["error"]["field"] == "effective_from"
        stale = call(
            client, "POST", f"{SCHEDULE}/versions", {**sample_version("2027-01-01"), "version": 7}
        )
        assert stale.status_code == 409
        assert stale.json_body["error"]["code"] == "version_conflict"
        assert stale.json_body["error"]["current_version"] == 1
        unknown = call(
            client, "POST", f"{RATES}/nowhere/versions", {**sample_version(), "version": 1}
        )
        assert (unknown.status_code, unknown.json_body["error"]["field"]) == (404, "schedule_id")
        assert table_items() == before


def _schedule_with(change: Any) -> dict[str, Any]:
    body = copy.deepcopy(sample_schedule())
    change(body)
    return body


def _second_version(body: dict[str, Any]) -> None:
    body["versions"][0]["effective_to"] = "2026-06-30"
    body["versions"].append(sample_version("2026-06-30"))


def _set(path: str, value: Any) -> Any:
    def change(body: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = body
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[int(last) if last.isdigit() else last] = value

    return change


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (
            _set("versions.0.components.1.blocks.1.limit", "10"),
            "versions.0.components.1.blocks.1.limit",
        ),
        (
            _set("versions.0.components.1.blocks.0.rate", "-1.8900"),
            "versions.0.components.1.blocks.0.rate",
        ),
        (
            _set("versions.0.components.1.blocks.0.rate", 1.89),
            "versions.0.components.1.blocks.0.rate",
        ),
        (
            _set("versions.0.components.1.blocks.0.rate", "1.89001"),
            "versions.0.components.1.blocks.0.rate",
        ),
        (
            _set("versions.0.components.0.annual.16mm", "-372.00"),
            "versions.0.components.0.annual.16mm",
        ),
        (
            _set("versions.0.components.0.annual", {"17mm": "372.00"}),
            "versions.0.components.0.annual.17mm",
        ),
        (_set("versions.0.components.2.percent", "80.125"), "versions.0.components.2.percent"),
        (_set("versions.0.components.2.winter_cap", True), "versions.0.components.2.winter_cap"),
        (_set("versions.0.components.0.percent", "80"), "versions.0.components.0.percent"),
        (_set("versions.0.components.3.annual", None), "versions.0.components.3.prices"),
        (_set("versions.0.components.4.component", "compost"), "versions.0.components.4.component"),
        (_set("versions.0.taxes.0.rate", "13"), "versions.0.taxes.0.rate"),
        (_set("versions.0.effective_to", "2025-12-31"), "versions.0.effective_to"),
        (_second_version, "versions.1.effective_from"),
        (_set("schedule_id", "Town Rates"), "schedule_id"),
    ],
    ids=[
        "blocks-out-of-order",
        "negative-rate",
        "rate-as-a-json-number",
        "rate-beyond-4-decimals",
        "negative-fixed-charge",
        "unknown-meter-size",
        "percent-beyond-2-decimals",
        "winter-cap-on-a-percent",
        "field-of-another-kind",
        "missing-prices",
        "unknown-component",
        "tax-not-a-fraction",
        "ends-before-it-starts",
        "versions-overlap",
        "bad-schedule-id",
    ],
)
def test_a_bad_schedule_is_a_4xx_naming_the_field_and_writes_nothing(
    chalice_app: Any, change: Any, field: str
) -> None:
    with Client(chalice_app) as client:
        response = call(client, "POST", RATES, _schedule_with(change))
        assert response.status_code == 400, response.json_body
        assert response.json_body["error"]["field"] == field
        assert response.json_body["error"]["message"]
    assert table_items() == []


def test_a_bad_version_names_the_field_within_it(chalice_app: Any) -> None:
    with Client(chalice_app) as client:
        call(client, "POST", RATES, sample_schedule())
        before = table_items()
        version = {**sample_version("2027-01-01"), "version": 1}
        version["components"][1]["blocks"][2] = {"limit": "20", "rate": "2.98"}
        refused = call(client, "POST", f"{SCHEDULE}/versions", version)
        assert refused.status_code == 400
        assert refused.json_body["error"]["field"] == "components.1.blocks.2.limit"
        assert table_items() == before


def test_a_quote_itemizes_each_line_with_its_arithmetic(chalice_app: Any) -> None:
    with Client(chalice_app) as client:
        call(client, "POST", RATES, sample_schedule())
        response = call(client, "POST", f"{SCHEDULE}/quote", quote_body(), role=Role.CLERK)
        assert response.status_code == 200, response.json_body
        quote = response.json_body
    assert (quote["days"], quote["period_start"], quote["period_end"]) == (
        61,
        "2026-02-28",
        "2026-04-30",
    )
    lines = [
        (
            line["charge_type"],
            line["kind"],
            line["tier"],
            line["quantity"],
            line["unit"],
            line["unit_price"],
            line["days"],
            line["basis_days"],
            line["detail"],
            line["amount"],
        )
        for line in quote["lines"]
    ]
    assert lines == [
        # 372.00 a year x 61 / 365 days = 62.1698...
        ("water", "fixed", None, "1", "day", "372.00", 61, 365, "16mm", "62.17"),
        # blocks of 15 and 30 m3 per 30 days are 30.5 and 61 m3 over 61 days
        ("water", "block", 1, "30.500", "m3", "1.8900", 61, None, None, "57.65"),  # 57.645
        ("water", "block", 2, "30.500", "m3", "2.3400", 61, None, None, "71.37"),
        ("water", "block", 3, "14.250", "m3", "2.9800", 61, None, None, "42.47"),  # 42.465
        # 80% of the water consumption charges, 57.65 + 71.37 + 42.47 = 171.49
        ("sewer", "sewer-percent", None, "171.49", "bill", "0.8000", None, None, None, "137.19"),
        ("stormwater", "stormwater", None, "1", "day", "110.40", 61, 365, "single-family", "18.45"),
        ("waste", "waste", None, "1", "day", "200.00", 61, 365, "medium", "33.42"),
        (
            "miscellaneous",
            "miscellaneous",
            None,
            "1",
            "bill",
            "75.00",
            None,
            None,
            "Meter test",
            "75.00",
        ),
    ]
    assert all(line["rate_effective_from"] == "2026-01-01" for line in quote["lines"])
    assert quote["taxes"] == [
        {
            "charge_type": "miscellaneous",
            "name": "HST",
            "rate": "0.13",
            "base": "75.00",
            "amount": "9.75",
        }
    ]
    assert (quote["subtotal"], quote["tax_total"], quote["total"]) == ("497.72", "9.75", "507.47")
    assert quote["total_after_due"] is None
    assert [e["action"]["S"] for e in history()] == [
        "RateScheduleCreated"
    ]  # a quote writes nothing


@pytest.mark.parametrize(
    ("changes", "status", "field"),
    [
        ({"meter_size": None}, 400, "meter_size"),
        ({"cart_size": "huge"}, 400, "cart_size"),
        ({"volume": "-1"}, 400, "volume"),
        ({"volume": 75.25}, 400, "volume"),
        ({"period_end": "2026-02-01"}, 400, "period_end"),
        ({"period_start": "2025-11-30"}, 400, "period"),
        (
            {"miscellaneous": [{"description": "Permit", "amount": "-5"}]},
            400,
            "miscellaneous.0.amount",
        ),
    ],
)
def test_a_bad_quote_names_the_field(
    chalice_app: Any, changes: dict[str, Any], status: int, field: str
) -> None:
    with Client(chalice_app) as client:
        call(client, "POST", RATES, sample_schedule())
        response = call(client, "POST", f"{SCHEDULE}/quote", quote_body(**changes), role=Role.CLERK)
        assert response.status_code == status, response.json_body
        assert response.json_body["error"]["field"] == field


def test_an_unknown_schedule_is_not_found(chalice_app: Any) -> None:
    with Client(chalice_app) as client:
        for method, path, body in (
            ("GET", f"{RATES}/nowhere", None),
            ("POST", f"{RATES}/nowhere/quote", quote_body()),
        ):
            response = call(client, method, path, body, role=Role.CLERK)
            assert response.status_code == 404
            assert response.json_body["error"]["field"] == "schedule_id"


def test_a_schedule_id_is_created_once(chalice_app: Any) -> None:
    with Client(chalice_app) as client:
        assert call(client, "POST", RATES, sample_schedule()).status_code == 201
        again = call(client, "POST", RATES, sample_schedule())
        assert (again.status_code, again.json_body["error"]["field"]) == (409, "schedule_id")
    assert len(history()) == 1


def barrie_schedule() -> dict[str, Any]:
    """Barrie's bi-monthly bylaw as published: tiers 0-30-60-90 m3 and 24.92 per 60 days."""
    per_60_days = {"per": "days", "days": 60}
    return {
        "schedule_id": "barrie",
        "name": "Barrie water",
        "versions": [
            {
                "effective_from": "2026-01-01",
                "components": [
                    {
                        "component": "fixed",
                        "charge_type": "water",
                        "prices": {"16mm": "24.92"},
                        "basis": per_60_days,
                    },
                    {
                        "component": "blocks",
                        "charge_type": "water",
                        "basis": per_60_days,
                        "blocks": [
                            {"limit": "30", "rate": "1.5000"},
                            {"limit": "60", "rate": "2.0000"},
                            {"rate": "2.5000"},
                        ],
                    },
                    {
                        "component": "sewer",
                        "rate": "1.0000",
                        "cap": {"volume": "90", "basis": {"per": "period"}},
                    },
                ],
            }
        ],
    }


def test_figures_are_typed_as_published_with_their_basis(chalice_app: Any) -> None:
    with Client(chalice_app) as client:
        created = call(client, "POST", RATES, barrie_schedule())
        assert created.status_code == 201, created.json_body
        fixed = created.json_body["versions"][0]["components"][0]
        assert (fixed["prices"], fixed["basis"]) == ({"16mm": "24.92"}, {"per": "days", "days": 60})
        body = quote_body(period_start="2026-03-31", period_end="2026-06-01", volume="100")
        body.update(services=["water", "sewer"], miscellaneous=[])
        quote = call(client, "POST", f"{RATES}/barrie/quote", body, role=Role.CLERK).json_body
    assert [
        (x["kind"], x["quantity"], x["unit_price"], x["days"], x["basis_days"], x["amount"])
        for x in quote["lines"]
    ] == [
        ("fixed", "1", "24.92", 62, 60, "25.75"),  # 24.92 x 62 / 60 = 25.7506
        ("block", "31.000", "1.5000", 62, None, "46.50"),  # 30 x 62 / 60 = 31 m3
        ("block", "31.000", "2.0000", 62, None, "62.00"),  # 60 x 62 / 60 = 62 m3
        ("block", "38.000", "2.5000", 62, None, "95.00"),  # the rest: 100 - 62
        ("sewer-volumetric", "90.000", "1.0000", None, None, "90.00"),  # capped at 90 of the 100
    ]


@pytest.mark.parametrize(
    ("component", "field"),
    [
        ({"prices": {"16mm": "24.92"}}, "versions.0.components.0.basis"),
        (
            {"annual": {"16mm": "24.92"}, "basis": {"per": "year"}},
            "versions.0.components.0.basis",
        ),
        ({"prices": {"16mm": "1"}, "basis": {"per": "days"}}, "versions.0.components.0.basis.days"),
    ],
    ids=["prices-without-basis", "annual-with-basis", "days-without-count"],
)
def test_a_figure_without_its_basis_is_refused(
    chalice_app: Any, component: dict[str, Any], field: str
) -> None:
    body = barrie_schedule()
    body["versions"][0]["components"][0] = {
        "component": "fixed",
        "charge_type": "water",
        **component,
    }
    with Client(chalice_app) as client:
        response = call(client, "POST", RATES, body)
    assert response.status_code == 400, response.json_body
    assert response.json_body["error"]["field"] == field


def test_blocks_need_their_basis(chalice_app: Any) -> None:
    body = barrie_schedule()
    del body["versions"][0]["components"][1]["basis"]
    with Client(chalice_app) as client:
        response = call(client, "POST", RATES, body)
    assert response.status_code == 400
    assert response.json_body["error"]["field"] == "versions.0.components.1.basis"
