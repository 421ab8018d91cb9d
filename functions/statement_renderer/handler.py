"""Step Functions task: render a batch's new statements (en/fr PDF), store and announce them."""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers

# WeasyPrint loads during the Lambda init, not at the first render (the wiring imports it late)
import civiq.platform.pdf  # noqa: F401
from civiq.billing import wiring
from civiq.billing.domain.cycles import AccountOutcome, Outcome
from civiq.billing.schemas.tasks import IssueStatementsTask
from civiq.billing.services.issue_statements import IssueStatements
from civiq.core.settings import DocumentSettings

logger = Logger(service="civiq-statement-renderer")
copy_config_to_registered_loggers(source_logger=logger, include={"civiq"})


@cache
def issue_statements() -> IssueStatements:
    return wiring.issue_statements(DocumentSettings())


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, int]:
    task = IssueStatementsTask.model_validate(event)
    logger.set_correlation_id(task.run_id)
    billed = [
        AccountOutcome(b.account_id, Outcome.BILLED, None, b.statement_id) for b in task.billed
    ]
    issued = issue_statements()(billed)
    logger.info("statements issued", extra={"run_id": task.run_id, "issued": issued})
    return {"issued": issued}
