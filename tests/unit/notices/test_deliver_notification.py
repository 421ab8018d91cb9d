"""The notification sender (in-memory fakes): the channel a message takes from the customer's
consents and the providers' lists, mail when email or SMS may not or cannot be used, once per
notification whatever the redeliveries, and a claim that a crashed attempt left behind."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest

from civiq.accounts.domain.customers import (
    ConsentChange,
    ConsentChanges,
    ConsentSource,
    ContactMethod,
)
from civiq.core.errors import NotFound
from civiq.notices.adapters.memory import FixedKeys
from civiq.notices.domain.deliveries import (
    CLAIM_LEASE,
    DeliveryInProgress,
    DeliveryStatus,
    FallbackReason,
    Suppression,
)
from civiq.notices.domain.unsubscribe import customer_of
from tests.helpers.builders import CLERK, address
from tests.helpers.deliveries import (
    EVERY_CONSENT,
    UNSUBSCRIBE_URL,
    DeliveryWorld,
    customer_who_agreed,
    request_for,
)

EMAIL, SMS, MAIL = ContactMethod.EMAIL, ContactMethod.SMS, ContactMethod.MAIL
NO_CONSENT = ConsentChanges()
WITHDRAWN_EMAIL = ConsentChanges(email=ConsentChange(False, ConsentSource.PHONE))


@pytest.fixture
def world() -> DeliveryWorld:
    return DeliveryWorld()


def history_actions(world: DeliveryWorld, account_id: str) -> list[str]:
    subject = f"ACCOUNT#{account_id}"
    return [e.action for e in world.stores.accounts.history.values() if e.subject_id == subject]


def test_an_email_goes_to_a_consenting_customer_with_its_unsubscribe_link(
    world: DeliveryWorld,
) -> None:
    account = world.open(customer_who_agreed(EMAIL))

    delivery = world.sender()(request_for(account, EMAIL))

    assert (delivery.status, delivery.channel, delivery.fallback) == (
        DeliveryStatus.SENT,
        EMAIL,
        None,
    )
    assert delivery.provider_message_id == "ses-1" and delivery.attempts == 1
    [email] = world.email.sent
    assert email.to_address == "elise@example.ca" and email.to_name == "Élise Tremblay"
    assert email.unsubscribe_url.startswith(f"{UNSUBSCRIBE_URL}?token=")
    token = email.unsubscribe_url.partition("token=")[2]
    assert customer_of(token, FixedKeys().active()) == account.holder.customer_id
    assert email.unsubscribe_mailto and email.unsubscribe_mailto.startswith(
        "mailto:billing@example.ca?subject=unsubscribe%20"
    )
    assert email.body.startswith("Bonjour,") and email.body.endswith(
        f"[fr] unsubscribe: {email.unsubscribe_url}"
    )
    assert history_actions(world, account.account_id)[-1] == "NotificationSent"
    assert world.deliveries.queued == {}


def assert_by_mail(world: DeliveryWorld, account_id: str, reason: FallbackReason) -> None:
    delivery = world.deliveries.get("01JNOTIFICATION00000000001")
    assert delivery is not None
    assert world.email.sent == []
    assert (delivery.status, delivery.channel, delivery.fallback) == (
        DeliveryStatus.QUEUED_FOR_PRINT,
        MAIL,
        reason,
    )
    assert delivery.address == "12 Rue Principale, Gatineau QC J8X 3G8"
    [letter] = world.deliveries.letters(date(2026, 11, 26))
    assert letter.notification_id == delivery.notification_id
    assert letter.address.street == "12 Rue Principale"
    assert history_actions(world, account_id)[-1] == "NotificationQueuedForPrint"


@pytest.mark.parametrize(
    ("prefers", "consents", "email", "reason"),
    [
        (EMAIL, NO_CONSENT, "elise@example.ca", FallbackReason.NO_EMAIL_CONSENT),
        # asked for email before the customer removed the address (and chose mail)
        (MAIL, EVERY_CONSENT, None, FallbackReason.NO_EMAIL_ADDRESS),
    ],
)
def test_an_email_without_consent_or_address_goes_by_mail_saying_why(
    world: DeliveryWorld,
    prefers: ContactMethod,
    consents: ConsentChanges,
    email: str | None,
    reason: FallbackReason,
) -> None:
    account = world.open(customer_who_agreed(prefers, consents=consents, email=email))

    world.sender()(request_for(account, EMAIL))

    assert_by_mail(world, account.account_id, reason)


def test_an_email_once_consent_is_withdrawn_goes_by_mail(world: DeliveryWorld) -> None:
    account = world.open(customer_who_agreed(EMAIL))
    customer = world.customer(account)
    world.revise_customer()(
        customer.customer_id, customer.version, CLERK, "c", consents=WITHDRAWN_EMAIL
    )

    world.sender()(request_for(account, EMAIL))

    assert_by_mail(world, account.account_id, FallbackReason.NO_EMAIL_CONSENT)


def test_an_email_to_a_suppressed_address_goes_by_mail(world: DeliveryWorld) -> None:
    account = world.open(customer_who_agreed(EMAIL))
    bounced = Suppression("elise@example.ca", "bounce", "550", world.clock.now(), None)
    world.suppressions.suppress(bounced)

    world.sender()(request_for(account, EMAIL))

    assert_by_mail(world, account.account_id, FallbackReason.EMAIL_SUPPRESSED)


def test_an_sms_goes_as_a_short_text_ending_with_how_to_stop(world: DeliveryWorld) -> None:
    account = world.open(customer_who_agreed(SMS))

    delivery = world.sender()(request_for(account, SMS))

    assert (delivery.status, delivery.channel, delivery.address) == (
        DeliveryStatus.SENT,
        SMS,
        "+16135550100",
    )
    [sms] = world.sms.sent
    assert sms.phone == "+16135550100"
    assert sms.text.startswith("Consommation d\u2019eau élevée\n\nBonjour,")
    assert sms.text.endswith("Ville de Pointe-aux-Érables\n\n[fr] STOP")


def test_an_opted_out_number_or_no_sms_consent_means_mail(world: DeliveryWorld) -> None:
    opted_out = world.open(customer_who_agreed(SMS))
    world.sms.opted_out_numbers.add("+16135550100")
    no_consent = world.open(customer_who_agreed(SMS, consents=NO_CONSENT, phone="819-555-0111"))

    first = world.sender()(request_for(opted_out, SMS, "01JNOTIFICATION00000000001"))
    second = world.sender()(request_for(no_consent, SMS, "01JNOTIFICATION00000000002"))

    assert world.sms.sent == []
    assert (first.fallback, second.fallback) == (
        FallbackReason.SMS_OPTED_OUT,
        FallbackReason.NO_SMS_CONSENT,
    )


def test_a_refused_message_goes_by_mail(world: DeliveryWorld) -> None:
    account = world.open(customer_who_agreed(EMAIL))
    world.email.refuse.add("elise@example.ca")

    delivery = world.sender()(request_for(account, EMAIL))

    assert delivery.status is DeliveryStatus.QUEUED_FOR_PRINT
    assert delivery.fallback is FallbackReason.EMAIL_REJECTED
    assert delivery.attempts == 1  # SES was asked once


def test_a_mail_request_goes_to_the_address_it_names(world: DeliveryWorld) -> None:
    account = world.open(customer_who_agreed(MAIL))
    po_box = address(street="CP 42", city="Gatineau", province="QC", postal_code="J8X 1A1")

    delivery = world.sender()(request_for(account, MAIL, postal_address=po_box))

    assert (delivery.channel, delivery.fallback) == (MAIL, None)
    assert delivery.address == "CP 42, Gatineau QC J8X 1A1"


def test_a_redelivered_request_sends_nothing_again(world: DeliveryWorld) -> None:
    account = world.open(customer_who_agreed(EMAIL))
    request = request_for(account, EMAIL)

    first = world.sender()(request)
    world.clock.advance(minutes=5)
    again = world.sender()(request)

    assert again == first
    assert len(world.email.sent) == 1
    assert history_actions(world, account.account_id).count("NotificationSent") == 1


def test_a_letter_queued_after_the_cutoff_goes_in_the_next_days_file(
    world: DeliveryWorld,
) -> None:
    account = world.open(customer_who_agreed(MAIL))
    world.clock.advance(hours=7)  # 21:00 UTC: 16:00 in Toronto, the cut-off

    delivery = world.sender()(request_for(account, MAIL))

    assert delivery.print_day == date(2026, 11, 27)
    assert world.deliveries.letters(date(2026, 11, 26)) == []


def test_a_failure_for_now_records_nothing_sent_and_the_retry_sends(
    world: DeliveryWorld,
) -> None:
    account = world.open(customer_who_agreed(EMAIL))
    request = request_for(account, EMAIL)
    world.email.down = True

    with pytest.raises(ConnectionError):
        world.sender()(request)
    stored = world.deliveries.get(request.notification_id)
    assert stored is not None and stored.status is DeliveryStatus.UNSENT

    world.email.down = False
    retried = world.sender()(request)
    assert retried.status is DeliveryStatus.SENT and retried.attempts == 2
    assert len(world.email.sent) == 1


def test_a_live_claim_is_left_alone_and_a_stale_one_is_sent_again(world: DeliveryWorld) -> None:
    """A claim is what a crash between SES's answer and the record leaves: within its lease
    another attempt may still be working; after it, the message is sent again (at least once)."""
    account = world.open(customer_who_agreed(EMAIL))
    request = request_for(account, EMAIL)
    sender = world.sender()
    sender(request)
    sent = world.deliveries.get(request.notification_id)
    assert sent is not None
    crashed = sent.claimed(EMAIL, sent.address, world.clock.now())  # as if never marked sent
    world.deliveries.stored[request.notification_id] = crashed

    world.clock.advance(seconds=CLAIM_LEASE.total_seconds() - 1)
    with pytest.raises(DeliveryInProgress):
        sender(request)
    world.clock.advance(seconds=1)
    resent = sender(request)

    assert resent.status is DeliveryStatus.SENT and resent.attempts == 3
    assert len(world.email.sent) == 2


def test_a_request_for_an_unknown_customer_fails_and_writes_nothing(
    world: DeliveryWorld,
) -> None:
    account = world.open(customer_who_agreed(EMAIL))
    request = replace(request_for(account, EMAIL), customer_id="01JUNKNOWN0000000000000000")

    with pytest.raises(NotFound):
        world.sender()(request)
    assert world.deliveries.get(request.notification_id) is None


def test_the_lease_outlives_an_attempt_and_lapses_before_the_queue_redelivers(
    template_resources: dict[str, Any],
) -> None:
    """A message comes back after the queue's visibility timeout: by then the claim of an
    attempt that died has lapsed, and no attempt lives as long as a claim."""
    sender = template_resources["NotificationSenderFunction"]["Properties"]
    queue = template_resources["NotificationQueue"]["Properties"]
    attempt = timedelta(seconds=sender["Timeout"])
    assert attempt < CLAIM_LEASE < timedelta(seconds=queue["VisibilityTimeout"])
