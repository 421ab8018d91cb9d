"""The delinquency risk score on in-process moto: a generated town written to the tables through
the services reads back as the histories it came from; the deployed scoring run (the weekly
scheduler, then the queue's consumer) trains on it, scores it and writes each score once; the
API serves the scores, highest first, each with its factors in English and French."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from unittest.mock import patch

import boto3
import pytest
from chalice.test import Client

from civiq.accounts.adapters.dynamodb_accounts import DynamoAccountRepository
from civiq.accounts.domain.accounts import AccountStatus
from civiq.collections.adapters.dynamodb import DynamoArrangements
from civiq.collections.adapters.dynamodb_risk import (
    DynamoRiskHistories,
    DynamoRiskModels,
    DynamoRiskScores,
)
from civiq.collections.domain.risk_features import Timeline, history_from
from civiq.core.clock import SystemClock
from civiq.ledger.domain.journal import EntryKind
from infra.local.lambda_runtime import import_isolated
from tests.helpers.api import call
from tests.helpers.emulator import REGION, TABLE, function_environment
from tests.helpers.files import REPO, load_event
from tests.helpers.handlers import Context, sqs_event
from tests.helpers.risk_builders import risk_model
from tests.helpers.risk_tables import TORONTO, load
from tests.helpers.risk_town import town

TODAY = date(2026, 11, 30)
SCORES = "/api/v1/ar/scores"


def test_the_tables_give_back_the_histories_the_town_was_written_from(aws: None) -> None:
    histories = town(30, TODAY - timedelta(days=700), TODAY, seed=1)
    kinds = Counter(m.kind for h in histories for m in h.movements)
    assert kinds[EntryKind.PENALTY] and kinds[EntryKind.REVERSAL] and kinds[EntryKind.FEE]
    assert any(h.arrangements for h in histories) and any(h.closed_on for h in histories)
    load(histories)
    read = DynamoRiskHistories(DynamoAccountRepository(), DynamoArrangements(), TORONTO)
    ids = [h.account_id for h in histories]
    assert sorted(read.account_ids(tuple(AccountStatus))) == ids
    for day in (TODAY, TODAY - timedelta(days=200)):
        since = history_from(day)
        found = {h.account_id: h for h in read.of_accounts(ids, since)}
        for written in histories:
            expected, got = written.from_day(since), found[written.account_id]
            assert [(m.day, m.cents, m.kind, m.due_on) for m in got.movements] == [
                (m.day, m.cents, m.kind, m.due_on) for m in expected.movements
            ]
            assert [(b.issued_on, b.due_on, b.autopay) for b in got.bills] == [
                (b.issued_on, b.due_on, b.autopay) for b in expected.bills
            ]
            assert (got.opened_on, got.closed_on, got.opening_cents, got.arrangements) == (
                expected.opened_on,
                expected.closed_on,
                expected.opening_cents,
                expected.arrangements,
            )
            assert Timeline.of(got).features(day) == Timeline.of(expected).features(day)


@pytest.fixture
def monday() -> Iterator[None]:
    """The functions' clock on the run's day (the town is generated up to it)."""
    instant = datetime.combine(TODAY, time(9), tzinfo=UTC)
    with patch.object(SystemClock, "now", lambda _: instant):
        yield


def scoring_functions(monkeypatch: pytest.MonkeyPatch) -> tuple[Any, str]:
    queue_url = boto3.client("sqs", region_name=REGION).create_queue(QueueName="risk-scoring")[
        "QueueUrl"
    ]
    function_environment(
        monkeypatch,
        RISK_SCORING_QUEUE_URL=queue_url,
        RISK_MIN_POSITIVES="4",
        RISK_TRAINING_CUTOFFS="8",
        RISK_CHUNK_ACCOUNTS="15",
    )
    code = REPO / "functions" / "risk_scoring"
    return import_isolated(code, code / "handler.py", "_risk_scoring_test"), queue_url


def drain(queue_url: str) -> list[str]:
    sqs = boto3.client("sqs", region_name=REGION)
    bodies = []
    while True:
        got = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)
        messages = got.get("Messages", [])
        if not messages:
            return bodies
        for message in messages:
            bodies.append(message["Body"])
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


def score_items() -> list[dict[str, Any]]:
    """Every score item, read whole (a scan, every page: tests only)."""
    pages = (
        boto3.client("dynamodb", region_name=REGION)
        .get_paginator("scan")
        .paginate(
            TableName=TABLE,
            FilterExpression="SK = :score",
            ExpressionAttributeValues={":score": {"S": "RISK-SCORE"}},
        )
    )
    return sorted((i for page in pages for i in page["Items"]), key=lambda i: i["PK"]["S"])


def test_the_weekly_run_trains_scores_each_account_once_and_the_api_serves_the_scores(
    chalice_app: Any, monday: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    histories = town(45, TODAY - timedelta(days=760), TODAY, seed=4)
    load(histories)
    function, queue_url = scoring_functions(monkeypatch)
    scheduled = {"id": "sched-1", "detail-type": "Scheduled Event", "source": "aws.events"}

    run = function.schedule(scheduled, Context())
    assert run["trained"] and run["model_version"].startswith("20261130-")
    open_accounts = [h.account_id for h in histories if h.closed_on is None]
    assert run["accounts"] == len(open_accounts) and run["chunks"] == -(-len(open_accounts) // 15)
    bodies = drain(queue_url)
    assert function.score(sqs_event(bodies), Context()) == {"batchItemFailures": []}
    scoreable = sorted(h.account_id for h in histories if Timeline.of(h).scoreable_on(TODAY))
    assert [i["account_id"]["S"] for i in score_items()] == scoreable

    written = score_items()
    again = function.schedule(scheduled, Context())  # a rerun the same day
    assert not again["trained"] and again["model_version"] == run["model_version"]
    assert function.score(sqs_event(drain(queue_url)), Context()) == {"batchItemFailures": []}
    assert score_items() == written  # nothing moved: nothing written

    with Client(chalice_app) as client:
        listed = call(client, "GET", SCORES + "?limit=100").json_body
        scores = [item["score"] for item in listed["items"]]
        assert scores == sorted(scores, reverse=True) and len(scores) == len(scoreable)
        assert listed["next_cursor"] is None
        top = listed["items"][0]
        assert top["model_version"] == run["model_version"] and top["scored_on"] == "2026-11-30"
        assert top["band"] in ("low", "medium", "high") and top["factors"]
        for factor in top["factors"]:
            assert factor["effect"] == ("raises" if factor["contribution"] > 0 else "lowers")
            assert factor["text"]["en"] and factor["text"]["fr"] != factor["text"]["en"]
        one = call(client, "GET", f"{SCORES}/{top['account_id']}")
        assert (one.status_code, one.json_body) == (200, top)
        stored = DynamoRiskScores().get(top["account_id"])
        assert stored.score == top["score"]

        minimum = scores[len(scores) // 3]
        high = call(client, "GET", f"{SCORES}?min_score={minimum}").json_body["items"]
        assert [i["score"] for i in high] == [s for s in scores if s >= minimum]
        first = call(client, "GET", f"{SCORES}?limit=2").json_body
        second = call(client, "GET", f"{SCORES}?limit=2&cursor={first['next_cursor']}").json_body
        assert [i["account_id"] for i in first["items"] + second["items"]] == [
            i["account_id"] for i in listed["items"][:4]
        ]

        not_scored = next(h.account_id for h in histories if h.account_id not in scoreable)
        missing = call(client, "GET", f"{SCORES}/{not_scored}")
        assert missing.status_code == 404 and missing.json_body["error"]["field"] == "account_id"
        bad = call(client, "GET", f"{SCORES}/not-an-id")
        assert bad.status_code == 400 and bad.json_body["error"]["field"] == "account_id"
        too_high = call(client, "GET", f"{SCORES}?min_score=1.5")
        assert too_high.status_code == 400 and too_high.json_body["error"]["field"] == "min_score"
        forged = call(client, "GET", f"{SCORES}?cursor=eyJQSyI6IHsiUyI6ICJ4In19")
        assert forged.status_code == 404 and forged.json_body["error"]["field"] == "cursor"


def test_a_chunk_that_cannot_be_scored_is_reported_for_another_delivery(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    function, _ = scoring_functions(monkeypatch)
    DynamoRiskModels().save(risk_model())  # the sample's model
    (sample,) = load_event("sqs/risk_scoring_chunk.json")["Records"]
    poison = {**sample, "messageId": "poison", "body": '{"model_version": ""}'}
    body = json.loads(sample["body"]) | {"model_version": "20261201-00000000"}
    unknown_model = {**sample, "messageId": "unknown-model", "body": json.dumps(body)}
    answer = function.score({"Records": [poison, unknown_model, sample]}, Context())
    assert answer == {
        "batchItemFailures": [{"itemIdentifier": "poison"}, {"itemIdentifier": "unknown-model"}]
    }
