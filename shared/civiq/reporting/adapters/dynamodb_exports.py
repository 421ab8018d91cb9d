"""Report exports on the single table.

item      PK                 SK        notes
export    EXPORT#<id>        EXPORT    what was asked (the report's kind, its run or its
                                       parameters), its status and, once done, its row count

The file itself is in the documents bucket (``exports/<id>.<ext>``). Finishing is conditional on
the export being queued, so a redelivered message finishes it once.
"""

from __future__ import annotations

from datetime import datetime

from pynamodb.attributes import (
    JSONAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.exceptions import DoesNotExist, PutError, UpdateError
from pynamodb.expressions.update import Action

from civiq.core.errors import Conflict, NotFound
from civiq.core.export_formats import ExportFormat
from civiq.core.language import Language
from civiq.platform.dynamodb.table import TableItem, TableMeta
from civiq.reporting.domain.exports import Export, ExportStatus

EXPORT_SK = "EXPORT"


def export_pk(export_id: str) -> str:
    return f"EXPORT#{export_id}"


class ExportItem(TableItem):
    class Meta(TableMeta):
        pass

    export_id = UnicodeAttribute()
    report = UnicodeAttribute()
    run_id = UnicodeAttribute(null=True)
    parameters = JSONAttribute(null=True)  # names to strings: months, as_of, route...
    format = UnicodeAttribute()
    language = UnicodeAttribute()
    requested_by = UnicodeAttribute()
    requested_at = UTCDateTimeAttribute()
    status = UnicodeAttribute()
    rows = NumberAttribute(null=True)  # a count, exact as a float up to 2**53
    finished_at = UTCDateTimeAttribute(null=True)
    failure = UnicodeAttribute(null=True)


def _export_of(item: ExportItem) -> Export:
    return Export(
        export_id=item.export_id,
        report=item.report,
        run_id=item.run_id,
        format=ExportFormat(item.format),
        language=Language(item.language),
        requested_by=item.requested_by,
        requested_at=item.requested_at,
        status=ExportStatus(item.status),
        rows=None if item.rows is None else int(item.rows),
        finished_at=item.finished_at,
        failure=item.failure,
        parameters=dict(item.parameters or {}),
    )


def _conditional_failed(error: PutError | UpdateError) -> bool:
    return error.cause_response_code == "ConditionalCheckFailedException"


class DynamoExports:
    def create(self, export: Export) -> None:
        item = ExportItem(
            pk=export_pk(export.export_id),
            sk=EXPORT_SK,
            export_id=export.export_id,
            report=export.report,
            run_id=export.run_id,
            parameters=dict(export.parameters) or None,
            format=export.format.value,
            language=export.language.value,
            requested_by=export.requested_by,
            requested_at=export.requested_at,
            status=export.status.value,
        )
        try:
            item.save(condition=ExportItem.pk.does_not_exist())
        except PutError as exc:
            if _conditional_failed(exc):
                raise Conflict(f"export {export.export_id} already exists", "id") from exc
            raise

    def get(self, export_id: str) -> Export:
        try:
            item = ExportItem.get(export_pk(export_id), EXPORT_SK, consistent_read=True)
        except DoesNotExist as exc:
            raise NotFound(f"no export with id {export_id}", "id") from exc
        return _export_of(item)

    def finish(self, export_id: str, rows: int, finished_at: datetime) -> bool:
        return self._update_queued(
            export_id,
            [
                ExportItem.status.set(ExportStatus.DONE.value),
                ExportItem.rows.set(rows),
                ExportItem.finished_at.set(finished_at),
            ],
        )

    def fail(self, export_id: str, reason: str) -> None:
        self._update_queued(
            export_id,
            [ExportItem.status.set(ExportStatus.FAILED.value), ExportItem.failure.set(reason)],
        )

    @staticmethod
    def _update_queued(export_id: str, actions: list[Action]) -> bool:
        try:
            ExportItem(pk=export_pk(export_id), sk=EXPORT_SK).update(
                actions=actions,
                condition=ExportItem.status == ExportStatus.QUEUED.value,
            )
        except UpdateError as exc:
            if _conditional_failed(exc):
                return False
            raise
        return True
