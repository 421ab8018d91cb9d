"""Rate schedules (bylaw rates as versioned data), wired to DynamoDB from settings: the one place
their services are built (the API's ``rates_composition.py``)."""

from __future__ import annotations

from dataclasses import dataclass

from civiq.accounts.services.recording import Recorder
from civiq.core.settings import CommonSettings
from civiq.platform.runtime import configure_table, time_zone
from civiq.rates.adapters.dynamodb import DynamoRateSchedules
from civiq.rates.services.rates import AddRateVersion, CreateRateSchedule, QuoteRate


@dataclass(frozen=True)
class RateServices:
    """Staff's rate schedules and quotes (the API's routes)."""

    schedules: DynamoRateSchedules
    create_schedule: CreateRateSchedule
    add_version: AddRateVersion
    quote: QuoteRate


def rate_services(settings: CommonSettings) -> RateServices:
    configure_table(settings)
    recorder = Recorder.system(time_zone(settings))
    schedules = DynamoRateSchedules()
    return RateServices(
        schedules=schedules,
        create_schedule=CreateRateSchedule(schedules, recorder),
        add_version=AddRateVersion(schedules, recorder),
        quote=QuoteRate(schedules),
    )
