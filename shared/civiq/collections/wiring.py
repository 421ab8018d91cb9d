"""Collections wired to DynamoDB, Step Functions, SQS and EventBridge from settings: the one
place its services are built (the API's arrangement, case, write-off, risk-score and aging
routes, the daily arrangement check, the collection-case function, the write-off function, the
transfers to the tax roll and their workflow's task, the risk scoring run, the hourly aging
upkeep, the aging check and rebuild, the rows of the KPI and aging exports)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import partial

from civiq.accounts.adapters.dynamodb_accounts import DynamoAccountRepository
from civiq.accounts.adapters.dynamodb_customers import DynamoCustomerRepository
from civiq.accounts.adapters.dynamodb_properties import DynamoPropertyRepository
from civiq.accounts.domain.account_numbers import AccountNumberScheme
from civiq.accounts.services.recording import Recorder
from civiq.billing.adapters.payment_ledger import dynamo_payment_ledger
from civiq.collections.adapters.dynamodb import DynamoArrangements
from civiq.collections.adapters.dynamodb_agencies import (
    DynamoAgencyFiles,
    DynamoAgencyRemittances,
    DynamoAgencyRosters,
    DynamoReferrals,
)
from civiq.collections.adapters.dynamodb_aging import (
    DynamoAgingCells,
    DynamoAgingSnapshots,
    DynamoReceivables,
)
from civiq.collections.adapters.dynamodb_cases import (
    DynamoCases,
    DynamoLadders,
    DynamoOpeningMarks,
    DynamoPastDueStatements,
)
from civiq.collections.adapters.dynamodb_kpis import DynamoCollectionKpis
from civiq.collections.adapters.dynamodb_risk import (
    DynamoRiskHistories,
    DynamoRiskModels,
    DynamoRiskScores,
)
from civiq.collections.adapters.dynamodb_tax_roll import DynamoTaxRoll
from civiq.collections.adapters.dynamodb_write_offs import DynamoSweepMarks, DynamoWriteOffs
from civiq.collections.adapters.s3_tax_roll_files import S3TaxRollFiles
from civiq.collections.adapters.scoring_queue import SqsScoringQueue
from civiq.collections.config import CollectionSettings, RiskScoringSettings, TaxRollSettings
from civiq.collections.ports import AgencyRosters
from civiq.collections.services.account_aging import AccountAging
from civiq.collections.services.agency_files import AssembleAgencyFiles
from civiq.collections.services.agency_recalls import RecallReferral
from civiq.collections.services.agency_referrals import ReferAccount
from civiq.collections.services.agency_remittances import RecordAgencyRemittance
from civiq.collections.services.agency_roster import ConfigureAgencies
from civiq.collections.services.agency_views import AgencyViews
from civiq.collections.services.aging_check import CheckAging
from civiq.collections.services.aging_drilldown import AgingDrillDown
from civiq.collections.services.aging_rebuild import RebuildAging
from civiq.collections.services.aging_report import AgingReport
from civiq.collections.services.aging_snapshot import TakeAgingSnapshot
from civiq.collections.services.arrangement_check import CheckArrangements
from civiq.collections.services.arrangements import ArrangementViews, MakeArrangement
from civiq.collections.services.case_advance import AdvanceCase
from civiq.collections.services.case_assignment import AssignCase
from civiq.collections.services.case_contacts import RecordContact
from civiq.collections.services.case_holds import PauseCase, ResumeCase
from civiq.collections.services.case_ladders import CollectionLadders, SetLadder
from civiq.collections.services.case_opening import OpenCase, OpenDelinquentCases
from civiq.collections.services.case_payments import FollowPayment
from civiq.collections.services.case_views import CaseViews
from civiq.collections.services.casework import Casework
from civiq.collections.services.collection_kpis import CollectionKpiReport
from civiq.collections.services.kpi_fold import FoldCollectionKpis
from civiq.collections.services.report_exports import RequestCollectionExport
from civiq.collections.services.report_rows import collection_report_sources
from civiq.collections.services.risk_ranking import RankByRisk
from civiq.collections.services.risk_scheduling import ScheduleRiskScoring
from civiq.collections.services.risk_scoring import ScoreAccounts
from civiq.collections.services.risk_training import TrainRiskModel
from civiq.collections.services.risk_worklist import RiskWorklist
from civiq.collections.services.small_balance_write_offs import WriteOffSmallBalances
from civiq.collections.services.tax_roll_notice import NoticeTransfer
from civiq.collections.services.tax_roll_reversal import ReverseTransfer
from civiq.collections.services.tax_roll_transfer import TransferArrears
from civiq.collections.services.tax_roll_views import TaxRollViews
from civiq.collections.services.tax_roll_withdrawal import WithdrawTransfer
from civiq.collections.services.tax_roll_work import TaxRollWork
from civiq.collections.services.write_off import WriteOffArrears
from civiq.collections.services.write_off_books import WriteOffBooks
from civiq.collections.services.write_off_reinstatement import ReinstateWrittenOff
from civiq.collections.services.write_off_reversal import ReverseWriteOff
from civiq.collections.services.write_off_views import WriteOffViews
from civiq.core.clock import SystemClock
from civiq.core.dates import local_today
from civiq.core.settings import CommonSettings, DocumentSettings
from civiq.ledger.adapters.dynamodb_fees import DynamoFeeCatalogues
from civiq.ledger.adapters.dynamodb_journal import DynamoJournal
from civiq.ledger.domain.journal import AllocationOrder
from civiq.notices.adapters.print_files_s3 import S3PrintFileStore
from civiq.notices.adapters.wording import CatalogWording
from civiq.notices.services.alerts import Notifier
from civiq.payments.adapters.dynamodb_payment_troubles import DynamoPaymentTroubles
from civiq.payments.services.payments import PostPayment
from civiq.platform.catalogs import Catalogs, default_templates_dir
from civiq.platform.runtime import client, configure_table, publish_events, time_zone
from civiq.platform.s3 import S3DocumentLinks
from civiq.platform.stepfunctions import StepFunctionsWorkflow
from civiq.reporting.adapters.dynamodb_exports import DynamoExports
from civiq.reporting.adapters.export_queue import SqsExportQueue
from civiq.reporting.ports import ReportSource


def casework(settings: CollectionSettings) -> Casework:
    configure_table(settings)
    accounts = DynamoAccountRepository()
    customers = DynamoCustomerRepository()
    wording = CatalogWording(
        Catalogs(settings.templates_dir or default_templates_dir()), settings.municipality_name
    )
    numbering = AccountNumberScheme(settings.account_number_prefix, settings.account_number_width)
    return Casework(
        accounts=accounts,
        customers=customers,
        cases=DynamoCases(),
        arrangements=DynamoArrangements(),
        ladders=DynamoLadders(),
        ledger=DynamoJournal(),
        workflow=StepFunctionsWorkflow(
            client(settings, "stepfunctions"), settings.collection_case_state_machine_arn
        ),
        notifier=Notifier(accounts, customers, wording, numbering),
        events=publish_events(settings),
        policy=settings.dunning_policy(),
        recorder=Recorder.system(time_zone(settings)),
        troubles=DynamoPaymentTroubles(),
        ranking=RankByRisk(DynamoRiskScores()),
        shield_days=settings.payment_shield_days,
    )


@dataclass(frozen=True)
class ArrangementServices:
    make: MakeArrangement
    views: ArrangementViews


def arrangement_services(work: Casework, settings: CollectionSettings) -> ArrangementServices:
    return ArrangementServices(
        MakeArrangement(
            work.accounts,
            work.arrangements,
            work.ledger,
            settings.arrangement_policy(),
            work.recorder,
            PauseCase(work),
        ),
        ArrangementViews(work.accounts, work.arrangements),
    )


def _open_case(work: Casework) -> OpenCase:
    return OpenCase(work, DynamoPropertyRepository(), DynamoTaxRoll(), DynamoReferrals())


@dataclass(frozen=True)
class CaseServices:
    open: OpenCase
    pause: PauseCase
    resume: ResumeCase
    views: CaseViews
    set_ladder: SetLadder
    ladders: CollectionLadders
    record_contact: RecordContact
    assign: AssignCase


def case_services(work: Casework) -> CaseServices:
    return CaseServices(
        open=_open_case(work),
        pause=PauseCase(work),
        resume=ResumeCase(work),
        views=CaseViews(work.accounts, work.cases),
        set_ladder=SetLadder(work.ladders, work.policy, work.recorder),
        ladders=CollectionLadders(work.ladders, work.policy),
        record_contact=RecordContact(work),
        assign=AssignCase(work),
    )


def check_arrangements(settings: CollectionSettings) -> CheckArrangements:
    work = casework(settings)
    return CheckArrangements(
        work.arrangements,
        work.ledger,
        settings.arrangement_policy(),
        work.recorder,
        ResumeCase(work),
        _open_case(work),
    )


@dataclass(frozen=True)
class CaseTasks:
    """The collection-case function's work: its workflow's task, the payments it follows, and
    the daily opening of cases."""

    advance: AdvanceCase
    follow_payment: FollowPayment
    open_delinquent: OpenDelinquentCases


def case_tasks(settings: CollectionSettings) -> CaseTasks:
    work = casework(settings)
    return CaseTasks(
        AdvanceCase(work),
        FollowPayment(work),
        OpenDelinquentCases(_open_case(work), DynamoPastDueStatements(), DynamoOpeningMarks()),
    )


def _write_off(work: Casework, settings: CollectionSettings) -> WriteOffArrears:
    books = WriteOffBooks(
        work.accounts,
        work.ledger,
        DynamoWriteOffs(),
        work.recorder,
        work.events,
        settings.write_off_policy(),
    )
    return WriteOffArrears(books, FollowPayment(work))


@dataclass(frozen=True)
class WriteOffServices:
    write_off: WriteOffArrears
    reverse: ReverseWriteOff
    views: WriteOffViews


def write_off_services(work: Casework, settings: CollectionSettings) -> WriteOffServices:
    """The API's: writing off, reversing, reading."""
    write_off = _write_off(work, settings)
    books = write_off.books
    return WriteOffServices(
        write_off, ReverseWriteOff(books), WriteOffViews(books.accounts, books.write_offs)
    )


@dataclass(frozen=True)
class WriteOffTasks:
    """The write-off function's work: the payments that reinstate written-off arrears, and the
    daily small-balance write-off."""

    reinstate: ReinstateWrittenOff
    small_balances: WriteOffSmallBalances


def write_off_tasks(settings: CollectionSettings) -> WriteOffTasks:
    write_off = _write_off(casework(settings), settings)
    return WriteOffTasks(
        ReinstateWrittenOff(write_off.books),
        WriteOffSmallBalances(write_off, DynamoPastDueStatements(), DynamoSweepMarks()),
    )


def _risk_histories(settings: CommonSettings) -> DynamoRiskHistories:
    return DynamoRiskHistories(DynamoAccountRepository(), DynamoArrangements(), time_zone(settings))


def schedule_risk_scoring(settings: RiskScoringSettings) -> ScheduleRiskScoring:
    """The weekly scoring run: retrain when due, queue the accounts to score."""
    if not settings.risk_scoring_queue_url:
        raise ValueError("RISK_SCORING_QUEUE_URL is required")
    configure_table(settings)
    histories = _risk_histories(settings)
    models = DynamoRiskModels()
    return ScheduleRiskScoring(
        histories,
        models,
        SqsScoringQueue(client(settings, "sqs"), settings.risk_scoring_queue_url),
        TrainRiskModel(
            histories, models, settings.training_policy(), settings.risk_training_accounts
        ),
        Recorder.system(time_zone(settings)),
        settings.risk_retrain_days,
        settings.risk_chunk_accounts,
    )


def score_accounts(settings: RiskScoringSettings) -> ScoreAccounts:
    """A chunk of accounts scored (the scoring queue's consumer)."""
    configure_table(settings)
    return ScoreAccounts(
        _risk_histories(settings), DynamoRiskModels(), DynamoRiskScores(), settings.bands()
    )


def risk_worklist(settings: CommonSettings) -> RiskWorklist:
    """The stored scores, read by the API."""
    configure_table(settings)
    return RiskWorklist(DynamoRiskScores())


def _today(settings: CommonSettings) -> Callable[[], date]:
    return partial(local_today, SystemClock(), time_zone(settings))


@dataclass(frozen=True)
class AgingServices:
    report: AgingReport
    drill_down: AgingDrillDown
    account: AccountAging
    kpis: CollectionKpiReport


def aging_services(settings: CommonSettings) -> AgingServices:
    configure_table(settings)
    today = _today(settings)
    return AgingServices(
        AgingReport(DynamoAgingCells(), DynamoAgingSnapshots(), today),
        AgingDrillDown(DynamoReceivables(), today),
        AccountAging(DynamoJournal(), today),
        CollectionKpiReport(DynamoCollectionKpis(), today),
    )


def request_collection_export(
    settings: CommonSettings, *, export_queue_url: str
) -> RequestCollectionExport:
    """Exports of the KPIs and the aging asked for by staff (the API's routes); the files and
    their links are the report exports' (:mod:`civiq.reporting.wiring`)."""
    configure_table(settings)
    return RequestCollectionExport(
        DynamoExports(),
        SqsExportQueue(client(settings, "sqs"), export_queue_url),
        Recorder.system(time_zone(settings)),
        _today(settings),
    )


def report_sources(settings: CommonSettings) -> dict[str, ReportSource]:
    """The collections reports' row sources, for the report worker (functions/report_export)."""
    configure_table(settings)
    today = _today(settings)
    return collection_report_sources(
        CollectionKpiReport(DynamoCollectionKpis(), today),
        AgingReport(DynamoAgingCells(), DynamoAgingSnapshots(), today),
        DynamoReceivables(),
    )


def take_aging_snapshot(settings: CommonSettings) -> TakeAgingSnapshot:
    configure_table(settings)
    return TakeAgingSnapshot(DynamoAgingCells(), DynamoAgingSnapshots(), _today(settings))


def fold_collection_kpis(settings: CommonSettings) -> FoldCollectionKpis:
    """The collection KPIs' daily fold, run by the hourly aging upkeep after the snapshot."""
    configure_table(settings)
    return FoldCollectionKpis(DynamoAgingCells(), DynamoCollectionKpis(), _today(settings))


@dataclass(frozen=True)
class AgingUpkeep:
    rebuild: RebuildAging
    check: CheckAging


def aging_upkeep(settings: CommonSettings) -> AgingUpkeep:
    configure_table(settings)
    receivables, cells = DynamoReceivables(), DynamoAgingCells()
    return AgingUpkeep(RebuildAging(receivables, cells), CheckAging(receivables, cells))


def _tax_roll_work(work: Casework, settings: TaxRollSettings) -> TaxRollWork:
    if not settings.tax_roll_state_machine_arn:
        raise ValueError("TAX_ROLL_STATE_MACHINE_ARN is required")
    if not settings.documents_bucket:
        raise ValueError("DOCUMENTS_BUCKET is required")
    return TaxRollWork(
        transfers=DynamoTaxRoll(),
        files=S3TaxRollFiles(client(settings, "s3"), settings.documents_bucket),
        work=work,
        properties=DynamoPropertyRepository(),
        books=dynamo_payment_ledger(settings),
        catalogues=DynamoFeeCatalogues(),
        workflow=StepFunctionsWorkflow(
            client(settings, "stepfunctions"), settings.tax_roll_state_machine_arn
        ),
        policy=settings.tax_roll_policy(),
    )


@dataclass(frozen=True)
class TaxRollServices:
    notice: NoticeTransfer
    withdraw: WithdrawTransfer
    reverse: ReverseTransfer
    views: TaxRollViews


def tax_roll_services(work: Casework, settings: TaxRollSettings) -> TaxRollServices:
    """The API's transfers to the tax roll and their files."""
    tax_roll = _tax_roll_work(work, settings)
    return TaxRollServices(
        NoticeTransfer(tax_roll),
        WithdrawTransfer(tax_roll),
        ReverseTransfer(tax_roll),
        TaxRollViews(tax_roll.transfers, tax_roll.files, settings.document_url_seconds),
    )


def transfer_arrears(settings: TaxRollSettings) -> TransferArrears:
    """The TaxRollTransfer state machine's task."""
    return TransferArrears(_tax_roll_work(casework(settings), settings))


def _numbering(settings: CollectionSettings | DocumentSettings) -> AccountNumberScheme:
    return AccountNumberScheme(settings.account_number_prefix, settings.account_number_width)


@dataclass(frozen=True)
class AgencyServices:
    """Collection agencies (the API's): the roster, referrals, recalls, remittances."""

    rosters: AgencyRosters
    configure: ConfigureAgencies
    refer: ReferAccount
    recall: RecallReferral
    record_remittance: RecordAgencyRemittance
    views: AgencyViews


def agency_services(
    work: Casework,
    settings: CollectionSettings,
    *,
    allocation_order: AllocationOrder,
    documents_bucket: str | None,
    link_seconds: int,
) -> AgencyServices:
    rosters, referrals, remittances = (
        DynamoAgencyRosters(),
        DynamoReferrals(),
        DynamoAgencyRemittances(),
    )
    return AgencyServices(
        rosters=rosters,
        configure=ConfigureAgencies(rosters, referrals, work.recorder),
        refer=ReferAccount(rosters, referrals, _open_case(work)),
        recall=RecallReferral(_open_case(work), referrals),
        record_remittance=RecordAgencyRemittance(
            _open_case(work),
            rosters,
            referrals,
            remittances,
            PostPayment(dynamo_payment_ledger(settings), allocation_order),
            _numbering(settings),
        ),
        views=AgencyViews(
            rosters,
            referrals,
            remittances,
            DynamoAgencyFiles(),
            S3DocumentLinks(client(settings, "s3"), documents_bucket or ""),
            link_seconds,
        ),
    )


def assemble_agency_files(settings: DocumentSettings) -> AssembleAgencyFiles:
    """The agencies' daily files in S3 (functions/agency_files)."""
    configure_table(settings)
    return AssembleAgencyFiles(
        DynamoAgencyRosters(),
        DynamoAgencyFiles(),
        S3PrintFileStore(client(settings, "s3"), settings.documents_bucket),
        _numbering(settings),
        SystemClock(),
        time_zone(settings),
    )
