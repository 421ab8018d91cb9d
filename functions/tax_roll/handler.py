"""The TaxRollTransfer state machine's task (``transfer_to_tax_roll``), over
:func:`civiq.collections.wiring.transfer_arrears`: before the deadline it answers when to wait
until; after it, what is still owed of the arrears noticed goes on the tax roll with the fee
(or the transfer is cancelled, paid in full), the day's file for the tax system is written
again and the collection case closed.

A domain error leaves as the Lambda error type (the state machine retries LedgerMoved and
CaseMoved, and records anything else in the staff work queue).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers

from civiq.collections.config import TaxRollSettings
from civiq.collections.schemas.tax_roll import TransferStepOutput, TransferTask
from civiq.collections.services.tax_roll_transfer import TransferArrears
from civiq.collections.wiring import transfer_arrears

logger = Logger(service="civiq-tax-roll")
copy_config_to_registered_loggers(source_logger=logger, include={"civiq"})


@cache
def transfer() -> TransferArrears:
    return transfer_arrears(TaxRollSettings())


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    task = TransferTask.model_validate(event)
    logger.set_correlation_id(task.execution)
    output = TransferStepOutput.of(transfer()(task.transfer_id, task.execution))
    logger.info("tax roll transfer", extra={"transfer_id": task.transfer_id, **output.model_dump()})
    return output.model_dump(mode="json")
