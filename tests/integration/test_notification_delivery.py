"""functions/notification_sender and functions/print_file against in-process moto, real
WeasyPrint and the API's Chalice app: a NotificationRequested put on the bus, routed by a rule to
a queue like the template's, reaches its customer. SES receives the raw email with its
List-Unsubscribe headers; SNS records the SMS; a message without consent is queued for the day's
print file, whose PDF in S3 holds both languages' letters with the address in the envelope's
window and a manifest; a bounce from SES (through its SNS topic) suppresses the address and mails
the message; the unsubscribe link withdraws the consent; the API shows what went out."""

from __future__ import annotations

import email
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from email.policy import default
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
from chalice.test import Client
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends
from moto.sns.models import sns_backends
from pypdf import PdfReader

from civiq.accounts.domain.accounts import Account
from civiq.accounts.domain.customers import (
    ConsentChange,
    ConsentChanges,
    ConsentSource,
    ContactDetails,
    ContactMethod,
    CustomerKind,
    Preferences,
)
from civiq.accounts.domain.properties import PropertyType
from civiq.accounts.services.customers import NewCustomer
from civiq.accounts.services.open_account import OpenAccountCommand
from civiq.accounts.services.properties import NewProperty
from civiq.core.addresses import Address
from civiq.core.language import Language
from civiq.platform import secrets
from tests.helpers.alerts import Timed, deliver, put_on_bus, queue_arn, route_to
from tests.helpers.api import call
from tests.helpers.emulator import (
    BUCKET,
    BUS,
    LEDGER_TABLE,
    REGION,
    TABLE,
    UNSUBSCRIBE_SECRET_ID,
)
from tests.helpers.files import load_event
from tests.helpers.handlers import audit_rows, load_handler
from tests.helpers.pdf import text_of, text_placed
from tests.helpers.workflows import open_account

MUNICIPALITY = "Ville de Pointe-aux-Érables"
SENDER = "avis@pointe-aux-erables.example.ca"
PUBLIC_API = "https://api.pointe-aux-erables.example.ca"
CONSENTS = ConsentChanges(
    email=ConsentChange(True, ConsentSource.PAPER_FORM),
    sms=ConsentChange(True, ConsentSource.IN_PERSON),
)
STREET = Address("12 Rue Principale", "Gatineau", "QC", "J8X 1A1")


@dataclass(frozen=True)
class Setup:
    queue: str
    dead: str
    feedback: str
    topic: str
    sender: ModuleType
    printer: ModuleType


@pytest.fixture
def setup(aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Setup]:
    """The template's rule and queue (its dead-letter queue after one receive), SES with the
    sender's domain verified (as its DKIM records do in AWS), the SES events topic with the
    feedback queue subscribed, and both functions."""
    dead, dead_arn = queue_arn("notifications-dlq")
    redrive = json.dumps({"deadLetterTargetArn": dead_arn, "maxReceiveCount": 1})
    queue, arn = queue_arn("notification-queue", RedrivePolicy=redrive, VisibilityTimeout="0")
    route_to("NotificationRequested", arn)
    boto3.client("ses", region_name=REGION).verify_domain_identity(Domain=SENDER.partition("@")[2])
    feedback, feedback_arn = queue_arn("email-feedback", VisibilityTimeout="0")
    sns = boto3.client("sns", region_name=REGION)
    topic = sns.create_topic(Name="email-feedback")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=feedback_arn)
    secrets.clear_cache()
    for name, value in {
        "TABLE_NAME": TABLE,
        "LEDGER_TABLE_NAME": LEDGER_TABLE,
        "EVENT_BUS_NAME": BUS,
        "DOCUMENTS_BUCKET": BUCKET,
        "MUNICIPALITY_NAME": MUNICIPALITY,
        "MUNICIPALITY_EMAIL": "facturation@pointe-aux-erables.example.ca",
        "NOTIFICATION_SENDER_ADDRESS": SENDER,
        "UNSUBSCRIBE_URL": f"{PUBLIC_API}/api/v1/notices/unsubscribe",
        "UNSUBSCRIBE_SECRET_ID": UNSUBSCRIBE_SECRET_ID,
    }.items():
        monkeypatch.setenv(name, value)
    yield Setup(
        queue,
        dead,
        feedback,
        topic,
        load_handler("notification_sender"),
        load_handler("print_file"),
    )
    secrets.clear_cache()


def customer_account(
    name: str,
    language: Language,
    method: ContactMethod,
    consents: ConsentChanges = CONSENTS,
    email_address: str = "emilie.tremblay@example.ca",
    street: str = "12 Rue Principale",
) -> Account:
    return open_account(
        OpenAccountCommand(
            customer=NewCustomer(
                CustomerKind.PERSON,
                name,
                Preferences(language, method),
                ContactDetails(email_address, "613-555-0142"),
                consents,
            ),
            property=NewProperty(
                Address(street, "Gatineau", "QC", "J8X 1A1"), PropertyType.SINGLE_FAMILY
            ),
        )
    )


def request(
    account: Account, channel: ContactMethod, notification_id: str = "3N3XCC9998AX8C4QV1TXR3JC7Y"
) -> None:
    """The sample NotificationRequested, for ``account`` by ``channel``, on the bus."""
    message = load_event("eventbridge/notification_requested.json")
    envelope = message["detail"]
    envelope["event_id"] = notification_id
    envelope["subject_id"] = f"ACCOUNT#{account.account_id}"
    data = envelope["data"]
    data |= {
        "notification_id": notification_id,
        "account_id": account.account_id,
        "account_number": account.account_number,
        "language": account.language.value,
    }
    data["recipient"] |= {
        "customer_id": account.holder.customer_id,
        "name": account.holder.name,
        "channel": channel.value,
        "email": account.holder.email if channel is ContactMethod.EMAIL else None,
        "phone": account.holder.phone if channel is ContactMethod.SMS else None,
        "postal_address": data["recipient"]["postal_address"]
        if channel is ContactMethod.MAIL
        else None,
    }
    if account.language is Language.EN:
        data["message"] = {
            "subject": "High water use: possible leak",
            "body": f"Hello {account.holder.name},\n\nYour meter shows high use.\n\n{MUNICIPALITY}",
        }
    put_on_bus(message)


def sent_emails() -> list[Any]:
    return list(ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages)


def correspondence(client: Client, account: Account) -> list[dict[str, Any]]:
    answer = call(client, "GET", f"/api/v1/utility/accounts/{account.account_id}/correspondence")
    assert answer.status_code == 200, answer.json_body
    items: list[dict[str, Any]] = answer.json_body["items"]
    return items


def test_an_email_reaches_a_consenting_customer_once_with_one_click_unsubscribe(
    setup: Setup, chalice_app: Any
) -> None:
    account = customer_account("Émilie Tremblay", Language.FR, ContactMethod.EMAIL)
    request(account, ContactMethod.EMAIL)
    request(account, ContactMethod.EMAIL)  # EventBridge may deliver twice
    sqs = boto3.client("sqs", region_name=REGION)
    poison = load_event("sqs/notifications_with_poison.json")["Records"][1]["body"]
    sqs.send_message(QueueUrl=setup.queue, MessageBody=poison)

    result = deliver(setup.sender.deliver, setup.queue)

    assert len(result["batchItemFailures"]) == 1  # the poison fails alone
    # the poison was received once: it is now in the dead-letter queue, and only there
    assert "Messages" not in sqs.receive_message(QueueUrl=setup.queue)
    [dead] = sqs.receive_message(QueueUrl=setup.dead)["Messages"]
    assert dead["Body"] == poison
    [sent] = sent_emails()
    assert sent.source == SENDER
    # the envelope's recipient (moto adds the To header's after it)
    assert sent.destinations[0] == "emilie.tremblay@example.ca"
    message = email.message_from_string(sent.raw_data, policy=default)
    sample = load_event("eventbridge/notification_requested.json")["detail"]["data"]["message"]
    assert message["Subject"] == sample["subject"]
    assert message["From"].addresses[0].display_name == MUNICIPALITY
    assert message["To"].addresses[0].display_name == "Émilie Tremblay"
    assert message["Content-Language"] == "fr"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link, mailto = [part.strip(" <>") for part in message["List-Unsubscribe"].split(",")]
    assert link.startswith(f"{PUBLIC_API}/api/v1/notices/unsubscribe?token=")
    assert mailto.startswith("mailto:facturation@pointe-aux-erables.example.ca?subject=")
    body = message.get_content()
    assert body.startswith("Bonjour Émilie Tremblay,")
    assert "pour ne plus les recevoir par courriel" in body.lower() and link in body

    with Client(chalice_app) as client:
        [delivered] = correspondence(client, account)
        assert (delivered["channel"], delivered["status"], delivered["fallback_reason"]) == (
            "email",
            "sent",
            None,
        )
        assert delivered["provider_message_id"] == sent.id
        assert delivered["address"] == "emilie.tremblay@example.ca"

        # the link, followed: a page in French then English; its button withdraws the consent
        path = urlsplit(link).path + "?" + urlsplit(link).query
        page = client.http.get(path)
        assert page.status_code == 200
        assert page.headers["Content-Type"].startswith("text/html")
        html = page.body.decode()
        assert '<html lang="fr">' in html and "Arrêter les courriels" in html
        one_click = client.http.post(
            path,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            body=b"List-Unsubscribe=One-Click",
        )
        assert one_click.status_code == 200
        assert "vous ne recevrez plus" in one_click.body.decode()
        forged = client.http.post(path[:-4] + "AAAA")
        assert forged.status_code == 404

        customer = call(client, "GET", f"/api/v1/utility/customers/{account.holder.customer_id}")
        consent = customer.json_body["preferences"]["email_consent"]
        assert (consent["in_force"], consent["withdrawn_via"]) == (False, "unsubscribe-link")

    # the next message goes by mail, saying why
    request(account, ContactMethod.EMAIL, "3N3XCC9998AX8C4QV1TXR3JC7Z")
    deliver(setup.sender.deliver, setup.queue)
    assert len(sent_emails()) == 1
    rows = audit_rows(f"ACCOUNT#{account.account_id}")
    actions = [r["action"]["S"] for r in rows if "action" in r]
    assert actions.count("NotificationSent") == 1
    assert "NotificationQueuedForPrint" in actions
    with Client(chalice_app) as client:
        latest = correspondence(client, account)[0]
    assert (latest["channel"], latest["fallback_reason"]) == ("mail", "no-email-consent")


def test_an_sms_is_published_to_the_phone_number(setup: Setup) -> None:
    account = customer_account("Noah Fraser", Language.EN, ContactMethod.SMS)
    request(account, ContactMethod.SMS)

    result = deliver(setup.sender.deliver, setup.queue)

    assert result["batchItemFailures"] == []
    [(phone, text)] = sns_backends[DEFAULT_ACCOUNT_ID][REGION].sms_messages.values()
    assert phone == "+16135550142"
    assert text.startswith("High water use: possible leak\n\nHello Noah Fraser,")
    assert text.endswith("Reply STOP to stop these text messages.")


def test_letters_of_both_languages_go_in_one_print_file_once(
    setup: Setup, chalice_app: Any
) -> None:
    french = customer_account("Émilie Tremblay", Language.FR, ContactMethod.EMAIL, ConsentChanges())
    english = customer_account(
        "Noah Fraser", Language.EN, ContactMethod.MAIL, street="40 Rue Laval"
    )
    request(french, ContactMethod.EMAIL, "3N3XCC9998AX8C4QV1TXR3JC71")
    request(english, ContactMethod.MAIL, "3N3XCC9998AX8C4QV1TXR3JC72")
    deliver(setup.sender.deliver, setup.queue)
    assert sent_emails() == []  # no consent: by mail
    with Client(chalice_app) as client:
        [queued] = correspondence(client, french)
    day = queued["print_day"]

    first = setup.printer.handler({"day": day, "id": "print-run-1"}, Timed())
    again = setup.printer.handler({"day": day, "id": "print-run-2"}, Timed())

    assert first == again == {"day": day, "done": True, "letters": 2, "pages": 2, "parts": 1}
    s3 = boto3.client("s3", region_name=REGION)
    stored = s3.list_objects_v2(Bucket=BUCKET, Prefix=f"print-files/{day}/")["Contents"]
    assert sorted(o["Key"] for o in stored) == [
        f"print-files/{day}/letters-001.pdf",
        f"print-files/{day}/manifest.csv",
        f"print-files/{day}/manifest.json",
    ]
    pdf = s3.get_object(Bucket=BUCKET, Key=f"print-files/{day}/letters-001.pdf")["Body"].read()
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 2
    text = text_of(pdf)
    assert "Numéro de compte" in text and "Consommation d\u2019eau élevée" in text
    assert "Account number" in text and "High water use" in text
    for page, name in enumerate(("Émilie Tremblay", "Noah Fraser")):  # presorted: same code
        [(_, left, top)] = [p for p in text_placed(pdf, page) if p[0] == name]
        # the #10 envelope's window: 7/8 in from the left, about 2 to 3 1/8 in from the top
        assert 0.8 <= left <= 1.0 and 2.0 <= top <= 2.6, (name, left, top)
    manifest = json.loads(
        s3.get_object(Bucket=BUCKET, Key=f"print-files/{day}/manifest.json")["Body"].read()
    )
    assert (manifest["letters"], manifest["pages"]) == (2, 2)
    assert [i["language"] for i in manifest["items"]] == ["fr", "en"]

    with Client(chalice_app) as client:
        listed = call(client, "GET", "/api/v1/notices/print-files").json_body["items"]
        assert [(f["day"], f["status"], f["letters"]) for f in listed] == [(day, "complete", 2)]
        one = call(client, "GET", f"/api/v1/notices/print-files/{day}").json_body
        assert one["parts"][0]["url"].startswith("https://")
        assert set(one["manifest"]) == {"json", "csv"}
        assert [line["recipient_name"] for line in one["letters_in_file"]] == [
            "Émilie Tremblay",
            "Noah Fraser",
        ]
        [printed] = correspondence(client, english)
        assert printed["status"] == "printed"
        assert printed["printed"] == {"day": day, "part": 1, "first_page": 2, "pages": 1}


def test_a_bounce_suppresses_the_address_and_mails_the_message(
    setup: Setup, chalice_app: Any
) -> None:
    account = customer_account("Émilie Tremblay", Language.FR, ContactMethod.EMAIL)
    request(account, ContactMethod.EMAIL)
    deliver(setup.sender.deliver, setup.queue)
    [sent] = sent_emails()
    bounce = json.loads(
        json.loads(load_event("sqs/ses_bounce.json")["Records"][0]["body"])["Message"]
    )
    bounce["mail"] |= {"messageId": sent.id}
    bounce["mail"]["tags"] |= {"account_id": [account.account_id]}
    boto3.client("sns", region_name=REGION).publish(
        TopicArn=setup.topic, Message=json.dumps(bounce)
    )

    result = deliver(setup.sender.email_feedback, setup.feedback)

    assert result["batchItemFailures"] == []
    with Client(chalice_app) as client:
        [delivery] = correspondence(client, account)
        assert (delivery["status"], delivery["channel"], delivery["fallback_reason"]) == (
            "queued-for-print",
            "mail",
            "email-bounced",
        )
        customer = call(client, "GET", f"/api/v1/utility/customers/{account.holder.customer_id}")
        undeliverable = customer.json_body["contact"]["email_undeliverable"]
        assert "550 5.1.1" in undeliverable["reason"]
    # the next message does not go to that address
    request(account, ContactMethod.EMAIL, "3N3XCC9998AX8C4QV1TXR3JC7Z")
    deliver(setup.sender.deliver, setup.queue)
    assert len(sent_emails()) == 1
    with Client(chalice_app) as client:
        latest = correspondence(client, account)[0]
    assert latest["fallback_reason"] == "email-suppressed"


def test_the_scheduled_run_assembles_the_day_whose_cutoff_passed(setup: Setup) -> None:
    """The sample schedule's event at 22:00 UTC, 17:00 in Toronto: the day whose 16:00 cut-off
    passed (the template's defaults); a retry with the same event names the same day."""
    event = load_event("schedules/print_file_daily.json")

    assert setup.printer.day_of(event, setup.printer.assemble().day_for) == date(2026, 11, 26)
    assert setup.printer.handler(event, Timed())["letters"] == 0  # nothing queued that day


def test_an_ses_event_that_cannot_be_read_fails_alone(setup: Setup) -> None:
    event = load_event("sqs/ses_bounce.json")  # of a notification not delivered here
    event["Records"].append(dict(event["Records"][0], messageId="poison", body='{"no": "SNS"}'))

    result = setup.sender.email_feedback(event, Timed())

    assert result["batchItemFailures"] == [{"itemIdentifier": "poison"}]
    suppressed = boto3.client("dynamodb", region_name=REGION).get_item(
        TableName=TABLE,
        Key={"PK": {"S": "SUPPRESSION#emilie.tremblay@example.ca"}, "SK": {"S": "SUPPRESSION"}},
    )
    assert "Item" in suppressed
