"""The delivery's rules, pure: the route a message takes, the SMS's text, the unsubscribe token,
the print file's day, order and manifest."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from civiq.accounts.domain.customers import (
    Consent,
    ConsentChange,
    ConsentSource,
    ContactDetails,
    ContactMethod,
    Customer,
    CustomerKind,
    Preferences,
    Undeliverable,
)
from civiq.core.addresses import Address
from civiq.core.language import Language
from civiq.notices.domain.deliveries import FallbackReason, route, sms_text
from civiq.notices.domain.print_files import (
    CSV_COLUMNS,
    Letter,
    PartSummary,
    PrintFile,
    PrintFileStatus,
    day_to_assemble,
    in_print_order,
    manifest_csv,
    manifest_json,
    manifest_lines,
    print_day,
)
from civiq.notices.domain.unsubscribe import TOKEN_PATTERN, customer_of, unsubscribe_token

NOW = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)
TORONTO = ZoneInfo("America/Toronto")
GIVEN = Consent(NOW, ConsentSource.PAPER_FORM)
WITHDRAWN = GIVEN.withdrawn(NOW, ConsentSource.UNSUBSCRIBE_LINK)
CUSTOMER_ID = "01JCXSTMER0000000000000001"


def customer(
    email_consent: Consent | None, sms_consent: Consent | None, undeliverable: bool = False
) -> Customer:
    mark = Undeliverable(NOW, "550") if undeliverable else None
    return Customer(
        CUSTOMER_ID,
        CustomerKind.PERSON,
        "Élise Tremblay",
        Preferences(Language.FR, ContactMethod.MAIL, False, email_consent, sms_consent),
        NOW,
        ContactDetails("elise@example.ca", "613-555-0100", None, mark),
    )


consents = st.sampled_from([None, GIVEN, WITHDRAWN])


@given(consents, consents, st.booleans(), st.booleans(), st.booleans())
def test_email_and_sms_go_out_only_with_consent_in_force_and_nothing_against(
    email_consent: Consent | None,
    sms_consent: Consent | None,
    suppressed: bool,
    undeliverable: bool,
    opted_out: bool,
) -> None:
    who = customer(email_consent, sms_consent, undeliverable)
    by_email = route(ContactMethod.EMAIL, who, suppressed, opted_out)
    by_sms = route(ContactMethod.SMS, who, suppressed, opted_out)
    email_allowed = email_consent is GIVEN and not suppressed and not undeliverable
    assert (by_email.channel is ContactMethod.EMAIL) == email_allowed
    assert (by_sms.channel is ContactMethod.SMS) == (sms_consent is GIVEN and not opted_out)
    for chosen in (by_email, by_sms):  # a fallback always says why
        assert (chosen.channel is ContactMethod.MAIL) == (chosen.fallback is not None)
    assert route(ContactMethod.MAIL, who, suppressed, opted_out).fallback is None


def test_a_withdrawn_consent_is_kept_and_given_again_anew() -> None:
    later = datetime(2027, 1, 5, tzinfo=UTC)
    again = ConsentChange(True, ConsentSource.IN_PERSON).applied(WITHDRAWN, later)
    assert again == Consent(later, ConsentSource.IN_PERSON)
    assert ConsentChange(True, ConsentSource.PHONE).applied(GIVEN, later) is GIVEN
    twice = ConsentChange(False, ConsentSource.PHONE).applied(WITHDRAWN, later)
    assert twice is WITHDRAWN  # the first withdrawal stays on record
    assert ConsentChange(False, ConsentSource.PHONE).applied(None, later) is None
    assert route(ContactMethod.EMAIL, customer(WITHDRAWN, None), False, False).fallback is (
        FallbackReason.NO_EMAIL_CONSENT
    )


@given(st.lists(st.text(min_size=1, max_size=400).map(str.strip).filter(bool), max_size=8))
def test_an_sms_fits_and_ends_with_the_signature_and_how_to_stop(paragraphs: list[str]) -> None:
    body = "\n\n".join(paragraphs)
    text = sms_text("Subject", body, "Reply STOP", limit=500)
    assert len(text) <= 500
    assert text.startswith("Subject")
    if len("\n\n".join(["Subject", *paragraphs[-1:], "Reply STOP"])) <= 500:
        assert text.endswith("Reply STOP")


def test_an_unsubscribe_token_is_the_customers_under_the_current_or_previous_key() -> None:
    token = unsubscribe_token(CUSTOMER_ID, "old-key")
    assert re.fullmatch(TOKEN_PATTERN, token)
    assert customer_of(token, ("new-key", "old-key")) == CUSTOMER_ID
    assert customer_of(token, ("new-key",)) is None
    forged = unsubscribe_token(CUSTOMER_ID, "guess")
    assert customer_of(forged, ("new-key", "old-key")) is None
    other = token.replace(CUSTOMER_ID, "01JCXSTMER0000000000000002")
    assert customer_of(other, ("old-key",)) is None


def test_a_letter_goes_in_its_days_file_until_the_cutoff_then_the_next() -> None:
    four_pm = time(16)
    before = datetime(2026, 11, 26, 20, 59, tzinfo=UTC)  # 15:59 in Toronto
    at = datetime(2026, 11, 26, 21, 0, tzinfo=UTC)
    assert print_day(before, TORONTO, four_pm) == date(2026, 11, 26)
    assert print_day(at, TORONTO, four_pm) == date(2026, 11, 27)
    # the 22:00 UTC run assembles the day whose cut-off passed (17:00 in Toronto)
    assert day_to_assemble(datetime(2026, 11, 26, 22, 0, tzinfo=UTC), TORONTO, four_pm) == date(
        2026, 11, 26
    )
    # ten minutes after the cut-off is too early: that day's letters may still be arriving
    too_soon = datetime(2026, 11, 26, 21, 10, tzinfo=UTC)
    assert day_to_assemble(too_soon, TORONTO, four_pm) == date(2026, 11, 25)


def letter(notification_id: str, postal_code: str, language: Language = Language.EN) -> Letter:
    return Letter(
        notification_id,
        "A1",
        "UB00000017",
        "payment-receipt",
        language,
        "Noah Fraser",
        Address("5 Main St", "Ottawa", "ON", postal_code),
        "Subject",
        "Body",
        NOW,
        date(2026, 11, 26),
    )


def test_letters_print_in_postal_order_and_the_manifest_gives_each_its_pages() -> None:
    letters = in_print_order(
        [letter("N3", "K2P 1A1"), letter("N1", "K1A 0B1", Language.FR), letter("N2", "k1a0b1")]
    )
    assert [x.notification_id for x in letters] == ["N1", "N2", "N3"]

    lines = manifest_lines(letters, (2, 1, 3), 1, 1, (("a", "b"),) * 3)

    assert [(x.sequence, x.first_page, x.last_page) for x in lines] == [
        (1, 1, 2),
        (2, 3, 3),
        (3, 4, 6),
    ]
    file = PrintFile(
        date(2026, 11, 26),
        PrintFileStatus.COMPLETE,
        NOW,
        (PartSummary(1, "print-files/2026-11-26/letters-001.pdf", 3, 6),),
        NOW,
        ("print-files/2026-11-26/manifest.json", "print-files/2026-11-26/manifest.csv"),
    )
    document = json.loads(manifest_json(file, lines))
    assert (document["letters"], document["pages"], len(document["items"])) == (3, 6, 3)
    assert document["items"][0]["language"] == "fr"
    rows = list(csv.reader(io.StringIO(manifest_csv(lines))))
    assert rows[0] == list(CSV_COLUMNS)
    assert rows[3][:5] == ["3", "1", "4", "6", "3"]
