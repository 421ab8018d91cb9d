"""The weekly risk scoring run on the local stack: fired as EventBridge would fire it, it runs
from its deployed code; the stack's history is far too short to train on, so it says why and
queues nothing, and the API's worklist is empty."""

from __future__ import annotations

import requests

from infra.local.stack import LocalStack


def test_the_weekly_scoring_run_says_why_it_cannot_train_yet(
    stack: LocalStack, api_url: str, clerk: dict[str, str]
) -> None:
    (rule, target) = next(
        (rule, target)
        for rule, _, target in stack.scheduled_targets()
        if target.rsplit(":", 1)[-1] == stack.physical_ids["RiskScoringSchedulerFunction"]
    )

    answer = stack.fire_schedule(rule, target)

    assert (answer["model_version"], answer["trained"], answer["chunks"]) == (None, False, 0)
    assert "needed" in answer["not_trained_because"]
    listed = requests.get(f"{api_url}/api/v1/ar/scores", headers=clerk, timeout=60)
    assert (listed.status_code, listed.json()) == (200, {"items": [], "next_cursor": None})
