"""Payments, refunds, remittances, processor events and their exceptions, late penalties and
autopay, wired to DynamoDB, S3, SQS and EventBridge from settings: the one place their services
(and the fees') are built, for the API (``payments_composition.py``,
``remittances_composition.py``, ``processor_exceptions_composition.py``), the processor-event,
remittance, late-penalty, autopay and fee-charger functions. The ledger they post through is
built by :func:`civiq.billing.adapters.payment_ledger.dynamo_payment_ledger`, as final bills' is.

The API imports this module at its cold start: what only the other functions build (their
settings, late penalties, autopay) is imported by the functions building it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

from civiq.accounts.adapters.dynamodb_accounts import DynamoAccountRepository
from civiq.accounts.adapters.dynamodb_workflows import DynamoMilestones
from civiq.accounts.domain.account_numbers import AccountNumberScheme
from civiq.accounts.services.find_account import FindAccount
from civiq.accounts.services.recording import Recorder
from civiq.billing.adapters.dynamodb import post_to_statements
from civiq.billing.adapters.payment_ledger import dynamo_payment_ledger
from civiq.core.clock import SystemClock
from civiq.core.ids import UlidGenerator
from civiq.core.ports import AuditLog
from civiq.core.settings import CommonSettings
from civiq.ledger.adapters.dynamodb_fees import DynamoFeeCatalogues
from civiq.ledger.adapters.dynamodb_postings import DynamoLedger
from civiq.ledger.domain.journal import AllocationOrder
from civiq.ledger.ports import FeeCatalogueRepository, LedgerRepository, PaymentRepository
from civiq.ledger.services.fees import ChargeFee, ChargeOpeningFee, ConfigureFees
from civiq.ledger.services.posting import PaymentLedger
from civiq.payments.adapters.dynamodb_payment_troubles import DynamoPaymentTroubles
from civiq.payments.adapters.dynamodb_processor_events import DynamoProcessorEvents
from civiq.payments.adapters.dynamodb_processor_exceptions import DynamoProcessorExceptions
from civiq.payments.adapters.dynamodb_remittances import DynamoRemittances
from civiq.payments.adapters.processor_event_queue import SqsProcessorEventQueue
from civiq.payments.adapters.remittance_queue import SqsRemittanceQueue
from civiq.payments.adapters.sandbox_gateway import SandboxGateway
from civiq.payments.ports import ProcessorExceptions
from civiq.payments.services.payments import (
    AdjustBalance,
    PostPayment,
    ProcessorRefunds,
    RefundPayment,
    ReversePayment,
)
from civiq.payments.services.processor_events import AcceptWebhook, ApplyProcessorEvent
from civiq.payments.services.processor_exceptions import (
    DecideProcessorException,
    ExceptionJournal,
)
from civiq.payments.services.processor_postings import PostProcessorPayment
from civiq.payments.services.remittances import (
    ApplyRemittanceChunk,
    DecideException,
    LedgerDirectory,
    ReceiveRemittance,
)
from civiq.platform.dynamodb.audit import DynamoAuditLog
from civiq.platform.idempotency import IdempotentRequests
from civiq.platform.runtime import client, configure_table, publish_events, time_zone
from civiq.platform.s3 import S3RemittanceContents
from civiq.platform.secrets import secret

if TYPE_CHECKING:
    from civiq.payments.config import AutopaySettings, PaymentSettings, PenaltySettings
    from civiq.payments.services.autopay import ChargeAutopay
    from civiq.payments.services.late_penalties import ApplyLatePenalties


def processor_refunds(settings: CommonSettings, queue_url: str | None) -> ProcessorRefunds | None:
    """Refunds of card and PAD payments go to the gateway (None: recorded here only)."""
    if not queue_url:
        return None
    return ProcessorRefunds(
        DynamoProcessorEvents(), SandboxGateway(client(settings, "sqs"), queue_url)
    )


@dataclass(frozen=True)
class FeeServices:
    """The fee catalogue (read and replaced by supervisors) and fees charged to accounts."""

    catalogues: FeeCatalogueRepository
    configure: ConfigureFees
    charge: ChargeFee


def charge_opening_fee(settings: CommonSettings) -> ChargeOpeningFee:
    """The new-account fee of each account opened (functions/fee_charger)."""
    return ChargeOpeningFee(ChargeFee(dynamo_payment_ledger(settings), DynamoFeeCatalogues()))


def fee_services(books: PaymentLedger, settings: CommonSettings) -> FeeServices:
    catalogues = DynamoFeeCatalogues()
    return FeeServices(
        catalogues=catalogues,
        configure=ConfigureFees(catalogues, Recorder.system(time_zone(settings))),
        charge=ChargeFee(books, catalogues),
    )


@dataclass(frozen=True)
class PaymentServices:
    """Staff's payments, refunds, reversals, adjustments and fees, each answered once per
    Idempotency-Key (the API's routes)."""

    ledger: LedgerRepository
    payments: PaymentRepository
    requests: IdempotentRequests
    post: PostPayment
    refund: RefundPayment
    reverse: ReversePayment
    adjust: AdjustBalance
    fees: FeeServices


def payment_services(
    settings: CommonSettings,
    *,
    idempotency_table_name: str,
    idempotency_key_hours: int,
    allocation_order: AllocationOrder,
    nsf_fee: Decimal,
    refunds: ProcessorRefunds | None,
) -> PaymentServices:
    books = dynamo_payment_ledger(settings)
    persistence = DynamoDBPersistenceLayer(
        table_name=idempotency_table_name, boto3_client=client(settings, "dynamodb")
    )
    fees = fee_services(books, settings)
    return PaymentServices(
        ledger=books.ledger,
        payments=books.payments,
        requests=IdempotentRequests(persistence, idempotency_key_hours * 3600),
        post=PostPayment(books, allocation_order),
        refund=RefundPayment(books, refunds),
        reverse=ReversePayment(books, nsf_fee, fees.catalogues),
        adjust=AdjustBalance(books, allocation_order),
        fees=fees,
    )


def accept_webhook(
    settings: CommonSettings,
    *,
    webhook_secret_id: str,
    tolerance_seconds: int,
    processor_events_queue_url: str,
) -> AcceptWebhook:
    """The processor's signed events, checked against the current and previous versions of the
    webhook's secret in Secrets Manager, and queued (the API's webhook route)."""

    def active_secrets() -> tuple[str, ...]:
        return secret(webhook_secret_id, settings.aws_region, settings.aws_endpoint_url).active()

    return AcceptWebhook(
        active_secrets,
        timedelta(seconds=tolerance_seconds),
        SqsProcessorEventQueue(client(settings, "sqs"), processor_events_queue_url),
        SystemClock(),
    )


@dataclass(frozen=True)
class RemittanceServices:
    """Bank remittance files received from staff, and the exceptions they decide (the API's
    routes)."""

    repository: DynamoRemittances
    receive: ReceiveRemittance
    decide: DecideException


def remittance_services(
    settings: CommonSettings,
    *,
    documents_bucket: str,
    remittance_queue_url: str,
    post: PostPayment,
) -> RemittanceServices:
    """``post`` is the staff's :class:`PostPayment`, which a decided exception posts through."""
    configure_table(settings)
    repository = DynamoRemittances()
    return RemittanceServices(
        repository=repository,
        receive=ReceiveRemittance(
            repository,
            S3RemittanceContents(client(settings, "s3"), documents_bucket),
            SqsRemittanceQueue(client(settings, "sqs"), remittance_queue_url),
            SystemClock(),
            time_zone(settings),
        ),
        decide=DecideException(repository, DynamoAccountRepository(), post),
    )


def processor_postings(
    settings: CommonSettings, allocation_order: AllocationOrder
) -> PostProcessorPayment:
    """Processor payments posted to a ledger; their refunds are the processor's own (nothing
    is asked of the gateway)."""
    books = dynamo_payment_ledger(settings)
    return PostProcessorPayment(books, PostPayment(books, allocation_order), RefundPayment(books))


def exception_journal(settings: CommonSettings) -> ExceptionJournal:
    configure_table(settings)
    return ExceptionJournal(
        DynamoProcessorExceptions(), SystemClock(), UlidGenerator(), publish_events(settings)
    )


def apply_processor_event(settings: PaymentSettings) -> ApplyProcessorEvent:
    """Each processor event's postings, or its exception (functions/processor_events)."""
    return ApplyProcessorEvent(
        DynamoProcessorEvents(),
        exception_journal(settings),
        processor_postings(settings, settings.allocation_order),
        AccountNumberScheme(settings.account_number_prefix, settings.account_number_width),
        DynamoPaymentTroubles(),
    )


@dataclass(frozen=True)
class ProcessorExceptionServices:
    """Processor events waiting for a clerk, their history, and clerks' decisions (the API's
    routes)."""

    exceptions: ProcessorExceptions
    history: AuditLog
    decide: DecideProcessorException


def processor_exception_services(
    settings: CommonSettings, *, numbering: AccountNumberScheme, allocation_order: AllocationOrder
) -> ProcessorExceptionServices:
    journal = exception_journal(settings)
    postings = processor_postings(settings, allocation_order)
    return ProcessorExceptionServices(
        exceptions=journal.exceptions,
        history=DynamoAuditLog(),
        decide=DecideProcessorException(
            journal,
            DynamoProcessorEvents(),
            FindAccount(postings.books.accounts, numbering),
            postings,
        ),
    )


def apply_remittance_chunk(settings: PaymentSettings) -> ApplyRemittanceChunk:
    """A chunk of a bank file's lines matched, the certain ones posted (functions/remittances)."""
    if not settings.documents_bucket:
        raise RuntimeError("DOCUMENTS_BUCKET must be set")
    books = dynamo_payment_ledger(settings)
    return ApplyRemittanceChunk(
        DynamoRemittances(),
        S3RemittanceContents(client(settings, "s3"), settings.documents_bucket),
        LedgerDirectory(books.accounts, books.ledger, books.payments),
        PostPayment(books, settings.allocation_order),
        AccountNumberScheme(settings.account_number_prefix, settings.account_number_width),
    )


def apply_late_penalties(settings: PenaltySettings) -> ApplyLatePenalties:
    """The municipality's late-payment penalties, once per statement (functions/late_penalties)."""
    from civiq.payments.adapters.dynamodb_past_due import DynamoPastDue
    from civiq.payments.services.late_penalties import ApplyLatePenalties

    books = dynamo_payment_ledger(settings)
    return ApplyLatePenalties(
        books,
        DynamoPastDue(),
        settings.policy(),
        DynamoPaymentTroubles(),
        shield_days=settings.payment_shield_days,
    )


def charge_autopay(settings: AutopaySettings) -> ChargeAutopay:
    """Autopay accounts charged through the payment gateway when billed (functions/autopay)."""
    from civiq.payments.adapters.dynamodb_mandates import DynamoMandates
    from civiq.payments.adapters.kms_vault import KmsVault
    from civiq.payments.services.autopay import ChargeAutopay
    from civiq.payments.services.mandate_instruments import MandateInstrument

    configure_table(settings)
    gateway = SandboxGateway(client(settings, "sqs"), settings.sandbox_processor_queue_url)
    clock, ids = SystemClock(), UlidGenerator()
    return ChargeAutopay(
        DynamoAccountRepository(),
        DynamoLedger(post_to_statements),
        gateway,
        DynamoMilestones(),
        clock,
        ids,
        MandateInstrument(
            DynamoMandates(),
            KmsVault(client(settings, "kms"), settings.mandate_key_id),
            gateway,
            clock,
            ids,
        ),
    )
