"""The stores a contract test runs against, in memory or on DynamoDB (moto), and the
books, billing repositories and published events built over them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal as D
from typing import Any
from zoneinfo import ZoneInfo

from civiq.accounts.adapters.dynamodb_accounts import DynamoAccountRepository
from civiq.accounts.adapters.dynamodb_changes import DynamoChanges
from civiq.accounts.adapters.dynamodb_customers import DynamoCustomerRepository
from civiq.accounts.adapters.dynamodb_properties import DynamoPropertyRepository
from civiq.accounts.adapters.dynamodb_workflows import DynamoBalances
from civiq.accounts.adapters.memory import (
    InMemoryBalances,
    InMemoryCustomers,
    InMemoryProperties,
    InMemoryStore,
)
from civiq.accounts.domain.account_numbers import AccountNumberScheme
from civiq.accounts.domain.accounts import Account
from civiq.accounts.domain.customers import ContactDetails, CustomerKind, Preferences
from civiq.accounts.domain.properties import PropertyType
from civiq.accounts.ports import Change
from civiq.accounts.services.customers import NewCustomer
from civiq.accounts.services.open_account import OpenAccount, OpenAccountCommand
from civiq.accounts.services.properties import NewProperty
from civiq.accounts.services.recording import Recorder, Step
from civiq.billing.adapters.dynamodb import (
    DynamoCycles,
    DynamoRuns,
    DynamoStatements,
    post_to_statements,
)
from civiq.billing.adapters.memory import InMemoryCycles, InMemoryRuns, InMemoryStatements
from civiq.billing.domain.statements import Statement
from civiq.billing.services.requirements import CycleRequirements
from civiq.core.addresses import Address
from civiq.core.events import Actor
from civiq.core.fakes import FixedClock, InMemoryAuditLog, SequentialIds
from civiq.core.language import Language
from civiq.core.publishing import PublishEvents
from civiq.ledger.adapters.dynamodb_postings import DynamoLedger, DynamoPayments
from civiq.ledger.adapters.memory import InMemoryLedger
from civiq.ledger.domain.journal import LedgerEntry, verify_chain
from civiq.ledger.domain.payments import PaymentChannel, PaymentMethod
from civiq.ledger.services.posting import Announcer, PaymentLedger
from civiq.metering.adapters.dynamodb import DynamoMetering
from civiq.metering.adapters.memory import InMemoryMetering
from civiq.payments.services.payments import (
    PostPayment,
    ReceivedPayment,
    RefundPayment,
    ReversePayment,
)
from civiq.platform.dynamodb.audit import DynamoAuditLog
from civiq.platform.dynamodb.outbox import DynamoOutbox
from civiq.rates.adapters.dynamodb import DynamoRateSchedules
from civiq.rates.adapters.memory import InMemoryRateSchedules
from infra.local import dynamodb_transactions
from tests.helpers.statement_builders import issue_with_ledger, issued_entry, owing_statement

CLERK = Actor("clerk-1", "clerk")
START = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)
NUMBERS = AccountNumberScheme()
NOW = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)
NSF_FEE = D("45.00")


@dataclass
class Stores:
    accounts: Any
    properties: Any
    customers: Any
    changes: Any
    outbox: Any
    audit: Any
    recorder: Recorder
    billing: CycleRequirements  # what billing needs of an account, over cycles and rates alike

    def open(self, name: str, street: str, roll: str | None = None, **command: Any) -> Account:
        opener = OpenAccount(
            self.accounts,
            self.properties,
            self.customers,
            self.changes,
            PublishEvents(self.outbox, NoPublisher()),
            self.recorder,
            NUMBERS,
            self.billing,
        )
        command.setdefault(
            "customer",
            NewCustomer(CustomerKind.PERSON, name, Preferences(Language.FR), ContactDetails()),
        )
        command.setdefault(
            "property",
            NewProperty(
                Address(street, "Gatineau", "QC", "J8X 3G8"), PropertyType.SINGLE_FAMILY, roll
            ),
        )
        return opener(OpenAccountCommand(**command), CLERK, "corr-1")

    def revise(self, before: Any, after: Any, action: str = "Revised") -> Change:
        change = self.recorder.change([Step(after, action, before)], CLERK, "corr-2")
        self.changes.commit(change)
        return change


class NoPublisher:
    """Keeps events in the outbox, as when the bus is down."""

    def publish(self, events: Any) -> None:
        raise ConnectionError("bus down")


@dataclass
class Billing:
    stores: Stores
    cycles: Any
    runs: Any
    statements: Any
    balances: Any


@dataclass
class Books:
    account: Account
    ledger: Any
    payments: Any
    statements: Any
    post: PostPayment
    refund: RefundPayment
    reverse: ReversePayment

    def issue(self, period_end: date, total: str) -> Statement:
        issued = owing_statement(
            self.account.account_id,
            self.account.account_number,
            period_end.replace(day=20),
            total,
        )
        assert issue_with_ledger(self.statements, issued, issued_entry(issued))
        return issued

    def pay(
        self,
        payment_id: str,
        amount: str,
        method: PaymentMethod = PaymentMethod.CHEQUE,
        received_on: date = date(2026, 12, 1),
    ) -> Any:
        return self.post(
            ReceivedPayment(
                payment_id,
                self.account.account_id,
                D(amount),
                method,
                PaymentChannel.STAFF,
                received_on,
                reference="cheque 1042",
            ),
            CLERK,
            "corr-p",
        )

    def owed(self) -> dict[str, D]:
        basis = self.ledger.state(self.account.account_id)
        return {s.statement_id: s.owed for s in basis.open_statements}

    def journal(self) -> list[LedgerEntry]:
        entries: list[LedgerEntry] = []
        after = 0
        while True:
            page = self.ledger.entries(self.account.account_id, after, 3)
            entries += page.items
            if page.next_cursor is None:
                return entries
            after = int(page.next_cursor)

    def assert_sound(self) -> None:
        basis = self.ledger.state(self.account.account_id)
        entries = self.journal()
        assert verify_chain(entries, basis.head) is None
        assert basis.balance == sum((e.amount for e in entries), D(0))
        assert basis.balance == sum(self.owed().values(), D(0)) - basis.credit


class Published(list[Any]):
    def publish(self, events: Any) -> None:
        self.extend(events)


published = Published()


def memory_stores() -> Stores:
    """Every account store over one in-memory store, as the unit tests wire them."""
    store = InMemoryStore()
    recorder = Recorder(FixedClock(START), SequentialIds("01J"))
    return Stores(
        store,
        InMemoryProperties(store),
        InMemoryCustomers(store),
        store,
        store,
        InMemoryAuditLog(store),
        recorder,
        CycleRequirements(
            InMemoryCycles(store), InMemoryRateSchedules(store), InMemoryMetering(store)
        ),
    )


def dynamodb_stores() -> Stores:
    """Every account store on DynamoDB (inside the ``aws`` fixture's moto)."""
    return Stores(
        DynamoAccountRepository(),
        DynamoPropertyRepository(),
        DynamoCustomerRepository(),
        DynamoChanges(),
        DynamoOutbox(),
        DynamoAuditLog(),
        Recorder(FixedClock(START), SequentialIds("01J")),
        CycleRequirements(DynamoCycles(), DynamoRateSchedules(), DynamoMetering()),
    )


def billing_over(stores: Stores) -> Billing:
    """The billing repositories beside the account stores of the same kind."""
    if isinstance(stores.accounts, InMemoryStore):
        balances = InMemoryBalances(stores.accounts)
        return Billing(
            stores,
            InMemoryCycles(stores.accounts),
            InMemoryRuns(stores.accounts),
            InMemoryStatements(stores.accounts, balances),
            balances,
        )
    return Billing(stores, DynamoCycles(), DynamoRuns(), DynamoStatements(), DynamoBalances())


def books_over(stores: Stores, memory_ledger: type[InMemoryLedger] = InMemoryLedger) -> Books:
    """One account's books (ledger, payments, statements and the payment services) beside the
    account stores of the same kind (in memory: a ledger of ``memory_ledger``)."""
    account = stores.open("Chloé Côté", "5 Rue Laval")
    if isinstance(stores.accounts, InMemoryStore):
        ledger: Any = memory_ledger(stores.accounts)
        payments: Any = ledger
        statements: Any = InMemoryStatements(
            stores.accounts, InMemoryBalances(stores.accounts), ledger
        )
    else:
        dynamodb_transactions.install()  # moto's transactions, serialised as DynamoDB's are
        ledger, payments, statements = (
            DynamoLedger(post_to_statements),
            DynamoPayments(),
            DynamoStatements(),
        )
    shared = PaymentLedger(
        ledger,
        payments,
        stores.accounts,
        Announcer(FixedClock(NOW), SequentialIds("01P")),
        PublishEvents(stores.outbox, published),
        ZoneInfo("America/Toronto"),
    )
    return Books(
        account,
        ledger,
        payments,
        statements,
        PostPayment(shared),
        RefundPayment(shared),
        ReversePayment(shared, NSF_FEE),
    )
