"""Demo data: a small bilingual municipality's first accounts (also used by benchmarks)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

_EN_NAMES = ["Olivia Smith", "Liam Brown", "Emma Wilson", "Noah Taylor", "Ava Martin", "Lucas Roy"]
_FR_NAMES = ["Émilie Tremblay", "Félix Gagnon", "Chloé Côté", "Léo Bouchard", "Zoé Gauthier"]
_STREETS = ["Main Street", "Rue Principale", "King Street West", "Rue Saint-Jean", "Maple Avenue"]
_PLACES = [("Ottawa", "ON", "K1P 1J1"), ("Gatineau", "QC", "J8X 2A1"), ("Moncton", "NB", "E1C 4M3")]


def demo_accounts(count: int, seed: int = 7) -> Iterator[dict[str, Any]]:
    """``count`` open-account requests, alternating English and French customers."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    for index in range(count):
        french = index % 2 == 1
        name = rng.choice(_FR_NAMES if french else _EN_NAMES)
        city, province, postal = rng.choice(_PLACES)
        yield {
            "customer": {
                "name": name,
                "email": f"resident{index + 1}@example.ca",
                "phone": f"613-555-{1000 + index:04d}",
            },
            "service_address": {
                "street": f"{rng.randint(1, 999)} {rng.choice(_STREETS)}",
                "city": city,
                "province": province,
                "postal_code": postal,
            },
            "language": "fr" if french else "en",
            "autopay": index % 3 == 0,
        }
