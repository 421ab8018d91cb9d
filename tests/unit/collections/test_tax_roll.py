"""Utility arrears added to the property tax roll: the rules (which items, who may be charged,
what is still owed at the deadline, the file for the tax system) and the services over the
in-memory adapters (the notice, the transfer at the deadline, a withdrawal, a reversal)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D

import pytest

from civiq.collections.domain.dunning import CaseEnd, CaseStatus
from civiq.collections.domain.tax_roll import (
    Debtor,
    LineType,
    SelectedItem,
    TaxRollLine,
    TaxRollPolicy,
    TransferStatus,
    eligible,
    file_text,
    refusals,
    still_owed,
    tax_roll_hold,
)
from civiq.collections.schemas.events import ArrearsTransferredToTaxRollV1
from civiq.collections.services.tax_roll_transfer import Outcome, TransferArrears
from civiq.core.envelope import envelope_from_eventbridge
from civiq.core.errors import Conflict, InvalidInput, NotFound
from civiq.core.events import DomainEvent
from civiq.event_catalog import payload_of
from civiq.ledger.domain.journal import EntryKind, OpenStatement
from civiq.notices.schemas.events import NotificationRequestedV1
from tests.helpers.files import load_event
from tests.helpers.metering_world import CLERK
from tests.helpers.tax_roll_world import TaxRollWorld

DAY = date(2027, 3, 1)
SAMPLE = "eventbridge/arrears_transferred_to_tax_roll.json"


def item(statement_id: str, due_on: date, owed: str) -> OpenStatement:
    return OpenStatement(statement_id, due_on, D(owed))


# --- the rules ----------------------------------------------------------------------------------


def test_only_items_past_due_long_enough_are_selected_oldest_first() -> None:
    items = [
        item("S-3", DAY - timedelta(days=59), "30.00"),
        item("S-2", DAY - timedelta(days=60), "20.00"),
        item("S-1", DAY - timedelta(days=120), "10.00"),
    ]

    selected = eligible(items, DAY, 60)

    assert [s.statement_id for s in selected] == ["S-1", "S-2"]
    assert [s.owed for s in eligible(items, DAY, 90)] == [D("10.00")]


def test_every_refusal_is_named_by_its_field() -> None:
    stays = TaxRollPolicy(owner_liable_for_tenants=False)

    refused = refusals(None, Debtor.TENANT, (), stays)

    assert [r.field for r in refused] == ["roll_number", "account_id", "account_id"]
    assert refusals("0614000123456780000", Debtor.TENANT, (), TaxRollPolicy(True))[0].field == (
        "account_id"
    )
    selected = (SelectedItem("S-1", DAY, D("1.00")),)
    rolls = TaxRollPolicy(owner_liable_for_tenants=True)
    assert refusals("0614000123456780000", Debtor.TENANT, selected, rolls) == []


def test_what_is_still_owed_never_exceeds_what_was_noticed(world: TaxRollWorld) -> None:
    account, _ = world.long_past_due()
    transfer = world.notice(account.account_id)
    (noticed,) = transfer.items

    paid_some = still_owed(transfer, [item(noticed.statement_id, noticed.due_on, "28.05")])
    charged_more = still_owed(transfer, [item(noticed.statement_id, noticed.due_on, "500.00")])

    assert [t.taken for t in paid_some] == [D("28.05")]
    assert [t.taken for t in charged_more] == [noticed.owed]
    assert still_owed(transfer, []) == []


def test_a_days_file_is_the_same_bytes_whatever_order_its_lines_come_in() -> None:
    lines = [
        TaxRollLine(DAY, roll, "UB1", 'Élise, "Lise" Tremblay', D("10.00"), D("2.00"), tid, DAY, t)
        for roll, tid, t in [
            ("2000000000000000000", "T2", LineType.TRANSFER),
            ("1000000000000000000", "T1", LineType.REVERSAL),
        ]
    ]

    text = file_text(lines)

    assert text == file_text(list(reversed(lines)))
    rows = text.decode().split("\r\n")
    assert rows[0] == (
        "roll_number,account_number,owner_name,amount,fee,total,transfer_id,transfer_date,line_type"
    )
    assert rows[1].startswith('1000000000000000000,UB1,"Élise, ""Lise"" Tremblay",10.00')
    assert rows[1].endswith(",12.00,T1,2027-03-01,reversal")


# --- the notice ----------------------------------------------------------------------------------


@pytest.fixture
def world() -> TaxRollWorld:
    return TaxRollWorld()


def published(world: TaxRollWorld, event_type: str) -> list[DomainEvent]:
    return [e for e in world.publisher.published if e.event_type == event_type]


def actions(world: TaxRollWorld, account_id: str) -> list[str]:
    entries = sorted(world.store.history.values(), key=lambda e: e.occurred_at)
    return [e.action for e in entries if e.subject_id == f"ACCOUNT#{account_id}"]


def test_a_notice_states_the_arrears_fee_roll_and_deadline_and_holds_the_case(
    world: TaxRollWorld,
) -> None:
    account, owed = world.long_past_due()
    world.charging_the_fee()
    case = world.open_case(account.account_id, CLERK, "corr-case")

    transfer = world.notice(account.account_id)

    assert transfer.status is TransferStatus.NOTICED
    assert (transfer.noticed_arrears, transfer.fee) == (owed, D("45.20"))
    assert transfer.deadline == world.recorder.today() + timedelta(days=30)
    assert transfer.debtor is Debtor.OWNER
    notices = published(world, "NotificationRequested")
    sent = [NotificationRequestedV1.model_validate(n.detail) for n in notices]
    assert {(n.kind.value, n.recipient.channel.value) for n in sent} == {
        ("tax-roll-notice", "mail"),
        ("tax-roll-notice", "email"),
    }
    letter = sent[0].message.body
    assert "0614-000-123-45678-0000" in letter and "45,20" in letter  # the holder reads French
    assert transfer.deadline.year == 2027 and "2027" in letter
    paused = world.cases.current(account.account_id)
    assert paused is not None and paused.status is CaseStatus.PAUSED
    assert paused.paused_by == tax_roll_hold(transfer.transfer_id)
    assert case.execution in world.case_workflow.stopped
    assert world.transfer_workflow.started[transfer.execution] == {
        "transfer_id": transfer.transfer_id,
        "account_id": account.account_id,
    }
    assert "TaxRollTransferNoticed" in actions(world, account.account_id)


def test_no_case_opens_while_arrears_are_noticed_for_the_tax_roll(world: TaxRollWorld) -> None:
    """A notice sent with no case open: the daily opening does not start a ladder of stage
    notices beside the transfer's until it is made or withdrawn."""
    account, _ = world.long_past_due()
    transfer = world.notice(account.account_id)

    with pytest.raises(Conflict, match="noticed for the tax roll"):
        world.open_case(account.account_id, CLERK, "corr-case")
    assert world.cases.current(account.account_id) is None

    world.withdraw(transfer.transfer_id)
    assert world.open_case(account.account_id, CLERK, "corr-case").status is CaseStatus.OPEN


def test_the_same_transfer_id_again_answers_the_transfer_noticed(world: TaxRollWorld) -> None:
    account, _ = world.long_past_due()
    first = world.notice(account.account_id, "01J00000000000000000000001")

    again = world.notice(account.account_id, "01J00000000000000000000001")

    assert again == first
    assert len(published(world, "NotificationRequested")) == 2  # the first time only


def test_a_second_transfer_while_one_is_noticed_is_a_conflict(world: TaxRollWorld) -> None:
    account, _ = world.long_past_due()
    world.notice(account.account_id)

    with pytest.raises(Conflict, match="noticed"):
        world.notice(account.account_id)

    assert len(world.transfers.transfers) == 1


@pytest.mark.parametrize(
    ("roll_number", "days", "field"),
    [(None, 61, "roll_number"), ("0614-000-123-45678", 59, "account_id")],
)
def test_refusals_write_nothing(
    world: TaxRollWorld, roll_number: str | None, days: int, field: str
) -> None:
    account, _ = world.long_past_due(roll_number=roll_number, days=days)
    before = dict(world.store.history)

    with pytest.raises(InvalidInput) as refused:
        world.notice(account.account_id)
    with pytest.raises(NotFound):
        world.notice("01J00000000000000000000000")

    assert refused.value.field == field
    assert world.transfers.transfers == {} and world.transfer_workflow.started == {}
    assert world.store.history == before
    assert published(world, "NotificationRequested") == []


def test_a_tenants_debt_goes_on_the_roll_only_when_the_bylaw_makes_the_owner_liable(
    world: TaxRollWorld,
) -> None:
    tenant, owed = world.long_past_due(tenant=True)

    with pytest.raises(InvalidInput) as refused:
        world.notice(tenant.account_id)
    assert refused.value.field == "account_id"

    liable = world.with_policy(TaxRollPolicy(owner_liable_for_tenants=True))
    transfer = world.notice(tenant.account_id, work=liable)

    assert (transfer.debtor, transfer.noticed_arrears) == (Debtor.TENANT, owed)
    sent = [
        NotificationRequestedV1.model_validate(n.detail)
        for n in published(world, "NotificationRequested")
    ]
    to = {(n.kind.value, n.recipient.name, n.recipient.channel.value) for n in sent}
    assert ("tax-roll-notice", "Élise Tremblay", "mail") in to  # the owner
    assert ("tax-roll-tenant-notice", "Marc Gagnon", "mail") in to
    assert ("tax-roll-tenant-notice", "Marc Gagnon", "email") in to  # consented


# --- at the deadline -----------------------------------------------------------------------------


def test_before_the_deadline_the_task_waits_until_the_day_after_it(world: TaxRollWorld) -> None:
    account, _ = world.long_past_due()
    transfer = world.notice(account.account_id)

    world.on(transfer.deadline)
    step = TransferArrears(world.tax_roll)(transfer.transfer_id, "corr-early")

    assert step.outcome is Outcome.WAIT
    assert step.wake_at is not None
    assert step.wake_at.astimezone(world.recorder.time_zone).date() == transfer.deadline + (
        timedelta(days=1)
    )
    assert world.ledger.state(account.account_id).balance > 0


def test_at_the_deadline_the_arrears_and_fee_go_on_the_roll_in_one_entry(
    world: TaxRollWorld,
) -> None:
    account, owed = world.long_past_due()
    world.charging_the_fee()
    case = world.open_case(account.account_id, CLERK, "corr-case")
    transfer = world.notice(account.account_id)

    step = world.at_deadline(transfer)

    done = step.transfer
    assert (step.outcome, done.status) == (Outcome.TRANSFERRED, TransferStatus.TRANSFERRED)
    assert (done.arrears, done.fee_charged, done.total) == (owed, D("45.20"), owed + D("45.20"))
    ledger = world.ledger.state(account.account_id)
    assert (ledger.balance, ledger.open_statements) == (D("0.00"), ())
    journal = world.ledger.journal[account.account_id]
    fees = [e for e in journal if e.kind is EntryKind.FEE]
    assert [e.amount for e in fees] == [D("40.00"), D("5.20")]
    (moved,) = [e for e in journal if e.kind is EntryKind.TAX_ROLL]
    assert moved.amount == -(owed + D("45.20"))
    (event,) = published(world, "ArrearsTransferredToTaxRoll")
    payload = ArrearsTransferredToTaxRollV1.model_validate(event.detail)
    assert (payload.total, payload.roll_number) == (
        f"{owed + D('45.20'):.2f}",
        transfer.roll_number,
    )
    closed = world.cases.of_account(account.account_id)[0]
    assert (closed.status, closed.ended) == (CaseStatus.CLOSED, CaseEnd.TAX_ROLL)
    assert world.cases.current(account.account_id) is None
    assert case.execution in world.case_workflow.stopped
    day = done.transferred_on
    assert day is not None
    rows = world.files.files[day].decode().split("\r\n")
    assert rows[1].split(",")[-3:] == [transfer.transfer_id, day.isoformat(), "transfer"]
    assert {"TaxRollTransferNoticed", "ArrearsTransferredToTaxRoll", "FeeCharged"} <= set(
        actions(world, account.account_id)
    )


def test_the_task_again_changes_nothing(world: TaxRollWorld) -> None:
    account, _ = world.long_past_due()
    world.charging_the_fee()
    transfer = world.notice(account.account_id)
    first = world.at_deadline(transfer)
    journal = list(world.ledger.journal[account.account_id])

    again = world.at_deadline(transfer)

    assert again.transfer == first.transfer
    assert world.ledger.journal[account.account_id] == journal
    assert len(published(world, "ArrearsTransferredToTaxRoll")) == 1


def test_a_partial_payment_before_the_deadline_reduces_what_is_transferred(
    world: TaxRollWorld,
) -> None:
    account, owed = world.long_past_due()
    transfer = world.notice(account.account_id)

    world.pay(account.account_id, "P-1", "100.00")
    step = world.at_deadline(transfer)

    assert step.transfer.arrears == owed - D("100.00")
    assert step.transfer.fee_charged == D("0")  # no fee in the catalogue: none charged
    assert world.ledger.state(account.account_id).balance == D("0.00")


def test_paid_in_full_before_the_deadline_the_transfer_is_cancelled_and_the_case_resumes(
    world: TaxRollWorld,
) -> None:
    account, owed = world.long_past_due()
    world.charging_the_fee()
    world.open_case(account.account_id, CLERK, "corr-case")
    transfer = world.notice(account.account_id)

    world.pay(account.account_id, "P-1", str(owed))
    step = world.at_deadline(transfer)

    assert (step.outcome, step.transfer.status) == (Outcome.CANCELLED, TransferStatus.CANCELLED)
    assert step.transfer.reason == "paid before the deadline"
    journal = world.ledger.journal[account.account_id]
    assert not [e for e in journal if e.kind in (EntryKind.FEE, EntryKind.TAX_ROLL)]
    (case,) = world.cases.of_account(account.account_id)
    assert (case.status, case.ended) == (CaseStatus.CLOSED, CaseEnd.PAID)
    assert world.files.files == {}
    assert "TaxRollTransferCancelled" in actions(world, account.account_id)


# --- withdrawal and reversal ---------------------------------------------------------------------


def test_a_withdrawn_transfer_stops_its_workflow_and_lets_the_case_go_on(
    world: TaxRollWorld,
) -> None:
    account, _ = world.long_past_due()
    world.open_case(account.account_id, CLERK, "corr-case")
    transfer = world.notice(account.account_id)

    withdrawn = world.withdraw(transfer.transfer_id)

    assert (withdrawn.status, withdrawn.reason) == (
        TransferStatus.CANCELLED,
        "withdrawn: billing error",
    )
    assert transfer.execution in world.transfer_workflow.stopped
    case = world.cases.current(account.account_id)
    assert case is not None and case.status is CaseStatus.OPEN
    with pytest.raises(Conflict, match="cancelled"):
        world.withdraw(transfer.transfer_id)
    assert world.at_deadline(transfer).outcome is Outcome.CANCELLED
    assert world.notice(account.account_id).status is TransferStatus.NOTICED  # a new one may go


def test_a_reversal_owes_the_total_again_and_writes_a_reversal_line(world: TaxRollWorld) -> None:
    account, owed = world.long_past_due()
    world.charging_the_fee()
    transfer = world.notice(account.account_id)
    with pytest.raises(Conflict, match="noticed"):
        world.reverse(transfer.transfer_id)
    done = world.at_deadline(transfer).transfer

    reversed_ = world.reverse(transfer.transfer_id)

    total = owed + D("45.20")
    assert (reversed_.status, reversed_.reason) == (TransferStatus.REVERSED, "cancelled by council")
    ledger = world.ledger.state(account.account_id)
    assert ledger.balance == total
    (back,) = [
        e
        for e in world.ledger.journal[account.account_id]
        if e.kind is EntryKind.TAX_ROLL and e.amount > 0
    ]
    assert back.amount == total
    assert [i.owed for i in ledger.open_statements] == [total]
    rows = world.files.files[world.recorder.today()].decode().split("\r\n")
    kinds = [row.split(",")[-1] for row in rows[1:] if row]
    assert sorted(kinds) == ["reversal", "transfer"]
    assert any(f",-{total:.2f}," in row for row in rows)
    assert done.transferred_on == world.recorder.today()
    with pytest.raises(Conflict, match="reversed"):
        world.reverse(transfer.transfer_id)
    assert "TaxRollTransferReversed" in actions(world, account.account_id)


def test_the_events_sample_matches_its_schema() -> None:
    envelope = envelope_from_eventbridge(load_event(SAMPLE))
    payload = payload_of(envelope)
    assert isinstance(payload, ArrearsTransferredToTaxRollV1)
    assert payload.total == "173.25"
