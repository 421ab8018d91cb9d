"""Final bills: when services end (a move-out, a sale), bill the account through that day with
the same rating as a cycle, at the rates of the cycle that bills its route, and issue the
statement at once. The fee catalogue's final-read fee in effect on the final read's day, if it
has one, is charged first, so the final statement itemizes it (and not at all when the final
bill has nothing left to bill: no statement would ever show it).

The move and transfer workflows wait for it: an account settles (and may close) only on the
balance its final bill left. A final bill that cannot be produced (a read waiting for review,
no read to estimate from, a price the schedule lacks) raises, so the workflow step fails and
lands in the staff work queue with the reason; it is never skipped quietly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from civiq.accounts.domain.moves import FinalReading
from civiq.accounts.ports import AccountRepository
from civiq.accounts.services.recording import Recorder
from civiq.billing.domain.billing import BillingRequest, Skip, period_for
from civiq.billing.domain.cycles import AccountOutcome, Outcome, cycle_of_route
from civiq.billing.domain.statements import Statement, StatementKind
from civiq.billing.ports import CycleRepository
from civiq.billing.services.billing import BILLING, BillAccount
from civiq.billing.services.issue_statements import IssueStatements
from civiq.core.errors import Conflict
from civiq.ledger.domain.fees import FINAL_READ
from civiq.ledger.services.fees import ChargeFee
from civiq.metering.ports import MeterRepository
from civiq.metering.services.readings import ReadingCommand, RecordReading
from civiq.rates.ports import RateScheduleRepository

# Skips that leave nothing to final-bill: billed by an earlier attempt, no service days left, or
# the account closed since. Any other skip means a person must act first.
NOTHING_LEFT_TO_BILL = frozenset(
    skip.value for skip in (Skip.ALREADY_BILLED, Skip.NOTHING_TO_BILL, Skip.NOT_ACTIVE)
)


class FinalBillBlocked(Conflict):
    """The final bill cannot be produced until staff act (review a read, enter one...)."""

    code = "final_bill_blocked"


@dataclass(frozen=True)
class ProduceFinalBill:
    accounts: AccountRepository
    meters: MeterRepository
    record_reading: RecordReading
    cycles: CycleRepository
    rates: RateScheduleRepository
    bill_account: BillAccount
    issue: IssueStatements
    recorder: Recorder
    charge_fee: ChargeFee

    def __call__(
        self, account_id: str, reading: FinalReading, reference_id: str, correlation_id: str
    ) -> AccountOutcome:
        """Bill through ``reading.read_on`` the final bill that ``reference_id`` (the move or
        the transfer) asked for; the final read is recorded on the account's meter when one
        meter serves it (an estimate is asked for, or several meters: estimated). When a read was
        taken, the final-read fee is charged once per ``reference_id``, however often this is
        retried.
        Raises (FinalBillBlocked, InvalidInput, NotFound) when it cannot be produced."""
        account = self.accounts.get(account_id)
        cycle = cycle_of_route(self.cycles.all(), account.route)
        unit = account.service_address.unit
        serving = [
            m
            for m in self.meters.at_property(account.property_id)
            if m.unit in (unit, None) and m.meter.in_service_on(reading.read_on)
        ]
        if reading.value_m3 is not None and len(serving) == 1:
            command = ReadingCommand(serving[0].meter_id, reading.read_on, reading.value_m3)
            self.record_reading(command, BILLING, correlation_id)
        today = self.recorder.today()
        request = BillingRequest(
            kind=StatementKind.FINAL,
            cycle_id=cycle.cycle_id,
            run_id=None,
            period_start=cycle.period_start_before(reading.read_on),
            period_end=reading.read_on,
            read_until=reading.read_on,
            issued_on=today,
            due_on=today + timedelta(days=cycle.due_days),
        )
        past = self.bill_account.past(account_id)
        previous = past.previous
        billable = not isinstance(period_for(account, previous, request), Skip)
        # the fee pays for a read taken, not an estimate, and is itemized on the final statement:
        # none is charged when the final bill has nothing left to bill
        if reading.value_m3 is not None and billable:
            self.charge_fee.if_configured(
                account_id,
                FINAL_READ,
                reference_id,
                BILLING,
                correlation_id,
                because="FinalBillRequested",
                on=reading.read_on,
            )
        if previous is not None and _final_bill_through(previous, reading.read_on):
            # billed by an earlier attempt, which may have stopped before its PDF: it is issued
            # (rendered and announced) now if it was not then
            outcome = AccountOutcome(account_id, Outcome.BILLED, statement_id=previous.statement_id)
        else:
            schedule = self.rates.get(cycle.rate_schedule_id)
            outcome = self.bill_account(account_id, request, schedule, past=past)
        if outcome.outcome is Outcome.SKIPPED and outcome.reason not in NOTHING_LEFT_TO_BILL:
            raise FinalBillBlocked(
                f"the final bill of account {account.account_number} is blocked: {outcome.reason}",
                "final_reading",
            )
        self.issue([outcome])
        return outcome


def _final_bill_through(statement: Statement, day: date) -> bool:
    return statement.kind is StatementKind.FINAL and statement.bill.period_end == day
