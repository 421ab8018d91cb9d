"""The delinquency risk score's run, deployed as two functions of this one code directory
(template.yaml):

- ``schedule``: weekly (EventBridge); retrains the model when it is a month old (or there is
  none), then puts every active or final-billed account on RiskScoringQueue, in chunks;
- ``score``: consumer of RiskScoringQueue; scores a chunk of accounts and writes the scores that
  moved (a chunk scored again writes nothing new); a chunk that fails every delivery waits in
  the staff work queue.

The scores order the collections worklist and say whom to offer an arrangement early; nothing
moves an account to a collection stage because of its score.
"""

from __future__ import annotations

from dataclasses import asdict
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers

from civiq.collections import wiring
from civiq.collections.config import RiskScoringSettings
from civiq.collections.schemas.risk_scores import ScoringChunkMessage
from civiq.collections.services.risk_scheduling import ScheduleRiskScoring
from civiq.collections.services.risk_scoring import ScoreAccounts
from civiq.platform.sqs import process_messages

logger = Logger(service="civiq-risk-scoring")
copy_config_to_registered_loggers(source_logger=logger, include={"civiq"})


@cache
def scheduler() -> ScheduleRiskScoring:
    return wiring.schedule_risk_scoring(RiskScoringSettings())


@cache
def scorer() -> ScoreAccounts:
    return wiring.score_accounts(RiskScoringSettings())


@logger.inject_lambda_context(clear_state=True)
def schedule(event: dict[str, Any], context: Any) -> dict[str, Any]:
    logger.set_correlation_id(str(event.get("id", "scheduled")))
    run = asdict(scheduler()())
    logger.info("risk scoring scheduled", extra=run)
    return run


@logger.inject_lambda_context(clear_state=True)
def score(event: dict[str, Any], context: Any) -> dict[str, Any]:
    def handle(message: ScoringChunkMessage) -> None:
        scored = scorer()(message.to_chunk())
        logger.info("accounts scored", extra={**asdict(scored), "model": message.model_version})

    return process_messages(event, context, ScoringChunkMessage.model_validate_json, handle)
