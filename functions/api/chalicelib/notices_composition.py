"""The API's side of notices' delivery (an account's correspondence, the print files, the
unsubscribe link), built at its first request by :mod:`civiq.notices.wiring` from the settings of
:mod:`chalicelib.composition`."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from chalicelib.composition import account_services, api

if TYPE_CHECKING:
    from civiq.notices.wiring import CorrespondenceServices
    from civiq.platform.catalogs import Catalogs


@cache
def correspondence() -> CorrespondenceServices:
    from civiq.notices.wiring import correspondence_services

    settings = api().settings
    return correspondence_services(
        settings,
        account_services().revise_customer,
        settings.documents_bucket,
        settings.document_url_seconds,
        settings.unsubscribe_secret_id,
    )


@cache
def catalogs() -> Catalogs:
    """The en/fr messages (the unsubscribe page's words)."""
    from civiq.platform.catalogs import Catalogs, default_templates_dir

    return Catalogs(default_templates_dir())
