"""Every event type has a sample in events/, and the samples are what the code emits."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from chalice.test import Client

from civiq.core.dates import MUNICIPAL_TIME_ZONE
from civiq.core.envelope import envelope_from_eventbridge
from civiq.event_catalog import EVENT_SCHEMAS, payload_of
from tests.helpers.api import call
from tests.helpers.files import REPO, load_event

SAMPLES = REPO / "events" / "eventbridge"


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


@pytest.mark.parametrize(("event_type", "version"), sorted(EVENT_SCHEMAS))
def test_each_event_type_has_a_sample_that_validates(event_type: str, version: int) -> None:
    sample = SAMPLES / f"{snake(event_type)}.json"
    assert sample.exists(), f"add a sample at {sample.relative_to(REPO)}"
    message = load_event(str(Path("eventbridge") / sample.name))
    assert message["detail-type"] == event_type
    envelope = envelope_from_eventbridge(message)
    assert (envelope.event_type, envelope.version) == (event_type, version)
    payload_of(envelope)


def test_every_sample_is_a_known_event_type() -> None:
    known = {snake(event_type) for event_type, _ in EVENT_SCHEMAS}
    assert {p.stem for p in SAMPLES.glob("*.json")} <= known


def test_the_sample_open_account_request_opens_an_account(chalice_app: Any) -> None:
    with Client(chalice_app) as client:
        opened = call(
            client, "POST", "/api/v1/utility/accounts", load_event("api/open_account_request.json")
        )
        assert opened.status_code == 201, opened.json_body
        assert opened.json_body["roll_number"] == "8101000123456000000"
        starts = min(s["start_date"] for s in opened.json_body["services"])
        expected = (
            "pending" if starts > datetime.now(MUNICIPAL_TIME_ZONE).date().isoformat() else "active"
        )
        assert opened.json_body["status"] == expected
