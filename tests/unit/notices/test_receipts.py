"""IssueReceipt over in-memory fakes: the receipt rendered and stored in the account's language,
its message worded from the catalogs, one notification per payment however often the event
comes; and the PaymentPosted schema (amounts only as strings of dollars and cents)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal as D
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from civiq.accounts.adapters.memory import InMemoryBalances, InMemoryCustomers, InMemoryStore
from civiq.accounts.domain.account_numbers import AccountNumberScheme
from civiq.accounts.domain.accounts import Account
from civiq.accounts.domain.customers import ContactMethod
from civiq.accounts.services.open_account import OpenAccount
from civiq.billing.adapters.memory import InMemoryStatements
from civiq.core.audit import AuditEntry
from civiq.core.envelope import envelope_from_eventbridge
from civiq.core.errors import InvalidInput, NotFound
from civiq.core.events import Actor, DomainEvent
from civiq.core.fakes import FakeRenderer, RecordingPublisher
from civiq.core.language import Language
from civiq.core.letterhead import Letterhead
from civiq.core.publishing import PublishEvents
from civiq.event_catalog import checked_envelope, payload_of
from civiq.ledger.domain.payments import PaymentMethod
from civiq.notices.adapters.memory import InMemoryNotificationLog, InMemoryReceiptDocuments
from civiq.notices.adapters.receipts import CatalogReceiptWording
from civiq.notices.domain.receipts import (
    AppliedAmount,
    PaidStatement,
    PostedPayment,
    Receipt,
    receipt_key,
)
from civiq.notices.schemas.events import NotificationRequestedV1
from civiq.notices.services.receipts import IssueReceipt
from civiq.payments.schemas.events import PAYMENT_EVENT_SCHEMAS, PaymentPostedV1
from civiq.platform.catalogs import NBSP, Catalogs, default_templates_dir
from tests.helpers import statement_builders as build
from tests.helpers.builders import address, command, new_customer
from tests.helpers.files import load_event
from tests.helpers.statement_builders import issue_with_ledger

EN, FR = Language.EN, Language.FR
MUNICIPALITY = "Ville de Sainte-Anne"
POSTED_AT = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)
MAILING = address(street="PO Box 42", city="Gatineau", province="QC", postal_code="J8X 1A1")


@pytest.fixture
def statements(store: InMemoryStore) -> InMemoryStatements:
    return InMemoryStatements(store, InMemoryBalances(store))


@pytest.fixture
def renderer() -> FakeRenderer:
    return FakeRenderer()


@pytest.fixture
def documents() -> InMemoryReceiptDocuments:
    return InMemoryReceiptDocuments()


@pytest.fixture
def wording() -> CatalogReceiptWording:
    return CatalogReceiptWording(Catalogs(default_templates_dir()), MUNICIPALITY)


@pytest.fixture
def issue(
    store: InMemoryStore,
    customers: InMemoryCustomers,
    statements: InMemoryStatements,
    renderer: FakeRenderer,
    documents: InMemoryReceiptDocuments,
    wording: CatalogReceiptWording,
    events: PublishEvents,
    numbering: AccountNumberScheme,
) -> IssueReceipt:
    return IssueReceipt(
        accounts=store,
        customers=customers,
        statements=statements,
        renderer=renderer,
        documents=documents,
        wording=wording,
        notifications=InMemoryNotificationLog(store),
        events=events,
        numbering=numbering,
        letterhead=Letterhead(MUNICIPALITY),
    )


def billed(
    open_account: OpenAccount,
    statements: InMemoryStatements,
    actor: Actor,
    language: Language = FR,
    **customer: Any,
) -> Account:
    """An account (holder in ``language``) with its October statement issued."""
    account = open_account(command(new_customer(language=language, **customer)), actor, "open")
    statement = build.statement(
        statement_id="UB00000018-20261031",
        account_id=account.account_id,
        account_number=account.account_number,
    )
    subject = f"ACCOUNT#{account.account_id}"
    entry = AuditEntry("ST1", subject, "StatementIssued", "billing", "system", POSTED_AT, "c", {})
    issue_with_ledger(statements, statement, entry)
    return account


def payment(account: Account, **overrides: Any) -> PostedPayment:
    """$1,234.56 by cheque: $1,200.00 to the October statement, $34.56 kept as a credit."""
    fields: dict[str, Any] = {
        "payment_id": "PAY-3F6A1C9E2B7D4A8F0C5E1B3D",
        "account_id": account.account_id,
        "amount": D("1234.56"),
        "method": PaymentMethod.CHEQUE,
        "received_on": date(2026, 11, 20),
        "reference": "1042",
        "applied": (AppliedAmount("UB00000018-20261031", D("1200.00")),),
        "credit": D("34.56"),
        "balance_after": D("-34.56"),
        "payer_name": None,
        "posted_at": POSTED_AT,
        "correlation_id": "corr-pay",
    }
    fields.update(overrides)
    return PostedPayment(**fields)


def requested(store: InMemoryStore) -> list[str]:
    """The ids of the NotificationRequested entries in the history (written with the outbox)."""
    return [e.entry_id for e in store.history.values() if e.action == "NotificationRequested"]


def published(publisher: RecordingPublisher) -> list[DomainEvent]:
    return [e for e in publisher.published if e.event_type == "NotificationRequested"]


def notification(publisher: RecordingPublisher) -> NotificationRequestedV1:
    """The one NotificationRequested published, through the schema it is published under."""
    (event,) = published(publisher)
    payload = payload_of(checked_envelope(event))
    assert isinstance(payload, NotificationRequestedV1)
    return payload


# --- the document ---------------------------------------------------------------------------------


def test_the_receipt_key_is_deterministic() -> None:
    assert receipt_key("A1", "PAY-1") == "receipts/A1/PAY-1.pdf"


@pytest.mark.parametrize("language", list(Language))
def test_renders_the_receipt_in_the_account_language(
    issue: IssueReceipt,
    open_account: OpenAccount,
    statements: InMemoryStatements,
    actor: Actor,
    renderer: FakeRenderer,
    language: Language,
) -> None:
    account = billed(open_account, statements, actor, language)

    issue(payment(account))

    assert renderer.calls == [
        (
            "receipt",
            language,
            {
                "municipality_name": MUNICIPALITY,
                "letterhead": Letterhead(MUNICIPALITY),
                "recipient_name": "Élise Tremblay",
                "recipient_address": ("100 Main St", "Ottawa ON K1P 1J1"),
                "receipt_number": "PAY-3F6A1C9E2B7D4A8F0C5E1B3D",
                "received_on": date(2026, 11, 20),
                "account_number": "UB-0000001-8",
                "service_address": "100 Main St, Ottawa ON K1P 1J1",
                "payer": "Élise Tremblay",
                "method": "cheque",
                "reference": "1042",
                "amount": D("1234.56"),
                "paid_statements": (
                    # issued, due and covering the statement's own dates, not the payment's
                    PaidStatement(
                        "UB00000018-20261031",
                        date(2026, 11, 2),
                        date(2026, 11, 23),
                        D("1200.00"),
                        date(2026, 9, 1),
                        date(2026, 10, 31),
                    ),
                ),
                "credit": D("34.56"),
                "balance_after": D("-34.56"),
                "in_credit": True,
            },
        )
    ]


def test_stores_the_pdf_under_its_key_with_metadata(
    issue: IssueReceipt,
    open_account: OpenAccount,
    statements: InMemoryStatements,
    actor: Actor,
    documents: InMemoryReceiptDocuments,
) -> None:
    account = billed(open_account, statements, actor)

    issued = issue(payment(account))

    key = f"receipts/{account.account_id}/PAY-3F6A1C9E2B7D4A8F0C5E1B3D.pdf"
    assert (issued.key, issued.rendered, issued.requested) == (key, True, True)
    assert documents.objects == {
        key: (
            b"%PDF-1.7 fake receipt fr",
            {
                "account-id": account.account_id,
                "payment-id": "PAY-3F6A1C9E2B7D4A8F0C5E1B3D",
                "language": "fr",
            },
        )
    }


def test_mail_goes_to_the_mailing_address_on_the_pdf_and_in_the_notification(
    issue: IssueReceipt,
    open_account: OpenAccount,
    statements: InMemoryStatements,
    actor: Actor,
    renderer: FakeRenderer,
    publisher: RecordingPublisher,
) -> None:
    account = billed(open_account, statements, actor, mailing_address=MAILING)

    issue(payment(account))

    assert renderer.calls[0][2]["recipient_address"] == ("PO Box 42", "Gatineau QC J8X 1A1")
    recipient = notification(publisher).recipient
    assert recipient.channel is ContactMethod.MAIL
    assert recipient.postal_address is not None
    assert recipient.postal_address.street == "PO Box 42"


def test_a_payer_other_than_the_holder_is_printed_and_the_holder_is_greeted(
    issue: IssueReceipt,
    open_account: OpenAccount,
    statements: InMemoryStatements,
    actor: Actor,
    renderer: FakeRenderer,
    publisher: RecordingPublisher,
) -> None:
    account = billed(open_account, statements, actor)

    issue(payment(account, payer_name="Gestion Immobilière ABC"))

    assert renderer.calls[0][2]["payer"] == "Gestion Immobilière ABC"
    assert notification(publisher).message.body.startswith("Bonjour Élise Tremblay,")


# --- the notification -----------------------------------------------------------------------------


def test_requests_one_notification_in_french_for_a_french_account(
    issue: IssueReceipt,
    open_account: OpenAccount,
    statements: InMemoryStatements,
    actor: Actor,
    store: InMemoryStore,
    publisher: RecordingPublisher,
) -> None:
    account = billed(open_account, statements, actor, FR, contact_method=ContactMethod.EMAIL)

    issued = issue(payment(account))

    said = notification(publisher)
    assert said.notification_id == issued.notification_id
    assert (said.kind.value, said.language, said.account_number) == (
        "payment-receipt",
        FR,
        "UB00000018",
    )
    assert (said.recipient.channel, said.recipient.email) == (
        ContactMethod.EMAIL,
        "elise@example.ca",
    )
    assert said.message.subject == f"Paiement reçu{NBSP}: 1{NBSP}234,56{NBSP}$"
    assert said.message.body.startswith(
        f"Bonjour Élise Tremblay,\n\nMerci de votre paiement de 1{NBSP}234,56{NBSP}$,"
        " reçu le 20 novembre 2026 pour le compte UB-0000001-8 (100 Main St, Ottawa ON K1P 1J1)."
    )
    assert (
        f"Numéro de reçu{NBSP}: PAY-3F6A1C9E2B7D4A8F0C5E1B3D\n"
        f"Mode de paiement{NBSP}: Chèque\nNuméro du chèque{NBSP}: 1042\n\n"
        f"Votre compte présente maintenant un crédit de 34,56{NBSP}${NBSP}:" in said.message.body
    )
    assert said.message.body.endswith(
        "communiquez avec le Service de la facturation des services publics en indiquant"
        f" votre numéro de reçu.\n\n{MUNICIPALITY}"
    )
    assert said.facts.model_dump(mode="json") == {
        "payment_id": "PAY-3F6A1C9E2B7D4A8F0C5E1B3D",
        "received_on": "2026-11-20",
        "amount": "1234.56",
        "method": "cheque",
        "reference": "1042",
        "credit": "34.56",
        "balance_after": "-34.56",
        "document_key": issued.key,
    }
    (event,) = published(publisher)
    assert (event.occurred_at, event.correlation_id, event.subject_id) == (
        POSTED_AT,
        "corr-pay",
        f"ACCOUNT#{account.account_id}",
    )
    assert requested(store) == [event.event_id]
    assert store.outbox == {}  # published, so no longer waiting for the relay


def test_english_wording_of_the_message(
    issue: IssueReceipt,
    open_account: OpenAccount,
    statements: InMemoryStatements,
    actor: Actor,
    publisher: RecordingPublisher,
) -> None:
    account = billed(open_account, statements, actor, EN)

    issue(payment(account))

    message = notification(publisher).message
    assert message.subject == "Payment received: $1,234.56"
    assert (
        "Thank you for your payment of $1,234.56, received on November 20, 2026 for account"
        " UB-0000001-8 (100 Main St, Ottawa ON K1P 1J1).\n\n"
        "Receipt number: PAY-3F6A1C9E2B7D4A8F0C5E1B3D\nPayment method: Cheque\n"
        "Cheque number: 1042\n\nYour account is now in credit by $34.56:" in message.body
    )
    assert "{" not in message.body and "}" not in message.body


# --- idempotency ----------------------------------------------------------------------------------


def test_a_second_delivery_renders_stores_and_requests_nothing_new(
    issue: IssueReceipt,
    open_account: OpenAccount,
    statements: InMemoryStatements,
    actor: Actor,
    renderer: FakeRenderer,
    documents: InMemoryReceiptDocuments,
    store: InMemoryStore,
    publisher: RecordingPublisher,
) -> None:
    account = billed(open_account, statements, actor)
    first = issue(payment(account))
    stored = dict(documents.objects)

    again = issue(payment(account))

    assert (again.key, again.notification_id) == (first.key, first.notification_id)
    assert (again.rendered, again.requested) == (False, False)
    assert len(renderer.calls) == 1
    assert documents.objects == stored
    assert requested(store) == [first.notification_id]
    assert [e.event_id for e in published(publisher)] == [first.notification_id]


def test_another_payment_gets_its_own_receipt_and_notification(
    issue: IssueReceipt,
    open_account: OpenAccount,
    statements: InMemoryStatements,
    actor: Actor,
    store: InMemoryStore,
) -> None:
    account = billed(open_account, statements, actor)
    first = issue(payment(account))

    second = issue(payment(account, payment_id="PAY-OTHER"))

    assert second.key != first.key
    assert requested(store) == [first.notification_id, second.notification_id]


class FailingOnce(InMemoryNotificationLog):
    """The transaction fails once (throttled), as DynamoDB's can."""

    def __init__(self, store: InMemoryStore) -> None:
        super().__init__(store)
        self.failed = False

    def record(self, event: DomainEvent) -> bool:
        if not self.failed:
            self.failed = True
            raise RuntimeError("throttled")
        return super().record(event)


def test_a_delivery_failing_after_the_pdf_is_stored_is_retried_without_rendering_again(
    issue: IssueReceipt,
    open_account: OpenAccount,
    statements: InMemoryStatements,
    actor: Actor,
    renderer: FakeRenderer,
    documents: InMemoryReceiptDocuments,
    store: InMemoryStore,
    publisher: RecordingPublisher,
) -> None:
    account = billed(open_account, statements, actor)
    flaky = replace(issue, notifications=FailingOnce(store))
    with pytest.raises(RuntimeError):
        flaky(payment(account))
    assert len(documents.objects) == 1 and requested(store) == []

    retried = flaky(payment(account))

    assert (retried.rendered, retried.requested) == (False, True)
    assert len(renderer.calls) == 1
    assert notification(publisher).facts.model_dump()["document_key"] == retried.key


def test_an_unknown_account_renders_nothing(
    issue: IssueReceipt,
    open_account: OpenAccount,
    statements: InMemoryStatements,
    actor: Actor,
    renderer: FakeRenderer,
    store: InMemoryStore,
) -> None:
    account = billed(open_account, statements, actor)
    with pytest.raises(NotFound):
        issue(payment(account, account_id="NO-SUCH-ACCOUNT"))
    assert renderer.calls == []
    assert requested(store) == []


def test_a_statement_that_cannot_be_read_stores_and_requests_nothing(
    issue: IssueReceipt,
    open_account: OpenAccount,
    statements: InMemoryStatements,
    actor: Actor,
    documents: InMemoryReceiptDocuments,
    store: InMemoryStore,
) -> None:
    account = billed(open_account, statements, actor)
    unknown = (AppliedAmount("UB00000018-20250131", D("1200.00")),)
    with pytest.raises(NotFound):
        issue(payment(account, applied=unknown))
    assert documents.objects == {}
    assert requested(store) == []


# --- wording --------------------------------------------------------------------------------------


def receipt(language: Language, **overrides: Any) -> Receipt:
    fields: dict[str, Any] = {
        "payment_id": "PAY-1",
        "account_number": "UB-0000001-8",
        "service_address": "100 Main St, Ottawa ON K1P 1J1",
        "holder": "Élise Tremblay",
        "payer": "Élise Tremblay",
        "language": language,
        "received_on": date(2026, 11, 1),
        "amount": D("80.00"),
        "method": PaymentMethod.ETRANSFER,
        "reference": None,
        "credit": D("0.00"),
        "balance_after": D("45.10"),
    }
    fields.update(overrides)
    return Receipt(**fields)


@pytest.mark.parametrize(
    ("language", "balance", "sentence"),
    [
        (EN, "45.10", "Your account balance after this payment is $45.10."),
        (EN, "0.00", "Your account is now paid in full."),
        (EN, "-12.00", "Your account is now in credit by $12.00: the credit will be applied"),
        (FR, "45.10", f"Le solde de votre compte après ce paiement est de 45,10{NBSP}$."),
        (FR, "0.00", "Votre compte est maintenant entièrement réglé."),
        (FR, "-12.00", f"Votre compte présente maintenant un crédit de 12,00{NBSP}${NBSP}:"),
    ],
)
def test_the_balance_sentence_says_owing_paid_or_in_credit(
    wording: CatalogReceiptWording, language: Language, balance: str, sentence: str
) -> None:
    body = wording.word(receipt(language, balance_after=D(balance))).body
    assert sentence in body


@pytest.mark.parametrize(
    ("language", "method", "reference", "lines"),
    [
        (EN, PaymentMethod.ETRANSFER, None, "Payment method: E-transfer\n\n"),
        (EN, PaymentMethod.CARD, "ch_3PZx", "Payment method: Payment card\nReference: ch_3PZx\n\n"),
        (EN, PaymentMethod.CASH, None, "Payment method: Cash\n\n"),
        (FR, PaymentMethod.ETRANSFER, None, f"Mode de paiement{NBSP}: Virement électronique\n\n"),
        (
            FR,
            PaymentMethod.BANK_BILL_PAYMENT,
            "RBC-000123",
            f"Mode de paiement{NBSP}: Paiement de facture par une institution financière\n"
            f"Référence{NBSP}: RBC-000123\n\n",
        ),
        (FR, PaymentMethod.PREAUTHORIZED_DEBIT, None, f"paiement{NBSP}: Débit préautorisé\n\n"),
    ],
)
def test_the_method_and_its_reference_are_worded_in_the_language(
    wording: CatalogReceiptWording,
    language: Language,
    method: PaymentMethod,
    reference: str | None,
    lines: str,
) -> None:
    body = wording.word(receipt(language, method=method, reference=reference)).body
    assert lines in body


@pytest.mark.parametrize("language", list(Language))
def test_every_payment_method_has_a_name_in_each_language(
    wording: CatalogReceiptWording, language: Language
) -> None:
    names = {
        method: wording.word(receipt(language, method=method)).body for method in PaymentMethod
    }
    assert len(set(names.values())) == len(PaymentMethod)


def test_large_amounts_are_grouped_as_each_language_groups_them(
    wording: CatalogReceiptWording,
) -> None:
    big = D("12345.67")
    assert wording.word(receipt(EN, amount=big)).subject == "Payment received: $12,345.67"
    assert (
        wording.word(receipt(FR, amount=big)).subject
        == f"Paiement reçu{NBSP}: 12{NBSP}345,67{NBSP}$"
    )


# --- the PaymentPosted schema ---------------------------------------------------------------------

DETAIL: dict[str, Any] = {
    "payment_id": "PAY-1",
    "account_id": "A1",
    "account_number": "UB00000018",
    "amount": "123.45",
    "method": "e-transfer",
    "channel": "staff",
    "received_on": "2026-11-20",
    "reference": None,
    "applied": [
        {"statement_id": "S1", "amount": "100.00"},
        {"statement_id": "S2", "amount": "20.00"},
    ],
    "credit": "3.45",
    "balance_after": "-3.45",
}


def test_the_sample_batch_holds_the_sample_payment_posted_the_schema_reads() -> None:
    body = load_event("sqs/payment_posted_with_poison.json")["Records"][0]["body"]
    assert json.loads(body) == load_event("eventbridge/payment_posted.json")
    event = envelope_from_eventbridge(json.loads(body)).to_domain()

    posted = PaymentPostedV1.model_validate(event.detail).to_domain(
        event.occurred_at, event.correlation_id
    )

    assert event.event_type == "PaymentPosted"
    assert PAYMENT_EVENT_SCHEMAS[("PaymentPosted", 1)] is PaymentPostedV1
    assert posted == PostedPayment(
        payment_id="PAY-3F6A1C9E2B7D4A8F0C5E1B3D",
        account_id="01JDX3V1Q8C7M2N4P6R8T0W2Y3",
        amount=D("1234.56"),
        method=PaymentMethod.CHEQUE,
        received_on=date(2026, 11, 20),
        reference="1042",
        applied=(AppliedAmount("UB00000018-20261031", D("1200.00")),),
        credit=D("34.56"),
        balance_after=D("-34.56"),
        payer_name=None,
        posted_at=datetime(2026, 11, 20, 15, 30, tzinfo=UTC),
        correlation_id="6a1f3c2e-8b7d-4e5f-9a0b-1c2d3e4f5a6b",
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": 123.45}, "amount"),  # a JSON number: a float may have lost cents
        ({"amount": "123.4"}, "amount"),
        ({"amount": "1e2"}, "amount"),
        ({"balance_after": -3.45}, "balance_after"),
        ({"credit": "-3.45", "amount": "116.55"}, "credit"),
        ({"applied": [{"statement_id": "S1", "amount": "0.00"}], "credit": "123.45"}, "applied"),
        ({"method": "bitcoin"}, "method"),
        ({"channel": "fax"}, "channel"),
        ({"payer": "someone"}, "payer"),  # unknown fields are refused
    ],
)
def test_the_schema_refuses_what_is_not_dollars_and_cents_or_not_known(
    change: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        PaymentPostedV1.model_validate(DETAIL | change)
    assert field in {str(error["loc"][0]) for error in refused.value.errors()}


def test_parts_that_do_not_add_up_to_the_amount_are_refused() -> None:
    posted = PaymentPostedV1.model_validate(DETAIL | {"credit": "3.44"})
    with pytest.raises(InvalidInput, match=r"add up to 123\.44, not the amount paid 123\.45"):
        posted.to_domain(POSTED_AT, "corr")


@given(
    parts=st.lists(st.integers(1, 10**8), max_size=5),
    credit=st.integers(0, 10**8),
    balance=st.integers(-(10**8), 10**8),
)
def test_amounts_round_trip_exactly_as_strings_of_cents(
    parts: list[int], credit: int, balance: int
) -> None:
    def dollars(cents: int) -> str:
        return f"{'-' if cents < 0 else ''}{abs(cents) // 100}.{abs(cents) % 100:02d}"

    if not parts and not credit:
        credit = 1
    detail = DETAIL | {
        "amount": dollars(sum(parts) + credit),
        "applied": [{"statement_id": f"S{i}", "amount": dollars(c)} for i, c in enumerate(parts)],
        "credit": dollars(credit),
        "balance_after": dollars(balance),
    }

    parsed = PaymentPostedV1.model_validate(detail)

    assert parsed.model_dump(mode="json") == detail | {"payer_name": None}
    posted = parsed.to_domain(POSTED_AT, "corr")
    assert posted.amount == sum((a.amount for a in posted.applied), D(0)) + posted.credit
    assert posted.balance_after * 100 == balance
