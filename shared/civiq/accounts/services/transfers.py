"""Ownership transfer (property sale): submit, approve or reject, escalate, complete at closing.

The API submits (:class:`SubmitTransfer`: checks, writes the transfer with the property's
open-transfer claim, starts the workflow named after the transfer) and records decisions
(:class:`DecideTransfer`: answers the workflow's task token). The workflow
(infra/statemachines/transfer.asl.json) calls the other services, one per task:

RequestApproval (stores the token; answers it at once when the decision came first) ->
EscalateTransfer on each approval timeout -> wait for the closing date -> FinalBillSeller ->
SettleSellerAccounts -> RecordNewOwner -> OpenBuyerAccounts -> CompleteTransfer.

Same request, same transfer: the transfer id is derived from the request, so a resubmission
finds the transfer (and its execution) instead of creating another.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from civiq.accounts.domain.account_numbers import AccountNumberScheme
from civiq.accounts.domain.accounts import Account, HolderRole, Service
from civiq.accounts.domain.customers import Customer
from civiq.accounts.domain.moves import FinalBillReason, FinalReading, Settlement
from civiq.accounts.domain.transfers import Decision, Transfer, TransferStatus
from civiq.accounts.ports import (
    AccountRepository,
    BillingRequirements,
    Changes,
    CustomerRepository,
    PropertyRepository,
    TransferRepository,
)
from civiq.accounts.services.billability import request_fields
from civiq.accounts.services.customers import NewCustomer
from civiq.accounts.services.moves import found, opened_once, renamed
from civiq.accounts.services.open_account import (
    OpenAccount,
    OpenAccountCommand,
    require_billable_later,
)
from civiq.accounts.services.recording import Recorder, Step
from civiq.accounts.services.settle_account import SettleAccount
from civiq.accounts.services.workflow_steps import OPEN, SYSTEM, FinalBill, commit, new_event
from civiq.core.addresses import Address
from civiq.core.dates import MUNICIPAL_TIME_ZONE, local_today
from civiq.core.errors import Conflict, InvalidInput, NotFound, VersionConflict, field_prefix
from civiq.core.events import Actor
from civiq.core.ids import DeterministicIds
from civiq.core.ports import Callbacks, Clock, Workflow
from civiq.core.publishing import PublishEvents

MAX_DAYS_AHEAD = 180  # a closing further out is submitted later (executions last < 1 year)
REJECTED_ERROR = "TransferRejected"  # the task failure the workflow catches
DECISION_ATTEMPTS = 3


def transfer_subject(transfer_id: str) -> str:
    return f"TRANSFER#{transfer_id}"


def closing_at(closing_date: date, time_zone: ZoneInfo) -> str:
    """When the workflow's closing-date Wait ends: the start of the closing date, municipal
    time, in UTC as Step Functions wants it."""
    midnight = datetime.combine(closing_date, time.min, time_zone)
    return midnight.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def workflow_input(transfer: Transfer, correlation_id: str, time_zone: ZoneInfo) -> dict[str, Any]:
    return {
        "transfer_id": transfer.transfer_id,
        "closing_at": closing_at(transfer.closing_date, time_zone),
        "correlation_id": correlation_id,
    }


def approver(transfer: Transfer) -> Actor:
    """Changes made at closing are the approving supervisor's."""
    return transfer.decided_by or SYSTEM


@dataclass(frozen=True)
class TransferCommand:
    transfer_id: str  # derived from the request by the API: same request, same transfer
    property_id: str
    closing_date: date
    buyer: str | NewCustomer  # an existing customer's id, or a new customer
    final_reading: FinalReading | None = None  # None: an estimate for the closing date
    forwarding_address: Address | None = None  # None: the seller's mailing address


@dataclass(frozen=True)
class SubmitTransfer:
    accounts: AccountRepository
    properties: PropertyRepository
    customers: CustomerRepository
    transfers: TransferRepository
    workflow: Workflow
    clock: Clock
    billing: BillingRequirements
    time_zone: ZoneInfo = MUNICIPAL_TIME_ZONE

    def __call__(
        self, command: TransferCommand, actor: Actor, correlation_id: str
    ) -> tuple[Transfer, bool]:
        """The transfer, and True when this call created it (False: the same request again)."""
        created = False
        transfer = self.transfers.find(command.transfer_id)
        if transfer is None:
            transfer = self._plan(command, actor)
            try:
                self.transfers.create(transfer)
                created = True
            except Conflict as conflict:  # the same request, submitted at the same moment
                if conflict.field != "id":
                    raise
                transfer = self.transfers.get(command.transfer_id)
        if transfer.is_open:  # (re)start: a crash between the write and the start is repaired
            self.workflow.start(
                transfer.transfer_id, workflow_input(transfer, correlation_id, self.time_zone)
            )
        return transfer, created

    def _plan(self, command: TransferCommand, actor: Actor) -> Transfer:
        prop = found(lambda: self.properties.get(command.property_id), "property_id")
        seller = prop.owner_customer_id
        if seller is None:
            raise Conflict("the property has no owner of record to sell it", "property_id")
        open_transfer = self.transfers.open_transfer_of(prop.property_id)
        if open_transfer is not None:
            raise Conflict(
                f"the property has an open transfer ({open_transfer}); decide it first",
                "property_id",
            )
        today = local_today(self.clock, self.time_zone)
        if command.closing_date > today + timedelta(days=MAX_DAYS_AHEAD):
            raise InvalidInput(
                f"the closing date is more than {MAX_DAYS_AHEAD} days away", "closing_date"
            )
        buyer_id, new_buyer = self._buyer(command, seller)
        sellers = self._seller_accounts(prop.property_id, seller, command.closing_date)
        for account in sellers:  # the buyer's accounts opened at closing can be billed
            unit = account.service_address.unit
            require_billable_later(
                self.billing,
                self.accounts,
                prop,
                buyer_account(account, buyer_id, command.closing_date),
                today,
                request_fields("property_id", "property_id"),
                f"the buyer's account for unit {unit}" if unit else "the buyer's account",
            )
        reading = command.final_reading or FinalReading.estimated(command.closing_date)
        if reading.read_on != command.closing_date:
            raise InvalidInput(
                "the final reading of a sale is read on the closing date",
                "final_reading.read_on",
            )
        return Transfer(
            transfer_id=command.transfer_id,
            property_id=prop.property_id,
            seller_customer_id=seller,
            buyer_customer_id=buyer_id,
            closing_date=command.closing_date,
            final_reading=reading,
            seller_account_ids=tuple(a.account_id for a in sellers),
            submitted_at=self.clock.now(),
            submitted_by=actor,
            new_buyer=new_buyer,
            forwarding_address=command.forwarding_address,
        )

    def _buyer(self, command: TransferCommand, seller: str) -> tuple[str, Customer | None]:
        if isinstance(command.buyer, str):
            buyer_id = command.buyer
            found(lambda: self.customers.get(buyer_id), "buyer.customer_id")
            if buyer_id == seller:
                raise InvalidInput("the buyer is already the owner of record", "buyer.customer_id")
            return buyer_id, None
        new_id = DeterministicIds(f"{command.transfer_id}/buyer").new_id()
        with field_prefix("buyer.customer"):
            return new_id, command.buyer.build(new_id, self.clock.now())

    def _seller_accounts(self, property_id: str, seller: str, closing: date) -> list[Account]:
        """The seller's open accounts on the property: final-billed at closing."""
        accounts = []
        for summary in self.accounts.of_property(property_id):
            if (
                summary.status not in OPEN
                or summary.holder_role is not HolderRole.OWNER
                or summary.holder_customer_id != seller
            ):
                continue
            account = self.accounts.get(summary.account_id)
            try:
                account.moved_out(closing)
            except InvalidInput as early:
                raise renamed(early, "closing_date") from None
            accounts.append(account)
        return sorted(accounts, key=lambda a: a.account_id)


@dataclass(frozen=True)
class DecideTransfer:
    """A supervisor approves or rejects; the waiting workflow is answered with the decision."""

    transfers: TransferRepository
    callbacks: Callbacks
    events: PublishEvents
    recorder: Recorder

    def __call__(
        self,
        transfer_id: str,
        decision: Decision,
        reason: str | None,
        actor: Actor,
        correlation_id: str,
    ) -> Transfer:
        for attempt in range(DECISION_ATTEMPTS):
            before = self.transfers.get(transfer_id)
            after = before.decided(decision, actor, self.recorder.clock.now(), reason)
            event = new_event(
                self.recorder,
                actor,
                correlation_id,
                transfer_subject(transfer_id),
                "TransferDecided",
                {
                    "transfer_id": transfer_id,
                    "property_id": after.property_id,
                    "decision": decision.value,
                    "reason": reason,
                    "decided_by": actor.subject,
                },
            )
            try:
                self.transfers.update(before, after, [event])
            except VersionConflict:  # the workflow stored a new token meanwhile: read again
                if attempt == DECISION_ATTEMPTS - 1:
                    raise
                continue
            self.events.after_commit([event])
            if after.task_token:
                answer(self.callbacks, after, after.task_token)
            # no token (or a stale one): the workflow's next RequestApproval answers itself
            return after
        raise AssertionError("unreachable")


def answer(callbacks: Callbacks, transfer: Transfer, task_token: str) -> bool:
    if transfer.status is TransferStatus.APPROVED:
        decided_by = transfer.decided_by.subject if transfer.decided_by else None
        return callbacks.succeed(task_token, {"decision": "approve", "decided_by": decided_by})
    return callbacks.fail(task_token, REJECTED_ERROR, transfer.reason or "rejected")


@dataclass(frozen=True)
class RequestApproval:
    """Workflow task (waitForTaskToken): keep the token where the decision will find it."""

    transfers: TransferRepository
    callbacks: Callbacks

    def __call__(self, transfer_id: str, task_token: str) -> TransferStatus:
        for attempt in range(DECISION_ATTEMPTS):
            transfer = self.transfers.get(transfer_id)
            if transfer.status in (TransferStatus.APPROVED, TransferStatus.REJECTED):
                answer(self.callbacks, transfer, task_token)  # decided before the token was kept
                return transfer.status
            if not transfer.is_pending:
                raise Conflict(f"the transfer is {transfer.status}", "status")
            try:
                self.transfers.update(transfer, transfer.awaiting(task_token))
            except VersionConflict:  # decided (or escalated) meanwhile: read it again
                if attempt == DECISION_ATTEMPTS - 1:
                    raise
                continue
            return TransferStatus.AWAITING_APPROVAL
        raise AssertionError("unreachable")


@dataclass(frozen=True)
class EscalateTransfer:
    """Workflow task after each approval timeout: record it and tell supervisors (once each)."""

    transfers: TransferRepository
    events: PublishEvents
    recorder: Recorder

    def __call__(self, transfer_id: str, escalation: int, correlation_id: str) -> bool:
        before = self.transfers.get(transfer_id)
        if not before.is_pending or before.escalations >= escalation:
            return False  # decided meanwhile, or a retried task
        after = before.escalated(escalation, self.recorder.clock.now())
        assert after.escalated_at is not None
        event = new_event(
            self.recorder,
            SYSTEM,
            correlation_id,
            transfer_subject(transfer_id),
            "TransferEscalated",
            {
                "transfer_id": transfer_id,
                "property_id": after.property_id,
                "escalation": escalation,
                "submitted_at": after.submitted_at.isoformat(),
                "escalated_at": after.escalated_at.isoformat(),
            },
        )
        self.transfers.update(before, after, [event])
        self.events.after_commit([event])
        return True


@dataclass(frozen=True)
class FinalBillSeller:
    transfers: TransferRepository
    final_bill: FinalBill

    def __call__(self, transfer_id: str, correlation_id: str) -> list[dict[str, Any]]:
        """The final bills to produce: of each seller account whose services this transfer
        ended (an account final-billed by another workflow before is left to it)."""
        transfer = self.transfers.get(transfer_id)
        requests = []
        for account_id in transfer.seller_account_ids:
            billed = self.final_bill(
                account_id,
                transfer.closing_date,
                transfer.final_reading,
                FinalBillReason.SALE,
                transfer_id,
                approver(transfer),
                correlation_id,
                forwarding_address=transfer.forwarding_address,
            )
            if billed.request is not None:
                requests.append(billed.request)
        return requests


@dataclass(frozen=True)
class SettleSellerAccounts:
    transfers: TransferRepository
    settle: SettleAccount

    def __call__(self, transfer_id: str, correlation_id: str) -> dict[str, Settlement]:
        transfer = self.transfers.get(transfer_id)
        return {
            account_id: self.settle(account_id, approver(transfer), correlation_id)[1]
            for account_id in transfer.seller_account_ids
        }


@dataclass(frozen=True)
class RecordNewOwner:
    """The buyer becomes the property's owner of record (registered first when new), and each
    tenant account on the property names the buyer as its owner."""

    transfers: TransferRepository
    accounts: AccountRepository
    properties: PropertyRepository
    customers: CustomerRepository
    changes: Changes
    events: PublishEvents
    recorder: Recorder

    def __call__(self, transfer_id: str, correlation_id: str) -> list[str]:
        """The tenant accounts that now name the buyer."""
        transfer = self.transfers.get(transfer_id)
        actor = approver(transfer)
        buyer = transfer.buyer_customer_id
        prop = self.properties.get(transfer.property_id)
        if prop.owner_customer_id != buyer:
            steps = []
            if transfer.new_buyer is not None and not self._exists(buyer):
                steps.append(Step(transfer.new_buyer, "CustomerRegistered"))
            owned = prop.revised(owner_customer_id=buyer)
            steps.append(Step(owned, "PropertyOwnerChanged", prop))
            commit(self.changes, self.events, self.recorder.change(steps, actor, correlation_id))
        changed = []
        for summary in self.accounts.of_property(transfer.property_id):
            if summary.holder_role is not HolderRole.TENANT or summary.status not in OPEN:
                continue
            before = self.accounts.get(summary.account_id)
            if before.owner_customer_id == buyer:
                continue
            if before.holder.customer_id == buyer:  # the tenant bought: they hold as owner now
                after = before.revised(holder_role=HolderRole.OWNER, owner_customer_id=buyer)
            else:
                after = before.revised(owner_customer_id=buyer)
            step = Step(after, "OwnerOfRecordChanged", before)
            commit(self.changes, self.events, self.recorder.change([step], actor, correlation_id))
            changed.append(after.account_id)
        return changed

    def _exists(self, customer_id: str) -> bool:
        try:
            self.customers.get(customer_id)
        except NotFound:
            return False
        return True


def buyer_account(seller_account: Account, buyer_id: str, closing: date) -> OpenAccountCommand:
    """The buyer's account in place of one of the seller's: the same unit, services and cart
    from the closing date (what the seller's lacks is taken as for any new occupant)."""
    return OpenAccountCommand(
        customer=buyer_id,
        property=seller_account.property_id,
        holder_role=HolderRole.OWNER,
        unit=seller_account.service_address.unit,
        services=tuple(Service(s.service_type, closing) for s in seller_account.services) or None,
        services_start=closing,
        cart_size=seller_account.cart_size,
    )


@dataclass(frozen=True)
class OpenBuyerAccounts:
    """One account for the buyer per seller account: same unit, services and cart, from
    closing."""

    transfers: TransferRepository
    accounts: AccountRepository
    properties: PropertyRepository
    customers: CustomerRepository
    changes: Changes
    events: PublishEvents
    numbering: AccountNumberScheme
    clock: Clock
    billing: BillingRequirements

    def __call__(self, transfer_id: str, ids: DeterministicIds, correlation_id: str) -> list[str]:
        transfer = self.transfers.get(transfer_id)
        opened = []
        for seller_account_id in transfer.seller_account_ids:
            seller_account = self.accounts.get(seller_account_id)
            command = buyer_account(
                seller_account, transfer.buyer_customer_id, transfer.closing_date
            )
            account_ids = ids.child(seller_account_id)
            open_account = OpenAccount(
                accounts=self.accounts,
                properties=self.properties,
                customers=self.customers,
                changes=self.changes,
                events=self.events,
                recorder=Recorder(self.clock, account_ids),
                numbering=self.numbering,
                billing=self.billing,
            )
            account = opened_once(
                open_account,
                self.accounts,
                command,
                account_ids,
                approver(transfer),
                correlation_id,
            )
            opened.append(account.account_id)
        return opened


@dataclass(frozen=True)
class CompleteTransfer:
    transfers: TransferRepository
    events: PublishEvents
    recorder: Recorder

    def __call__(
        self, transfer_id: str, buyer_account_ids: list[str], correlation_id: str
    ) -> Transfer:
        before = self.transfers.get(transfer_id)
        if before.status is TransferStatus.COMPLETED:
            return before  # a retried task
        after = before.completed(tuple(buyer_account_ids), self.recorder.clock.now())
        event = new_event(
            self.recorder,
            approver(before),
            correlation_id,
            transfer_subject(transfer_id),
            "OwnershipTransferred",
            {
                "transfer_id": transfer_id,
                "property_id": after.property_id,
                "seller_customer_id": after.seller_customer_id,
                "buyer_customer_id": after.buyer_customer_id,
                "closing_date": after.closing_date.isoformat(),
                "final_reading": after.final_reading.as_payload(),
                "seller_account_ids": list(after.seller_account_ids),
                "buyer_account_ids": list(after.buyer_account_ids),
            },
        )
        self.transfers.update(before, after, [event])
        self.events.after_commit([event])
        return after
