"""The staff work queue's recorder: every background failure becomes a work item.

Two callers: a state machine's catch-all step invokes it with the failed execution and the
error it caught (then the execution fails, visibly); and the failure queues deliver their
messages to it: every worker's dead-letter queue (a retry sends the message back to its queue)
and the OnFailure destination of the functions invoked asynchronously, the scheduled ones and
the rebill render (a retry invokes the function again with the same event). A message leaves
its queue only once its item is written.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from civiq.operations import wiring
from civiq.operations.adapters.aws import failed_step
from civiq.operations.config import WorkQueueSettings
from civiq.operations.schemas.work_items import WorkflowFailureIn, from_queue
from civiq.operations.services.work_queue import WorkQueue
from civiq.platform.runtime import client

logger = Logger(service="civiq-work-queue")
copy_config_to_registered_loggers(source_logger=logger, include={"civiq"})
HANDLER_STATE = "RecordFailure"  # the catch-all state of every state machine


@cache
def settings() -> WorkQueueSettings:
    return WorkQueueSettings()


@cache
def work_queue() -> WorkQueue:
    return wiring.work_queue(settings())


def _from_queue(record: SQSRecord) -> None:
    failure = from_queue(record.message_id, record.body, record.event_source_arn)
    item = work_queue().record(failure, record.message_id)
    logger.warning(
        "background failure recorded", extra={"item_id": item.item_id, "kind": item.kind}
    )


def _workflow_failure(event: dict[str, Any]) -> dict[str, Any]:
    failed = WorkflowFailureIn.model_validate(event["failure"])
    step = failed_step(client(settings(), "stepfunctions"), failed.execution_arn, HANDLER_STATE)
    item = work_queue().record(failed.failure(step), failed.execution)
    logger.warning(
        "workflow failure recorded",
        extra={"item_id": item.item_id, "step": step, "error": failed.error},
    )
    return {"item_id": item.item_id}


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if "Records" in event:
        processor = BatchProcessor(event_type=EventType.SQS)
        return dict(
            process_partial_response(
                event=event, record_handler=_from_queue, processor=processor, context=context
            )
        )
    return _workflow_failure(event)
