"""The history pages of accounts, properties and customers: one Query of the subject's
partition, oldest first."""

from __future__ import annotations

from chalice import Response

from chalicelib.composition import api
from chalicelib.http import json_response
from civiq.core.schemas import HistoryEntryOut, HistoryPage, PageQuery


def history_response(subject_id: str, query: PageQuery) -> Response:
    page = api().history.entries_for(subject_id, query.limit, query.cursor)
    items = [HistoryEntryOut.of(e) for e in page.items]
    return json_response(HistoryPage(items=items, next_cursor=page.next_cursor))
