"""Write-offs on the in-memory adapters, over the collections world: an account whose bill fell
past due, and the write-off services over it as the write-off function and the API wire them."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal as D

from civiq.accounts.domain.accounts import Account, AccountStatus
from civiq.collections.adapters.memory import InMemorySweepMarks, InMemoryWriteOffs
from civiq.collections.domain.write_offs import WriteOffCategory, WriteOffPolicy
from civiq.collections.services.case_payments import FollowPayment
from civiq.collections.services.small_balance_write_offs import WriteOffSmallBalances
from civiq.collections.services.write_off import WriteOffArrears, WriteOffAsked
from civiq.collections.services.write_off_books import WriteOffBooks
from civiq.collections.services.write_off_reinstatement import ReinstateWrittenOff
from civiq.collections.services.write_off_reversal import ReverseWriteOff
from civiq.collections.services.write_off_views import WriteOffViews
from civiq.ledger.domain.journal import EntryKind, LedgerEntry
from tests.helpers.billing_world import PERIOD_END, SCHEDULE
from tests.helpers.collections_world import CollectionsWorld
from tests.helpers.metering_world import CLERK

OWED = "128.05"  # the statement of a run of the cycle, as billed_by_a_run reads it


@dataclass
class WriteOffWorld(CollectionsWorld):
    def __post_init__(self) -> None:
        super().__post_init__()
        self.write_offs = InMemoryWriteOffs(self.ledger)
        self.sweep_marks = InMemorySweepMarks()
        self.use(WriteOffPolicy())

    def use(self, policy: WriteOffPolicy) -> None:
        self.write_off_books = WriteOffBooks(
            self.store, self.ledger, self.write_offs, self.recorder, self.events, policy
        )
        self.write_off = WriteOffArrears(self.write_off_books, FollowPayment(self.work))
        self.reinstate = ReinstateWrittenOff(self.write_off_books)
        self.reverse = ReverseWriteOff(self.write_off_books)
        self.views = WriteOffViews(self.store, self.write_offs)
        self.small_balances = WriteOffSmallBalances(
            self.write_off, self.past_due_statements, self.sweep_marks
        )

    def owing(self) -> tuple[Account, date]:
        """An account whose bill of 128.05 fell due yesterday; its due date."""
        (account,), due_on = self.several_owing(1)
        return account, due_on

    def several_owing(self, count: int) -> tuple[list[Account], date]:
        """``count`` accounts billed 128.05 by one run, their bills due yesterday."""
        self.cycle()
        run = self.start("residential-a", PERIOD_END, CLERK, "corr-run")
        accounts, due_on = [], None
        for n in range(count):
            account = self.account(name=f"Holder {n}")
            meter = self.meter(self.properties.get(account.property_id), serial=f"SN-{n}")
            self.read(meter, "2026-09-30", "100")
            self.read(meter, "2026-11-30", "130")
            outcome = self.bill_account(account.account_id, run.request(), SCHEDULE)
            statement = self.statements.get(account.account_id, outcome.statement_id or "")
            assert str(statement.total_due) == OWED
            accounts.append(account)
            due_on = statement.due_on
            self.past_due_statements.accounts.append(account.account_id)
        assert due_on is not None
        self.on(due_on + timedelta(days=1))
        return accounts, due_on

    def no_longer_served(self, account: Account) -> None:
        self.store.entities[f"ACCOUNT#{account.account_id}"] = replace(
            account, status=AccountStatus.FINAL_BILLED
        )

    def written_off_entries(self, account_id: str) -> list[LedgerEntry]:
        return [e for e in self.ledger.journal[account_id] if e.kind is EntryKind.WRITE_OFF]


def asked(
    account_id: str,
    amount: str,
    write_off_id: str | None = None,
    category: WriteOffCategory = WriteOffCategory.UNCOLLECTABLE,
) -> WriteOffAsked:
    return WriteOffAsked(
        account_id, D(amount), category, "the holder left no address", write_off_id
    )
