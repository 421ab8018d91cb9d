"""The portal's services wired to DynamoDB and S3 from settings: the one place they are built
(functions/portal).

It imports only the reads the pages need (accounts, statements, payments, balances) and never
the staff API's routes, the PDF renderer or the workflows: a portal page's cold start pays for
what it shows."""

from __future__ import annotations

from dataclasses import dataclass

from civiq.accounts.adapters.dynamodb_accounts import DynamoAccountRepository
from civiq.accounts.adapters.dynamodb_workflows import DynamoBalances
from civiq.accounts.domain.account_numbers import AccountNumberScheme
from civiq.billing.adapters.dynamodb import DynamoStatements
from civiq.core.clock import SystemClock
from civiq.core.ids import UlidGenerator
from civiq.ledger.adapters.dynamodb_postings import DynamoPayments
from civiq.platform.catalogs import default_templates_dir
from civiq.platform.dynamodb.audit import DynamoAuditLog
from civiq.platform.runtime import client, configure_table, time_zone
from civiq.platform.s3 import S3DocumentLinks
from civiq.platform.templating import CatalogTemplates
from civiq.portal.adapters.dynamodb_attempts import DynamoLookupAttempts
from civiq.portal.config import PortalSettings
from civiq.portal.services.account_overview import AccountOverview
from civiq.portal.services.bill_explanation import ExplainBill
from civiq.portal.services.look_up_account import LookUpAccount
from civiq.portal.services.statement_link import StatementLink
from civiq.reporting.adapters.dynamodb_dashboard import DynamoDashboard
from civiq.reporting.services.account_balance import BalanceOfAccount


@dataclass(frozen=True)
class PortalServices:
    numbering: AccountNumberScheme
    templates: CatalogTemplates
    statements: DynamoStatements  # the account's, to choose one from (a billing dispute's)
    look_up: LookUpAccount
    overview: AccountOverview
    explain_bill: ExplainBill
    statement_link: StatementLink


def portal_services(settings: PortalSettings) -> PortalServices:
    configure_table(settings)
    numbering = AccountNumberScheme(settings.account_number_prefix, settings.account_number_width)
    accounts = DynamoAccountRepository()
    statements = DynamoStatements()
    clock = SystemClock()
    zone = time_zone(settings)
    balances = BalanceOfAccount(DynamoDashboard(), DynamoBalances())
    return PortalServices(
        numbering=numbering,
        templates=CatalogTemplates(settings.templates_dir or default_templates_dir(), zone),
        statements=statements,
        look_up=LookUpAccount(
            accounts,
            DynamoLookupAttempts(),
            DynamoAuditLog(),
            numbering,
            settings.lookup_policy(),
            clock,
            UlidGenerator(),
        ),
        overview=AccountOverview(
            accounts, balances, statements, DynamoPayments(), numbering, clock, zone
        ),
        explain_bill=ExplainBill(statements, numbering, settings.letterhead(), settings.portal_url),
        statement_link=StatementLink(
            statements,
            S3DocumentLinks(client(settings, "s3"), settings.documents_bucket),
            settings.document_url_seconds,
        ),
    )
