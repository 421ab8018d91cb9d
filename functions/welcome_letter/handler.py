"""Step Functions task: render the account's welcome letter (en/fr) and store it in S3."""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools import Logger
from pydantic import BaseModel, ConfigDict

from civiq.adapters import aws
from civiq.adapters.dynamodb.accounts import DynamoAccountRepository
from civiq.adapters.dynamodb.customers import DynamoCustomerRepository
from civiq.adapters.dynamodb.models import configure_models
from civiq.adapters.pdf import WeasyPrintRenderer, default_templates_dir
from civiq.adapters.s3 import S3DocumentStore
from civiq.config import DocumentSettings
from civiq.domain.account_numbers import AccountNumberScheme
from civiq.services.send_welcome_letter import SendWelcomeLetter

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
