"""The API's side of the staff work queue, built at its first request by
:mod:`civiq.operations.wiring` from the settings of :mod:`chalicelib.composition`."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from chalicelib.composition import api

if TYPE_CHECKING:
    from civiq.operations.services.work_queue import WorkQueue


@cache
def work_queue() -> WorkQueue:
    from civiq.operations import wiring

    return wiring.work_queue(api().settings)
