"""SQS consumer of the hourly ledger digest: an EventBridge schedule puts one event an hour on
the queue, and each is digested at the event's time (:class:`civiq.ledger.services.digests.
DigestLedger`): every account's head, signed, written to the locked digest bucket.

A retry of an event (SQS, or staff retrying it from the work queue) finds its time digested and
writes nothing. An event fails, to be retried and then land in the dead-letter queue (and so in
the staff work queue), when the digests cannot be read or written, or when accounts were held:
their ledger no longer follows on from the head digested, so the table was rewritten.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers

from civiq.ledger import wiring
from civiq.ledger.config import LedgerDigestSettings
from civiq.ledger.schemas.schedule import ScheduledEvent
from civiq.ledger.services.digests import DigestLedger, LedgerDiverged
from civiq.platform.sqs import process_messages

HELD_NAMED = 20  # accounts named in the error; the log has up to HELD_LOGGED
HELD_LOGGED = 1000

logger = Logger(service="civiq-ledger-digest")
copy_config_to_registered_loggers(source_logger=logger, include={"civiq"})


@cache
def digest_ledger() -> DigestLedger:
    return wiring.digest_ledger(LedgerDigestSettings())


def _digest(scheduled: ScheduledEvent) -> None:
    logger.set_correlation_id(scheduled.id)
    run = digest_ledger()(scheduled.time)
    digest = run.digest
    detail = {
        "digest_time": digest.digest_time.isoformat(),
        "accounts": digest.accounts,
        "moved": run.moved,
        "written": run.written,
    }
    if digest.held:
        logger.error(
            "accounts held at their digested head", extra=detail | {"held": run.held[:HELD_LOGGED]}
        )
        raise LedgerDiverged(digest, run.held[:HELD_NAMED])
    logger.info("ledger digested", extra=detail)


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return process_messages(event, context, ScheduledEvent.model_validate_json, _digest)
