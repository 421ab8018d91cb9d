"""The API's side of bank remittance files, built once per cold start."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from zoneinfo import ZoneInfo

from chalicelib.composition import api
from chalicelib.payments_composition import payments
from civiq.core.clock import SystemClock
from civiq.payments.adapters.dynamodb_remittances import DynamoRemittances
from civiq.payments.adapters.remittance_queue import SqsRemittanceQueue
from civiq.payments.services.remittances import DecideException, ReceiveRemittance
from civiq.platform import aws
from civiq.platform.s3 import S3RemittanceContents


@dataclass(frozen=True)
class Remittances:
    repository: DynamoRemittances
    receive: ReceiveRemittance
    decide: DecideException


@cache
def remittances() -> Remittances:
    settings = api().settings
    if not (settings.documents_bucket and settings.remittance_queue_url):
        raise RuntimeError("DOCUMENTS_BUCKET and REMITTANCE_QUEUE_URL must be set")
    region, endpoint = settings.aws_region, settings.aws_endpoint_url
    repository = DynamoRemittances()
    return Remittances(
        repository=repository,
        receive=ReceiveRemittance(
            repository,
            S3RemittanceContents(aws.client("s3", region, endpoint), settings.documents_bucket),
            SqsRemittanceQueue(aws.client("sqs", region, endpoint), settings.remittance_queue_url),
            SystemClock(),
            ZoneInfo(settings.municipal_time_zone),
        ),
        decide=DecideException(repository, api().accounts, payments().post),
    )
