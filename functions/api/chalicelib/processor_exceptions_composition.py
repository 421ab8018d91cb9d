"""The API's side of processor exceptions, built at its first request by
:mod:`civiq.payments.wiring` from the settings of :mod:`chalicelib.composition`."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from chalicelib.composition import api

if TYPE_CHECKING:
    from civiq.payments.wiring import ProcessorExceptionServices


@cache
def processor_exceptions() -> ProcessorExceptionServices:
    from civiq.accounts.domain.account_numbers import AccountNumberScheme
    from civiq.payments.wiring import processor_exception_services

    settings = api().settings
    return processor_exception_services(
        settings,
        numbering=AccountNumberScheme(
            settings.account_number_prefix, settings.account_number_width
        ),
        allocation_order=settings.allocation_order,
    )
