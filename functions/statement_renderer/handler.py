"""Step Functions task: render a batch's new statements (en/fr PDF), store and announce them,
and record the batch issued with the accounts whose statement could not be rendered (the run
counts them failed). Invoked without a batch (a rebill from the API), it issues the statements
or fails, and its failure goes to the staff work queue."""

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
from civiq.billing.services.issue_statements import IssueBatch
from civiq.core.settings import DocumentSettings

logger = Logger(service="civiq-statement-renderer")
copy_config_to_registered_loggers(source_logger=logger, include={"civiq"})


@cache
def issue_batch() -> IssueBatch:
    return wiring.issue_batch(DocumentSettings())


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, int]:
    task = IssueStatementsTask.model_validate(event)
    logger.set_correlation_id(task.run_id)
    billed = [
        AccountOutcome(b.account_id, Outcome.BILLED, None, b.statement_id) for b in task.billed
    ]
    if task.batch is None:
        issued = issue_batch().issue(billed)
        logger.info("statements issued", extra={"run_id": task.run_id, "issued": issued})
        return {"issued": issued}
    issuance = issue_batch()(task.run_id, task.batch, billed)
    result = {"issued": issuance.issued, "unrendered": len(issuance.unrendered)}
    logger.info("batch issued", extra={"run_id": task.run_id, "batch": task.batch, **result})
    return result
