"""Ownership transfer services on the in-memory fakes: submission (idempotent, one open transfer
per property), decisions and the task token, escalation, and the closing steps, each of which
changes nothing twice when retried."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from civiq.accounts.domain.accounts import Account, AccountStatus, HolderRole, ServiceStatus
from civiq.accounts.domain.moves import ArrearsPolicy, FinalReading, Settlement
from civiq.accounts.domain.transfers import Decision, Transfer, TransferStatus
from civiq.accounts.services.transfers import (
    CompleteTransfer,
    DecideTransfer,
    EscalateTransfer,
    FinalBillSeller,
    OpenBuyerAccounts,
    RecordNewOwner,
    RequestApproval,
    SettleSellerAccounts,
    SubmitTransfer,
    TransferCommand,
)
from civiq.core.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from civiq.core.ids import DeterministicIds
from tests.helpers.workflow_world import APPROVER, SUPERVISOR, World, person

CLOSING = date(2026, 12, 15)


@pytest.fixture
def world() -> World:
    return World()


def submit(world: World) -> SubmitTransfer:
    return SubmitTransfer(
        world.store,
        world.properties,
        world.customers,
        world.transfers,
        world.workflow,
        world.clock,
        world.billing,
    )


def decide(world: World) -> DecideTransfer:
    return DecideTransfer(
        world.transfers, world.callbacks, world.events, world.recorder("api-decision")
    )


def command(owner: Account, **changes: object) -> TransferCommand:
    fields: dict[str, object] = {
        "transfer_id": "TR1",
        "property_id": owner.property_id,
        "closing_date": CLOSING,
        "buyer": person("Bea Buyer"),
        "final_reading": FinalReading(CLOSING, Decimal("400.5")),
    }
    fields.update(changes)
    return TransferCommand(**fields)  # type: ignore[arg-type]


def submitted(world: World, owner: Account, **changes: object) -> Transfer:
    transfer, created = submit(world)(command(owner, **changes), SUPERVISOR, "cid-t")
    assert created
    return transfer


# ------------------------------------------------------------------ submission


def test_submission_records_seller_buyer_and_accounts_and_starts_the_workflow(
    world: World,
) -> None:
    owner = world.owner_with_building()
    world.tenant(owner)
    transfer = submitted(world, owner)
    assert transfer.status is TransferStatus.SUBMITTED
    assert transfer.seller_customer_id == owner.holder.customer_id
    assert transfer.seller_account_ids == (owner.account_id,)  # not the tenant's
    assert transfer.new_buyer is not None and transfer.new_buyer.name == "Bea Buyer"
    assert world.transfers.open_transfer_of(owner.property_id) == "TR1"
    assert world.workflow.started == {
        "TR1": {
            "transfer_id": "TR1",
            "closing_at": "2026-12-15T05:00:00Z",  # midnight in Toronto (EST)
            "correlation_id": "cid-t",
        }
    }


def test_the_same_request_twice_is_one_transfer(world: World) -> None:
    owner = world.owner_with_building()
    first = submitted(world, owner)
    again, created = submit(world)(command(owner), SUPERVISOR, "cid-2")
    assert (again, created) == (first, False)
    assert list(world.transfers.transfers) == ["TR1"]
    assert list(world.workflow.started) == ["TR1"]


def test_without_a_reading_the_sale_is_estimated_on_the_closing_date(world: World) -> None:
    transfer = submitted(world, world.owner_with_building(), final_reading=None)
    assert transfer.final_reading == FinalReading.estimated(CLOSING)


def refused(world: World, owner: Account, **changes: object) -> DomainError:
    transfers = dict(world.transfers.transfers)
    with pytest.raises(DomainError) as error:
        submit(world)(command(owner, **changes), SUPERVISOR, "cid")
    assert world.transfers.transfers == transfers  # nothing written
    return error.value


def test_a_property_with_an_open_transfer_conflicts_on_property_id(world: World) -> None:
    owner = world.owner_with_building()
    submitted(world, owner)
    error = refused(world, owner, transfer_id="TR2", closing_date=date(2026, 12, 20))
    assert (type(error), error.field) == (Conflict, "property_id")
    assert list(world.workflow.started) == ["TR1"]


@pytest.mark.parametrize(
    ("changes", "kind", "field"),
    [
        ({"property_id": "NOPE"}, NotFound, "property_id"),
        ({"buyer": "NOPE"}, NotFound, "buyer.customer_id"),
        ({"closing_date": date(2024, 6, 1)}, InvalidInput, "closing_date"),
        ({"closing_date": date(2027, 12, 1)}, InvalidInput, "closing_date"),
        ({"final_reading": FinalReading(date(2026, 12, 14), Decimal(1))}, InvalidInput, None),
    ],
    ids=["unknown-property", "unknown-buyer", "before-services", "too-far", "reading-day"],
)
def test_submission_refusals_name_the_field(
    world: World, changes: dict[str, object], kind: type[DomainError], field: str | None
) -> None:
    error = refused(world, world.owner_with_building(), **changes)
    assert type(error) is kind
    assert error.field == (field or "final_reading.read_on")


def test_the_owner_cannot_buy_their_own_property(world: World) -> None:
    owner = world.owner_with_building()
    error = refused(world, owner, buyer=owner.holder.customer_id)
    assert (type(error), error.field) == (InvalidInput, "buyer.customer_id")


# ------------------------------------------------------------------ approval


def test_approval_answers_the_stored_task_token(world: World) -> None:
    owner = world.owner_with_building()
    submitted(world, owner)
    RequestApproval(world.transfers, world.callbacks)("TR1", "token-1")
    assert world.transfers.get("TR1").status is TransferStatus.AWAITING_APPROVAL
    decided = decide(world)("TR1", Decision.APPROVE, None, APPROVER, "cid-d")
    assert decided.status is TransferStatus.APPROVED
    assert decided.decided_by == APPROVER
    assert world.callbacks.answers == [
        ("token-1", "succeed", {"decision": "approve", "decided_by": "supervisor-2"})
    ]
    (event,) = world.published("TransferDecided")
    assert event.subject_id == "TRANSFER#TR1"


def test_rejection_needs_a_reason_and_fails_the_task(world: World) -> None:
    owner = world.owner_with_building()
    submitted(world, owner)
    RequestApproval(world.transfers, world.callbacks)("TR1", "token-1")
    with pytest.raises(InvalidInput) as missing:
        decide(world)("TR1", Decision.REJECT, " ", SUPERVISOR, "cid")
    assert missing.value.field == "reason"
    decided = decide(world)("TR1", Decision.REJECT, "price not registered", SUPERVISOR, "c")
    assert decided.status is TransferStatus.REJECTED
    assert world.callbacks.answers == [
        ("token-1", "fail", ("TransferRejected", "price not registered"))
    ]
    assert world.transfers.open_transfer_of(owner.property_id) is None  # claim released


def test_the_supervisor_who_submitted_cannot_approve(world: World) -> None:
    """Four eyes: a sale is approved by another supervisor than the one who submitted it."""
    submitted(world, world.owner_with_building())
    RequestApproval(world.transfers, world.callbacks)("TR1", "token-1")
    before = world.mark()
    with pytest.raises(Forbidden, match="four eyes") as refused:
        decide(world)("TR1", Decision.APPROVE, None, SUPERVISOR, "c")
    assert refused.value.field == "decision"
    assert world.mark() == before  # nothing recorded, nothing published
    assert world.transfers.get("TR1").status is TransferStatus.AWAITING_APPROVAL
    assert world.callbacks.answers == []
    decided = decide(world)("TR1", Decision.APPROVE, None, APPROVER, "c")
    assert decided.decided_by == APPROVER


def test_the_supervisor_who_submitted_may_withdraw_it(world: World) -> None:
    """Rejecting one's own submission grants nothing: it needs no second pair of eyes."""
    submitted(world, world.owner_with_building())
    decided = decide(world)("TR1", Decision.REJECT, "the buyer withdrew", SUPERVISOR, "c")
    assert decided.status is TransferStatus.REJECTED


def test_a_second_decision_conflicts(world: World) -> None:
    submitted(world, world.owner_with_building())
    decide(world)("TR1", Decision.APPROVE, None, APPROVER, "c")
    with pytest.raises(Conflict) as conflict:
        decide(world)("TR1", Decision.REJECT, "changed my mind", SUPERVISOR, "c")
    assert conflict.value.field == "decision"
    with pytest.raises(NotFound):
        decide(world)("NOPE", Decision.APPROVE, None, APPROVER, "c")


def test_a_decision_before_the_token_is_delivered_when_the_workflow_asks(
    world: World,
) -> None:
    submitted(world, world.owner_with_building())
    decide(world)("TR1", Decision.APPROVE, None, APPROVER, "c")
    assert world.callbacks.answers == []  # no token yet
    RequestApproval(world.transfers, world.callbacks)("TR1", "token-late")
    assert world.callbacks.answers[0][:2] == ("token-late", "succeed")


def test_each_escalation_is_recorded_and_published_once(world: World) -> None:
    submitted(world, world.owner_with_building())
    escalate = EscalateTransfer(world.transfers, world.events, world.recorder("TR1/escalate/1"))
    assert escalate("TR1", 1, "c")
    assert not escalate("TR1", 1, "c")  # a retried task
    transfer = world.transfers.get("TR1")
    assert (transfer.escalations, transfer.escalated_at) == (1, world.clock.now())
    (event,) = world.published("TransferEscalated")
    assert event.detail["escalation"] == 1
    decide(world)("TR1", Decision.APPROVE, None, APPROVER, "c")
    assert not EscalateTransfer(world.transfers, world.events, world.recorder("x"))("TR1", 2, "c")


# ------------------------------------------------------------------ closing


def run_closing(world: World, policy: ArrearsPolicy = ArrearsPolicy.STAY_WITH_TENANT) -> None:
    """The closing tasks in workflow order, each with its own deterministic ids."""
    FinalBillSeller(world.transfers, world.final_bill("TR1/final_bill_seller"))("TR1", "c")
    SettleSellerAccounts(world.transfers, world.settle("TR1/settle", policy))("TR1", "c")
    RecordNewOwner(
        world.transfers,
        world.store,
        world.properties,
        world.customers,
        world.store,
        world.events,
        world.recorder("TR1/record_new_owner"),
    )("TR1", "c")
    opened = OpenBuyerAccounts(
        world.transfers,
        world.store,
        world.properties,
        world.customers,
        world.store,
        world.events,
        world.numbering,
        world.clock,
        world.billing,
    )("TR1", DeterministicIds("TR1/open_buyer_accounts"), "c")
    CompleteTransfer(world.transfers, world.events, world.recorder("TR1/complete"))(
        "TR1", opened, "c"
    )


def test_closing_final_bills_the_seller_and_opens_the_buyers_account(world: World) -> None:
    owner = world.owner_with_building()
    tenant = world.tenant(owner)
    submitted(world, owner)
    decide(world)("TR1", Decision.APPROVE, None, APPROVER, "c")
    run_closing(world)

    transfer = world.transfers.get("TR1")
    assert transfer.status is TransferStatus.COMPLETED
    assert world.transfers.open_transfer_of(owner.property_id) is None
    seller = world.account(owner.account_id)
    assert seller.status is AccountStatus.CLOSED  # nothing owed
    assert {(s.status, s.end_date) for s in seller.services} == {(ServiceStatus.CLOSED, CLOSING)}
    (bill,) = world.published("FinalBillRequested")
    assert (bill.detail["reason"], bill.detail["final_reading"]["value_m3"]) == ("sale", "400.5")

    (buyer_account_id,) = transfer.buyer_account_ids
    buyer_account = world.account(buyer_account_id)
    assert buyer_account.holder.name == "Bea Buyer"
    assert buyer_account.holder_role is HolderRole.OWNER
    assert buyer_account.service_address.unit == "1"
    assert {s.start_date for s in buyer_account.services} == {CLOSING}
    assert world.properties.get(owner.property_id).owner_customer_id == transfer.buyer_customer_id
    assert world.account(tenant.account_id).owner_customer_id == transfer.buyer_customer_id

    (done,) = world.published("OwnershipTransferred")
    assert done.detail["buyer_account_ids"] == [buyer_account_id]
    assert done.detail["seller_account_ids"] == [owner.account_id]
    assert done.actor == APPROVER


def test_every_closing_step_retried_changes_nothing_twice(world: World) -> None:
    owner = world.owner_with_building()
    world.tenant(owner)
    submitted(world, owner)
    decide(world)("TR1", Decision.APPROVE, None, APPROVER, "c")
    run_closing(world)
    before = world.mark()
    accounts = len(world.store.accounts())
    run_closing(world)
    assert world.mark() == before
    assert len(world.store.accounts()) == accounts


def test_a_seller_who_owes_stays_final_billed(world: World) -> None:
    owner = world.owner_with_building()
    submitted(world, owner)
    decide(world)("TR1", Decision.APPROVE, None, APPROVER, "c")
    world.owes(owner, "80.00")
    settle = SettleSellerAccounts(
        world.transfers, world.settle("TR1/settle", ArrearsPolicy.ROLL_TO_OWNER)
    )
    FinalBillSeller(world.transfers, world.final_bill("TR1/final_bill_seller"))("TR1", "c")
    assert settle("TR1", "c") == {owner.account_id: Settlement.AWAITING_PAYMENT}
    assert world.account(owner.account_id).status is AccountStatus.FINAL_BILLED


def test_a_tenant_who_buys_holds_their_account_as_owner(world: World) -> None:
    owner = world.owner_with_building()
    tenant = world.tenant(owner)
    submitted(world, owner, buyer=tenant.holder.customer_id)
    decide(world)("TR1", Decision.APPROVE, None, APPROVER, "c")
    run_closing(world)
    converted = world.account(tenant.account_id)
    assert converted.holder_role is HolderRole.OWNER
    assert converted.owner_customer_id == tenant.holder.customer_id


def test_an_unapproved_transfer_does_not_complete(world: World) -> None:
    submitted(world, world.owner_with_building())
    with pytest.raises(Conflict):
        CompleteTransfer(world.transfers, world.events, world.recorder("x"))("TR1", [], "c")


def test_a_decision_landing_while_the_token_is_stored_is_still_delivered(world: World) -> None:
    """The decision commits between RequestApproval's read and its write: the write fails on
    the version, RequestApproval reads again and answers the token with the decision."""
    submitted(world, world.owner_with_building())
    real_update = world.transfers.update
    raced: list[bool] = []

    def update_after_a_decision(before: Transfer, after: Transfer, events=()) -> None:  # type: ignore[no-untyped-def]
        if not raced:
            raced.append(True)
            decide(world)("TR1", Decision.APPROVE, None, APPROVER, "c")
        real_update(before, after, events)

    world.transfers.update = update_after_a_decision  # type: ignore[method-assign]
    status = RequestApproval(world.transfers, world.callbacks)("TR1", "token-1")
    assert status is TransferStatus.APPROVED
    assert world.callbacks.answers[0][:2] == ("token-1", "succeed")
