"""Billing cycles, runs, statements and final bills, wired to DynamoDB, S3, Step Functions, Lambda
and EventBridge from settings: the one place their services are built (``BillAccount`` among
them), for the API (``billing_composition.py``), the billing scheduler, the billing-cycle tasks,
the statement renderer and the final-bill worker.

The API imports this module at its cold start: what only the other functions build (their
settings, the statement issuing and final bills) is imported by the functions building it, and
WeasyPrint, which renders the PDFs, only when :func:`civiq.platform.runtime.pdf_renderer` builds
the renderer.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from civiq.accounts.adapters.dynamodb_accounts import DynamoAccountRepository
from civiq.accounts.adapters.dynamodb_properties import DynamoPropertyRepository
from civiq.accounts.domain.account_numbers import AccountNumberScheme
from civiq.accounts.services.recording import Recorder
from civiq.billing.adapters.dynamodb import DynamoCycles, DynamoRuns, DynamoStatements
from civiq.billing.adapters.dynamodb_accounts_on_file import DynamoAccountsOnFile
from civiq.billing.adapters.dynamodb_simulations import DynamoRateSimulations
from civiq.billing.adapters.simulation_queue import SqsSimulationQueue
from civiq.billing.adapters.statement_rendering import LambdaStatementDocuments
from civiq.billing.services.billing import BillAccount, BillBatch
from civiq.billing.services.cycles import (
    DefineCycle,
    PrepareRun,
    ScheduleRuns,
    StartRun,
    SummarizeRun,
)
from civiq.billing.services.preview import EstimateUnrecorded, PreviewBill
from civiq.billing.services.rebill import RebillStatement
from civiq.billing.services.requirements import CycleRequirements
from civiq.billing.services.simulation_jobs import RequestRateSimulation, RunRateSimulation
from civiq.core.clock import SystemClock
from civiq.core.export_formats import ExportFormat
from civiq.core.ids import UlidGenerator
from civiq.core.ports import Clock, IdGenerator
from civiq.core.publishing import PublishEvents
from civiq.core.settings import CommonSettings, DocumentSettings
from civiq.ledger.adapters.dynamodb_journal import DynamoJournal
from civiq.metering.adapters.dynamodb import DynamoMetering
from civiq.metering.services.readings import RecordEstimate, RecordReading
from civiq.platform.runtime import client, configure_table, pdf_renderer, publish_events, time_zone
from civiq.platform.s3 import DocumentLock, S3DocumentLinks, S3DocumentStore, S3RunManifests
from civiq.platform.stepfunctions import StepFunctionsWorkflow
from civiq.rates.adapters.dynamodb import DynamoRateSchedules

if TYPE_CHECKING:
    from civiq.billing.config import BillingSchedulerSettings, BillingTaskSettings
    from civiq.billing.services.final_bills import ProduceFinalBill
    from civiq.billing.services.issue_statements import IssueBatch, IssueStatements


@dataclass(frozen=True)
class Billable:
    """What billing an account reads and writes: built once, shared by the services using it."""

    accounts: DynamoAccountRepository
    properties: DynamoPropertyRepository
    metering: DynamoMetering  # meters and readings
    statements: DynamoStatements
    journal: DynamoJournal  # the ledger's entries a balance forward itemizes

    @classmethod
    def on_dynamodb(cls) -> Billable:
        return cls(
            accounts=DynamoAccountRepository(),
            properties=DynamoPropertyRepository(),
            metering=DynamoMetering(),
            statements=DynamoStatements(),
            journal=DynamoJournal(),
        )

    def bill_account(self, clock: Clock, ids: IdGenerator, recorder: Recorder) -> BillAccount:
        """Bills one account; a missing read is estimated and recorded by ``recorder``."""
        metering = self.metering
        return BillAccount(
            self.accounts,
            self.properties,
            metering,
            metering,
            self.statements,
            self.journal,
            RecordEstimate(metering, metering, metering, recorder),
            clock,
            ids,
        )


@dataclass(frozen=True)
class BillingServices:
    """Staff's cycles, runs and statements, and rebilling (the API's routes)."""

    cycles: DynamoCycles
    runs: DynamoRuns
    statements: DynamoStatements
    links: S3DocumentLinks
    define_cycle: DefineCycle
    start_run: StartRun
    rebill: RebillStatement
    preview_bill: PreviewBill


def billing_services(
    settings: CommonSettings,
    *,
    billing_cycle_state_machine_arn: str,
    documents_bucket: str,
    statement_renderer_function: str,
) -> BillingServices:
    configure_table(settings)
    clock, ids = SystemClock(), UlidGenerator()
    recorder = Recorder(clock, ids, time_zone(settings))
    billable = Billable.on_dynamodb()
    cycles, runs, rates = DynamoCycles(), DynamoRuns(), DynamoRateSchedules()
    workflow = StepFunctionsWorkflow(
        client(settings, "stepfunctions"), billing_cycle_state_machine_arn
    )
    return BillingServices(
        cycles=cycles,
        runs=runs,
        statements=billable.statements,
        links=S3DocumentLinks(client(settings, "s3"), documents_bucket),
        define_cycle=DefineCycle(cycles, rates, recorder),
        start_run=StartRun(cycles, runs, workflow, recorder),
        rebill=RebillStatement(
            billable.accounts,
            billable.statements,
            billable.bill_account(clock, ids, recorder),
            cycles,
            rates,
            LambdaStatementDocuments(client(settings, "lambda"), statement_renderer_function),
            recorder,
        ),
        preview_bill=PreviewBill(
            billable.accounts,
            cycles,
            rates,
            replace(
                billable.bill_account(clock, ids, recorder),
                estimate=EstimateUnrecorded(
                    billable.metering, billable.metering, billable.metering, recorder
                ),
            ),
            recorder,
        ),
    )


def billing_requirements(settings: CommonSettings) -> CycleRequirements:
    """What billing needs of an account (the accounts feature's BillingRequirements), for the
    functions that open and change accounts: the API and the move and transfer tasks."""
    configure_table(settings)
    return CycleRequirements(DynamoCycles(), DynamoRateSchedules(), DynamoMetering())


def schedule_runs(settings: BillingSchedulerSettings) -> ScheduleRuns:
    """Each cycle's latest period started once its reads are in (functions/billing_scheduler)."""
    configure_table(settings)
    recorder = Recorder.system(time_zone(settings))
    cycles = DynamoCycles()
    workflow = StepFunctionsWorkflow(
        client(settings, "stepfunctions"), settings.billing_cycle_state_machine_arn
    )
    return ScheduleRuns(cycles, StartRun(cycles, DynamoRuns(), workflow, recorder))


@dataclass(frozen=True)
class BillingTasks:
    """The billing-cycle workflow's tasks (functions/billing_tasks).

    The adapters are built once per cold start; a batch's services are built per call with ids
    derived from the run and the batch, so a retried batch regenerates the same history ids.
    """

    settings: BillingTaskSettings
    billable: Billable
    runs: DynamoRuns
    rates: DynamoRateSchedules
    manifests: S3RunManifests
    clock: SystemClock

    def prepare(self) -> PrepareRun:
        return PrepareRun(self.billable.accounts, self.runs, self.manifests)

    def bill_batch(self, ids: IdGenerator) -> BillBatch:
        recorder = Recorder(self.clock, ids, time_zone(self.settings))
        return BillBatch(
            self.billable.bill_account(self.clock, ids, recorder), self.runs, DynamoAccountsOnFile()
        )

    def summarize(self) -> SummarizeRun:
        return SummarizeRun(
            self.runs, Recorder(self.clock, UlidGenerator(), time_zone(self.settings))
        )


def billing_tasks(settings: BillingTaskSettings) -> BillingTasks:
    configure_table(settings)
    return BillingTasks(
        settings=settings,
        billable=Billable.on_dynamodb(),
        runs=DynamoRuns(),
        rates=DynamoRateSchedules(),
        manifests=S3RunManifests(client(settings, "s3"), settings.documents_bucket),
        clock=SystemClock(),
    )


def _issue_statements(
    settings: DocumentSettings,
    statements: DynamoStatements,
    events: PublishEvents,
    clock: Clock,
    ids: IdGenerator,
) -> IssueStatements:
    from civiq.billing.services.issue_statements import IssueStatements, Letterhead

    return IssueStatements(
        statements=statements,
        renderer=pdf_renderer(settings.templates_dir),
        documents=S3DocumentStore(
            client(settings, "s3"),
            settings.documents_bucket,
            DocumentLock.configured(settings.document_retention_years, settings.document_lock_mode),
        ),
        events=events,
        letterhead=Letterhead(
            settings.municipality_name,
            settings.portal_url,
            AccountNumberScheme(settings.account_number_prefix, settings.account_number_width),
            settings.letterhead(),
        ),
        clock=clock,
        ids=ids,
    )


def issue_batch(settings: DocumentSettings) -> IssueBatch:
    """A run's new statements rendered (en/fr PDF), stored and announced, and recorded with
    their batch; its ``issue``: a rebill's (functions/statement_renderer)."""
    from civiq.billing.services.issue_statements import IssueBatch

    configure_table(settings)
    issue = _issue_statements(
        settings, DynamoStatements(), publish_events(settings), SystemClock(), UlidGenerator()
    )
    return IssueBatch(issue, DynamoRuns())


def produce_final_bill(settings: DocumentSettings) -> ProduceFinalBill:
    """A final bill, rated, rendered and announced, for each request (functions/final_bill),
    with the final-read fee charged first."""
    from civiq.billing.adapters.payment_ledger import dynamo_payment_ledger
    from civiq.billing.services.final_bills import ProduceFinalBill
    from civiq.ledger.adapters.dynamodb_fees import DynamoFeeCatalogues
    from civiq.ledger.services.fees import ChargeFee

    configure_table(settings)
    events = publish_events(settings)
    clock, ids = SystemClock(), UlidGenerator()
    recorder = Recorder(clock, ids, time_zone(settings))
    billable = Billable.on_dynamodb()
    metering = billable.metering
    return ProduceFinalBill(
        billable.accounts,
        metering,
        RecordReading(metering, metering, metering, events, recorder),
        DynamoCycles(),
        DynamoRateSchedules(),
        billable.bill_account(clock, ids, recorder),
        _issue_statements(settings, billable.statements, events, clock, ids),
        recorder,
        ChargeFee(dynamo_payment_ledger(settings), DynamoFeeCatalogues()),
    )


@dataclass(frozen=True)
class RateSimulationServices:
    """Rate-change simulations asked for by supervisors, and links to their exports (the API's
    routes)."""

    simulations: DynamoRateSimulations
    request: RequestRateSimulation
    links: S3DocumentLinks


def rate_simulation_services(
    settings: CommonSettings, *, rate_simulation_queue_url: str, documents_bucket: str
) -> RateSimulationServices:
    configure_table(settings)
    simulations = DynamoRateSimulations()
    return RateSimulationServices(
        simulations=simulations,
        request=RequestRateSimulation(
            simulations,
            SqsSimulationQueue(client(settings, "sqs"), rate_simulation_queue_url),
            DynamoRateSchedules(),
            Recorder.system(time_zone(settings)),
        ),
        links=S3DocumentLinks(client(settings, "s3"), documents_bucket),
    )


def run_rate_simulation(
    settings: DocumentSettings, *, rate_simulation_queue_url: str
) -> RunRateSimulation:
    """Each asked-for simulation run over the city a route at a time, its exports written
    (functions/rate_simulation; it queues a job's other parts on its own queue)."""
    from civiq.billing.adapters.simulation_documents import (
        PdfSimulationDocument,
        S3SimulationFiles,
    )
    from civiq.billing.adapters.simulation_export import simulation_csv, simulation_xlsx
    from civiq.billing.adapters.simulation_parts import S3SimulationParts
    from civiq.billing.services.simulation import SimulateRateChange

    configure_table(settings)
    zone = time_zone(settings)
    clock = SystemClock()
    billable = Billable.on_dynamodb()
    simulate = SimulateRateChange(
        accounts=billable.accounts,
        properties=billable.properties,
        meters=billable.metering,
        statements=billable.statements,
        cycles=DynamoCycles(),
        rates=DynamoRateSchedules(),
        recorder=Recorder(clock, UlidGenerator(), zone),
    )
    s3 = client(settings, "s3")
    return RunRateSimulation(
        simulations=DynamoRateSimulations(),
        simulator=simulate,
        parts=S3SimulationParts(s3, settings.documents_bucket),
        queue=SqsSimulationQueue(client(settings, "sqs"), rate_simulation_queue_url),
        tables={
            ExportFormat.CSV: simulation_csv,
            ExportFormat.XLSX: simulation_xlsx,
        },
        files=S3SimulationFiles(s3, settings.documents_bucket),
        document=PdfSimulationDocument(
            pdf_renderer(settings.templates_dir), settings.municipality_name, clock, zone
        ),
        clock=clock,
    )
