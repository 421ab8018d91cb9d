"""A rate-change simulation's parts on S3, ``rate-simulations/<id>/parts/<n>.json``: each
route's accounts, kept until the last part merges them into the report.

A part is compact JSON: each account a row of strings (decimals exactly as computed, so the
merged report is the one-pass report), revenue rows as [name, current, draft]. Writing a part
again (a redelivered message) replaces it with the same content.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from civiq.billing.domain.simulation import Rerated, Revenue, SimulationPart, Unrated
from civiq.billing.domain.simulation_jobs import part_key

JSON = "application/json"


def _revenue_rows(rows: Any) -> list[list[str]]:
    return [[row.name, str(row.current), str(row.draft)] for row in rows]


def _revenue_of(rows: list[list[str]]) -> list[Revenue]:
    return [Revenue(name, Decimal(current), Decimal(draft)) for name, current, draft in rows]


def part_json(result: SimulationPart) -> bytes:
    document = {
        "rerated": [
            [r.account_id, r.customer_class, r.bills, str(r.volume), str(r.current), str(r.draft)]
            for r in result.rerated
        ],
        "unrated": [[u.account_id, u.reason] for u in result.unrated],
        "by_charge_type": _revenue_rows(result.by_charge_type),
        "by_customer_class": _revenue_rows(result.by_customer_class),
        "taxes": [str(result.taxes.current), str(result.taxes.draft)],
    }
    return json.dumps(document, separators=(",", ":")).encode()


def part_of(body: bytes) -> SimulationPart:
    document = json.loads(body)
    current_taxes, draft_taxes = document["taxes"]
    return SimulationPart(
        rerated=[
            Rerated(account_id, customer_class, bills, Decimal(volume), Decimal(cur), Decimal(dr))
            for account_id, customer_class, bills, volume, cur, dr in document["rerated"]
        ],
        unrated=[Unrated(account_id, reason) for account_id, reason in document["unrated"]],
        by_charge_type=_revenue_of(document["by_charge_type"]),
        by_customer_class=_revenue_of(document["by_customer_class"]),
        taxes=Revenue("taxes", Decimal(current_taxes), Decimal(draft_taxes)),
    )


class S3SimulationParts:
    def __init__(self, s3_client: Any, bucket: str) -> None:
        self._s3 = s3_client
        self._bucket = bucket

    def put(self, simulation_id: str, part: int, result: SimulationPart) -> None:
        self._s3.put_object(
            Bucket=self._bucket,
            Key=part_key(simulation_id, part),
            Body=part_json(result),
            ContentType=JSON,
            ServerSideEncryption="AES256",
        )

    def get(self, simulation_id: str, part: int) -> SimulationPart:
        answer = self._s3.get_object(Bucket=self._bucket, Key=part_key(simulation_id, part))
        return part_of(answer["Body"].read())
