"""History records: flat before/after of each changed field, as the append-only history keeps it."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civiq.accounts.domain.accounts import AccountStatus, Service, ServiceStatus, ServiceType
from civiq.accounts.domain.properties import Property, PropertyType
from civiq.core.addresses import GeoPoint
from civiq.core.history import as_record, changes, subject_of
from tests.helpers.builders import NOW, TODAY, account, address, holder, services, shared_meters

WATER, SEWER = ServiceType.WATER, ServiceType.SEWER


def test_only_the_fields_that_differ_are_listed_with_before_and_after() -> None:
    before = account()
    after = before.revised(autopay=True)
    assert changes(before, after) == {"autopay": {"before": False, "after": True}}


def test_no_change_lists_nothing() -> None:
    assert changes(account(), account()) == {}


def test_the_version_is_ignored() -> None:
    before = account()
    assert changes(before, before.revised()) == {}


def test_nested_records_are_compared_field_by_field() -> None:
    before = account()
    after = before.with_holder(holder(name="Élise Côté"))
    after = after.revised(service_address=address(unit="3"))
    assert changes(before, after) == {
        "holder.name": {"before": "Élise Tremblay", "after": "Élise Côté"},
        "service_address.unit": {"before": None, "after": "3"},
    }


def test_lists_are_compared_whole() -> None:
    before = account(services=services(WATER, SEWER))
    after = before.with_services(
        [Service(WATER, TODAY), Service(SEWER, TODAY, ServiceStatus.SUSPENDED)]
    )
    start = TODAY.isoformat()
    assert changes(before, after) == {
        "services": {
            "before": [
                {
                    "service_type": "water",
                    "start_date": start,
                    "status": "active",
                    "end_date": None,
                },
                {
                    "service_type": "sewer",
                    "start_date": start,
                    "status": "active",
                    "end_date": None,
                },
            ],
            "after": [
                {
                    "service_type": "water",
                    "start_date": start,
                    "status": "active",
                    "end_date": None,
                },
                {
                    "service_type": "sewer",
                    "start_date": start,
                    "status": "suspended",
                    "end_date": None,
                },
            ],
        }
    }


def test_enums_dates_and_datetimes_become_strings() -> None:
    before = account().moved_out(TODAY)
    after = before.closed(NOW + timedelta(hours=1))
    assert changes(before, after) == {
        "status": {"before": "final-billed", "after": "closed"},
        "closed_at": {"before": None, "after": "2026-11-26T15:00:00+00:00"},
    }


def test_creation_has_before_none_for_every_field_set() -> None:
    created = account()
    listed = changes(None, created)
    assert listed["account_number"] == {"before": None, "after": "UB00000018"}
    assert listed["holder.name"] == {"before": None, "after": "Élise Tremblay"}
    assert listed["status"] == {"before": None, "after": "active"}
    assert all(entry["before"] is None for entry in listed.values())
    assert "version" not in listed
    assert "closed_at" not in listed  # None before and after: nothing to show


def test_decimals_and_mappings_are_recorded_as_text() -> None:
    record = as_record(GeoPoint(Decimal("45.4215"), Decimal("-75.6972")))
    assert record == {"latitude": "45.4215", "longitude": "-75.6972"}


def test_history_lives_under_the_entity_subject() -> None:
    assert subject_of(account()) == "ACCOUNT#A1"
    prop = Property("P7", address(), None, PropertyType.TOWNHOUSE, NOW)
    assert subject_of(prop) == "PROPERTY#P7"
    with pytest.raises(TypeError, match="has no history"):
        subject_of(address())


def test_as_record_is_json_ready() -> None:
    record = as_record(account(status=AccountStatus.PENDING))
    assert json.loads(json.dumps(record)) == record


@given(st.booleans(), st.booleans(), st.text(min_size=1, max_size=20).filter(str.strip))
def test_changes_list_exactly_the_fields_that_were_edited(
    autopay: bool, pending: bool, name: str
) -> None:
    before = account()
    status = AccountStatus.PENDING if pending else AccountStatus.ACTIVE
    after = before.revised(autopay=autopay, status=status).with_holder(holder(name=name))
    expected = {
        key
        for key, edited in (
            ("autopay", autopay),
            ("status", pending),
            ("holder.name", name != before.holder.name),
        )
        if edited
    }
    listed = changes(before, after)
    assert set(listed) == expected
    for key, entry in listed.items():
        assert entry["before"] != entry["after"], key


def _at(record: dict[str, Any], path: str) -> Any:
    node: Any = record
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def test_every_listed_value_is_the_value_at_that_path() -> None:
    before = Property("P1", address(), None, PropertyType.TOWNHOUSE, NOW, units=("1", "2"))
    after = before.revised(meters=shared_meters(**{"1": "0.5", "2": "0.5"}))
    old, new = as_record(before), as_record(after)
    listed = changes(before, after)
    assert listed["meters.shares.1"] == {"before": None, "after": "0.5"}
    for path, entry in listed.items():
        assert entry == {"before": _at(old, path), "after": _at(new, path)}, path
