"""SQS consumer of remittance chunks: match a chunk of a bank file's lines and post the certain
ones (functions/api queued the chunks when the file was uploaded).

A chunk is idempotent line by line (a line's outcome is recorded once, its payment id is the
file and the line), so a redelivered or duplicated chunk pays nothing twice. A chunk that fails
(an infrastructure error) is retried alone (``batchItemFailures``) and, after maxReceiveCount,
waits in the DLQ.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers

from civiq.payments.config import PaymentSettings
from civiq.payments.schemas.remittances import ChunkMessage
from civiq.payments.services.remittances import ApplyRemittanceChunk
from civiq.payments.wiring import apply_remittance_chunk
from civiq.platform.sqs import process_messages

logger = Logger(service="civiq-remittances")
copy_config_to_registered_loggers(source_logger=logger, include={"civiq"})


@cache
def apply_chunk() -> ApplyRemittanceChunk:
    return apply_remittance_chunk(PaymentSettings())


def _chunk(chunk: ChunkMessage) -> None:
    logger.set_correlation_id(chunk.remittance_id)
    done = apply_chunk()(chunk.remittance_id, chunk.first_line, chunk.last_line)
    logger.info(
        "remittance lines matched",
        extra={
            "lines": [chunk.first_line, chunk.last_line],
            "posted": done.posted,
            "exceptions": done.exceptions,
        },
    )


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return process_messages(event, context, ChunkMessage.model_validate_json, _chunk)
