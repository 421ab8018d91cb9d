"""SES's bounces and complaints (in-memory fakes): the address on the suppression list, the
customer's email marked undeliverable or their consent withdrawn, the bounced message queued for
mail, and nothing done twice when SES's event comes again. Also SES's event as SNS delivers it."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from civiq.accounts.domain.customers import ConsentSource, ContactMethod
from civiq.notices.domain.deliveries import DeliveryStatus, FallbackReason
from civiq.notices.schemas.deliveries import email_feedback
from civiq.notices.services.email_feedback import EmailFeedback, FeedbackKind
from tests.helpers.deliveries import DeliveryWorld, customer_who_agreed, request_for

NID = "01JNOTIFICATION00000000001"
BOUNCED_AT = datetime(2026, 11, 26, 14, 5, tzinfo=UTC)


def bounce(permanent: bool = True, notification_id: str | None = NID) -> EmailFeedback:
    return EmailFeedback(
        kind=FeedbackKind.BOUNCE,
        permanent=permanent,
        addresses=("Elise@Example.ca",),
        detail="Permanent/General: smtp; 550 5.1.1 user unknown",
        at=BOUNCED_AT,
        notification_id=notification_id,
    )


@pytest.fixture
def world() -> DeliveryWorld:
    return DeliveryWorld()


def sent_email(world: DeliveryWorld) -> str:
    """A customer's account with an email sent to them: the account id."""
    account = world.open(customer_who_agreed(ContactMethod.EMAIL))
    assert world.sender()(request_for(account, ContactMethod.EMAIL)).status is DeliveryStatus.SENT
    return account.account_id


def test_a_hard_bounce_suppresses_marks_and_mails_that_message(world: DeliveryWorld) -> None:
    account_id = sent_email(world)
    world.clock.advance(minutes=10)

    outcome = world.feedback()(bounce(), "ses-event-1")

    assert outcome.suppressed == ("Elise@Example.ca",)
    assert outcome.customer_changed and outcome.requeued
    assert world.suppressions.is_suppressed("elise@example.ca")
    customer = world.customer(world.stores.accounts.get(account_id))
    undeliverable = customer.contact.email_undeliverable
    assert undeliverable is not None and undeliverable.since == BOUNCED_AT
    assert "550 5.1.1" in undeliverable.reason
    delivery = world.deliveries.get(NID)
    assert delivery is not None
    assert (delivery.status, delivery.channel, delivery.fallback) == (
        DeliveryStatus.QUEUED_FOR_PRINT,
        ContactMethod.MAIL,
        FallbackReason.EMAIL_BOUNCED,
    )
    assert delivery.provider_message_id == "ses-1"  # the email's id stays on record
    [letter] = world.deliveries.letters(date(2026, 11, 26))
    assert letter.notification_id == NID


def test_the_next_message_after_a_bounce_goes_by_mail(world: DeliveryWorld) -> None:
    account_id = sent_email(world)
    world.feedback()(bounce(), "ses-event-1")
    account = world.stores.accounts.get(account_id)

    later = world.sender()(request_for(account, ContactMethod.EMAIL, "01JNOTIFICATION00000000002"))

    assert later.fallback is FallbackReason.EMAIL_SUPPRESSED
    assert len(world.email.sent) == 1


def test_the_same_bounce_twice_changes_nothing_more(world: DeliveryWorld) -> None:
    sent_email(world)
    world.feedback()(bounce(), "ses-event-1")
    history = dict(world.stores.accounts.history)

    again = world.feedback()(bounce(), "ses-event-1")

    assert (again.suppressed, again.customer_changed, again.requeued) == ((), False, False)
    assert world.stores.accounts.history == history


def test_a_transient_bounce_mails_the_message_but_keeps_the_address(
    world: DeliveryWorld,
) -> None:
    account_id = sent_email(world)

    outcome = world.feedback()(bounce(permanent=False), "ses-event-1")

    assert outcome.requeued and not outcome.customer_changed and outcome.suppressed == ()
    assert not world.suppressions.is_suppressed("elise@example.ca")
    customer = world.customer(world.stores.accounts.get(account_id))
    assert customer.contact.email_undeliverable is None


def test_a_complaint_withdraws_the_consent_to_email(world: DeliveryWorld) -> None:
    account_id = sent_email(world)
    complaint = EmailFeedback(
        FeedbackKind.COMPLAINT, True, ("elise@example.ca",), "Complaint/abuse", BOUNCED_AT, NID
    )

    outcome = world.feedback()(complaint, "ses-event-2")

    assert outcome.customer_changed and not outcome.requeued  # the message did arrive
    consent = world.customer(world.stores.accounts.get(account_id)).preferences.email_consent
    assert consent is not None and not consent.in_force
    assert consent.withdrawn_via is ConsentSource.COMPLAINT
    assert world.suppressions.is_suppressed("elise@example.ca")


def test_an_event_for_no_known_notification_only_suppresses(world: DeliveryWorld) -> None:
    outcome = world.feedback()(bounce(notification_id=None), "ses-event-3")

    assert outcome.suppressed == ("Elise@Example.ca",)
    assert not outcome.customer_changed and not outcome.requeued


def sns_delivery(ses_event: dict[str, object]) -> str:
    """An SQS body as SNS delivers to a queue subscribed without raw delivery."""
    return json.dumps({"Type": "Notification", "Message": json.dumps(ses_event)})


def test_ses_events_are_read_from_snss_envelope() -> None:
    mail = {"messageId": "ses-1", "tags": {"notification_id": [NID], "account_id": ["A1"]}}
    bounced = {
        "eventType": "Bounce",
        "mail": mail,
        "bounce": {
            "bounceType": "Permanent",
            "bounceSubType": "General",
            "bouncedRecipients": [
                {"emailAddress": "a@example.ca", "diagnosticCode": "smtp; 550 user unknown"}
            ],
            "timestamp": "2026-11-26T14:05:00.000Z",
        },
    }
    complained = {
        "eventType": "Complaint",
        "mail": mail,
        "complaint": {
            "complainedRecipients": [{"emailAddress": "a@example.ca"}],
            "timestamp": "2026-11-26T14:06:00.000Z",
        },
    }
    delivered = {"eventType": "Delivery", "mail": {"messageId": "ses-2"}, "delivery": {}}

    message_id, read = email_feedback(sns_delivery(bounced))
    assert message_id == "ses-1" and read is not None
    assert (read.kind, read.permanent, read.addresses, read.notification_id) == (
        FeedbackKind.BOUNCE,
        True,
        ("a@example.ca",),
        NID,
    )
    assert read.detail == "Permanent/General: smtp; 550 user unknown"
    _, complaint = email_feedback(sns_delivery(complained))
    assert complaint is not None and complaint.kind is FeedbackKind.COMPLAINT
    assert email_feedback(sns_delivery(delivered)) == ("ses-2", None)
