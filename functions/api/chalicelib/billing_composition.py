"""The API's side of billing (cycles, runs, statements), built once per cold start.

Kept apart from :mod:`chalicelib.composition`, whose settings it reuses. The billing items'
models (:mod:`civiq.adapters.dynamodb.billing`) are imported with this module, when app.py loads
the blueprints, so :func:`configure_models` (first request) configures them with the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from zoneinfo import ZoneInfo

from chalicelib.composition import api
from civiq.adapters import aws
from civiq.adapters.dynamodb.billing import DynamoCycles, DynamoRuns, DynamoStatements
from civiq.adapters.dynamodb.rates import DynamoRateSchedules
from civiq.adapters.s3 import S3DocumentLinks
from civiq.adapters.stepfunctions import StepFunctionsWorkflow
from civiq.adapters.system import SystemClock, UlidGenerator
from civiq.services.cycles import DefineCycle, StartRun
from civiq.services.recording import Recorder


@dataclass(frozen=True)
class Billing:
    cycles: DynamoCycles
    runs: DynamoRuns
    statements: DynamoStatements
    links: S3DocumentLinks
    define_cycle: DefineCycle
    start_run: StartRun


@cache
def billing() -> Billing:
    settings = api().settings
    if not (settings.billing_cycle_state_machine_arn and settings.documents_bucket):
        raise RuntimeError("BILLING_CYCLE_STATE_MACHINE_ARN and DOCUMENTS_BUCKET must be set")
    region, endpoint = settings.aws_region, settings.aws_endpoint_url
    recorder = Recorder(SystemClock(), UlidGenerator(), ZoneInfo(settings.municipal_time_zone))
    cycles, runs = DynamoCycles(), DynamoRuns()
    sfn = aws.client("stepfunctions", region, endpoint)
    return Billing(
        cycles=cycles,
        runs=runs,
        statements=DynamoStatements(),
        links=S3DocumentLinks(aws.client("s3", region, endpoint), settings.documents_bucket),
        define_cycle=DefineCycle(cycles, DynamoRateSchedules(), recorder),
        start_run=StartRun(
            cycles,
            runs,
            StepFunctionsWorkflow(sfn, settings.billing_cycle_state_machine_arn),
            recorder,
        ),
    )
