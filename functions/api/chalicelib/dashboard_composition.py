"""The API's side of the staff dashboard and report exports, built once per cold start.

Kept apart from :mod:`chalicelib.composition`, whose settings it reuses. The billing items'
models and the export item's (:mod:`civiq.adapters.dynamodb.exports`) are imported with this
module, when app.py loads the blueprints, so :func:`configure_models` (first request)
configures them with the others. Only an export request needs the export queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from zoneinfo import ZoneInfo

from chalicelib.composition import api
from civiq.accounts.adapters.dynamodb_workflows import DynamoBalances
from civiq.accounts.services.recording import Recorder
from civiq.billing.adapters.dynamodb import DynamoCycles, DynamoRuns
from civiq.core.clock import SystemClock
from civiq.core.ids import UlidGenerator
from civiq.platform import aws
from civiq.platform.s3 import S3DocumentLinks
from civiq.reporting.adapters.dynamodb_dashboard import DynamoDashboard
from civiq.reporting.adapters.dynamodb_exports import DynamoExports
from civiq.reporting.adapters.export_queue import SqsExportQueue
from civiq.reporting.services.dashboard import Dashboard
from civiq.reporting.services.exports import RequestExport


@dataclass(frozen=True)
class Exports:
    exports: DynamoExports
    request_export: RequestExport
    links: S3DocumentLinks


def _time_zone() -> ZoneInfo:
    return ZoneInfo(api().settings.municipal_time_zone)


@cache
def dashboard() -> Dashboard:
    return Dashboard(
        reader=DynamoDashboard(),
        cycles=DynamoCycles(),
        runs=DynamoRuns(),
        balances=DynamoBalances(),
        clock=SystemClock(),
        time_zone=_time_zone(),
    )


@cache
def exports() -> Exports:
    settings = api().settings
    if not (settings.export_queue_url and settings.documents_bucket):
        raise RuntimeError("EXPORT_QUEUE_URL and DOCUMENTS_BUCKET must be set")
    region, endpoint = settings.aws_region, settings.aws_endpoint_url
    exports = DynamoExports()
    return Exports(
        exports=exports,
        request_export=RequestExport(
            exports,
            SqsExportQueue(aws.client("sqs", region, endpoint), settings.export_queue_url),
            DynamoRuns(),
            Recorder(SystemClock(), UlidGenerator(), _time_zone()),
        ),
        links=S3DocumentLinks(aws.client("s3", region, endpoint), settings.documents_bucket),
    )
