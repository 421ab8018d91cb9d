"""A rate-change simulation's exports: the PDF (the ``rate_simulation`` template through the
WeasyPrint renderer, tagged, one per language) and their store on S3 under
``rate-simulations/``, fetched by staff through presigned GETs.

Only the rate-simulation worker imports this module.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from civiq.billing.domain.simulation_jobs import RateSimulation
from civiq.billing.services.simulation import SIMULATED_DAYS
from civiq.core.dates import local_today
from civiq.core.language import Language
from civiq.core.ports import Clock, DocumentRenderer


class PdfSimulationDocument:
    TEMPLATE = "rate_simulation"

    def __init__(
        self, renderer: DocumentRenderer, municipality_name: str, clock: Clock, time_zone: ZoneInfo
    ) -> None:
        self._renderer = renderer
        self._municipality = municipality_name
        self._clock = clock
        self._time_zone = time_zone

    def render(self, simulation: RateSimulation, language: Language) -> bytes:
        if simulation.report is None:
            raise ValueError("a simulation is rendered once its report is made")
        report = simulation.report
        context = {
            "municipality_name": self._municipality,
            "simulation": simulation,
            "counts": {
                "accounts": Decimal(report.accounts),
                "bills": Decimal(report.bills),
                "unrated": Decimal(len(report.unrated)),
            },
            # The first day a simulated bill's period can end on
            "first_day": simulation.year_ending - timedelta(days=SIMULATED_DAYS - 1),
            "produced_on": local_today(self._clock, self._time_zone),
        }
        return self._renderer.render_pdf(self.TEMPLATE, language, context)


class S3SimulationFiles:
    def __init__(self, s3_client: Any, bucket: str) -> None:
        self._s3 = s3_client
        self._bucket = bucket

    def put(self, key: str, body: bytes, content_type: str, file_name: str) -> None:
        self._s3.put_object(
            Bucket=self._bucket,
            Key=key,
            Body=body,
            ContentType=content_type,
            ContentDisposition=f'attachment; filename="{file_name}"',
            ServerSideEncryption="AES256",
        )
