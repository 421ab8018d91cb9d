"""What the portal's action tests share: an owing account to look up, a form's hidden fields,
and the charges the portal asked the sandbox gateway for."""

from __future__ import annotations

import json
import os
import re
from datetime import date
from typing import Any

import boto3

from civiq.accounts.domain.account_numbers import AccountNumberScheme
from civiq.billing.adapters.dynamodb import DynamoStatements
from tests.helpers.emulator import REGION
from tests.helpers.statement_builders import issue_with_ledger, issued_entry, owing_statement
from tests.helpers.stores import Stores

NUMBERING = AccountNumberScheme()


def hidden(page: str, name: str) -> str:
    """The value of a form's hidden field."""
    match = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert match, page
    return match.group(1)


def owing_account(stores: Stores) -> dict[str, str]:
    """An account at 17 Rue Laval, Gatineau J8X 3G8, owing 240.00 on a statement due on
    2026-10-20: its id, its number as printed and the statement's id."""
    opened = stores.open("Élise Tremblay", "17 Rue Laval")
    issued = owing_statement(opened.account_id, opened.account_number, date(2026, 10, 20), "240.00")
    assert issue_with_ledger(DynamoStatements(), issued, issued_entry(issued))
    return {
        "account_id": opened.account_id,
        "number": NUMBERING.display(opened.account_number),
        "statement_id": issued.statement_id,
    }


def gateway_charges() -> list[dict[str, Any]]:
    """Every charge the sandbox gateway queued since the last call (taken off its queue)."""
    sqs = boto3.client("sqs", region_name=REGION)
    url = os.environ["SANDBOX_PROCESSOR_QUEUE_URL"]
    found: list[dict[str, Any]] = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
        for message in batch:
            found.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return found
