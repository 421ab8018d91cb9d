"""A rate-change simulation as a table: CSV (UTF-8 with a byte-order mark, as spreadsheets
expect) and XLSX, one row per figure.

Columns: section, item, account_id, volume_m3, current, draft, change, change_percent. Sections:
``charge-type`` and ``customer-class`` (revenue before tax), ``taxes``, ``revenue`` (the total),
``change-dollars`` and ``change-percent`` (median, p90, largest: a year's bills per account),
``typical-bill`` (low, median and high users) and ``unrated`` (item: why).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from decimal import Decimal

import xlsxwriter

from civiq.billing.domain.simulation import (
    ChangeStatistics,
    Revenue,
    SimulationReport,
)

COLUMNS = (
    "section",
    "item",
    "account_id",
    "volume_m3",
    "current",
    "draft",
    "change",
    "change_percent",
)
Row = tuple[
    str, str, str, Decimal | None, Decimal | None, Decimal | None, Decimal | None, Decimal | None
]
NUMBER_FORMATS = {3: "#,##0.000", 4: "#,##0.00", 5: "#,##0.00", 6: "#,##0.00", 7: "0.0"}


def simulation_rows(report: SimulationReport) -> Iterator[Row]:
    for row in report.by_charge_type:
        yield _revenue("charge-type", row)
    for row in report.by_customer_class:
        yield _revenue("customer-class", row)
    yield _revenue("taxes", report.taxes)
    yield _revenue("revenue", report.revenue)
    yield from _statistics("change-dollars", report.dollars, percent=False)
    yield from _statistics("change-percent", report.percent, percent=True)
    for typical in report.typical:
        bills = typical.account
        yield (
            "typical-bill",
            f"{typical.label} (p{typical.percentile} of volume)",
            bills.account_id,
            bills.volume,
            bills.current,
            bills.draft,
            bills.change,
            bills.change_percent,
        )
    for unrated in report.unrated:
        yield ("unrated", unrated.reason, unrated.account_id, None, None, None, None, None)


def _revenue(section: str, row: Revenue) -> Row:
    return (section, row.name, "", None, row.current, row.draft, row.change, row.change_percent)


def _statistics(section: str, stats: ChangeStatistics, *, percent: bool) -> Iterator[Row]:
    for item, value, account_id in (
        ("median", stats.median, ""),
        ("p90", stats.percentile_90, ""),
        ("largest", stats.largest, stats.largest_account_id or ""),
    ):
        change, change_percent = (None, value) if percent else (value, None)
        yield (section, item, account_id, None, None, None, change, change_percent)


def simulation_csv(report: SimulationReport) -> bytes:
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow(COLUMNS)
    for row in simulation_rows(report):
        writer.writerow("" if value is None else str(value) for value in row)
    return text.getvalue().encode("utf-8-sig")


def simulation_xlsx(report: SimulationReport) -> bytes:
    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = workbook.add_worksheet("Simulation")
    heading = workbook.add_format({"bold": True, "bottom": 1})
    formats = {col: workbook.add_format({"num_format": f}) for col, f in NUMBER_FORMATS.items()}
    for col, name in enumerate(COLUMNS):
        sheet.write_string(0, col, name, heading)
    sheet.set_column(0, 2, 22)
    sheet.set_column(3, 7, 14)
    sheet.freeze_panes(1, 0)
    for number, row in enumerate(simulation_rows(report), start=1):
        for col, value in enumerate(row):
            if value is None:
                continue
            if col in formats:
                sheet.write_number(number, col, float(value), formats[col])
            else:
                sheet.write_string(number, col, str(value))
    workbook.close()
    return out.getvalue()
