"""Step Functions task: render the account's welcome letter (en/fr) and store it in S3."""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools import Logger
from pydantic import BaseModel, ConfigDict

from civiq.accounts.adapters.dynamodb_accounts import DynamoAccountRepository
from civiq.accounts.adapters.dynamodb_customers import DynamoCustomerRepository
from civiq.accounts.domain.account_numbers import AccountNumberScheme
from civiq.core.settings import DocumentSettings
from civiq.notices.services.welcome_letters import SendWelcomeLetter
from civiq.platform import aws
from civiq.platform.dynamodb.table import configure_models
from civiq.platform.pdf import WeasyPrintRenderer, default_templates_dir
from civiq.platform.s3 import S3DocumentStore

logger = Logger(service="civiq-welcome-letter")


class LetterTask(BaseModel):
    model_config = ConfigDict(extra="ignore")
    account_id: str
    correlation_id: str


@cache
def send_welcome_letter() -> SendWelcomeLetter:
    settings = DocumentSettings()
    configure_models(settings.table_name, settings.aws_region, settings.aws_endpoint_url)
    s3 = aws.client("s3", settings.aws_region, settings.aws_endpoint_url)
    return SendWelcomeLetter(
        accounts=DynamoAccountRepository(),
        customers=DynamoCustomerRepository(),
        renderer=WeasyPrintRenderer(settings.templates_dir or default_templates_dir()),
        documents=S3DocumentStore(s3, settings.documents_bucket),
        numbering=AccountNumberScheme(
            settings.account_number_prefix, settings.account_number_width
        ),
        municipality_name=settings.municipality_name,
        portal_url=settings.portal_url,
    )


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, str | None]:
    task = LetterTask.model_validate(event)
    logger.set_correlation_id(task.correlation_id)
    letters = send_welcome_letter()(task.account_id)
    logger.info("welcome letter stored", extra={"key": letters.key, "account_id": task.account_id})
    return {"key": letters.key, "owner_copy_key": letters.owner_copy_key}
