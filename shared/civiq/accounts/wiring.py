"""Accounts, properties, customers, moves and transfers, wired to DynamoDB, EventBridge and Step
Functions from settings: the one place their services are built, for the API
(``functions/api/chalicelib/composition.py``, ``workflow_composition.py``), the daily account
activation and the move and transfer workflow tasks.

What billing needs of an account (:class:`~civiq.accounts.ports.BillingRequirements`) is
billing's to build: the composition roots build it with billing's wiring and pass it in.

The API imports this module at its cold start: what only the other functions build (their
settings, their services) is imported by the functions building it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from civiq.accounts.adapters.dynamodb_accounts import DynamoAccountRepository
from civiq.accounts.adapters.dynamodb_changes import DynamoChanges
from civiq.accounts.adapters.dynamodb_customers import DynamoCustomerRepository
from civiq.accounts.adapters.dynamodb_properties import DynamoPropertyRepository
from civiq.accounts.adapters.dynamodb_workflows import (
    DynamoBalances,
    DynamoMilestones,
    DynamoTransfers,
)
from civiq.accounts.domain.account_numbers import AccountNumberScheme
from civiq.accounts.ports import BillingRequirements
from civiq.accounts.services.change_account import ChangeAccount
from civiq.accounts.services.customers import RegisterCustomer, ReviseCustomer
from civiq.accounts.services.find_account import FindAccount
from civiq.accounts.services.moves import CheckMove, RecordMoveIn, RecordMoveOut
from civiq.accounts.services.open_account import OpenAccount
from civiq.accounts.services.properties import RegisterProperty, ReviseProperty
from civiq.accounts.services.recording import Recorder
from civiq.accounts.services.refresh_accounts import RefreshAccounts
from civiq.accounts.services.settle_account import SettleAccount
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
)
from civiq.accounts.services.workflow_steps import FinalBill
from civiq.core.clock import SystemClock
from civiq.core.ids import DeterministicIds, UlidGenerator
from civiq.core.publishing import PublishEvents
from civiq.core.settings import CommonSettings
from civiq.platform.dynamodb.audit import DynamoAuditLog
from civiq.platform.runtime import client, configure_table, publish_events, time_zone
from civiq.platform.stepfunctions import StepFunctionsCallbacks, StepFunctionsWorkflow

if TYPE_CHECKING:
    from civiq.accounts.config import WorkflowTaskSettings
    from civiq.accounts.services.activate_accounts import ActivateAccounts


@dataclass(frozen=True)
class AccountServices:
    """Staff's accounts, properties and customers (the API's routes)."""

    numbering: AccountNumberScheme
    accounts: DynamoAccountRepository
    properties: DynamoPropertyRepository
    customers: DynamoCustomerRepository
    history: DynamoAuditLog
    open_account: OpenAccount
    find_account: FindAccount
    change_account: ChangeAccount
    register_property: RegisterProperty
    revise_property: ReviseProperty
    register_customer: RegisterCustomer
    revise_customer: ReviseCustomer


def account_services(
    settings: CommonSettings, numbering: AccountNumberScheme, billing: BillingRequirements
) -> AccountServices:
    configure_table(settings)
    accounts = DynamoAccountRepository()
    properties = DynamoPropertyRepository()
    customers = DynamoCustomerRepository()
    changes = DynamoChanges()
    recorder = Recorder.system(time_zone(settings))
    refresh = RefreshAccounts(accounts, changes, recorder)
    events = publish_events(settings)
    return AccountServices(
        numbering=numbering,
        accounts=accounts,
        properties=properties,
        customers=customers,
        history=DynamoAuditLog(),
        open_account=OpenAccount(
            accounts, properties, customers, changes, events, recorder, numbering, billing
        ),
        find_account=FindAccount(accounts, numbering),
        change_account=ChangeAccount(accounts, changes, events, recorder, properties, billing),
        register_property=RegisterProperty(properties, customers, changes, recorder),
        revise_property=ReviseProperty(properties, accounts, changes, recorder, refresh),
        register_customer=RegisterCustomer(changes, recorder),
        revise_customer=ReviseCustomer(customers, accounts, changes, recorder, refresh),
    )


@dataclass(frozen=True)
class WorkflowServices:
    """Staff's moves and transfers: checked, then started as workflows (the API's routes)."""

    moves: StepFunctionsWorkflow
    transfers: DynamoTransfers
    check_move: CheckMove
    submit_transfer: SubmitTransfer
    decide_transfer: DecideTransfer


def workflow_services(
    settings: CommonSettings,
    *,
    move_state_machine_arn: str,
    transfer_state_machine_arn: str,
    billing: BillingRequirements,
) -> WorkflowServices:
    configure_table(settings)
    zone = time_zone(settings)
    sfn = client(settings, "stepfunctions")
    clock = SystemClock()
    accounts = DynamoAccountRepository()
    properties = DynamoPropertyRepository()
    customers = DynamoCustomerRepository()
    transfers = DynamoTransfers()
    return WorkflowServices(
        moves=StepFunctionsWorkflow(sfn, move_state_machine_arn),
        transfers=transfers,
        check_move=CheckMove(accounts, properties, customers, clock, billing, zone),
        submit_transfer=SubmitTransfer(
            accounts,
            properties,
            customers,
            transfers,
            StepFunctionsWorkflow(sfn, transfer_state_machine_arn),
            clock,
            billing,
            zone,
        ),
        decide_transfer=DecideTransfer(
            transfers,
            StepFunctionsCallbacks(sfn),
            publish_events(settings),
            Recorder(clock, UlidGenerator(), time_zone(settings)),
        ),
    )


def activate_accounts(settings: CommonSettings) -> ActivateAccounts:
    """Pending accounts activated once their services have started
    (functions/account_activation)."""
    from civiq.accounts.services.activate_accounts import ActivateAccounts

    configure_table(settings)
    recorder = Recorder.system(time_zone(settings))
    return ActivateAccounts(DynamoAccountRepository(), DynamoChanges(), recorder)


@dataclass(frozen=True)
class WorkflowTasks:
    """The move and transfer workflows' tasks (functions/workflow_tasks).

    The adapters are built once per cold start; each task's services are built per call with
    ids derived from the execution and the task, so a retried task regenerates the same ids.
    """

    settings: WorkflowTaskSettings
    accounts: DynamoAccountRepository
    properties: DynamoPropertyRepository
    customers: DynamoCustomerRepository
    changes: DynamoChanges
    events: PublishEvents
    balances: DynamoBalances
    milestones: DynamoMilestones
    transfers: DynamoTransfers
    callbacks: StepFunctionsCallbacks
    numbering: AccountNumberScheme
    clock: SystemClock
    billing: BillingRequirements

    def recorder(self, ids: DeterministicIds) -> Recorder:
        return Recorder(self.clock, ids, time_zone(self.settings))

    def final_bill(self, ids: DeterministicIds) -> FinalBill:
        return FinalBill(self.accounts, self.changes, self.events, self.recorder(ids))

    def settle(self, ids: DeterministicIds) -> SettleAccount:
        return SettleAccount(
            self.accounts,
            self.balances,
            self.changes,
            self.events,
            self.recorder(ids),
            self.settings.tenant_arrears_policy,
        )

    def record_move_out(self, ids: DeterministicIds) -> RecordMoveOut:
        return RecordMoveOut(self.final_bill(ids))

    def record_move_in(self) -> RecordMoveIn:
        return RecordMoveIn(
            self.accounts,
            self.properties,
            self.customers,
            self.changes,
            self.events,
            self.milestones,
            self.numbering,
            self.clock,
            self.billing,
        )

    def request_approval(self) -> RequestApproval:
        return RequestApproval(self.transfers, self.callbacks)

    def escalate(self, ids: DeterministicIds) -> EscalateTransfer:
        return EscalateTransfer(self.transfers, self.events, self.recorder(ids))

    def final_bill_seller(self, ids: DeterministicIds) -> FinalBillSeller:
        return FinalBillSeller(self.transfers, self.final_bill(ids))

    def settle_seller_accounts(self, ids: DeterministicIds) -> SettleSellerAccounts:
        return SettleSellerAccounts(self.transfers, self.settle(ids))

    def record_new_owner(self, ids: DeterministicIds) -> RecordNewOwner:
        return RecordNewOwner(
            self.transfers,
            self.accounts,
            self.properties,
            self.customers,
            self.changes,
            self.events,
            self.recorder(ids),
        )

    def open_buyer_accounts(self) -> OpenBuyerAccounts:
        return OpenBuyerAccounts(
            self.transfers,
            self.accounts,
            self.properties,
            self.customers,
            self.changes,
            self.events,
            self.numbering,
            self.clock,
            self.billing,
        )

    def complete_transfer(self, ids: DeterministicIds) -> CompleteTransfer:
        return CompleteTransfer(self.transfers, self.events, self.recorder(ids))


def workflow_tasks(settings: WorkflowTaskSettings, billing: BillingRequirements) -> WorkflowTasks:
    configure_table(settings)
    return WorkflowTasks(
        settings=settings,
        accounts=DynamoAccountRepository(),
        properties=DynamoPropertyRepository(),
        customers=DynamoCustomerRepository(),
        changes=DynamoChanges(),
        events=publish_events(settings),
        balances=DynamoBalances(),
        milestones=DynamoMilestones(),
        transfers=DynamoTransfers(),
        callbacks=StepFunctionsCallbacks(client(settings, "stepfunctions")),
        numbering=AccountNumberScheme(
            settings.account_number_prefix, settings.account_number_width
        ),
        clock=SystemClock(),
        billing=billing,
    )
