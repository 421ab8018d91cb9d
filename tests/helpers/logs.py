"""The API logger's records as the JSON lines Powertools writes them, kept for a test to read."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class Lines(logging.Handler):
    """The API logger's records, as the JSON lines Powertools writes."""

    def __init__(self, formatter: logging.Formatter) -> None:
        super().__init__()
        self.setFormatter(formatter)
        self.lines: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        line = json.loads(self.format(record))
        with self._lock:
            self.lines.append(line)

    def requests(self) -> list[dict[str, Any]]:
        return [line for line in self.lines if line.get("message") == "request"]


@contextmanager
def api_log_lines() -> Iterator[Lines]:
    """The lines the API's logger writes meanwhile (the app must be loaded)."""
    from chalicelib.http import logger

    handler = Lines(logger.registered_formatter)
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
