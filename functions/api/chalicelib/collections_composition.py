"""The API's side of collections (payment arrangements, collection cases, write-offs,
transfers to the tax roll, collection agencies, risk scores, receivables aging and the exports of
the KPIs and the aging), built at its
first request by :mod:`civiq.collections.wiring` from the settings of
:mod:`chalicelib.composition`."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from chalicelib.composition import api

if TYPE_CHECKING:
    from civiq.collections.services.casework import Casework
    from civiq.collections.services.report_exports import RequestCollectionExport
    from civiq.collections.services.risk_worklist import RiskWorklist
    from civiq.collections.wiring import (
        AgencyServices,
        AgingServices,
        ArrangementServices,
        CaseServices,
        TaxRollServices,
        WriteOffServices,
    )


@cache
def casework() -> Casework:
    """Collections' casework, shared by its routes and by the billing disputes that hold a
    case (:mod:`chalicelib.service_requests_composition`)."""
    from civiq.collections.wiring import casework as build

    return build(api().settings)


@cache
def arrangements() -> ArrangementServices:
    from civiq.collections.wiring import arrangement_services

    return arrangement_services(casework(), api().settings)


@cache
def cases() -> CaseServices:
    from civiq.collections.wiring import case_services

    return case_services(casework())


@cache
def tax_roll() -> TaxRollServices:
    from civiq.collections.wiring import tax_roll_services

    return tax_roll_services(casework(), api().settings)


@cache
def risk_worklist() -> RiskWorklist:
    from civiq.collections.wiring import risk_worklist as build

    return build(api().settings)


@cache
def aging() -> AgingServices:
    from civiq.collections.wiring import aging_services

    return aging_services(api().settings)


@cache
def agencies() -> AgencyServices:
    from civiq.collections.wiring import agency_services

    settings = api().settings
    return agency_services(
        casework(),
        settings,
        allocation_order=settings.allocation_order,
        documents_bucket=settings.documents_bucket,
        link_seconds=settings.document_url_seconds,
    )


def write_offs() -> WriteOffServices:
    from civiq.collections.wiring import write_off_services

    return write_off_services(casework(), api().settings)


@cache
def request_collection_export() -> RequestCollectionExport:
    from civiq.collections.wiring import request_collection_export

    settings = api().settings
    if not settings.export_queue_url:
        raise RuntimeError("EXPORT_QUEUE_URL must be set")
    return request_collection_export(settings, export_queue_url=settings.export_queue_url)
