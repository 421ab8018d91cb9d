"""The API's side of the move and transfer workflows, built once per cold start.

Kept apart from :mod:`chalicelib.composition` (accounts, properties, customers), whose
repositories and settings it reuses. The workflow items' models
(:mod:`civiq.adapters.dynamodb.workflows`) are imported with this module, when app.py loads the
blueprints, so :func:`configure_models` (first request) configures them with the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from zoneinfo import ZoneInfo

from chalicelib.composition import api
from civiq.accounts.adapters.dynamodb_workflows import DynamoTransfers
from civiq.accounts.services.moves import CheckMove
from civiq.accounts.services.recording import Recorder
from civiq.accounts.services.transfers import DecideTransfer, SubmitTransfer
from civiq.core.clock import SystemClock
from civiq.core.ids import UlidGenerator
from civiq.core.publishing import PublishEvents
from civiq.platform import aws
from civiq.platform.dynamodb.outbox import DynamoOutbox
from civiq.platform.eventbridge import EventBridgePublisher
from civiq.platform.stepfunctions import StepFunctionsCallbacks, StepFunctionsWorkflow


@dataclass(frozen=True)
class Workflows:
    moves: StepFunctionsWorkflow
    transfers: DynamoTransfers
    check_move: CheckMove
    submit_transfer: SubmitTransfer
    decide_transfer: DecideTransfer


@cache
def workflows() -> Workflows:
    core = api()
    settings = core.settings
    if not (settings.move_state_machine_arn and settings.transfer_state_machine_arn):
        raise RuntimeError("MOVE_STATE_MACHINE_ARN and TRANSFER_STATE_MACHINE_ARN must be set")
    region, endpoint = settings.aws_region, settings.aws_endpoint_url
    time_zone = ZoneInfo(settings.municipal_time_zone)
    sfn = aws.client("stepfunctions", region, endpoint)
    events = PublishEvents(
        DynamoOutbox(),
        EventBridgePublisher(aws.client("events", region, endpoint), settings.event_bus_name),
    )
    clock = SystemClock()
    transfers = DynamoTransfers()
    return Workflows(
        moves=StepFunctionsWorkflow(sfn, settings.move_state_machine_arn),
        transfers=transfers,
        check_move=CheckMove(core.accounts, core.properties, core.customers, clock, time_zone),
        submit_transfer=SubmitTransfer(
            core.accounts,
            core.properties,
            core.customers,
            transfers,
            StepFunctionsWorkflow(sfn, settings.transfer_state_machine_arn),
            clock,
            time_zone,
        ),
        decide_transfer=DecideTransfer(
            transfers,
            StepFunctionsCallbacks(sfn),
            events,
            Recorder(clock, UlidGenerator(), time_zone),
        ),
    )
