"""The API's side of collections (payment arrangements), built at its first request by
:mod:`civiq.collections.wiring` from the settings of :mod:`chalicelib.composition`."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from chalicelib.composition import api

if TYPE_CHECKING:
    from civiq.collections.wiring import ArrangementServices


@cache
def arrangements() -> ArrangementServices:
    from civiq.collections.wiring import arrangement_services

    settings = api().settings
    return arrangement_services(settings, settings.arrangement_policy())
