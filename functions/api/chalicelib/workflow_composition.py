"""The API's side of the move and transfer workflows, built at their first request by
:mod:`civiq.accounts.wiring` from the settings of :mod:`chalicelib.composition`."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from chalicelib.composition import api, billing_requirements

if TYPE_CHECKING:
    from civiq.accounts.wiring import WorkflowServices


@cache
def workflows() -> WorkflowServices:
    from civiq.accounts.wiring import workflow_services

    settings = api().settings
    if not (settings.move_state_machine_arn and settings.transfer_state_machine_arn):
        raise RuntimeError("MOVE_STATE_MACHINE_ARN and TRANSFER_STATE_MACHINE_ARN must be set")
    return workflow_services(
        settings,
        move_state_machine_arn=settings.move_state_machine_arn,
        transfer_state_machine_arn=settings.transfer_state_machine_arn,
        billing=billing_requirements(),
    )
