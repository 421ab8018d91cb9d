"""The staff console's side of the API function: its pages (templates, CSRF tokens), the
sign-ins under way and, in AWS, the user pool's managed login; built at the first page that
needs them from the settings of :mod:`chalicelib.composition`."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from chalicelib.composition import api, numbering

if TYPE_CHECKING:
    from civiq.platform.staff_sign_in import ManagedLogin, SignInAttempts
    from civiq.platform.web import Pages

HOME = "/dashboard/utilities"
CALLBACK = "/dashboard/auth/callback"
SIGNED_OUT = "/dashboard/signed-out"


@cache
def signing_key() -> bytes:
    from civiq.platform.secrets import secret

    settings = api().settings
    if not settings.console_signing_secret_id:
        raise RuntimeError("CONSOLE_SIGNING_SECRET_ID must be set")
    value = secret(
        settings.console_signing_secret_id, settings.aws_region, settings.aws_endpoint_url
    )
    return value.current().encode()


@cache
def pages() -> Pages:
    from civiq.platform.catalogs import default_templates_dir
    from civiq.platform.templating import CatalogTemplates
    from civiq.platform.web import CsrfTokens, Pages

    settings = api().settings
    templates = CatalogTemplates(settings.templates_dir or default_templates_dir())
    # An account number as statements print it and residents read it out ("UB-0000042-2").
    templates.environment.filters["printed_number"] = numbering().display
    return Pages(templates, CsrfTokens(signing_key()), settings.municipality_name, HOME)


def sign_ins() -> SignInAttempts:
    from civiq.platform.staff_sign_in import SignInAttempts

    return SignInAttempts(signing_key())


@cache
def managed_login() -> ManagedLogin | None:
    """The user pool's managed login (AUTH_MODE=cognito); None in the local stack."""
    from civiq.core.settings import AuthMode
    from civiq.platform.staff_sign_in import ManagedLogin

    settings = api().settings
    if settings.auth_mode is not AuthMode.COGNITO:
        return None
    if not (settings.cognito_domain and settings.console_url and settings.cognito_app_client_id):
        raise RuntimeError("COGNITO_DOMAIN and CONSOLE_URL must be set for the console")
    return ManagedLogin(
        domain=settings.cognito_domain,
        client_id=settings.cognito_app_client_id,
        callback_url=settings.console_url + CALLBACK,
        signed_out_url=settings.console_url + SIGNED_OUT,
    )
