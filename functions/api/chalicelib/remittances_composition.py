"""The API's side of bank remittance files, built at its first request by
:mod:`civiq.payments.wiring` from the settings of :mod:`chalicelib.composition`; a decided
exception is posted through the staff payments of :mod:`chalicelib.payments_composition`."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from chalicelib.composition import api
from chalicelib.payments_composition import payments

if TYPE_CHECKING:
    from civiq.payments.wiring import RemittanceServices


@cache
def remittances() -> RemittanceServices:
    from civiq.payments.wiring import remittance_services

    settings = api().settings
    if not (settings.documents_bucket and settings.remittance_queue_url):
        raise RuntimeError("DOCUMENTS_BUCKET and REMITTANCE_QUEUE_URL must be set")
    return remittance_services(
        settings,
        documents_bucket=settings.documents_bucket,
        remittance_queue_url=settings.remittance_queue_url,
        post=payments().post,
    )
