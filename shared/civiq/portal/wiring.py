"""The portal's services wired to DynamoDB and S3 from settings: the one place they are built
(functions/portal).

It imports only the reads the pages need (accounts, statements, payments, balances) and never
the staff API's routes, the PDF renderer or the workflows: a portal page's cold start pays for
what it shows."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from civiq.accounts.adapters.dynamodb_accounts import DynamoAccountRepository
from civiq.accounts.adapters.dynamodb_changes import DynamoChanges
from civiq.accounts.adapters.dynamodb_customers import DynamoCustomerRepository
from civiq.accounts.adapters.dynamodb_properties import DynamoPropertyRepository
from civiq.accounts.adapters.dynamodb_workflows import DynamoBalances
from civiq.accounts.domain.account_numbers import AccountNumberScheme
from civiq.accounts.ports import BillingRequirements
from civiq.accounts.services.change_account import ChangeAccount
from civiq.accounts.services.customers import ReviseCustomer
from civiq.accounts.services.recording import Recorder
from civiq.accounts.services.refresh_accounts import RefreshAccounts
from civiq.billing.adapters.dynamodb import DynamoStatements
from civiq.collections.adapters.dynamodb import DynamoArrangements
from civiq.core.clock import SystemClock
from civiq.core.ids import UlidGenerator
from civiq.ledger.adapters.dynamodb_journal import DynamoJournal
from civiq.ledger.adapters.dynamodb_postings import DynamoPayments
from civiq.payments.adapters.dynamodb_mandates import DynamoMandates
from civiq.payments.adapters.dynamodb_processor_events import DynamoProcessorEvents
from civiq.payments.adapters.kms_vault import KmsVault
from civiq.payments.adapters.sandbox_gateway import SandboxGateway
from civiq.payments.services.autopay_cancellation import CancelAutopay
from civiq.payments.services.autopay_enrolment import EnrolAutopay
from civiq.platform.catalogs import default_templates_dir
from civiq.platform.dynamodb.audit import DynamoAuditLog
from civiq.platform.runtime import client, configure_table, publish_events, time_zone
from civiq.platform.s3 import S3DocumentLinks
from civiq.platform.templating import CatalogTemplates
from civiq.portal.adapters.dynamodb_attempts import DynamoLookupAttempts
from civiq.portal.adapters.dynamodb_online_payments import DynamoOnlinePayments
from civiq.portal.adapters.ses_verification_mail import SesVerificationMail
from civiq.portal.config import PortalSettings
from civiq.portal.ports import Signatures
from civiq.portal.services.account_overview import AccountOverview
from civiq.portal.services.bill_explanation import ExplainBill
from civiq.portal.services.email_change import ChangeEmail
from civiq.portal.services.look_up_account import LookUpAccount
from civiq.portal.services.online_payment import PayOnline
from civiq.portal.services.preferences import ResidentPreferences
from civiq.portal.services.statement_link import StatementLink
from civiq.reporting.adapters.dynamodb_dashboard import DynamoDashboard
from civiq.reporting.services.account_balance import BalanceOfAccount

if TYPE_CHECKING:
    from civiq.collections.services.arrangements import MakeArrangement
    from civiq.portal.services.payment_arrangement import ArrangePayments


@dataclass(frozen=True)
class PortalServices:
    numbering: AccountNumberScheme
    templates: CatalogTemplates
    statements: DynamoStatements  # the account's, to choose one from (a billing dispute's)
    look_up: LookUpAccount
    overview: AccountOverview
    explain_bill: ExplainBill
    statement_link: StatementLink
    pay: PayOnline
    preferences: ResidentPreferences
    email_change: ChangeEmail


def portal_services(settings: PortalSettings, signatures: Signatures) -> PortalServices:
    """``signatures``: what signs an email verification link (the function holds the key)."""
    configure_table(settings)
    numbering = AccountNumberScheme(settings.account_number_prefix, settings.account_number_width)
    accounts = DynamoAccountRepository()
    statements = DynamoStatements()
    clock = SystemClock()
    zone = time_zone(settings)
    balances = BalanceOfAccount(DynamoDashboard(), DynamoBalances())
    online = DynamoOnlinePayments()
    ids = UlidGenerator()
    customers = DynamoCustomerRepository()
    changes = DynamoChanges()
    recorder = Recorder(clock, ids, zone)
    revise = ReviseCustomer(
        customers, accounts, changes, recorder, RefreshAccounts(accounts, changes, recorder)
    )
    templates = CatalogTemplates(settings.templates_dir or default_templates_dir(), zone)
    return PortalServices(
        numbering=numbering,
        templates=templates,
        statements=statements,
        look_up=LookUpAccount(
            accounts,
            DynamoLookupAttempts(),
            DynamoAuditLog(),
            numbering,
            settings.lookup_policy(),
            clock,
            ids,
            time.sleep,
        ),
        overview=AccountOverview(
            accounts,
            balances,
            statements,
            DynamoPayments(),
            online,
            DynamoProcessorEvents(),
            DynamoArrangements(),
            numbering,
            clock,
            zone,
        ),
        explain_bill=ExplainBill(statements, numbering, settings.letterhead(), settings.portal_url),
        statement_link=StatementLink(
            statements,
            S3DocumentLinks(client(settings, "s3"), settings.documents_bucket),
            settings.document_url_seconds,
        ),
        pay=PayOnline(
            accounts,
            statements,
            online,
            SandboxGateway(client(settings, "sqs"), settings.sandbox_processor_queue_url),
            settings.portal_max_payment,
            clock,
            ids,
        ),
        preferences=ResidentPreferences(accounts, customers, revise),
        email_change=ChangeEmail(
            accounts,
            customers,
            revise,
            signatures,
            SesVerificationMail(
                client(settings, "ses"),
                settings.notification_sender_address,
                settings.municipality_name,
                templates.catalogs,
                settings.email_verification_minutes,
            ),
            clock,
            timedelta(minutes=settings.email_verification_minutes),
        ),
    )


def arrange_payments(settings: PortalSettings, make: MakeArrangement) -> ArrangePayments:
    """Arrangements a resident makes, through collections' use case (built by the function
    from collections' wiring: a feature's wiring never builds another's). Imported here: only
    the arrangement's pages pay for collections' services."""
    from civiq.portal.services.payment_arrangement import ArrangePayments

    configure_table(settings)
    return ArrangePayments(
        DynamoJournal(), DynamoArrangements(), make, SystemClock(), time_zone(settings)
    )


@dataclass(frozen=True)
class AutopayServices:
    """A resident's autopay: the PAD agreement in force, enrolment and cancellation."""

    mandates: DynamoMandates
    enrol: EnrolAutopay
    cancel: CancelAutopay


def autopay_services(settings: PortalSettings, billing: BillingRequirements) -> AutopayServices:
    """Built by the function with what billing needs of an account (billing's wiring builds
    it): the autopay flag is set through the accounts feature's own change."""
    configure_table(settings)
    accounts = DynamoAccountRepository()
    clock, ids = SystemClock(), UlidGenerator()
    changes = DynamoChanges()
    change = ChangeAccount(
        accounts,
        changes,
        publish_events(settings),
        Recorder(clock, ids, time_zone(settings)),
        DynamoPropertyRepository(),
        billing,
    )
    mandates = DynamoMandates()
    gateway = SandboxGateway(client(settings, "sqs"), settings.sandbox_processor_queue_url)
    vault = KmsVault(client(settings, "kms"), settings.mandate_key_id)
    return AutopayServices(
        mandates=mandates,
        enrol=EnrolAutopay(accounts, change, mandates, vault, gateway, clock, ids),
        cancel=CancelAutopay(accounts, change, mandates, clock, ids),
    )
