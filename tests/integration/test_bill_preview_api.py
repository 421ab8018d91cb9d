"""An account's next bill previewed through real Chalice routing, against in-process moto: from
its own reads, meter and cycle's rates, and written nowhere."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

from chalice.test import Client

from civiq.billing.adapters.dynamodb import DynamoStatements
from civiq.core.clock import SystemClock
from civiq.core.dates import MUNICIPAL_TIME_ZONE, local_today
from civiq.metering.adapters.dynamodb import DynamoMetering
from tests.helpers.api import API, call
from tests.helpers.emulator import table_items
from tests.helpers.workflows import FLAT, define_cycle, metered_account, read


def test_a_clerk_previews_the_next_bill_through_the_latest_read(
    chalice_app: Any, billing_machine: str
) -> None:
    account, meter = metered_account("Élise Tremblay", "12 Rue Laurier")
    read(meter, "2026-08-31", "100")
    read(meter, "2026-10-31", "130")
    define_cycle(FLAT)
    before = table_items()
    with Client(chalice_app) as client:
        answer = call(client, "GET", f"{API}/accounts/{account.account_number}/bill-preview")

    assert answer.status_code == 200, answer.json_body
    preview = answer.json_body
    # Services since 1 September: the first bill runs from 31 August (exclusive) to the latest
    # read on 31 October, 61 days, for 130 - 100 = 30 m3 on the 15 mm meter:
    #   fixed  365.00 x 61/365 = 61.00;  water 30 x 2.0000 = 60.00;  sewer 50% x 60.00 = 30.00
    assert (preview["period_start"], preview["period_end"], preview["days"]) == (
        "2026-09-01",
        "2026-10-31",
        61,
    )
    assert preview["period_ends_at"] == "latest-read"
    assert preview["rate_schedule_id"] == "flat-2026"
    assert [(line["kind"], line["detail"], line["amount"]) for line in preview["lines"]] == [
        ("fixed", "15mm", "61.00"),
        ("volumetric", None, "60.00"),
        ("sewer-percent", None, "30.00"),
    ]
    assert (preview["new_charges"], preview["balance_forward"], preview["total_due"]) == (
        "151.00",
        "0.00",
        "151.00",
    )
    assert [(r["volume_m3"], r["estimated"]) for r in preview["reads"]] == [("30.000", False)]
    assert table_items() == before
    assert DynamoStatements().recent(account.account_id, 5) == []


def test_without_a_read_since_the_preview_estimates_today_and_records_nothing(
    chalice_app: Any, billing_machine: str
) -> None:
    account, meter = metered_account("Marc Gagnon", "14 Rue Laurier")
    read(meter, "2026-08-31", "100")
    define_cycle(FLAT)
    reads_before = list(DynamoMetering().of_meter(meter.meter_id))
    before = table_items()
    with Client(chalice_app) as client:
        answer = call(client, "GET", f"{API}/accounts/{account.account_id}/bill-preview")

    assert answer.status_code == 200, answer.json_body
    preview = answer.json_body
    assert preview["period_ends_at"] == "estimate-today"
    assert preview["period_end"] == local_today(SystemClock(), MUNICIPAL_TIME_ZONE).isoformat()
    assert [r["estimated"] for r in preview["reads"]] == [True]
    assert D(preview["new_charges"]) > 0
    assert list(DynamoMetering().of_meter(meter.meter_id)) == reads_before
    assert table_items() == before


def test_an_unknown_account_has_no_preview_and_a_clerk_is_needed(
    chalice_app: Any, billing_machine: str
) -> None:
    define_cycle(FLAT)
    with Client(chalice_app) as client:
        missing = call(client, "GET", f"{API}/accounts/UB99999999/bill-preview")
        anonymous = client.http.get(f"{API}/accounts/UB99999999/bill-preview")
    assert missing.status_code == 404
    assert anonymous.status_code == 401
