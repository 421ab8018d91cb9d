"""The API's side of service requests, built at its first request by
:mod:`civiq.service_requests.wiring` from the settings of :mod:`chalicelib.composition`, with
collections' casework (:mod:`chalicelib.collections_composition`) for the billing disputes that
hold a collection case."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from chalicelib.collections_composition import casework
from chalicelib.composition import api

if TYPE_CHECKING:
    from civiq.service_requests.wiring import ServiceRequestServices


@cache
def service_requests() -> ServiceRequestServices:
    from civiq.service_requests.wiring import service_request_services

    return service_request_services(api().settings, casework)
