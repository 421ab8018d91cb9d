"""The staff work queue wired to DynamoDB, Step Functions and SQS: the one place it is built,
for the API's routes and for the function that records failures (functions/work_queue)."""

from __future__ import annotations

from civiq.core.clock import SystemClock
from civiq.core.ids import UlidGenerator
from civiq.core.settings import CommonSettings
from civiq.operations.adapters.aws import AwsReruns
from civiq.operations.adapters.dynamodb import DynamoWorkItems
from civiq.operations.services.work_queue import WorkQueue
from civiq.platform.runtime import client, configure_table


def work_queue(settings: CommonSettings) -> WorkQueue:
    configure_table(settings)
    return WorkQueue(
        items=DynamoWorkItems(),
        reruns=AwsReruns(
            client(settings, "stepfunctions"), client(settings, "sqs"), client(settings, "lambda")
        ),
        clock=SystemClock(),
        ids=UlidGenerator(),
    )
