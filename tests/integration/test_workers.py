"""Worker functions on their sample events (events/), against in-process moto."""

from __future__ import annotations

import json
from types import ModuleType

import pytest

from civiq.core.envelope import envelope_from_eventbridge
from civiq.event_catalog import payload_of
from tests.helpers.emulator import BUS, LEDGER_TABLE, TABLE
from tests.helpers.files import load_event
from tests.helpers.handlers import Context, audit_rows, load_handler


@pytest.fixture
def audit_writer(aws: None, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.setenv("TABLE_NAME", TABLE)
    monkeypatch.setenv("LEDGER_TABLE_NAME", LEDGER_TABLE)
    monkeypatch.setenv("EVENT_BUS_NAME", BUS)
    return load_handler("audit_writer")


def test_sample_event_matches_the_published_schema() -> None:
    envelope = envelope_from_eventbridge(load_event("eventbridge/account_opened.json"))
    assert payload_of(envelope).model_dump()["language"] == "fr"


def test_poison_message_fails_alone_and_the_good_one_is_recorded(audit_writer: ModuleType) -> None:
    batch = load_event("sqs/domain_events_with_poison.json")
    result = audit_writer.handler(batch, Context())
    assert result == {"batchItemFailures": [{"itemIdentifier": "0b1f2c3d-0002"}]}
    (row,) = audit_rows("ACCOUNT#01JDX3V1Q8C7M2N4P6R8T0W2Y3")
    assert row["action"]["S"] == "AccountOpened"
    assert row["correlation_id"]["S"] == "b1f0c2d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d"


def test_the_same_batch_delivered_twice_records_once(audit_writer: ModuleType) -> None:
    good = load_event("sqs/domain_events_with_poison.json")["Records"][:1]
    for _ in range(2):
        assert audit_writer.handler({"Records": good}, Context()) == {"batchItemFailures": []}
    assert len(audit_rows("ACCOUNT#01JDX3V1Q8C7M2N4P6R8T0W2Y3")) == 1
    assert json.loads(good[0]["body"])["detail-type"] == "AccountOpened"
