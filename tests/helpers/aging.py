"""Receivables to age, over the in-memory stores or DynamoDB alike: accounts of two routes and
two customer classes (a house, and a shop whose owner holds two accounts), statements billing
several services with a tax, and every posting that moves what is owed (payments, a dishonoured
cheque with its fee, a refund beyond the credit, a charge adjustment, late penalties), with the
aging adapters of the same kind."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal as D
from typing import Any

import boto3

from civiq.accounts.adapters.memory import InMemoryStore
from civiq.accounts.domain.accounts import Account
from civiq.accounts.domain.customers import ContactDetails, CustomerKind, Preferences
from civiq.accounts.domain.properties import PropertyType
from civiq.accounts.services.customers import NewCustomer
from civiq.accounts.services.properties import NewProperty
from civiq.billing.domain.statements import Statement
from civiq.collections.adapters.dynamodb_aging import (
    DynamoAgingCells,
    DynamoAgingSnapshots,
    DynamoReceivables,
)
from civiq.collections.adapters.memory import InMemoryAging, InMemoryAgingSnapshots
from civiq.collections.services.account_aging import AccountAging
from civiq.collections.services.aging_check import CheckAging
from civiq.collections.services.aging_drilldown import AgingDrillDown
from civiq.collections.services.aging_rebuild import RebuildAging
from civiq.collections.services.aging_report import AgingReport
from civiq.collections.services.aging_snapshot import TakeAgingSnapshot
from civiq.core.addresses import Address
from civiq.core.language import Language
from civiq.ledger.adapters.dynamodb_journal import DynamoJournal
from civiq.ledger.adapters.dynamodb_receivables import aging_pk
from civiq.ledger.adapters.memory import InMemoryLedger
from civiq.ledger.domain.payments import PaymentChannel, PaymentMethod, PaymentStatus
from civiq.payments.adapters.dynamodb_past_due import DynamoPastDue
from civiq.payments.adapters.dynamodb_payment_troubles import DynamoPaymentTroubles
from civiq.payments.adapters.memory import InMemoryPastDue, InMemoryPaymentTroubles
from civiq.payments.domain.penalties import PenaltyKind, PenaltyPolicy
from civiq.payments.services.late_penalties import ApplyLatePenalties
from civiq.payments.services.payments import AdjustBalance, ReceivedPayment
from civiq.rates.domain.charges import ChargeType, TaxLine
from tests.helpers.emulator import REGION, TABLE
from tests.helpers.statement_builders import (
    issue_with_ledger,
    issued_entry,
    owing_statement,
)
from tests.helpers.stores import CLERK, Books, Stores, books_over

TODAY = date(2026, 12, 3)  # the books' clock's municipal date
FLAT_PENALTY = PenaltyPolicy(PenaltyKind.FLAT_FEE, fee=D("5.00"))


def billed(account: Account, due_on: date, tax: str | None = None, **amounts: str) -> Statement:
    """A statement of ``account`` due on ``due_on`` billing each charge type named its amount
    (``water="60.00"``), and ``tax`` as HST on its miscellaneous charges."""
    return billed_to(account.account_id, account.account_number, due_on, tax, **amounts)


def billed_to(
    account_id: str, account_number: str, due_on: date, tax: str | None = None, **amounts: str
) -> Statement:
    """As :func:`billed`, to the account of that id and number."""
    base = owing_statement(account_id, account_number, due_on, "1.00")
    line = base.bill.lines[0]
    lines = tuple(
        replace(line, charge_type=ChargeType(kind), amount=D(amount))
        for kind, amount in amounts.items()
    )
    taxes = (
        (TaxLine(ChargeType.MISCELLANEOUS, "HST", D("0.13"), D(amounts["miscellaneous"]), D(tax)),)
        if tax
        else ()
    )
    return replace(base, bill=replace(base.bill, lines=lines, taxes=taxes))


@dataclass
class AgingWorld:
    stores: Stores
    books: Books  # the first account's (its ledger is every account's)
    cells: Any
    receivables: Any
    snapshots: Any
    past_due: Any
    troubles: Any  # failed payment attempts (none here: no payer is shielded from penalties)

    @property
    def today(self) -> date:
        return self.books.post.books.today()

    def report(self) -> AgingReport:
        return AgingReport(self.cells, self.snapshots, lambda: self.today)

    def drill_down(self) -> AgingDrillDown:
        return AgingDrillDown(self.receivables, lambda: self.today)

    def account_aging(self) -> AccountAging:
        journal = self.books.ledger if self.memory else DynamoJournal()
        return AccountAging(journal, lambda: self.today)

    def snapshot(self, day: date) -> TakeAgingSnapshot:
        return TakeAgingSnapshot(self.cells, self.snapshots, lambda: day)

    def check(self) -> CheckAging:
        return CheckAging(self.receivables, self.cells)

    def rebuild(self) -> RebuildAging:
        return RebuildAging(self.receivables, self.cells)

    @property
    def memory(self) -> bool:
        return isinstance(self.stores.accounts, InMemoryStore)

    def open(
        self, name: str, street: str, kind: CustomerKind, route: str, customer: str | None = None
    ) -> Account:
        holder = customer or NewCustomer(kind, name, Preferences(Language.FR), ContactDetails())
        place = NewProperty(
            Address(street, "Gatineau", "QC", "J8X 3G8"), PropertyType.COMMERCIAL, route=route
        )
        return self.stores.open(name, street, customer=holder, property=place)

    def issue(self, statement: Statement) -> Statement:
        assert issue_with_ledger(self.books.statements, statement, issued_entry(statement))
        return statement

    def pay(self, account: Account, payment_id: str, amount: str) -> Any:
        return self.books.post(
            ReceivedPayment(
                payment_id,
                account.account_id,
                D(amount),
                PaymentMethod.CHEQUE,
                PaymentChannel.STAFF,
                date(2026, 12, 1),
                reference="cheque",
            ),
            CLERK,
            "corr-pay",
        )

    def dishonour(self, account: Account, payment_id: str) -> Any:
        return self.books.reverse(
            account.account_id, payment_id, PaymentStatus.DISHONOURED, "NSF", CLERK, "corr-nsf"
        )

    def refund(self, account: Account, payment_id: str, amount: str) -> Any:
        return self.books.refund(
            account.account_id, payment_id, f"{payment_id}-R1", D(amount), "asked", CLERK, "c"
        )

    def adjust(self, account: Account, adjustment_id: str, amount: str) -> Any:
        return AdjustBalance(self.books.post.books)(
            account.account_id, adjustment_id, D(amount), "meter test", CLERK, "corr-adj"
        )

    def penalize(self) -> Any:
        return self.penalties(FLAT_PENALTY)("corr-pen")

    def penalties(self, policy: PenaltyPolicy) -> ApplyLatePenalties:
        return ApplyLatePenalties(self.books.post.books, self.past_due, policy, self.troubles)


def aging_world(stores: Stores, memory_ledger: type[InMemoryLedger] = InMemoryLedger) -> AgingWorld:
    books = books_over(stores, memory_ledger)
    if isinstance(stores.accounts, InMemoryStore):
        aging = InMemoryAging(books.ledger)
        past_due = InMemoryPastDue(books.statements, books.ledger)
        return AgingWorld(
            stores,
            books,
            aging,
            aging,
            InMemoryAgingSnapshots(),
            past_due,
            InMemoryPaymentTroubles(),
        )
    return AgingWorld(
        stores,
        books,
        DynamoAgingCells(),
        DynamoReceivables(),
        DynamoAgingSnapshots(),
        DynamoPastDue(),
        DynamoPaymentTroubles(),
    )


@dataclass
class Portfolio:
    """Three accounts' receivables (see :func:`portfolio`)."""

    world: AgingWorld
    person: Account  # Chloé Côté, route 1
    shop: Account  # Boulangerie Laval, route R2 (an organization)
    shop_annex: Account  # the same customer's second account, route R2


def portfolio(world: AgingWorld) -> Portfolio:
    """On 2026-12-03: the person's three statements (the oldest paid in part), the shop's
    statement paid with 20.00 over (its credit), the annex's statement unpaid.

    ============  ==========  ===========================================  =======  ========
    account       due         charged                                      owes     bucket
    ============  ==========  ===========================================  =======  ========
    person        2026-07-20  water 60.00, sewer 40.00                      30.00  120+
    person        2026-09-20  water 30, waste 20, miscellaneous 10 + 1.30   61.30  61-90
    person        2026-11-20  water 50.00                                   50.00  1-30
    shop          2026-08-15  sewer 80.00 (paid 100.00: 20.00 credit)           -  -
    shop annex    2026-10-10  stormwater 45.00                              45.00  31-60
    ============  ==========  ===========================================  =======  ========
    """
    person = world.books.account
    shop = world.open("Boulangerie Laval", "9 Rue Principale", CustomerKind.ORGANIZATION, "R2")
    annex = world.open(
        "Boulangerie Laval", "11 Rue Principale", CustomerKind.ORGANIZATION, "R2",
        customer=shop.holder.customer_id,
    )  # fmt: skip
    world.issue(billed(person, date(2026, 7, 20), water="60.00", sewer="40.00"))
    world.issue(
        billed(
            person, date(2026, 9, 20), tax="1.30", water="30.00", waste="20.00",
            miscellaneous="10.00",
        )
    )  # fmt: skip
    world.issue(billed(person, date(2026, 11, 20), water="50.00"))
    world.issue(billed(shop, date(2026, 8, 15), sewer="80.00"))
    world.issue(billed(annex, date(2026, 10, 10), stormwater="45.00"))
    world.pay(person, "P-1", "70.00")
    world.pay(shop, "P-2", "100.00")
    return Portfolio(world, person, shop, annex)


def unsettled(portfolio: Portfolio) -> Portfolio:
    """Then the person's cheque is dishonoured (its 70.00 owed again, and the 45.00 fee), a
    flat 5.00 penalty is charged on each statement past due, 30.00 of the shop's payment is
    refunded (its 20.00 credit, then 10.00 owed), and the person is charged a 12.00 adjustment.
    """
    world = portfolio.world
    world.dishonour(portfolio.person, "P-1")
    world.penalize()
    world.refund(portfolio.shop, "P-2", "30.00")
    world.adjust(portfolio.person, "ADJ-1", "12.00")
    return portfolio


def stored_cells(family: str) -> list[dict[str, Any]]:
    """The cells of ``family`` written since the last fold, as the table holds them."""
    table = boto3.client("dynamodb", region_name=REGION)
    return list(
        table.query(
            TableName=TABLE,
            KeyConditionExpression="PK = :pk",
            ExpressionAttributeValues={":pk": {"S": aging_pk(family)}},
        )["Items"]
    )
