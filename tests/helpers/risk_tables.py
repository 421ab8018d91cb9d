"""A generated town's histories (tests/helpers/risk_town.py) written to the tables the way the
system writes them: each account opened (its services from the day the history says), each
statement issued with its charges, each payment posted, each returned cheque reversed with its
fee, each late penalty posted with its statement, each arrangement made and ended, and the
accounts that moved away moved out and closed, every one on its own day. Reading them back
through the DynamoDB adapter must give the histories they came from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, time
from decimal import Decimal as D
from zoneinfo import ZoneInfo

from civiq.accounts.adapters.dynamodb_accounts import DynamoAccountRepository
from civiq.accounts.adapters.dynamodb_changes import DynamoChanges
from civiq.accounts.domain.accounts import Account, Service, ServiceType
from civiq.accounts.domain.properties import PropertyType
from civiq.accounts.services.open_account import OpenAccountCommand
from civiq.accounts.services.properties import NewProperty
from civiq.accounts.services.recording import Recorder, Step
from civiq.billing.adapters.dynamodb import DynamoStatements, post_to_statements
from civiq.collections.adapters.dynamodb import DynamoArrangements
from civiq.collections.domain.arrangements import (
    Arrangement,
    ArrangementPolicy,
    ArrangementStatus,
    ArrangementTerms,
    InstalmentFrequency,
    instalments,
)
from civiq.collections.domain.risk_history import AccountHistory, Bill, Movement
from civiq.core.addresses import Address
from civiq.core.events import Actor, DomainEvent
from civiq.core.fakes import FixedClock, SequentialIds
from civiq.ledger.adapters.dynamodb_postings import DynamoLedger, DynamoPayments
from civiq.ledger.domain.journal import EntryKind, Posting, Source, StatementChange, append
from civiq.ledger.domain.payments import PaymentChannel, PaymentMethod, PaymentStatus
from civiq.ledger.services.posting import Announcer, PaymentLedger
from civiq.payments.services.payments import PostPayment, ReceivedPayment, ReversePayment
from tests.helpers.statement_builders import issue_with_ledger, issued_entry, owing_statement
from tests.helpers.workflows import events, open_account, person

TORONTO = ZoneInfo("America/Toronto")
CLERK = Actor("clerk-7", "clerk")
NSF_FEE = D("45.00")
AT = time(14)  # every posting of a day: mid-afternoon, municipal time


def at(day: date) -> datetime:
    return datetime.combine(day, AT, tzinfo=TORONTO)


class _Loader:
    def __init__(self) -> None:
        self.clock = FixedClock(at(date(2020, 1, 1)))
        self.ledger = DynamoLedger(post_to_statements)
        self.statements = DynamoStatements()
        books = PaymentLedger(
            self.ledger,
            DynamoPayments(),
            DynamoAccountRepository(),
            Announcer(self.clock, SequentialIds("01P")),
            events(),
            TORONTO,
        )
        self.post = PostPayment(books)
        self.reverse = ReversePayment(books, NSF_FEE)
        self.arrangements = DynamoArrangements()
        self.payments = 0

    def on(self, day: date) -> None:
        self.clock.current = at(day)

    def load(self, history: AccountHistory) -> None:
        account = open_account(
            OpenAccountCommand(
                customer=person(f"Client {history.account_id[-4:]}"),
                property=NewProperty(
                    Address(
                        f"{int(history.account_id[-5:])} Rue Laval", "Gatineau", "QC", "J8X 3G8"
                    ),
                    PropertyType.SINGLE_FAMILY,
                ),
                services=(Service(ServiceType.WATER, history.opened_on),),
                account_id=history.account_id,
            )
        )
        bills = {b.statement_id: b for b in history.bills}
        issued: dict[int, str] = {}  # a due date (ordinal): the statement issued for it
        paid: list[tuple[str, int]] = []  # payment id, cents: the latest last
        skip_fee = False
        for movement in history.movements:
            self.on(movement.day)
            if movement.kind is EntryKind.CHARGE:
                issued[movement.due_on.toordinal()] = self._issue(  # type: ignore[union-attr]
                    account,
                    bills[movement.statement_id],
                    movement,  # type: ignore[index]
                )
            elif movement.kind is EntryKind.PAYMENT:
                paid.append(self._pay(account, movement))
            elif movement.kind is EntryKind.PENALTY:
                self._penalty(account, issued[movement.due_on.toordinal()], movement)  # type: ignore[union-attr]
            elif movement.kind is EntryKind.REVERSAL:
                payment_id = next(p for p, cents in reversed(paid) if cents == movement.cents)
                self.reverse(
                    account.account_id,
                    payment_id,
                    PaymentStatus.DISHONOURED,
                    "returned by the bank",
                    CLERK,
                    "returned",
                )
                skip_fee = True
            elif movement.kind is EntryKind.FEE and skip_fee:
                skip_fee = False  # the reversal charged it
            else:
                raise ValueError(f"no way to load {movement}")
        for number, span in enumerate(history.arrangements):
            self._arrange(account, number, span.made_on, span.ended_on, span.broken)
        if history.closed_on:
            self._close(account, history.closed_on)

    def _issue(self, account: Account, bill: Bill, movement: Movement) -> str:
        statement = owing_statement(
            account.account_id, account.account_number, bill.due_on, str(D(movement.cents) / 100)
        )
        statement = replace(
            statement,
            issued_on=bill.issued_on,
            issued_at=at(bill.issued_on),
            autopay=bill.autopay,
        )
        assert issue_with_ledger(self.statements, statement, issued_entry(statement))
        return statement.statement_id

    def _pay(self, account: Account, movement: Movement) -> tuple[str, int]:
        self.payments += 1
        payment_id = f"P-{self.payments:07d}"
        self.post(
            ReceivedPayment(
                payment_id,
                account.account_id,
                D(-movement.cents) / 100,
                PaymentMethod.CHEQUE,
                PaymentChannel.STAFF,
                movement.day,
            ),
            CLERK,
            "paid",
        )
        return payment_id, -movement.cents

    def _penalty(self, account: Account, statement_id: str, movement: Movement) -> None:
        basis = self.ledger.state(account.account_id)
        amount = D(movement.cents) / 100
        entry = append(
            basis.head,
            account_id=account.account_id,
            entry_id=f"{statement_id}-penalty",
            kind=EntryKind.PENALTY,
            amount=amount,
            occurred_at=self.clock.now(),
            recorded_by="civiq-late-penalties",
            reason=f"late-payment penalty on {statement_id}",
            source=Source("statement", statement_id),
        )
        change = StatementChange(
            statement_id,
            movement.due_on,
            basis.owed_on(statement_id) + amount,  # type: ignore[arg-type]
        )
        assert self.ledger.post(
            Posting(basis, f"penalty:{statement_id}", (entry,), (change,), basis.credit)
        )

    def _arrange(
        self, account: Account, number: int, made_on: date, ended_on: date | None, broken: bool
    ) -> None:
        terms = ArrangementTerms(
            D("300.00"), D(0), 3, InstalmentFrequency.MONTHLY, made_on.replace(day=1), made_on
        )
        made = Arrangement(
            f"ARR-{account.account_id[-6:]}-{number}",
            account.account_id,
            terms,
            instalments(terms, ArrangementPolicy()),
            "clerk-7",
            at(made_on),
            ledger_head=0,
        )
        self.arrangements.make(made, made_on, _event(made, "ArrangementCreated", made_on))
        if ended_on:
            status = ArrangementStatus.BROKEN if broken else ArrangementStatus.COMPLETED
            ended = replace(made, status=status, ended_on=ended_on)
            action = "ArrangementBroken" if broken else "ArrangementCompleted"
            self.arrangements.end(made, ended, [_event(made, action, ended_on)])

    def _close(self, account: Account, on: date) -> None:
        current = DynamoAccountRepository().get(account.account_id)
        moved = current.moved_out(on)
        closed = moved.closed(at(on))
        recorder = Recorder(self.clock, SequentialIds(f"01C{account.account_id[-6:]}"), TORONTO)
        for before, after in ((current, moved), (moved, closed)):
            DynamoChanges().commit(recorder.change([Step(after, "Closed", before)], CLERK, "moved"))


def _event(made: Arrangement, event_type: str, on: date) -> DomainEvent:
    return DomainEvent(
        f"E-{made.arrangement_id}-{event_type}",
        event_type,
        1,
        at(on),
        CLERK,
        "arranged",
        f"ACCOUNT#{made.account_id}",
        {"arrangement_id": made.arrangement_id},
    )


def load(histories: Sequence[AccountHistory]) -> None:
    """Write ``histories`` to the tables (inside the ``aws`` fixture's moto)."""
    loader = _Loader()
    for history in histories:
        loader.load(history)
