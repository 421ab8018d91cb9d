"""The history pages of accounts, properties, customers and meters: one Query of the subject's
partition, oldest first."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.composition import account_services
from chalicelib.http import Reply, json_response
from chalicelib.routes import deferred

if TYPE_CHECKING:
    from civiq.core import schemas as common
else:
    common = deferred("civiq.core.schemas")


def history_response(subject_id: str, query: common.PageQuery) -> Reply[common.HistoryPage]:
    page = account_services().history.entries_for(subject_id, query.limit, query.cursor)
    items = [common.HistoryEntryOut.of(e) for e in page.items]
    return json_response(common.HistoryPage(items=items, next_cursor=page.next_cursor))
