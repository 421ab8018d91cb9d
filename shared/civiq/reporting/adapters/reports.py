"""Report files: one writer per format behind :class:`civiq.reporting.ports.ReportWriter`, and
their store on S3.

- CSV: UTF-8 with a byte-order mark (so Excel reads accents right), plain digits with a point
  and ISO dates (so any program reads them back); text that a spreadsheet would take for a
  formula is quoted with an apostrophe.
- XLSX: XlsxWriter in constant-memory mode (each row is flushed as it is written, so a
  300,000-row run needs a few MB); amounts are numbers with a money format, dates are dates.
- PDF: the ``report`` template through the WeasyPrint renderer (tagged, landscape), at most
  :data:`civiq.reporting.domain.exports.PDF_MAX_ROWS` rows; the document says when there were more.

Headings and yes/no come from the message catalogs (``templates/messages/<lang>.json``).
Only the report worker imports this module.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import Any, BinaryIO

import xlsxwriter

from civiq.core.export_formats import ExportFormat
from civiq.core.language import Language
from civiq.core.ports import DocumentRenderer
from civiq.reporting.domain.exports import PDF_MAX_ROWS, Cell, CellKind, Report

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
XLSX_NUMBER_FORMATS: Mapping[CellKind, str] = {
    CellKind.MONEY: "#,##0.00",
    CellKind.VOLUME: "#,##0.000",
    CellKind.COUNT: "#,##0",
    CellKind.DATE: "yyyy-mm-dd",
    CellKind.RATE: "0.00%",
    CellKind.DAYS: "#,##0.0",
}
XLSX_WIDTHS: Mapping[CellKind, int] = {
    CellKind.TEXT: 24,
    CellKind.LABEL: 16,
    CellKind.RATE: 10,
    CellKind.DAYS: 8,
    CellKind.DATE: 12,
    CellKind.COUNT: 8,
    CellKind.VOLUME: 12,
    CellKind.MONEY: 12,
    CellKind.FLAG: 10,
}


class MessageCatalogs:
    """The en/fr message catalogs the documents use."""

    def __init__(self, templates_dir: Path) -> None:
        self._catalogs = {
            language: json.loads(
                (templates_dir / "messages" / f"{language.value}.json").read_text("utf-8")
            )
            for language in Language
        }

    def text(self, language: Language, key: str) -> str:
        try:
            return str(self._catalogs[language][key])
        except KeyError:
            raise KeyError(
                f"message {key!r} is missing from the {language.value!r} catalog"
            ) from None

    def headings(self, report: Report) -> list[str]:
        return [self.text(report.language, column.label) for column in report.columns]

    def flag(self, language: Language, value: bool) -> str:
        return self.text(language, "report.yes" if value else "report.no")


def _csv_cell(value: Cell, kind: CellKind, catalogs: MessageCatalogs, language: Language) -> str:
    if value is None:
        return ""
    if kind is CellKind.FLAG:
        return catalogs.flag(language, bool(value))
    if kind is CellKind.LABEL:
        return catalogs.text(language, str(value))
    if kind is CellKind.MONEY:
        assert isinstance(value, Decimal)
        return f"{value:.2f}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:f}"
    text = str(value)
    if kind is CellKind.TEXT and text.startswith(FORMULA_START):
        return "'" + text  # never run as a formula when a spreadsheet opens the file
    return text


class CsvReportWriter:
    def __init__(self, catalogs: MessageCatalogs) -> None:
        self._catalogs = catalogs

    def write(self, out: BinaryIO, report: Report, rows: Iterable[Sequence[Cell]]) -> int:
        text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
        writer = csv.writer(text)
        writer.writerow(self._catalogs.headings(report))
        kinds = [column.kind for column in report.columns]
        count = 0
        for row in rows:
            writer.writerow(
                _csv_cell(value, kind, self._catalogs, report.language)
                for value, kind in zip(row, kinds, strict=True)
            )
            count += 1
        text.flush()
        text.detach()  # ``out`` stays open for the caller
        return count


class XlsxReportWriter:
    def __init__(self, catalogs: MessageCatalogs, municipality_name: str) -> None:
        self._catalogs = catalogs
        self._municipality = municipality_name

    def write(self, out: BinaryIO, report: Report, rows: Iterable[Sequence[Cell]]) -> int:
        language = report.language
        workbook = xlsxwriter.Workbook(out, {"constant_memory": True})
        title = self._catalogs.text(language, report.title)
        workbook.set_properties({"title": f"{title} {report.name}", "company": self._municipality})
        sheet = workbook.add_worksheet(self._catalogs.text(language, report.key("sheet")))
        heading = workbook.add_format({"bold": True, "text_wrap": True, "bottom": 1})
        formats: dict[CellKind, Any] = {
            kind: workbook.add_format({"num_format": number_format})
            for kind, number_format in XLSX_NUMBER_FORMATS.items()
        }
        kinds = [column.kind for column in report.columns]
        for index, kind in enumerate(kinds):
            sheet.set_column(index, index, XLSX_WIDTHS[kind])
        for index, label in enumerate(self._catalogs.headings(report)):
            sheet.write_string(0, index, label, heading)
        sheet.freeze_panes(1, 0)
        count = 0
        for count, row in enumerate(rows, start=1):
            for index, (value, kind) in enumerate(zip(row, kinds, strict=True)):
                self._cell(sheet, count, index, value, kind, formats.get(kind), language)
        sheet.autofilter(0, 0, max(count, 1), len(kinds) - 1)
        workbook.close()
        return count

    def _cell(
        self,
        sheet: Any,
        row: int,
        col: int,
        value: Cell,
        kind: CellKind,
        cell_format: Any,
        language: Language,
    ) -> None:
        if value is None:
            sheet.write_blank(row, col, None, cell_format)
        elif kind is CellKind.FLAG:
            sheet.write_string(row, col, self._catalogs.flag(language, bool(value)))
        elif kind is CellKind.LABEL:
            sheet.write_string(row, col, self._catalogs.text(language, str(value)))
        elif isinstance(value, date):
            sheet.write_datetime(row, col, value, cell_format)
        elif isinstance(value, (Decimal, int)):
            sheet.write_number(row, col, value, cell_format)  # a Decimal is written exactly
        else:
            sheet.write_string(row, col, str(value))


class PdfReportWriter:
    TEMPLATE = "report"

    def __init__(
        self, renderer: DocumentRenderer, municipality_name: str, max_rows: int = PDF_MAX_ROWS
    ) -> None:
        self._renderer = renderer
        self._municipality = municipality_name
        self._max_rows = max_rows

    def write(self, out: BinaryIO, report: Report, rows: Iterable[Sequence[Cell]]) -> int:
        taken = list(islice(rows, self._max_rows + 1))  # one more tells there were more
        shown = taken[: self._max_rows]
        context = {
            "municipality_name": self._municipality,
            "title": report.title,
            "caption": report.caption,
            "name": report.name,
            "subject": report.key("subject"),
            "subject_parts": dict(report.subject),
            "rows_line": report.key("rows"),
            "empty": report.key("empty"),
            "truncated_notice": report.key("truncated"),
            "produced_on": report.produced_on,
            "columns": [{"label": c.label, "kind": c.kind.value} for c in report.columns],
            "rows": shown,
            "row_count": Decimal(len(shown)),
            "truncated": len(taken) > self._max_rows,
            "max_rows": Decimal(self._max_rows),
        }
        out.write(self._renderer.render_pdf(self.TEMPLATE, report.language, context))
        return len(shown)


class S3ReportFiles:
    """Finished files in the documents bucket, fetched by staff through presigned GETs."""

    def __init__(self, s3_client: Any, bucket: str) -> None:
        self._s3 = s3_client
        self._bucket = bucket

    def put(self, key: str, body: BinaryIO, export_format: ExportFormat, file_name: str) -> None:
        self._s3.upload_fileobj(  # multipart past 8 MB: a whole run's CSV is tens of MB
            body,
            self._bucket,
            key,
            ExtraArgs={
                "ContentType": export_format.content_type,
                "ContentDisposition": f'attachment; filename="{file_name}"',
                "ServerSideEncryption": "AES256",
            },
        )
