"""SQS consumers: each body typed at the edge; a record that fails to parse or to be handled is
reported alone (``batchItemFailures``), the others are handled."""

from __future__ import annotations

from aws_lambda_powertools import Logger

from civiq.core.events import DomainEvent
from civiq.metering.schemas.reading_imports import RowBatchMessage
from civiq.platform.sqs import process_domain_events, process_messages
from tests.helpers.files import load_event


def test_records_are_handled_typed_and_an_unreadable_one_fails_alone() -> None:
    handled: list[RowBatchMessage] = []
    response = process_messages(
        load_event("sqs/reading_rows_with_poison.json"),
        None,
        RowBatchMessage.model_validate_json,
        handled.append,
    )
    assert response == {"batchItemFailures": [{"itemIdentifier": "9d2f4b6c-0002"}]}
    assert [type(m) for m in handled] == [RowBatchMessage, RowBatchMessage]


def test_a_record_whose_handling_raises_fails_alone() -> None:
    def handle(message: RowBatchMessage) -> None:
        if message.rows[0].line == 3:
            raise RuntimeError("table unavailable")

    response = process_messages(
        load_event("sqs/reading_rows_with_poison.json"),
        None,
        RowBatchMessage.model_validate_json,
        handle,
    )
    assert response == {
        "batchItemFailures": [
            {"itemIdentifier": "9d2f4b6c-0002"},
            {"itemIdentifier": "9d2f4b6c-0003"},
        ]
    }


def test_domain_events_are_handled_and_a_poison_message_fails_alone() -> None:
    handled: list[DomainEvent] = []
    response = process_domain_events(
        load_event("sqs/domain_events_with_poison.json"), None, handled.append, Logger("test")
    )
    assert response == {"batchItemFailures": [{"itemIdentifier": "0b1f2c3d-0002"}]}
    assert [e.event_type for e in handled] == ["AccountOpened"]
