"""Collection agencies as services over the in-memory adapters: the roster kept at its version,
a referral that holds the account's case (refused, writing nothing, for an unknown agency,
nothing past due, or an account referred already), a recall that lets the case go on, an
agency's remittance posted as payments with its commission (all lines or none), and each
agency's daily file, assembled once and resumed where it stopped."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal as D
from typing import Any

import pytest

from civiq.collections.domain.agencies import (
    Agency,
    AgencyRoster,
    ReferralStatus,
    ReportedLine,
    agency_hold,
)
from civiq.collections.domain.dunning import CaseStatus, StepKind
from civiq.collections.services.agency_referrals import ReferralAsked
from civiq.collections.services.agency_remittances import ReportedRemittance
from civiq.core.errors import Conflict, InvalidInput, NotFound, VersionConflict
from civiq.event_catalog import EVENT_SCHEMAS
from tests.helpers.agency_world import NORTHERN, SOUTHERN, SUPERVISOR, AgencyWorld

UNKNOWN = "01J00000000000000000000000"


@pytest.fixture
def world() -> AgencyWorld:
    found = AgencyWorld()
    found.contracted()
    return found


def published(world: AgencyWorld, event_type: str) -> list[dict[str, object]]:
    return [dict(e.detail) for e in world.publisher.published if e.event_type == event_type]


# --- the roster ----------------------------------------------------------------------------------


def test_the_roster_is_replaced_whole_at_the_version_read(world: AgencyWorld) -> None:
    assert world.rosters.get().version == 1
    cheaper = Agency("northern", "Northern Credit Services", D("20.00"))

    after = world.configure(AgencyRoster((cheaper,), 1), SUPERVISOR, "corr-2")

    assert (after.version, after.agencies) == (2, (cheaper,))
    with pytest.raises(VersionConflict):
        world.configure(AgencyRoster((NORTHERN,), 1), SUPERVISOR, "corr-stale")
    entry = world.rosters.history[-1]
    assert (entry.action, entry.subject_id, entry.actor_subject) == (
        "CollectionAgenciesChanged",
        "COLLECTION-AGENCIES",
        "supervisor-1",
    )
    assert entry.detail["changes"]


def test_a_roster_with_a_code_twice_or_a_commission_too_high_is_refused(world: AgencyWorld) -> None:
    roster = AgencyRoster((NORTHERN, Agency("northern", "Twice", D("60"))), 1)

    with pytest.raises(InvalidInput) as refused:
        world.configure(roster, SUPERVISOR, "corr-bad")

    assert [e.field for e in refused.value.errors] == [
        "agencies[1].code",
        "agencies[1].commission_percent",
    ]
    assert world.rosters.get().version == 1


def test_an_agency_holding_referrals_stays_on_the_roster_until_they_are_recalled(
    world: AgencyWorld,
) -> None:
    account, _ = world.delinquent()
    referral = world.refer(ReferralAsked(account.account_id, "northern"), SUPERVISOR, "c").referral
    without_northern = AgencyRoster((SOUTHERN,), 1)

    with pytest.raises(Conflict, match="northern still holds referrals") as refused:
        world.configure(without_northern, SUPERVISOR, "corr-drop")

    assert refused.value.field == "agencies" and world.rosters.get().version == 1
    world.recall(referral.referral_id, SUPERVISOR, "corr-recall")
    assert world.configure(without_northern, SUPERVISOR, "corr-drop").agencies == (SOUTHERN,)


# --- referrals -----------------------------------------------------------------------------------


def test_a_referral_holds_the_accounts_case_and_goes_in_the_days_file(world: AgencyWorld) -> None:
    account, owed = world.delinquent()
    case = world.cases.current(account.account_id)
    assert case is not None

    referred = world.refer(ReferralAsked(account.account_id, "northern"), SUPERVISOR, "corr-r")

    referral = referred.referral
    assert referred.new
    assert (referral.status, referral.amount, referral.agency) == (
        ReferralStatus.REFERRED,
        owed,
        "northern",
    )
    assert referral.debtor.name == "Élise Tremblay"
    held = world.cases.current(account.account_id)
    assert held is not None
    assert (held.status, held.paused_by) == (CaseStatus.PAUSED, agency_hold(referral.referral_id))
    assert world.case_workflow.stopped[case.execution].startswith("paused: agency:")
    [event] = [e for e in world.referrals.events if e.event_type == "AccountReferredToAgency"]
    assert EVENT_SCHEMAS[("AccountReferredToAgency", 1)].model_validate(event.detail)
    assert event.detail["amount"] == f"{owed:.2f}"
    assert [h.action for h in world.referrals.history] == ["AccountReferredToAgency"]
    assert [(x.agency, x.day, x.line_type.value) for x in world.referrals.lines] == [
        ("northern", world.recorder.today(), "referral")
    ]


def test_no_case_opens_while_referred_and_one_opens_at_the_recall(world: AgencyWorld) -> None:
    account, _ = world.delinquent()
    world.cases.cases.clear()

    referral = world.refer(ReferralAsked(account.account_id, "northern"), SUPERVISOR, "c").referral

    assert world.cases.current(account.account_id) is None
    with pytest.raises(Conflict, match="collection agency"):
        world.open_case(account.account_id, SUPERVISOR, "corr-open")
    world.past_due_statements.accounts.append(account.account_id)
    assert world.open_delinquent("corr-daily").opened == 0
    assert world.cases.current(account.account_id) is None

    world.recall(referral.referral_id, SUPERVISOR, "corr-recall")

    case = world.cases.current(account.account_id)
    assert case is not None and case.status is CaseStatus.OPEN
    assert case.execution in world.case_workflow.started


def test_the_same_referral_id_answers_the_same_referral(world: AgencyWorld) -> None:
    account, _ = world.delinquent()
    asked = ReferralAsked(account.account_id, "northern", "01JREFERRAL000000000000001")

    first = world.refer(asked, SUPERVISOR, "corr-1")
    again = world.refer(asked, SUPERVISOR, "corr-2")

    assert (first.new, again.new, again.referral) == (True, False, first.referral)
    other, _ = world.delinquent("Marc Côté")
    with pytest.raises(Conflict) as taken:
        world.refer(ReferralAsked(other.account_id, "northern", asked.referral_id), SUPERVISOR, "c")
    assert taken.value.field == "referral_id"
    assert len(world.referrals.referrals) == 1


def test_refusals_name_their_field_and_write_nothing(world: AgencyWorld) -> None:
    account, _ = world.delinquent()

    with pytest.raises(NotFound):
        world.refer(ReferralAsked(UNKNOWN, "nobody"), SUPERVISOR, "c")
    with pytest.raises(InvalidInput) as unknown_agency:
        world.refer(ReferralAsked(account.account_id, "nobody"), SUPERVISOR, "c")
    assert unknown_agency.value.field == "agency"

    settled, owed = world.delinquent("Marc Côté")
    world.pay(settled.account_id, "PAY-SETTLED", str(owed))
    with pytest.raises(Conflict) as nothing_due:
        world.refer(ReferralAsked(settled.account_id, "northern"), SUPERVISOR, "c")
    assert nothing_due.value.field == "account_id"
    assert world.referrals.referrals == {} and world.referrals.lines == []

    world.pause(account.account_id, "dispute", SUPERVISOR, "c")
    with pytest.raises(Conflict) as disputed:
        world.refer(ReferralAsked(account.account_id, "northern"), SUPERVISOR, "c")
    assert disputed.value.field == "account_id" and "dispute" in disputed.value.message
    world.resume(account.account_id, SUPERVISOR, "c")

    world.refer(ReferralAsked(account.account_id, "northern"), SUPERVISOR, "c")
    with pytest.raises(Conflict) as twice:
        world.refer(ReferralAsked(account.account_id, "southern"), SUPERVISOR, "c")
    assert twice.value.field == "account_id"
    assert len(world.referrals.referrals) == 1


def test_a_recall_lets_the_case_go_on_where_it_left_off(world: AgencyWorld) -> None:
    account, _ = world.delinquent()
    referral = world.refer(ReferralAsked(account.account_id, "northern"), SUPERVISOR, "c").referral
    paused = world.cases.current(account.account_id)
    assert paused is not None
    world.on(world.recorder.today() + timedelta(days=3))

    recalled = world.recall(referral.referral_id, SUPERVISOR, "corr-recall")
    again = world.recall(referral.referral_id, SUPERVISOR, "corr-recall-2")

    assert (recalled.status, again) == (ReferralStatus.RECALLED, recalled)
    case = world.cases.current(account.account_id)
    assert case is not None
    assert (case.status, case.stage, case.run) == (CaseStatus.OPEN, paused.stage, paused.run + 1)
    assert case.steps[-1].kind is StepKind.RESUMED
    assert case.execution in world.case_workflow.started
    [event] = published(world, "AgencyReferralRecalled")
    assert EVENT_SCHEMAS[("AgencyReferralRecalled", 1)].model_validate(event)
    assert [x.line_type.value for x in world.referrals.lines] == ["referral", "recall"]
    assert world.referrals.in_force(account.account_id) is None
    with pytest.raises(NotFound):
        world.recall(UNKNOWN, SUPERVISOR, "c")


# --- remittances ---------------------------------------------------------------------------------


def remittance(world: AgencyWorld, *lines: ReportedLine) -> ReportedRemittance:
    """Northern's remittance NC-2027-001 of what it collected today."""
    return ReportedRemittance("NC-2027-001", world.recorder.today(), lines)


def referred(world: AgencyWorld) -> tuple[str, str, D]:
    """An account referred to Northern: its id, number and the amount referred."""
    account, owed = world.delinquent()
    world.refer(ReferralAsked(account.account_id, "northern"), SUPERVISOR, "c")
    return account.account_id, account.account_number, owed


def test_a_remittance_posts_payments_and_the_commission(world: AgencyWorld) -> None:
    account_id, number, owed = referred(world)
    part = D("100.00")

    recorded = world.record_remittance(
        "northern",
        remittance(world, ReportedLine(number, part, D("25.00"))),
        SUPERVISOR,
        "corr-rem",
    )

    rem = recorded.remittance
    assert recorded.new
    assert (rem.gross, rem.commission, rem.net) == (part, D("25.00"), D("75.00"))
    assert world.ledger.state(account_id).balance == owed - part
    [posted] = published(world, "PaymentPosted")
    assert (posted["amount"], posted["method"], posted["channel"]) == ("100.00", "agency", "agency")
    referral = world.referrals.in_force(account_id)
    assert referral is not None
    assert (referral.collected, referral.commission) == (part, D("25.00"))
    assert [h.action for h in world.referrals.history][-1] == "AgencyCollectionReported"

    again = world.record_remittance(
        "northern", remittance(world, ReportedLine(number, part)), SUPERVISOR, "corr-rem-2"
    )
    assert (again.new, again.remittance) == (False, rem)
    assert world.ledger.state(account_id).balance == owed - part  # posted once


def test_a_remittance_that_collects_the_amount_referred_pays_it(world: AgencyWorld) -> None:
    account_id, number, owed = referred(world)

    world.record_remittance(
        "northern", remittance(world, ReportedLine(number, owed)), SUPERVISOR, "c"
    )

    referral = world.referrals.referrals[next(iter(world.referrals.referrals))]
    assert (referral.status, referral.collected) == (ReferralStatus.PAID, owed)
    assert referral.commission == NORTHERN.commission_on(owed)
    assert world.referrals.in_force(account_id) is None
    assert world.cases.current(account_id) is None  # nothing past due: the case closed
    assert world.referrals.history[-1].action == "AgencyReferralPaid"


def test_a_remittance_with_one_bad_line_writes_nothing(world: AgencyWorld) -> None:
    account_id, number, owed = referred(world)
    stranger = world.account(name="Marc Côté")
    lines = (
        ReportedLine(number, D("10.00")),
        ReportedLine(stranger.account_number, D("5.00")),
        ReportedLine(number, D("10.00"), D("9.99")),
        ReportedLine(number, owed),
        ReportedLine("UB00000000", D("1.00")),
    )

    with pytest.raises(InvalidInput) as refused:
        world.record_remittance("northern", remittance(world, *lines), SUPERVISOR, "c")

    assert [e.field for e in refused.value.errors] == [
        "lines[1].account_number",
        "lines[2].commission",
        "lines[3].amount",
        "lines[4].account_number",
    ]
    assert world.ledger.state(account_id).balance == owed
    assert published(world, "PaymentPosted") == []
    assert world.referrals.remittances == {}
    with pytest.raises(NotFound):
        world.record_remittance("nobody", remittance(world, *lines[:1]), SUPERVISOR, "c")


def test_a_remittance_for_another_agencys_account_or_before_the_referral_is_refused(
    world: AgencyWorld,
) -> None:
    _, number, _ = referred(world)
    line = ReportedLine(number, D("10.00"))

    with pytest.raises(InvalidInput) as other_agency:
        world.record_remittance("southern", remittance(world, line), SUPERVISOR, "c")
    early = ReportedRemittance("R-0", world.recorder.today() - timedelta(days=1), (line,))
    with pytest.raises(InvalidInput) as too_early:
        world.record_remittance("northern", early, SUPERVISOR, "c")

    assert other_agency.value.field == "lines[0].account_number"
    assert too_early.value.field == "paid_on"


# --- the daily files -----------------------------------------------------------------------------


def test_each_agencys_file_of_the_day_is_assembled_once(world: AgencyWorld) -> None:
    account_id, number, owed = referred(world)
    day = world.recorder.today()
    other, _ = world.delinquent("Marc Côté")
    other_referral = world.refer(ReferralAsked(other.account_id, "southern"), SUPERVISOR, "c")
    world.recall(other_referral.referral.referral_id, SUPERVISOR, "c")

    assembly = world.assemble(day, lambda: timedelta(minutes=5), "corr-files")

    assert assembly.done
    assert [(f.agency, f.referrals, f.recalls) for f in assembly.files] == [
        ("northern", 1, 0),
        ("southern", 1, 1),
    ]
    referral = world.referrals.in_force(account_id)
    assert referral is not None
    rows = list(csv.reader(io.StringIO(world.file_store.texts[assembly.files[0].key])))
    assert rows[1][:3] == [
        "referral",
        referral.referral_id,
        world.assemble.numbering.display(number),
    ]
    assert rows[1][-2:] == [f"{owed:.2f}", referral.oldest_due_on.isoformat()]
    south = list(csv.reader(io.StringIO(world.file_store.texts[assembly.files[1].key])))
    assert [r[0] for r in south[1:]] == ["referral", "recall"]
    entries = [h for h in world.referrals.history if h.action == "AgencyFileAssembled"]
    assert len(entries) == 2

    world.file_store.texts.clear()
    again = world.assemble(day, lambda: timedelta(minutes=5), "corr-files-2")
    assert again.files == assembly.files and world.file_store.texts == {}
    assert len([h for h in world.referrals.history if h.action == "AgencyFileAssembled"]) == 2


def test_a_run_short_of_time_stops_between_files_and_the_next_goes_on(world: AgencyWorld) -> None:
    referred(world)
    other, _ = world.delinquent("Marc Côté")
    world.refer(ReferralAsked(other.account_id, "southern"), SUPERVISOR, "c")
    day = world.recorder.today()

    stopped = world.assemble(day, lambda: timedelta(seconds=1), "corr-1")
    finished = world.assemble(day, lambda: timedelta(seconds=1), "corr-2")

    assert (stopped.done, [f.agency for f in stopped.files]) == (False, ["northern"])
    assert (finished.done, [f.agency for f in finished.files]) == (True, ["northern", "southern"])
    assert world.assemble(day + timedelta(days=1), lambda: timedelta(0), "c").files == ()


def test_a_referral_recalled_while_its_payment_posts_keeps_what_was_collected(
    world: AgencyWorld,
) -> None:
    account_id, number, owed = referred(world)
    record = world.remittances.record

    def recalled_first(*args: Any) -> None:
        """The referral is recalled between the lines' checks and the remittance's write."""
        world.remittances.record = record
        referral = world.referrals.in_force(account_id)
        assert referral is not None
        world.recall(referral.referral_id, SUPERVISOR, "corr-recall")
        record(*args)

    world.remittances.record = recalled_first

    recorded = world.record_remittance(
        "northern", remittance(world, ReportedLine(number, owed)), SUPERVISOR, "c"
    )

    assert recorded.new and recorded.remittance.gross == owed
    [referral] = world.referrals.referrals.values()
    assert (referral.status, referral.collected) == (ReferralStatus.RECALLED, owed)
    assert world.ledger.state(account_id).balance == 0
