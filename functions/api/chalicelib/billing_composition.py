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
from civiq.accounts.adapters.dynamodb_workflows import DynamoBalances
from civiq.accounts.services.recording import Recorder
from civiq.billing.adapters.dynamodb import DynamoCycles, DynamoRuns, DynamoStatements
from civiq.billing.adapters.statement_rendering import LambdaStatementDocuments
from civiq.billing.services.billing import BillAccount
from civiq.billing.services.cycles import DefineCycle, StartRun
from civiq.billing.services.rebill import RebillStatement
from civiq.core.clock import SystemClock
from civiq.core.ids import UlidGenerator
from civiq.metering.adapters.dynamodb import DynamoMetering
from civiq.metering.services.readings import RecordEstimate
from civiq.platform import aws
from civiq.platform.s3 import S3DocumentLinks
from civiq.platform.stepfunctions import StepFunctionsWorkflow
from civiq.rates.adapters.dynamodb import DynamoRateSchedules


@dataclass(frozen=True)
class Billing:
    cycles: DynamoCycles
    runs: DynamoRuns
    statements: DynamoStatements
    links: S3DocumentLinks
    define_cycle: DefineCycle
    start_run: StartRun
    rebill: RebillStatement


@cache
def billing() -> Billing:
    settings = api().settings
    if not (
        settings.billing_cycle_state_machine_arn
        and settings.documents_bucket
        and settings.statement_renderer_function
    ):
        raise RuntimeError(
            "BILLING_CYCLE_STATE_MACHINE_ARN, DOCUMENTS_BUCKET and STATEMENT_RENDERER_FUNCTION"
            " must be set"
        )
    region, endpoint = settings.aws_region, settings.aws_endpoint_url
    clock, ids = SystemClock(), UlidGenerator()
    recorder = Recorder(clock, ids, ZoneInfo(settings.municipal_time_zone))
    cycles, runs, statements = DynamoCycles(), DynamoRuns(), DynamoStatements()
    rates, metering = DynamoRateSchedules(), DynamoMetering()
    core = api()
    bill_account = BillAccount(
        core.accounts,
        core.properties,
        metering,
        metering,
        statements,
        DynamoBalances(),
        RecordEstimate(metering, metering, metering, recorder),
        clock,
        ids,
    )
    sfn = aws.client("stepfunctions", region, endpoint)
    return Billing(
        cycles=cycles,
        runs=runs,
        statements=statements,
        links=S3DocumentLinks(aws.client("s3", region, endpoint), settings.documents_bucket),
        define_cycle=DefineCycle(cycles, rates, recorder),
        start_run=StartRun(
            cycles,
            runs,
            StepFunctionsWorkflow(sfn, settings.billing_cycle_state_machine_arn),
            recorder,
        ),
        rebill=RebillStatement(
            core.accounts,
            statements,
            bill_account,
            cycles,
            rates,
            LambdaStatementDocuments(
                aws.client("lambda", region, endpoint), settings.statement_renderer_function
            ),
            recorder,
        ),
    )
