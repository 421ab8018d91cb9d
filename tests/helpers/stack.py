"""Helpers for the e2e tests that drive the provisioned local stack."""

from __future__ import annotations

from typing import Any

import requests

from infra.local.demo import Send
from infra.local.stack import LocalStack


def http_sender(api_url: str, token: str) -> Send:
    headers = {"Authorization": f"Bearer {token}"}

    def send(method: str, path: str, body: dict[str, Any]) -> tuple[int, Any]:
        answer = requests.request(
            method,
            f"{api_url}{path}",
            json=body if method != "GET" else None,
            headers=headers,
            timeout=120,
        )
        return answer.status_code, answer.json()

    return send


def audit_items(stack: LocalStack, account_id: str) -> list[dict[str, Any]]:
    items = stack.client("dynamodb").query(
        TableName=stack.outputs["MainTableName"],
        KeyConditionExpression="PK = :pk AND begins_with(SK, :audit)",
        ExpressionAttributeValues={
            ":pk": {"S": f"ACCOUNT#{account_id}"},
            ":audit": {"S": "AUDIT#"},
        },
    )["Items"]
    return list(items)
