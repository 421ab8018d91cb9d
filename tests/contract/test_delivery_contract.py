"""The delivery's ports, against the in-memory fakes and DynamoDB alike: a delivery reads back
as saved, a change is written only over the delivery it was computed from (with its history entry
and its letter, or nothing), an account's correspondence pages the latest first, a day's letters
are its print queue; print files and their parts read back, a complete file is never replaced;
the suppression list keeps an address once, whatever its case; and a customer's consents and
bounced-email mark read back as recorded."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from civiq.accounts.adapters.memory import InMemoryStore
from civiq.accounts.domain.customers import (
    ConsentChange,
    ConsentChanges,
    ConsentSource,
    ContactDetails,
    ContactMethod,
    CustomerKind,
    Preferences,
    Undeliverable,
)
from civiq.accounts.services.customers import NewCustomer
from civiq.core.addresses import Address
from civiq.core.audit import AuditEntry
from civiq.core.language import Language
from civiq.notices.adapters.dynamodb_deliveries import (
    DynamoDeliveries,
    DynamoPrintFiles,
    DynamoSuppressions,
)
from civiq.notices.adapters.memory import (
    InMemoryDeliveries,
    InMemoryPrintFiles,
    InMemorySuppressions,
)
from civiq.notices.domain.deliveries import (
    Delivery,
    DeliveryStatus,
    FallbackReason,
    PrintPlace,
    Suppression,
)
from civiq.notices.domain.print_files import (
    Letter,
    ManifestLine,
    PartSummary,
    PrintedPart,
    PrintFile,
    PrintFileStatus,
)
from tests.helpers.stores import NOW, Stores

ACCOUNT = "01HACCOUNT0000000000000001"
DAY = date(2026, 12, 3)
HOME = Address("12 Rue Principale", "Gatineau", "QC", "J8X 1A1", "2")


def deliveries_of(stores: Stores) -> Any:
    if isinstance(stores.accounts, InMemoryStore):
        return InMemoryDeliveries(stores.accounts)
    return DynamoDeliveries()


def delivery(notification_id: str, minutes: int = 0) -> Delivery:
    return Delivery(
        notification_id=notification_id,
        account_id=ACCOUNT,
        account_number="UB00000017",
        customer_id="01HCUSTOMER000000000000001",
        recipient_name="Élise Tremblay",
        kind="payment-receipt",
        language=Language.FR,
        requested_at=NOW + timedelta(minutes=minutes),
        requested_channel=ContactMethod.EMAIL,
        channel=ContactMethod.EMAIL,
        status=DeliveryStatus.UNSENT,
        address="",
        subject="Paiement reçu : 1 200,00 $",
        body="Bonjour,\n\nMerci.",
        updated_at=NOW,
    )


def entry(delivery: Delivery, action: str) -> AuditEntry:
    return AuditEntry(
        f"E-{delivery.notification_id}-{action}",
        f"ACCOUNT#{ACCOUNT}",
        action,
        "notification-sender",
        "system",
        delivery.updated_at,
        "c",
        {"status": delivery.status.value},
    )


def letter(notification_id: str) -> Letter:
    return Letter(
        notification_id,
        ACCOUNT,
        "UB00000017",
        "payment-receipt",
        Language.FR,
        "Élise Tremblay",
        HOME,
        "Paiement reçu",
        "Bonjour,\n\nMerci.",
        NOW,
        DAY,
    )


def history(stores: Stores) -> list[str]:
    page = stores.audit.entries_for(f"ACCOUNT#{ACCOUNT}", 50, None)
    return [e.action for e in page.items]


def test_a_delivery_reads_back_and_changes_only_over_what_it_was_computed_from(
    stores: Stores,
) -> None:
    deliveries = deliveries_of(stores)
    first = delivery("N1")
    assert deliveries.get("N1") is None
    assert deliveries.save(None, first)
    assert deliveries.get("N1") == first
    assert not deliveries.save(None, first)  # one delivery per notification

    claimed = first.claimed(ContactMethod.EMAIL, "elise@example.ca", NOW + timedelta(seconds=1))
    assert deliveries.save(first, claimed)
    sent = claimed.sent("ses-1", NOW + timedelta(seconds=2))
    assert not deliveries.save(first, sent, [entry(sent, "NotificationSent")])  # stale: nothing
    assert history(stores) == []
    assert deliveries.save(claimed, sent, [entry(sent, "NotificationSent")])
    assert deliveries.get("N1") == sent
    assert history(stores) == ["NotificationSent"]


def test_a_letter_is_queued_with_its_delivery_and_printed_later(stores: Stores) -> None:
    deliveries = deliveries_of(stores)
    queued = delivery("N1").queued_for_print(
        HOME.one_line(), DAY, FallbackReason.NO_EMAIL_CONSENT, NOW
    )
    assert deliveries.save(
        None, queued, [entry(queued, "NotificationQueuedForPrint")], letter("N1")
    )

    assert deliveries.letters(DAY) == [letter("N1")]
    assert deliveries.letters(DAY + timedelta(days=1)) == []
    printed = queued.in_print(PrintPlace(DAY, 2, 5, 3), NOW + timedelta(hours=9))
    assert deliveries.save(queued, printed, [entry(printed, "NotificationPrinted")])
    assert deliveries.get("N1") == printed
    assert history(stores) == ["NotificationQueuedForPrint", "NotificationPrinted"]


def test_an_accounts_correspondence_pages_the_latest_requested_first(stores: Stores) -> None:
    deliveries = deliveries_of(stores)
    for n in range(5):
        assert deliveries.save(None, delivery(f"N{n}", minutes=n))
    assert deliveries.save(
        None, replace(delivery("OTHER", 9), account_id="01HACCOUNT0000000000000002")
    )

    seen, cursor = [], None
    while True:
        page = deliveries.of_account(ACCOUNT, 2, cursor)
        seen += [d.notification_id for d in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor

    assert seen == ["N4", "N3", "N2", "N1", "N0"]


def part(number: int) -> PrintedPart:
    line = ManifestLine(
        number, number, 1, 2, f"N{number}", ACCOUNT, "UB00000017", "payment-receipt",
        Language.FR, "Élise Tremblay", ("2-12 Rue Principale", "Gatineau QC J8X 1A1"),
    )  # fmt: skip
    return PrintedPart(DAY, number, f"print-files/{DAY}/letters-00{number}.pdf", 2, (line,))


def files_of(stores: Stores) -> Any:
    if isinstance(stores.accounts, InMemoryStore):
        return InMemoryPrintFiles()
    return DynamoPrintFiles()


def test_print_files_and_their_parts_read_back_and_a_complete_one_stays(stores: Stores) -> None:
    files = files_of(stores)
    started = PrintFile(DAY, PrintFileStatus.ASSEMBLING, NOW)
    assert files.save(started)
    files.keep_part(part(2))
    files.keep_part(part(1))
    files.keep_part(part(1))  # a part stored again replaces itself
    assert files.parts(DAY) == [part(1), part(2)]
    complete = replace(
        started,
        status=PrintFileStatus.COMPLETE,
        parts=(PartSummary(1, part(1).key, 1, 2), PartSummary(2, part(2).key, 1, 2)),
        completed_at=NOW + timedelta(minutes=3),
        manifest_keys=(f"print-files/{DAY}/manifest.json", f"print-files/{DAY}/manifest.csv"),
    )
    assert files.save(complete)
    assert files.get(DAY) == complete
    assert not files.save(started)  # never back from complete
    assert files.get(DAY) == complete
    assert files.save(PrintFile(DAY - timedelta(days=1), PrintFileStatus.ASSEMBLING, NOW))

    first = files.listing(1, None)
    assert [f.day for f in first.items] == [DAY]
    assert [f.day for f in files.listing(1, first.next_cursor).items] == [DAY - timedelta(days=1)]


def test_the_suppression_list_keeps_an_address_once(stores: Stores) -> None:
    suppressions = (
        InMemorySuppressions()
        if isinstance(stores.accounts, InMemoryStore)
        else DynamoSuppressions()
    )
    bounce = Suppression("elise@example.ca", "bounce", "550", NOW, "N1")
    assert not suppressions.is_suppressed("Elise@Example.ca")
    assert suppressions.suppress(bounce)
    assert not suppressions.suppress(replace(bounce, reason="complaint"))
    assert suppressions.is_suppressed("Elise@Example.ca")


def test_a_customers_consents_and_bounced_mark_read_back(stores: Stores) -> None:
    consents = ConsentChanges(
        email=ConsentChange(True, ConsentSource.PAPER_FORM),
        sms=ConsentChange(True, ConsentSource.PHONE),
    )
    account = stores.open(
        "Élise Tremblay",
        "12 Rue Principale",
        customer=NewCustomer(
            CustomerKind.PERSON,
            "Élise Tremblay",
            Preferences(Language.FR, ContactMethod.EMAIL),
            ContactDetails("elise@example.ca", "613-555-0100"),
            consents,
        ),
    )
    customer = stores.customers.get(account.holder.customer_id)
    now = stores.recorder.clock.now()
    assert customer.preferences.email_consent.given_at == now
    withdrawn = replace(
        customer.preferences,
        sms_consent=customer.preferences.sms_consent.withdrawn(
            datetime(2026, 12, 1, tzinfo=UTC), ConsentSource.UNSUBSCRIBE_LINK
        ),
    )
    marked = replace(customer.contact, email_undeliverable=Undeliverable(now, "550 user unknown"))
    after = customer.revised(preferences=withdrawn, contact=marked)

    stores.revise(customer, after, "CustomerRevised")

    assert stores.customers.get(customer.customer_id) == after
