"""The JSON Schema of a rate schedule refuses what the API refuses: a request the document
allows is one the domain takes, and a request the domain refuses is refused by the document
too, as far as JSON Schema can say it (the rest the document states with x- keywords)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import jsonschema
import pytest
from pydantic import ValidationError

from civiq.core.errors import InvalidInput
from civiq.rates.schemas.rates import NewRateSchedule

DOCUMENT = NewRateSchedule.model_json_schema()


def posted() -> dict[str, Any]:
    return {
        "schedule_id": "brampton",
        "name": "Water, wastewater and stormwater",
        "versions": [
            {
                "effective_from": "2026-01-01",
                "charge_types": [
                    {"code": "fire-protection", "name_en": "Fire protection",
                     "name_fr": "Protection incendie", "service": "water"},
                ],
                "components": [
                    {"component": "blocks", "charge_type": "water",
                     "blocks": [{"rate": "1.5000"}], "basis": {"per": "period"}},
                    {"component": "sewer", "rate": "1.2000", "volume_percent": "90",
                     "volume_percent_by_class": {"commercial": "100"}},
                    {"component": "property", "charge_type": "fire-protection",
                     "by": "property_type", "prices": {"commercial": "20.00"},
                     "basis": {"per": "quarter"}},
                    {"component": "stormwater-units", "unit_area": "267",
                     "unit_rounding": "nearest", "unit_places": 0, "minimum_units": "1",
                     "maximum_units": "10", "price": "100.00", "basis": {"per": "year"}},
                    {"component": "minimum", "charge_type": "water", "per_30_days": "9.00"},
                ],
            }
        ],
    }  # fmt: skip


def refused(payload: dict[str, Any]) -> str:
    """The field the API names refusing ``payload``."""
    with pytest.raises((InvalidInput, ValidationError)) as error:
        NewRateSchedule.model_validate_json(json.dumps(payload)).to_domain()
    if isinstance(error.value, InvalidInput):
        assert error.value.field is not None
        return error.value.field
    return ".".join(str(part) for part in error.value.errors()[0]["loc"])


def test_the_posted_schedule_is_taken_by_the_document_and_the_api() -> None:
    jsonschema.validate(posted(), DOCUMENT)
    NewRateSchedule.model_validate_json(json.dumps(posted())).to_domain()


def _fixed_period(version: dict[str, Any]) -> None:
    version.update(day_count="fixed-period", periods_per_year=4)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda v: v["components"][1].update(volume_percent="100.01"),
         "versions.0.components.1.volume_percent"),
        (lambda v: v["components"][1]["volume_percent_by_class"].update(commercial="101"),
         "versions.0.components.1.volume_percent_by_class"),
        (lambda v: v["components"][2].update(prices={}), "versions.0.components.2.prices"),
        (lambda v: v["components"][3].update(unit_area="0.00"),
         "versions.0.components.3.unit_area"),
        (lambda v: v["components"][3].update(minimum_units="1.5"),
         "versions.0.components.3.minimum_units"),
        # a minimum per 30 days is a figure per days: a fixed period length cannot prorate it
        (_fixed_period, "versions.0.components.4.basis.per"),
    ],
)  # fmt: skip
def test_what_the_api_refuses_the_document_refuses(
    change: Callable[[dict[str, Any]], None], field: str
) -> None:
    payload = posted()
    change(payload["versions"][0])
    assert refused(payload).startswith(field)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(payload, DOCUMENT)
