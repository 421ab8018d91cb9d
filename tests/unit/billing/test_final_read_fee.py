"""The final-read fee: charged by the final bill of a move-out or a sale, on the terms in effect on
the final read's day, once per move or transfer however often the step is retried, and itemized
(with its tax) on the final statement; no fee configured, or no final statement to itemize it,
nothing charged. A retried final bill issues the statement an earlier attempt billed."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal as D

import pytest

from civiq.accounts.domain.moves import FinalReading
from civiq.accounts.services.recording import Step
from civiq.billing.domain.cycles import Outcome
from civiq.billing.domain.statements import Direction, ForwardLine, Statement
from civiq.core.events import Actor
from civiq.ledger.domain.fees import FINAL_READ, Fee, FeeCatalogue, FeeTax, FeeVersion
from civiq.ledger.domain.journal import EntryKind
from civiq.ledger.services.fees import ConfigureFees
from tests.helpers.billing_world import BillingWorld
from tests.helpers.metering_world import CLERK

SUPERVISOR = Actor("supervisor-3", "supervisor")
MOVED_OUT = date(2026, 11, 15)  # the final read's day; the bill is produced on 2026-12-03
HST = FeeTax("HST", "TVH", D("0.13"))


def final_read_fee(start: date, amount: str, end: date | None = None) -> FeeVersion:
    return FeeVersion(
        effective_from=start,
        amount=D(amount),
        label_en="Final meter reading fee",
        label_fr="Frais de relevé final",
        gl_code="4115-final-reads",
        tax=HST,
        effective_to=end,
    )


@pytest.fixture
def world() -> BillingWorld:
    return BillingWorld()


def configure(world: BillingWorld, *fees: Fee) -> None:
    ConfigureFees(world.fees, world.recorder)(FeeCatalogue.of(list(fees)), SUPERVISOR, "c-fees")


def final_bill(
    world: BillingWorld, reference_id: str = "MV1", value: D | None = D("121.5")
) -> Statement:
    """A metered account moved out on MOVED_OUT, final-billed for ``reference_id`` on a read
    of ``value`` (None: estimated)."""
    account = world.account()
    meter = world.meter(world.properties.get(account.property_id))
    world.read(meter, "2026-09-30", "100")
    world.cycle()
    before = world.store.get(account.account_id)
    after = before.moved_out(MOVED_OUT)
    world.store.commit(world.recorder.change([Step(after, "MovedOut", before)], CLERK, "c"))
    reading = FinalReading(MOVED_OUT, value, estimate=value is None)
    outcome = world.final_bill(account.account_id, reading, reference_id, "corr-move")
    assert outcome.outcome is Outcome.BILLED
    return world.statements.get(account.account_id, outcome.statement_id or "")


def fee_entries(world: BillingWorld, account_id: str) -> list[tuple[str, D]]:
    return [
        (e.reason, e.amount)
        for e in world.ledger.journal.get(account_id, [])
        if e.kind is EntryKind.FEE
    ]


def test_the_final_statement_itemizes_the_fee_in_effect_on_the_final_reads_day(
    world: BillingWorld,
) -> None:
    configure(
        world,
        Fee(
            FINAL_READ,
            (
                final_read_fee(date(2026, 1, 1), "30.00", end=date(2026, 11, 30)),
                final_read_fee(date(2026, 12, 1), "35.00"),  # in effect the day it is billed
            ),
        ),
    )

    statement = final_bill(world)

    # 30.00 x 0.13 = 3.90 (the version of 2026-11-15, not of the billing day 2026-12-03)
    charge = Direction.CHARGE
    assert statement.since == (
        ForwardLine(EntryKind.FEE, charge, D("30.00"), "Frais de relevé final"),
        ForwardLine(EntryKind.FEE, charge, D("3.90"), "TVH 13\u00a0% sur Frais de relevé final"),
    )
    assert statement.balance_forward == D("33.90")
    assert statement.total_due == statement.bill.total + D("33.90")
    assert world.ledger.state(statement.account_id).balance == statement.total_due
    (charged,) = world.published("FeeCharged")
    assert (charged["code"], charged["total"], charged["because"]) == (
        FINAL_READ,
        "33.90",
        "FinalBillRequested",
    )


def test_a_retried_final_bill_charges_the_fee_once(world: BillingWorld) -> None:
    configure(world, Fee(FINAL_READ, (final_read_fee(date(2026, 1, 1), "30.00"),)))
    statement = final_bill(world, "TR7")
    account_id = statement.account_id

    again = world.final_bill(account_id, FinalReading(MOVED_OUT, D("121.5")), "TR7", "corr-2")

    assert (again.outcome, again.statement_id) == (Outcome.BILLED, statement.statement_id)
    assert fee_entries(world, account_id) == [
        ("Frais de relevé final", D("30.00")),
        ("TVH 13\u00a0% sur Frais de relevé final", D("3.90")),
    ]
    assert len(world.published("FeeCharged")) == 1
    assert world.ledger.state(account_id).balance == statement.total_due


def test_no_final_read_fee_configured_charges_nothing(world: BillingWorld) -> None:
    configure(world, Fee(FINAL_READ, (final_read_fee(date(2026, 11, 16), "30.00"),)))

    statement = final_bill(world)  # read on 2026-11-15: before the only version starts

    assert statement.since == () and statement.balance_forward == 0
    assert fee_entries(world, statement.account_id) == []
    assert world.published("FeeCharged") == []
    assert statement.total_due == statement.bill.total


def test_an_empty_catalogue_charges_nothing(world: BillingWorld) -> None:
    statement = final_bill(world)

    assert fee_entries(world, statement.account_id) == []
    assert statement.total_due == statement.bill.total


def test_an_estimated_final_read_is_not_charged_the_final_read_fee(world: BillingWorld) -> None:
    configure(world, Fee(FINAL_READ, (final_read_fee(date(2026, 1, 1), "30.00"),)))

    statement = final_bill(world, value=None)  # no read taken: the bill estimates

    assert fee_entries(world, statement.account_id) == []
    assert statement.total_due == statement.bill.total


def test_no_fee_is_charged_when_the_final_bill_has_nothing_left_to_bill(
    world: BillingWorld,
) -> None:
    configure(world, Fee(FINAL_READ, (final_read_fee(date(2026, 1, 1), "30.00"),)))
    account = world.account()
    regular = world.billed_by_a_run(account, ("2026-09-30", "100"), ("2026-11-30", "130"))
    last_day = regular.bill.period_end  # the regular bill reaches the move-out day already
    before = world.store.get(account.account_id)
    world.store.commit(
        world.recorder.change([Step(before.moved_out(last_day), "MovedOut", before)], CLERK, "c")
    )

    outcome = world.final_bill(
        account.account_id, FinalReading(last_day, D("130")), "MV9", "corr-move"
    )

    assert (outcome.outcome, outcome.reason) == (Outcome.SKIPPED, "already-billed")
    assert fee_entries(world, account.account_id) == []
    assert world.ledger.state(account.account_id).balance == regular.total_due


def test_a_final_bill_stopped_before_its_pdf_is_rendered_when_retried(world: BillingWorld) -> None:
    statement = final_bill(world, "MV3")
    key = (statement.account_id, statement.statement_id)
    world.statements.statements[key] = replace(statement, document_key=None)  # as if it stopped
    announced = len(world.published("StatementIssued"))

    again = world.final_bill(statement.account_id, FinalReading(MOVED_OUT, D("121.5")), "MV3", "c2")

    assert again.statement_id == statement.statement_id
    assert world.statements.get(*key).document_key is not None
    assert len(world.published("StatementIssued")) == announced + 1
