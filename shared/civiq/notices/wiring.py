"""Alerts, read reminders, receipts and welcome letters, and the delivery of notifications,
wired to DynamoDB, S3, SQS, SES, SNS, Step Functions and EventBridge from settings: the one place
their services are built, for the alert functions, the receipts worker, the welcome-letter task,
the letter starter, the notification sender and its email-feedback handler, the print-file
assembly and the API's correspondence, print-file and unsubscribe routes.

Receipts, welcome letters and print files are PDFs rendered with WeasyPrint; the alerts and the
sender are plain text from the catalogs and never import it.
"""

from __future__ import annotations

from dataclasses import dataclass

from civiq.accounts.adapters.dynamodb_accounts import DynamoAccountRepository
from civiq.accounts.adapters.dynamodb_changes import DynamoChanges
from civiq.accounts.adapters.dynamodb_customers import DynamoCustomerRepository
from civiq.accounts.domain.account_numbers import AccountNumberScheme
from civiq.accounts.services.customers import ReviseCustomer
from civiq.accounts.services.recording import Recorder
from civiq.accounts.services.refresh_accounts import RefreshAccounts
from civiq.billing.adapters.dynamodb import DynamoCycles, DynamoStatements
from civiq.core.clock import SystemClock
from civiq.core.settings import CommonSettings, DocumentSettings
from civiq.notices.adapters.delivery_wording import CatalogDeliveryWording
from civiq.notices.adapters.dynamodb import DynamoNotificationLog
from civiq.notices.adapters.dynamodb_deliveries import (
    DynamoDeliveries,
    DynamoPrintFiles,
    DynamoSuppressions,
)
from civiq.notices.adapters.print_files_s3 import S3PrintFileStore
from civiq.notices.adapters.receipts import CatalogReceiptWording, S3ReceiptDocuments
from civiq.notices.adapters.reminder_queue import SqsReminderQueue
from civiq.notices.adapters.ses import SesEmailSender
from civiq.notices.adapters.sns_sms import SnsSmsSender
from civiq.notices.adapters.unsubscribe_links import SignedUnsubscribeLinks
from civiq.notices.adapters.wording import CatalogWording
from civiq.notices.config import (
    AlertSettings,
    DeliverySettings,
    LetterStarterSettings,
    PrintCutoffSettings,
    PrintFileSettings,
    ReadReminderSettings,
)
from civiq.notices.services.alerts import (
    Notifier,
    NotifyHighConsumption,
    RemindRoute,
    ScheduleReadReminders,
)
from civiq.notices.services.assemble_print_file import AssemblePrintFile
from civiq.notices.services.correspondence import AccountCorrespondence
from civiq.notices.services.deliver_notification import DeliverNotification
from civiq.notices.services.email_feedback import HandleEmailFeedback
from civiq.notices.services.print_file_details import ShowPrintFile
from civiq.notices.services.queue_for_print import QueueForPrint
from civiq.notices.services.receipts import IssueReceipt
from civiq.notices.services.unsubscribe import Unsubscribe
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
from civiq.platform.s3 import DocumentLock, S3DocumentLinks, S3DocumentStore
from civiq.platform.secrets import Secret, secret
from civiq.platform.stepfunctions import StepFunctionsWorkflow


def _notifier(settings: AlertSettings) -> Notifier:
    catalogs = Catalogs(settings.templates_dir or default_templates_dir())
    return Notifier(
        DynamoAccountRepository(),
        DynamoCustomerRepository(),
        CatalogWording(catalogs, settings.municipality_name),
        _numbering(settings),
    )


def _numbering(settings: AlertSettings | DocumentSettings) -> AccountNumberScheme:
    return AccountNumberScheme(settings.account_number_prefix, settings.account_number_width)


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
        numbering=_numbering(settings),
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
        numbering=_numbering(settings),
        letterhead=settings.letterhead(),
        portal_url=settings.portal_url,
    )


def welcome_letter_workflow(settings: LetterStarterSettings) -> StepFunctionsWorkflow:
    """The welcome-letter state machine, started once per new account (functions/letter_starter)."""
    return StepFunctionsWorkflow(
        client(settings, "stepfunctions"), settings.welcome_letter_state_machine_arn
    )


# --- delivery ------------------------------------------------------------------------------------


def _queue_for_print(settings: PrintCutoffSettings) -> QueueForPrint:
    return QueueForPrint(
        DynamoDeliveries(), DynamoAccountRepository(), time_zone(settings), settings.print_cutoff()
    )


def _signing_keys(settings: CommonSettings, secret_id: str) -> Secret:
    return secret(secret_id, settings.aws_region, settings.aws_endpoint_url)


def deliver_notification(settings: DeliverySettings) -> DeliverNotification:
    """Each NotificationRequested delivered once: email (SES), SMS (SNS) or the print queue
    (functions/notification_sender, ``deliver``)."""
    configure_table(settings)
    catalogs = Catalogs(settings.templates_dir or default_templates_dir())
    keys = _signing_keys(settings, settings.unsubscribe_secret_id)
    return DeliverNotification(
        deliveries=DynamoDeliveries(),
        customers=DynamoCustomerRepository(),
        suppressions=DynamoSuppressions(),
        email=SesEmailSender(
            client(settings, "ses"),
            settings.notification_sender_address,
            settings.municipality_name,
            settings.notification_configuration_set,
        ),
        sms=SnsSmsSender(client(settings, "sns")),
        wording=CatalogDeliveryWording(catalogs, settings.municipality_name),
        links=SignedUnsubscribeLinks(keys, settings.unsubscribe_url, settings.municipality_email),
        mail=_queue_for_print(settings),
        clock=SystemClock(),
    )


def _revise_customer(settings: CommonSettings) -> ReviseCustomer:
    accounts, changes = DynamoAccountRepository(), DynamoChanges()
    recorder = Recorder.system(time_zone(settings))
    return ReviseCustomer(
        DynamoCustomerRepository(),
        accounts,
        changes,
        recorder,
        RefreshAccounts(accounts, changes, recorder),
    )


def handle_email_feedback(settings: PrintCutoffSettings) -> HandleEmailFeedback:
    """SES's bounces and complaints: the suppression list, the customer, the message by mail
    (functions/notification_sender, ``email_feedback``)."""
    configure_table(settings)
    return HandleEmailFeedback(
        deliveries=DynamoDeliveries(),
        suppressions=DynamoSuppressions(),
        customers=DynamoCustomerRepository(),
        revise_customer=_revise_customer(settings),
        mail=_queue_for_print(settings),
        clock=SystemClock(),
    )


def assemble_print_file(settings: PrintFileSettings) -> AssemblePrintFile:
    """A day's letters as PDF parts and a manifest in S3 (functions/print_file)."""
    configure_table(settings)
    return AssemblePrintFile(
        queue=DynamoDeliveries(),
        files=DynamoPrintFiles(),
        deliveries=DynamoDeliveries(),
        renderer=pdf_renderer(settings.templates_dir),
        store=S3PrintFileStore(client(settings, "s3"), settings.documents_bucket),
        numbering=_numbering(settings),
        letterhead=settings.letterhead(),
        clock=SystemClock(),
        time_zone=time_zone(settings),
        cutoff=settings.print_cutoff(),
        part_size=settings.print_part_letters,
    )


@dataclass(frozen=True)
class CorrespondenceServices:
    """The API's view of what went out: an account's deliveries, the print files, and the
    unsubscribe link's withdrawal."""

    correspondence: AccountCorrespondence
    print_files: DynamoPrintFiles
    show_print_file: ShowPrintFile
    unsubscribe: Unsubscribe | None  # None: no signing secret configured


def correspondence_services(
    settings: CommonSettings,
    revise_customer: ReviseCustomer,
    documents_bucket: str | None,
    link_seconds: int,
    unsubscribe_secret_id: str | None,
) -> CorrespondenceServices:
    configure_table(settings)
    files = DynamoPrintFiles()
    links = S3DocumentLinks(client(settings, "s3"), documents_bucket or "")
    return CorrespondenceServices(
        correspondence=AccountCorrespondence(DynamoAccountRepository(), DynamoDeliveries()),
        print_files=files,
        show_print_file=ShowPrintFile(files, links, link_seconds),
        unsubscribe=Unsubscribe(
            _signing_keys(settings, unsubscribe_secret_id),
            DynamoCustomerRepository(),
            revise_customer,
        )
        if unsubscribe_secret_id
        else None,
    )
