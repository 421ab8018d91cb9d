"""The API's side of billing (cycles, runs, statements, rebills), built at its first request by
:mod:`civiq.billing.wiring` from the settings of :mod:`chalicelib.composition`."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from chalicelib.composition import api

if TYPE_CHECKING:
    from civiq.billing.wiring import BillingServices, RateSimulationServices


@cache
def billing() -> BillingServices:
    from civiq.billing.wiring import billing_services

    settings = api().settings
    if not (
        settings.billing_cycle_state_machine_arn
        and settings.documents_bucket
        and settings.statement_renderer_function
    ):
        raise RuntimeError(
            "BILLING_CYCLE_STATE_MACHINE_ARN, DOCUMENTS_BUCKET and STATEMENT_RENDERER_FUNCTION"
            " must be set"
        )
    return billing_services(
        settings,
        billing_cycle_state_machine_arn=settings.billing_cycle_state_machine_arn,
        documents_bucket=settings.documents_bucket,
        statement_renderer_function=settings.statement_renderer_function,
    )


@cache
def rate_simulations() -> RateSimulationServices:
    from civiq.billing.wiring import rate_simulation_services

    settings = api().settings
    if not (settings.rate_simulation_queue_url and settings.documents_bucket):
        raise RuntimeError("RATE_SIMULATION_QUEUE_URL and DOCUMENTS_BUCKET must be set")
    return rate_simulation_services(
        settings,
        rate_simulation_queue_url=settings.rate_simulation_queue_url,
        documents_bucket=settings.documents_bucket,
    )
