"""The balance forward itemized from the ledger, on DynamoDB (moto).

The journal reader (what a statement's balance forward reads) answers alike in memory and on
DynamoDB; and through the real statement path (BillAccount over the DynamoDB adapters, a payment
and a late penalty posted by their services, the PDF rendered and stored by IssueStatements), a
$100.00 payment and a $1.25 penalty print as two lines, never as "payments $98.75".
"""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import boto3
import pytest
from pypdf import PdfReader

from civiq.accounts.adapters.dynamodb_accounts import DynamoAccountRepository
from civiq.accounts.adapters.dynamodb_properties import DynamoPropertyRepository
from civiq.accounts.domain.account_numbers import AccountNumberScheme
from civiq.accounts.domain.accounts import Account
from civiq.accounts.services.recording import Recorder
from civiq.billing.adapters.dynamodb import DynamoStatements, post_to_statements
from civiq.billing.domain.billing import BillingPeriod, BillingRequest
from civiq.billing.domain.cycles import Outcome
from civiq.billing.domain.statements import Direction, ForwardLine, Statement, StatementKind
from civiq.billing.schemas.billing import StatementResponse
from civiq.billing.services.billing import BillAccount, past_of
from civiq.billing.services.issue_statements import IssueStatements, Letterhead
from civiq.billing.services.rebill import rebill_id
from civiq.core.audit import AuditEntry
from civiq.core.errors import InvalidInput, NotFound
from civiq.core.fakes import FixedClock, SequentialIds
from civiq.core.publishing import PublishEvents
from civiq.ledger.adapters.dynamodb_fees import DynamoFeeCatalogues
from civiq.ledger.adapters.dynamodb_journal import DynamoJournal
from civiq.ledger.adapters.dynamodb_postings import DynamoLedger, DynamoPayments
from civiq.ledger.adapters.memory import InMemoryLedger
from civiq.ledger.domain.fees import CERTIFICATE, Fee, FeeCatalogue, FeeTax, FeeVersion
from civiq.ledger.domain.journal import EntryKind
from civiq.ledger.domain.payments import PaymentChannel, PaymentMethod, PaymentStatus
from civiq.ledger.ports import JournalReader
from civiq.ledger.services.fees import ChargeFee, ConfigureFees
from civiq.ledger.services.posting import Announcer, PaymentLedger
from civiq.metering.adapters.dynamodb import DynamoMetering
from civiq.metering.services.readings import RecordEstimate
from civiq.payments.adapters.dynamodb_past_due import DynamoPastDue
from civiq.payments.adapters.dynamodb_payment_troubles import DynamoPaymentTroubles
from civiq.payments.domain.penalties import PenaltyPolicy
from civiq.payments.services.late_penalties import ApplyLatePenalties, PenaltyRun
from civiq.payments.services.payments import (
    AdjustBalance,
    PostPayment,
    ReceivedPayment,
    RefundPayment,
    ReversePayment,
)
from civiq.platform.catalogs import default_templates_dir
from civiq.platform.dynamodb.outbox import DynamoOutbox
from civiq.platform.pdf import WeasyPrintRenderer
from civiq.platform.s3 import S3DocumentStore
from infra.local import dynamodb_transactions
from tests.helpers.billing_world import SCHEDULE
from tests.helpers.emulator import BUCKET, REGION
from tests.helpers.statement_builders import reissue_with_ledger
from tests.helpers.stores import CLERK, Books, Published
from tests.helpers.workflows import metered_account, read

CREDIT, CHARGE = Direction.CREDIT, Direction.CHARGE
TORONTO = ZoneInfo("America/Toronto")

# --- the journal reader: one contract, in memory and on DynamoDB ---------------------------------


def reader(books: Books) -> JournalReader:
    return books.ledger if isinstance(books.ledger, InMemoryLedger) else DynamoJournal()


def test_entries_since_a_point_come_in_order_up_to_the_head_with_its_balance(books: Books) -> None:
    account_id = books.account.account_id
    books.issue(date(2026, 10, 31), "120.00")
    books.pay("P-1", "50.00")
    books.issue(date(2026, 11, 30), "80.00")
    books.reverse(account_id, "P-1", PaymentStatus.DISHONOURED, "NSF", CLERK, "corr-r")
    journal = books.journal()
    state = books.ledger.state(account_id)

    everything = reader(books).entries_since(account_id, 0)
    after_two = reader(books).entries_since(account_id, 2)

    assert everything.entries == tuple(journal)
    assert [e.kind for e in everything.entries] == [
        EntryKind.CHARGE,
        EntryKind.PAYMENT,
        EntryKind.CHARGE,
        EntryKind.REVERSAL,
        EntryKind.FEE,
    ]
    assert (everything.head, everything.balance) == (state.head, state.balance)
    assert everything.balance == D("245.00")  # 120 - 50 + 80 + 50 + 45 (the NSF fee)
    assert after_two.entries == tuple(journal[2:])
    assert (after_two.head, after_two.balance, after_two.through) == (state.head, state.balance, 5)
    at_head = reader(books).entries_since(account_id, 5)
    beyond = reader(books).entries_since(account_id, 9)
    assert at_head.entries == beyond.entries == ()
    assert at_head.balance == beyond.balance == state.balance


def test_an_account_without_entries_reads_empty_and_an_unknown_one_is_not_found(
    books: Books,
) -> None:
    empty = reader(books).entries_since(books.account.account_id, 0)

    assert (empty.head, empty.balance, empty.entries, empty.through) == (None, D(0), (), 0)
    with pytest.raises(NotFound):
        reader(books).entries_since("01UNKNOWNACCOUNT0000000000", 0)
    with pytest.raises(InvalidInput):
        reader(books).entries_since(books.account.account_id, -1)


# --- the real statement path on DynamoDB --------------------------------------------------------


class Town:
    """One metered account billed by BillAccount over the DynamoDB adapters, paid and penalized
    by the payment services, its statements rendered and stored by IssueStatements."""

    def __init__(self) -> None:
        dynamodb_transactions.install()  # moto's transactions, serialised as DynamoDB's are
        self.clock = FixedClock(datetime(2026, 11, 2, 11, 0, tzinfo=UTC))
        self.ids = SequentialIds("01B")
        self.statements = DynamoStatements()
        metering = DynamoMetering()
        self.bill_account = BillAccount(
            DynamoAccountRepository(),
            DynamoPropertyRepository(),
            metering,
            metering,
            self.statements,
            DynamoJournal(),
            RecordEstimate(metering, metering, metering, Recorder(self.clock, self.ids)),
            self.clock,
            self.ids,
        )
        self.books = PaymentLedger(
            DynamoLedger(post_to_statements),
            DynamoPayments(),
            DynamoAccountRepository(),
            Announcer(self.clock, self.ids),
            PublishEvents(DynamoOutbox(), Published()),
            TORONTO,
        )
        self.issue = IssueStatements(
            self.statements,
            WeasyPrintRenderer(default_templates_dir()),
            S3DocumentStore(boto3.client("s3", region_name=REGION), BUCKET),
            PublishEvents(DynamoOutbox(), Published()),
            Letterhead("Ville de Gatineau", "https://portal.example.ca", AccountNumberScheme()),
            self.clock,
            self.ids,
        )

    def on(self, day: date) -> None:
        """The clock at 11:00 in Toronto (16:00 UTC) on ``day``."""
        then = datetime(day.year, day.month, day.day, 16, 0, tzinfo=UTC)
        self.clock.advance(seconds=(then - self.clock.now()).total_seconds())

    def bill(self, account: Account, period_end: date) -> Statement:
        """The account's statement for the monthly period ending ``period_end``, issued and
        rendered two days later."""
        issued_on = period_end + timedelta(days=2)
        self.on(issued_on)
        request = BillingRequest(
            kind=StatementKind.REGULAR,
            cycle_id="residential-a",
            run_id=f"residential-a-{period_end.isoformat()}",
            period_start=date(2026, 8, 31),
            period_end=period_end,
            read_until=issued_on,
            issued_on=issued_on,
            due_on=issued_on + timedelta(days=14),
        )
        outcome = self.bill_account(account.account_id, request, SCHEDULE)
        assert outcome.outcome is Outcome.BILLED, outcome
        assert self.issue([outcome]) == 1
        assert outcome.statement_id is not None
        return self.statements.get(account.account_id, outcome.statement_id)

    def pay(self, account: Account, payment_id: str, amount: str) -> None:
        received = ReceivedPayment(
            payment_id,
            account.account_id,
            D(amount),
            PaymentMethod.CHEQUE,
            PaymentChannel.STAFF,
            self.books.today(),
            reference="cheque 311",
        )
        PostPayment(self.books)(received, CLERK, "corr-pay")

    def pdf_text(self, issued: Statement) -> str:
        assert issued.document_key is not None
        body = boto3.client("s3", region_name=REGION).get_object(
            Bucket=BUCKET, Key=issued.document_key
        )["Body"]
        pages = PdfReader(io.BytesIO(body.read())).pages
        text = " ".join(page.extract_text() for page in pages).replace("\u00a0", " ")
        return " ".join(text.split())


@pytest.fixture
def town(aws: None) -> Town:
    return Town()


def test_a_payment_and_a_late_penalty_print_as_two_lines_through_the_statement_path(
    town: Town,
) -> None:
    account, meter = metered_account("Élise Tremblay", "12 Rue Laurier")  # French
    read(meter, "2026-10-31", "30")
    first = town.bill(account, date(2026, 10, 31))
    # 120.00 x 61/365 = 20.05; 30 m3 x 2.00 = 60.00; sewer 80% = 48.00
    assert (first.bill.total, first.since, first.total_due) == (D("128.05"), (), D("128.05"))

    town.on(date(2026, 11, 10))
    town.pay(account, "P-100", "100.00")
    town.on(date(2026, 11, 20))  # four days past due, 28.05 still owed
    flat = PenaltyPolicy.parse(kind="flat-fee", fee="1.25")
    assert ApplyLatePenalties(town.books, DynamoPastDue(), flat, DynamoPaymentTroubles())(
        "corr-penalties"
    ) == PenaltyRun(assessed=1, applied=1)
    read(meter, "2026-11-30", "55")
    second = town.bill(account, date(2026, 11, 30))

    assert second.previous_balance == first.total_due
    assert second.since == (
        ForwardLine(EntryKind.PAYMENT, CREDIT, D("100.00")),
        ForwardLine(EntryKind.PENALTY, CHARGE, D("1.25")),
    )
    assert second.balance_forward == D("29.30")  # 128.05 - 100.00 + 1.25, as the ledger has it
    assert second.total_due == town.books.ledger.state(account.account_id).balance
    response = StatementResponse.of(second).model_dump(mode="json")
    assert response["since"] == [
        {"kind": "payment", "direction": "credit", "amount": "100.00"},
        {"kind": "penalty", "direction": "charge", "amount": "1.25"},
    ]
    assert (response["previous_balance"], response["balance_forward"]) == ("128.05", "29.30")
    text = town.pdf_text(second)
    assert "Solde précédent 128,05 $ Paiements reçus \u2013 merci -100,00 $" in text
    assert "Pénalités de retard 1,25 $ Solde reporté 29,30 $" in text
    assert "98,75" not in text


def test_a_reversed_payment_a_refund_and_adjustments_both_ways_each_print_their_line(
    town: Town,
) -> None:
    account, meter = metered_account("Élise Tremblay", "12 Rue Laurier")
    account_id = account.account_id
    read(meter, "2026-10-31", "30")
    first = town.bill(account, date(2026, 10, 31))  # 128.05
    town.on(date(2026, 11, 10))
    town.pay(account, "P-1", "300.00")  # more than owed: a credit
    RefundPayment(town.books)(account_id, "P-1", "R-1", D("40.00"), "overpaid", CLERK, "c1")
    adjust = AdjustBalance(town.books)
    adjust(account_id, "A-1", D("-20.00"), "leak repaired", CLERK, "c2")
    adjust(account_id, "A-2", D("15.00"), "hydrant permit", CLERK, "c3")
    town.pay(account, "P-2", "50.00")
    returned = ReversePayment(town.books, D("45.00"))
    returned(account_id, "P-2", PaymentStatus.DISHONOURED, "NSF", CLERK, "c4")
    read(meter, "2026-11-30", "55")

    second = town.bill(account, date(2026, 11, 30))

    assert second.since == (
        ForwardLine(EntryKind.PAYMENT, CREDIT, D("350.00")),
        ForwardLine(EntryKind.REVERSAL, CHARGE, D("50.00")),
        ForwardLine(EntryKind.REFUND, CHARGE, D("40.00")),
        ForwardLine(EntryKind.ADJUSTMENT, CREDIT, D("20.00")),
        ForwardLine(EntryKind.ADJUSTMENT, CHARGE, D("15.00")),
        ForwardLine(EntryKind.FEE, CHARGE, D("45.00"), "Frais de paiement refusé"),
    )
    assert second.balance_forward == first.total_due - D("220.00") == D("-91.95")
    assert second.total_due == town.books.ledger.state(account_id).balance
    text = town.pdf_text(second)
    for printed in (
        "Paiements reçus \u2013 merci -350,00 $",
        "Paiements annulés (chèques retournés, rétrofacturations) 50,00 $",
        "Remboursements 40,00 $",
        "Crédits -20,00 $",
        "Rajustements (frais) 15,00 $",
        "Frais de paiement refusé 45,00 $",  # the fee in its own wording
        "Solde reporté -91,95 $",
    ):
        assert printed in text


def test_a_rebill_and_the_statement_after_it_itemize_what_happened_since(town: Town) -> None:
    """The rebill forwards from the statement before the one it cancels; the statement after
    the rebill leaves the cancelled charges and their reversal out."""
    account, meter = metered_account("Élise Tremblay", "12 Rue Laurier")
    read(meter, "2026-10-31", "30")
    first = town.bill(account, date(2026, 10, 31))
    town.on(date(2026, 11, 10))
    town.pay(account, "P-1", "100.00")
    read(meter, "2026-11-30", "55")
    wrong = town.bill(account, date(2026, 11, 30))
    town.on(date(2026, 12, 4))
    town.pay(account, "P-2", "10.00")

    drafted = town.bill_account.draft(
        town.bill_account.accounts.get(account.account_id),
        _period_of(wrong),
        _request_of(wrong, town.books.today()),
        SCHEDULE,
        past_of([first]),
        replacing=wrong,
    )
    assert isinstance(drafted, Statement)
    rebill = _renamed(drafted, rebill_id(wrong, [wrong]))
    reissue_with_ledger(town.statements, wrong, rebill, [_entry(rebill)])

    assert rebill.previous_balance == first.total_due
    assert rebill.since == (ForwardLine(EntryKind.PAYMENT, CREDIT, D("110.00")),)
    assert rebill.total_due == town.books.ledger.state(account.account_id).balance

    town.on(date(2026, 12, 5))
    town.pay(account, "P-3", "5.00")
    read(meter, "2026-12-05", "60")
    after = town.bill(account, date(2026, 12, 5))

    assert after.previous_balance == rebill.total_due
    assert after.since == (ForwardLine(EntryKind.PAYMENT, CREDIT, D("5.00")),)
    assert after.total_due == town.books.ledger.state(account.account_id).balance


def _period_of(statement: Statement) -> BillingPeriod:
    return BillingPeriod(statement.bill.period_start, statement.bill.period_end)


def _request_of(statement: Statement, today: date) -> BillingRequest:
    bill = statement.bill
    return BillingRequest(
        kind=StatementKind.REBILL,
        cycle_id="residential-a",
        run_id=None,
        period_start=bill.period_start,
        period_end=bill.period_end,
        read_until=bill.period_end,
        issued_on=today,
        due_on=today + timedelta(days=14),
    )


def _renamed(statement: Statement, statement_id: str) -> Statement:
    return replace(statement, statement_id=statement_id)


def _entry(statement: Statement) -> AuditEntry:
    return AuditEntry(
        f"E-{statement.statement_id}",
        f"ACCOUNT#{statement.account_id}",
        "StatementCreated",
        "supervisor-3",
        "supervisor",
        statement.issued_at,
        "corr-rebill",
        {},
    )


def test_a_fee_and_its_tax_print_each_on_its_line_in_the_statements_language(
    town: Town,
) -> None:
    account, meter = metered_account("Élise Tremblay", "12 Rue Laurier")  # French
    read(meter, "2026-10-31", "30")
    first = town.bill(account, date(2026, 10, 31))  # 128.05
    catalogues = DynamoFeeCatalogues()
    certificate = FeeVersion(
        date(2026, 1, 1),
        D("60.00"),
        "Tax certificate",
        "Certificat fiscal",
        "4110-certificates",
        FeeTax("HST", "TVH", D("0.13")),
    )
    ConfigureFees(catalogues, Recorder(town.clock, town.ids))(
        FeeCatalogue.of([Fee(CERTIFICATE, (certificate,))]), CLERK, "c-fees"
    )
    town.on(date(2026, 11, 10))
    ChargeFee(town.books, catalogues)(
        account.account_id, CERTIFICATE, "request:k1", CLERK, "c", because="staff"
    )
    read(meter, "2026-11-30", "55")

    second = town.bill(account, date(2026, 11, 30))

    # 60.00 x 0.13 = 7.80
    assert second.since == (
        ForwardLine(EntryKind.FEE, CHARGE, D("60.00"), "Certificat fiscal"),
        ForwardLine(EntryKind.FEE, CHARGE, D("7.80"), "TVH 13\u00a0% sur Certificat fiscal"),
    )
    assert second.balance_forward == first.total_due + D("67.80") == D("195.85")
    text = town.pdf_text(second)
    assert "Certificat fiscal 60,00 $" in text
    assert "TVH 13 % sur Certificat fiscal 7,80 $" in text
    assert "Solde reporté 195,85 $" in text
