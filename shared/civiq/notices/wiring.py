"""Alerts, read reminders, receipts and welcome letters, wired to DynamoDB, S3, SQS, Step
Functions and EventBridge from settings: the one place their services are built, for the alert
functions, the receipts worker, the welcome-letter task and the letter starter.

Receipts and welcome letters are PDFs rendered with WeasyPrint; the alerts are plain text from
the catalogs and never import it.
"""

from __future__ import annotations

from civiq.accounts.adapters.dynamodb_accounts import DynamoAccountRepository
from civiq.accounts.adapters.dynamodb_customers import DynamoCustomerRepository
from civiq.accounts.domain.account_numbers import AccountNumberScheme
from civiq.accounts.services.recording import Recorder
from civiq.billing.adapters.dynamodb import DynamoCycles, DynamoStatements
from civiq.core.settings import DocumentSettings
from civiq.notices.adapters.dynamodb import DynamoNotificationLog
from civiq.notices.adapters.receipts import CatalogReceiptWording, S3ReceiptDocuments
from civiq.notices.adapters.reminder_queue import SqsReminderQueue
from civiq.notices.adapters.wording import CatalogWording
from civiq.notices.config import AlertSettings, LetterStarterSettings, ReadReminderSettings
from civiq.notices.services.alerts import (
    Notifier,
    NotifyHighConsumption,
    RemindRoute,
    ScheduleReadReminders,
)
from civiq.notices.services.receipts import IssueReceipt
from civiq.notices.services.welcome_letters import SendWelcomeLetter
from civiq.platform.catalogs import Catalogs, default_templates_dir
from civiq.platform.runtime import (
    client,
    configure_table,
    event_publisher,
    pdf_renderer,
    publish_events,
    time_zone,
)
from civiq.platform.s3 import DocumentLock, S3DocumentStore
from civiq.platform.stepfunctions import StepFunctionsWorkflow


def _notifier(settings: AlertSettings) -> Notifier:
    catalogs = Catalogs(settings.templates_dir or default_templates_dir())
    return Notifier(
        DynamoAccountRepository(),
        DynamoCustomerRepository(),
        CatalogWording(catalogs, settings.municipality_name),
        AccountNumberScheme(settings.account_number_prefix, settings.account_number_width),
    )


def _reminder_queue(settings: ReadReminderSettings) -> SqsReminderQueue:
    return SqsReminderQueue(client(settings, "sqs"), settings.read_reminder_queue_url)


def notify_high_consumption(settings: AlertSettings) -> NotifyHighConsumption:
    """Every account a meter serves notified of its high consumption, once per trigger
    (functions/alerts, ``high_consumption``)."""
    configure_table(settings)
    return NotifyHighConsumption(
        DynamoAccountRepository(),
        _notifier(settings),
        DynamoNotificationLog(),
        publish_events(settings),
    )


def schedule_read_reminders(settings: ReadReminderSettings) -> ScheduleReadReminders:
    """The routes whose reads are due soon, put on the reminder queue (functions/alerts,
    ``schedule_reminders``)."""
    configure_table(settings)
    recorder = Recorder.system(time_zone(settings))
    return ScheduleReadReminders(
        DynamoCycles(), _reminder_queue(settings), recorder, settings.read_reminder_days
    )


def remind_route(settings: ReadReminderSettings) -> RemindRoute:
    """A route's active accounts reminded of the coming read (functions/alerts,
    ``remind_route``)."""
    configure_table(settings)
    return RemindRoute(
        DynamoAccountRepository(),
        _notifier(settings),
        event_publisher(settings),
        _reminder_queue(settings),
    )


def issue_receipt(settings: DocumentSettings) -> IssueReceipt:
    """Each posted payment's receipt: a PDF stored in S3 and a message to the holder
    (functions/receipts)."""
    configure_table(settings)
    templates = settings.templates_dir or default_templates_dir()
    return IssueReceipt(
        accounts=DynamoAccountRepository(),
        customers=DynamoCustomerRepository(),
        statements=DynamoStatements(),
        renderer=pdf_renderer(templates),
        documents=S3ReceiptDocuments(
            client(settings, "s3"),
            settings.documents_bucket,
            DocumentLock.configured(settings.document_retention_years, settings.document_lock_mode),
        ),
        wording=CatalogReceiptWording(Catalogs(templates), settings.municipality_name),
        notifications=DynamoNotificationLog(),
        events=publish_events(settings),
        numbering=AccountNumberScheme(
            settings.account_number_prefix, settings.account_number_width
        ),
        letterhead=settings.letterhead(),
    )


def send_welcome_letter(settings: DocumentSettings) -> SendWelcomeLetter:
    """A new account's welcome letter (en/fr), stored in S3 (functions/welcome_letter)."""
    configure_table(settings)
    return SendWelcomeLetter(
        accounts=DynamoAccountRepository(),
        customers=DynamoCustomerRepository(),
        renderer=pdf_renderer(settings.templates_dir),
        documents=S3DocumentStore(client(settings, "s3"), settings.documents_bucket),
        numbering=AccountNumberScheme(
            settings.account_number_prefix, settings.account_number_width
        ),
        letterhead=settings.letterhead(),
        portal_url=settings.portal_url,
    )


def welcome_letter_workflow(settings: LetterStarterSettings) -> StepFunctionsWorkflow:
    """The welcome-letter state machine, started once per new account (functions/letter_starter)."""
    return StepFunctionsWorkflow(
        client(settings, "stepfunctions"), settings.welcome_letter_state_machine_arn
    )
