"""Step Functions task: render the account's welcome letter (en/fr) and store it in S3."""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools import Logger
from pydantic import BaseModel, ConfigDict

# WeasyPrint loads during the Lambda init, not at the first render (the wiring imports it late)
import civiq.platform.pdf  # noqa: F401
from civiq.core.settings import DocumentSettings
from civiq.notices import wiring
from civiq.notices.services.welcome_letters import SendWelcomeLetter

logger = Logger(service="civiq-welcome-letter")


class LetterTask(BaseModel):
    model_config = ConfigDict(extra="ignore")
    account_id: str
    correlation_id: str


@cache
def send_welcome_letter() -> SendWelcomeLetter:
    return wiring.send_welcome_letter(DocumentSettings())


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, str | None]:
    task = LetterTask.model_validate(event)
    logger.set_correlation_id(task.correlation_id)
    letters = send_welcome_letter()(task.account_id)
    logger.info("welcome letter stored", extra={"key": letters.key, "account_id": task.account_id})
    return {"key": letters.key, "owner_copy_key": letters.owner_copy_key}
