"""functions/receipts against in-process moto and real WeasyPrint: a PaymentPosted put on the bus,
routed by a rule to a queue like the template's, leaves a tagged PDF receipt in S3 in the
account's language and one NotificationRequested, however often it is delivered; a poison record
fails alone and lands in the dead-letter queue."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import boto3
import pytest
from pypdf import PdfReader
from pypdf.generic import BooleanObject, DictionaryObject

from civiq.accounts.domain.accounts import Account
from civiq.accounts.domain.customers import ContactDetails, ContactMethod, CustomerKind, Preferences
from civiq.accounts.domain.properties import PropertyType
from civiq.accounts.services.customers import NewCustomer
from civiq.accounts.services.open_account import OpenAccountCommand
from civiq.accounts.services.properties import NewProperty
from civiq.billing.adapters.dynamodb import DynamoStatements
from civiq.core.audit import AuditEntry
from civiq.core.language import Language
from civiq.notices.schemas.events import NotificationRequestedV1
from tests.helpers import statement_builders as build
from tests.helpers.alerts import (
    STREET,
    Timed,
    deliver,
    notified,
    put_on_bus,
    queue_arn,
    requested,
    route_to,
)
from tests.helpers.emulator import BUCKET, BUS, LEDGER_TABLE, REGION, TABLE
from tests.helpers.files import load_event
from tests.helpers.handlers import load_handler
from tests.helpers.pdf import lookup, structure_types, text_of
from tests.helpers.statement_builders import issue_with_ledger
from tests.helpers.workflows import open_account

MUNICIPALITY = "Ville de Pointe-aux-Érables"
SAMPLE = "sqs/payment_posted_with_poison.json"
STATEMENT_ID = "UB-OCTOBER"


@dataclass(frozen=True)
class Queues:
    receipts: str
    receipts_dead: str


@pytest.fixture
def queues(aws: None, monkeypatch: pytest.MonkeyPatch) -> Queues:
    """The template's rule and queue (the dead-letter queue after one receive, not five), and
    a queue of every NotificationRequested for the test to read."""
    dead, dead_arn = queue_arn("payment-receipts-dlq")
    redrive = json.dumps({"deadLetterTargetArn": dead_arn, "maxReceiveCount": 1})
    receipts, arn = queue_arn("payment-receipts", RedrivePolicy=redrive, VisibilityTimeout="0")
    route_to("PaymentPosted", arn)
    _, notifications_arn = queue_arn("notifications")
    route_to("NotificationRequested", notifications_arn)
    for name, value in {
        "TABLE_NAME": TABLE,
        "LEDGER_TABLE_NAME": LEDGER_TABLE,
        "EVENT_BUS_NAME": BUS,
        "DOCUMENTS_BUCKET": BUCKET,
        "MUNICIPALITY_NAME": MUNICIPALITY,
    }.items():
        monkeypatch.setenv(name, value)
    return Queues(receipts, dead)


@pytest.fixture
def receipts(queues: Queues) -> Iterator[ModuleType]:
    module = load_handler("receipts")
    yield module
    module.issue_receipt.cache_clear()


def billed_account(name: str, language: Language, method: ContactMethod) -> Account:
    """An account at 12 Rue Principale with its October statement issued."""
    email = "holder@example.ca" if method is ContactMethod.EMAIL else None
    account = open_account(
        OpenAccountCommand(
            customer=NewCustomer(
                CustomerKind.PERSON, name, Preferences(language, method), ContactDetails(email)
            ),
            property=NewProperty(STREET, PropertyType.SINGLE_FAMILY),
        )
    )
    statement = build.statement(
        statement_id=STATEMENT_ID,
        account_id=account.account_id,
        account_number=account.account_number,
        language=language,
    )
    entry = AuditEntry(
        "ST1", f"ACCOUNT#{account.account_id}", "StatementIssued", "b", "s",
        statement.issued_at, "c", {},
    )  # fmt: skip
    assert issue_with_ledger(DynamoStatements(), statement, entry)
    notified()  # what opening the account announced is not under test
    return account


def post_payment(account: Account, **data: Any) -> dict[str, Any]:
    """Put the sample's PaymentPosted, for ``account`` and with ``data``, on the bus."""
    message = json.loads(load_event(SAMPLE)["Records"][0]["body"])
    envelope = message["detail"]
    envelope["subject_id"] = f"ACCOUNT#{account.account_id}"
    envelope["data"] |= {
        "account_id": account.account_id,
        "account_number": account.account_number,
        "applied": [{"statement_id": STATEMENT_ID, "amount": "1200.00"}],
        **data,
    }
    put_on_bus(message)
    data_posted: dict[str, Any] = envelope["data"]
    return data_posted


def stored(account: Account, payment_id: str) -> dict[str, Any]:
    s3 = boto3.client("s3", region_name=REGION)
    key = f"receipts/{account.account_id}/{payment_id}.pdf"
    found: dict[str, Any] = s3.get_object(Bucket=BUCKET, Key=key)
    return found


def test_a_french_account_gets_its_receipt_in_french_once(
    receipts: ModuleType, queues: Queues
) -> None:
    account = billed_account("Élise Tremblay", Language.FR, ContactMethod.EMAIL)
    posted = post_payment(account)
    sqs = boto3.client("sqs", region_name=REGION)
    poison = load_event(SAMPLE)["Records"][1]["body"]
    sqs.send_message(QueueUrl=queues.receipts, MessageBody=poison)

    result = deliver(receipts.handler, queues.receipts, Timed())

    assert len(result["batchItemFailures"]) == 1  # the poison fails alone
    pdf = stored(account, posted["payment_id"])
    assert pdf["ContentType"] == "application/pdf"
    assert pdf["Metadata"] == {
        "account-id": account.account_id,
        "payment-id": posted["payment_id"],
        "language": "fr",
    }
    text = text_of(pdf["Body"].read())
    for phrase in (
        "Reçu de paiement",
        f"Numéro de reçu {posted['payment_id']}",
        "Date de réception 20 novembre 2026",
        "Mode de paiement Chèque",
        "Numéro du chèque 1042",
        "Montant reçu 1 234,56 $",
        # the statement by its dates and the period it bills
        "2 nov. 2026 du 1er sept. 2026 au 31 oct. 2026 23 nov. 2026 1 200,00 $",
        "Crédit conservé pour votre prochain relevé 34,56 $",
        "Solde du compte après ce paiement -34,56 $",
        "This receipt is available in English",  # the one line offering the other language
    ):
        assert phrase in text
    assert "Payment receipt" not in text and "$1,234.56" not in text

    [said] = notified()
    message = NotificationRequestedV1.model_validate(said)
    assert (message.kind.value, message.language, message.recipient.email) == (
        "payment-receipt",
        Language.FR,
        "holder@example.ca",
    )
    assert message.message.subject == "Paiement reçu\u00a0: 1\u00a0234,56\u00a0$"
    assert message.message.body.endswith(MUNICIPALITY)
    assert message.facts.model_dump()["document_key"] == (
        f"receipts/{account.account_id}/{posted['payment_id']}.pdf"
    )
    assert requested(account) == [message.notification_id]

    # The poison was received once: it is now in the dead-letter queue, and only there.
    assert "Messages" not in sqs.receive_message(QueueUrl=queues.receipts)
    dead = sqs.receive_message(QueueUrl=queues.receipts_dead)["Messages"]
    assert [m["Body"] for m in dead] == [poison]

    # Delivered again (EventBridge and SQS deliver at least once): nothing is rendered over the
    # stored receipt, and nothing is requested again.
    s3 = boto3.client("s3", region_name=REGION)
    key = f"receipts/{account.account_id}/{posted['payment_id']}.pdf"
    s3.put_object(Bucket=BUCKET, Key=key, Body=b"the receipt as first stored")
    post_payment(account)

    assert deliver(receipts.handler, queues.receipts, Timed()) == {"batchItemFailures": []}

    assert stored(account, posted["payment_id"])["Body"].read() == b"the receipt as first stored"
    assert notified() == []
    assert requested(account) == [message.notification_id]


def test_an_english_account_gets_a_tagged_receipt_in_english(
    receipts: ModuleType, queues: Queues, caplog: pytest.LogCaptureFixture
) -> None:
    account = billed_account("Tom Tenant", Language.EN, ContactMethod.MAIL)
    posted = post_payment(
        account,
        payment_id="PAY-ETRANSFER-1",
        method="e-transfer",
        reference="CA1mKd7Wq",
        credit="0.00",
        amount="1200.00",
        balance_after="59.90",
    )

    with caplog.at_level(logging.ERROR, logger="weasyprint"):
        assert deliver(receipts.handler, queues.receipts, Timed()) == {"batchItemFailures": []}

    pdf = stored(account, posted["payment_id"])["Body"].read()
    text = text_of(pdf)
    for phrase in (
        "Payment receipt",
        "Receipt number PAY-ETRANSFER-1",
        "Date received November 20, 2026",
        "Payment method E-transfer",
        "Reference CA1mKd7Wq",
        "Amount received $1,200.00",
        "Nov. 2, 2026 Sept. 1, 2026 to Oct. 31, 2026 Nov. 23, 2026 $1,200.00",
        "Account balance after this payment $59.90",
        "Vous pouvez obtenir ce reçu en français",
    ):
        assert phrase in text
    assert "Reçu de paiement" not in text and "Credit kept" not in text

    reader = PdfReader(io.BytesIO(pdf))
    root = reader.root_object
    assert len(reader.pages) == 1
    assert lookup(root, "/Lang") == "en"
    assert lookup(root, "/MarkInfo", "/Marked") == BooleanObject(True)
    assert reader.metadata is not None
    assert reader.metadata.title == f"Payment receipt \u2013 {MUNICIPALITY}"
    tree = lookup(root, "/StructTreeRoot")
    assert isinstance(tree, DictionaryObject)
    assert {"/H1", "/Table", "/Caption", "/TH", "/TD"} <= set(structure_types(tree))
    assert [r.getMessage() for r in caplog.records if r.name.startswith("weasyprint")] == []

    [said] = notified()
    message = NotificationRequestedV1.model_validate(said)
    assert message.message.subject == "Payment received: $1,200.00"
    assert "Payment method: E-transfer\nReference: CA1mKd7Wq\n\n" in message.message.body
    assert "Your account balance after this payment is $59.90." in message.message.body
    assert message.recipient.channel is ContactMethod.MAIL
    assert message.recipient.postal_address is not None
    assert message.recipient.postal_address.street == "12 Rue Principale"
