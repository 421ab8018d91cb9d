"""The API's side of rate schedules (bylaw rates as versioned data), built once per cold start.

Kept apart from :mod:`chalicelib.composition`, whose settings it reuses. The schedule item's
model (:mod:`civiq.adapters.dynamodb.rates`) is imported with this module, when app.py loads the
blueprints, so :func:`configure_models` (first request) configures it with the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from zoneinfo import ZoneInfo

from chalicelib.composition import api
from civiq.accounts.services.recording import Recorder
from civiq.core.clock import SystemClock
from civiq.core.ids import UlidGenerator
from civiq.rates.adapters.dynamodb import DynamoRateSchedules
from civiq.rates.services.rates import AddRateVersion, CreateRateSchedule, QuoteRate


@dataclass(frozen=True)
class Rates:
    schedules: DynamoRateSchedules
    create_schedule: CreateRateSchedule
    add_version: AddRateVersion
    quote: QuoteRate


@cache
def rates() -> Rates:
    settings = api().settings
    recorder = Recorder(SystemClock(), UlidGenerator(), ZoneInfo(settings.municipal_time_zone))
    schedules = DynamoRateSchedules()
    return Rates(
        schedules=schedules,
        create_schedule=CreateRateSchedule(schedules, recorder),
        add_version=AddRateVersion(schedules, recorder),
        quote=QuoteRate(schedules),
    )
