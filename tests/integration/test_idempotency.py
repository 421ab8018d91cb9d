"""Requests answered once per Idempotency-Key (Powertools idempotency on the template's table,
in moto): the first answer is kept, another request under the key is refused, a duplicate
arriving while the first runs is a conflict, and a failed first attempt leaves no record."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

from civiq.core.errors import Conflict, NotFound
from civiq.platform.idempotency import IdempotencyKeyReused, IdempotentRequests
from tests.helpers.emulator import IDEMPOTENCY_TABLE, REGION


@pytest.fixture
def requests(aws: None) -> IdempotentRequests:
    client = boto3.client("dynamodb", region_name=REGION)
    return IdempotentRequests(
        DynamoDBPersistenceLayer(table_name=IDEMPOTENCY_TABLE, boto3_client=client), 3600
    )


def test_the_first_answer_is_kept_and_given_again(requests: IdempotentRequests) -> None:
    calls: list[int] = []

    def respond() -> dict[str, Any]:
        calls.append(1)
        return {"status": 201, "body": {"n": len(calls)}}

    first = requests.once("pay", "key-00000001", {"amount": "1.00"}, respond)
    again = requests.once("pay", "key-00000001", {"amount": "1.00"}, respond)
    assert first == again == {"status": 201, "body": {"n": 1}}
    assert len(calls) == 1
    other_scope = requests.once("refund", "key-00000001", {"amount": "1.00"}, respond)
    assert other_scope["body"] == {"n": 2}  # keys are per route


def test_the_same_key_with_another_request_is_refused(requests: IdempotentRequests) -> None:
    requests.once("pay", "key-00000002", {"amount": "1.00"}, lambda: {"ok": 1})
    with pytest.raises(IdempotencyKeyReused) as refused:
        requests.once("pay", "key-00000002", {"amount": "2.00"}, lambda: {"ok": 2})
    assert refused.value.field == "Idempotency-Key"


def test_a_duplicate_while_the_first_is_running_is_a_conflict(
    requests: IdempotentRequests,
) -> None:
    def respond() -> dict[str, Any]:
        # the client gave up waiting and sent the request again, while this one still runs
        with pytest.raises(Conflict) as busy:
            requests.once("pay", "key-00000003", {"amount": "1.00"}, lambda: {"second": True})
        assert busy.value.field == "Idempotency-Key"
        return {"first": True}

    assert requests.once("pay", "key-00000003", {"amount": "1.00"}, respond) == {"first": True}


def test_a_failed_first_attempt_can_be_tried_again(requests: IdempotentRequests) -> None:
    def fail() -> dict[str, Any]:
        raise NotFound("no account", "id")

    with pytest.raises(NotFound):
        requests.once("pay", "key-00000004", {"amount": "1.00"}, fail)
    assert requests.once("pay", "key-00000004", {"amount": "1.00"}, lambda: {"ok": 1}) == {"ok": 1}
