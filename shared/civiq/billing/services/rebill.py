"""Cancel a statement and bill its period again: a correction that keeps both.

Statements are immutable once issued. When one was wrong (a misread later corrected, a wrong
cart size, rates entered late), a supervisor cancels it and the same period is rated again from
what is on file now; the new statement (kind ``rebill``, id ``<cancelled id>-R<n>``) names the
one it replaces, the balance and the billing totals move by the difference, and both stay on the
account. Only an account's latest statement is rebilled: a later statement already carried the
earlier balance forward (an older period is corrected by an adjustment, with the ledger).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

from civiq.accounts.ports import AccountRepository
from civiq.accounts.services.recording import Recorder
from civiq.billing.domain.billing import BillingPeriod, BillingRequest, Skip
from civiq.billing.domain.cycles import cycle_of_route
from civiq.billing.domain.statements import Statement, StatementKind, StatementStatus
from civiq.billing.ports import CycleRepository, StatementDocuments, StatementRepository
from civiq.billing.services.billing import BillAccount, past_of
from civiq.core.errors import Conflict
from civiq.core.events import Actor
from civiq.rates.ports import RateScheduleRepository


def rebill_id(cancelled: Statement, existing: list[Statement]) -> str:
    base = cancelled.statement_id.split("-R")[0]
    rebills = [s for s in existing if s.statement_id.startswith(f"{base}-R")]
    return f"{base}-R{len(rebills) + 1}"


@dataclass(frozen=True)
class RebillStatement:
    accounts: AccountRepository
    statements: StatementRepository
    bill_account: BillAccount
    cycles: CycleRepository
    rates: RateScheduleRepository
    documents: StatementDocuments
    recorder: Recorder

    def __call__(
        self, account_id: str, statement_id: str, reason: str, actor: Actor, cid: str
    ) -> Statement:
        account = self.accounts.get(account_id)
        cancelled = self.statements.get(account_id, statement_id)
        if cancelled.status is StatementStatus.CANCELLED:
            raise Conflict("the statement is cancelled already", "statement_id")
        everything = list(self.statements.recent(account_id, 50))
        issued = [s for s in everything if s.status is StatementStatus.ISSUED]
        if issued[0].statement_id != statement_id:
            raise Conflict(
                "only the latest statement is rebilled; correct an older one by an adjustment",
                "statement_id",
            )
        cycle = (
            self.cycles.get(cancelled.cycle_id)
            if cancelled.cycle_id
            else cycle_of_route(self.cycles.all(), account.route)
        )
        today = self.recorder.today()
        bill = cancelled.bill
        request = BillingRequest(
            kind=StatementKind.REBILL,
            cycle_id=cycle.cycle_id,
            run_id=None,
            period_start=bill.period_start,
            period_end=bill.period_end,
            read_until=bill.period_end,
            issued_on=today,
            due_on=today + timedelta(days=cycle.due_days),
        )
        drafted = self.bill_account.draft(
            account,
            BillingPeriod(bill.period_start, bill.period_end),
            request,
            self.rates.get(cycle.rate_schedule_id),
            past_of(issued[1:]),
            replacing=cancelled,
        )
        if isinstance(drafted, Skip):
            raise Conflict(f"the period cannot be billed again: {drafted.value}", "statement_id")
        rebill = replace(drafted, statement_id=rebill_id(cancelled, everything))
        entries = [
            replace(
                self.bill_account.entry(account, cancelled, "StatementCancelled"),
                actor_subject=actor.subject,
                actor_role=actor.role,
                correlation_id=cid,
                detail={"statement_id": statement_id, "reason": reason},
            ),
            replace(
                self.bill_account.entry(account, rebill, "StatementCreated"),
                actor_subject=actor.subject,
                actor_role=actor.role,
                correlation_id=cid,
            ),
        ]
        self.bill_account.reissue(cancelled, rebill, entries)
        self.documents.request([rebill])
        return rebill
