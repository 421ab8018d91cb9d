"""Composition root of the API function: its settings and token verifier, and the accounts
services (:mod:`civiq.accounts.wiring`), each built once, at the first request that needs it.

Each other feature's routes have their own composition module (``<feature>_composition.py``),
built at its first request from these settings through that feature's wiring. Nothing here
imports a wiring, an adapter or a service at import time: a cold start pays only for the routes
it serves (wiring modules are imported by the getters, which the local stack allows since they
live in the shared layer, not in this function's own package).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from typing import TYPE_CHECKING

from chalicelib.settings import ApiSettings

if TYPE_CHECKING:
    from civiq.accounts.domain.account_numbers import AccountNumberScheme
    from civiq.accounts.wiring import AccountServices
    from civiq.billing.services.requirements import CycleRequirements
    from civiq.platform.tokens import CognitoTokens, LocalTokens


@dataclass(frozen=True)
class Api:
    """The API's settings and its token verifier."""

    settings: ApiSettings
    tokens: LocalTokens | CognitoTokens


def _tokens(settings: ApiSettings) -> LocalTokens | CognitoTokens:
    from civiq.core.settings import AuthMode
    from civiq.platform.secrets import secret
    from civiq.platform.tokens import CognitoTokens, LocalTokens

    max_lifetime = timedelta(hours=settings.max_token_lifetime_hours)
    if settings.auth_mode is AuthMode.LOCAL:
        secret_id = settings.local_signing_key_secret_id
        assert secret_id  # checked by ApiSettings

        def key() -> str:  # read (cached) at each use, not when the app is composed
            return secret(secret_id, settings.aws_region, settings.aws_endpoint_url).current()

        return LocalTokens(key, max_lifetime)
    assert settings.cognito_user_pool_id and settings.cognito_app_client_id
    return CognitoTokens(
        settings.aws_region,
        settings.cognito_user_pool_id,
        settings.cognito_app_client_id,
        max_lifetime,
    )


@cache
def api() -> Api:
    settings = ApiSettings()  # read from the environment
    return Api(settings=settings, tokens=_tokens(settings))


@cache
def numbering() -> AccountNumberScheme:
    """This municipality's account numbers."""
    from civiq.accounts.domain.account_numbers import AccountNumberScheme

    settings = api().settings
    return AccountNumberScheme(settings.account_number_prefix, settings.account_number_width)


@cache
def billing_requirements() -> CycleRequirements:
    """What billing needs of an account, asked before one is opened or changed."""
    from civiq.billing.wiring import billing_requirements as build

    return build(api().settings)


@cache
def account_services() -> AccountServices:
    """Staff's accounts, properties, customers and their history."""
    from civiq.accounts.wiring import account_services as build

    return build(api().settings, numbering(), billing_requirements())


def clear() -> None:
    """Forget everything built (tests start each app from its environment)."""
    api.cache_clear()
    numbering.cache_clear()
    billing_requirements.cache_clear()
    account_services.cache_clear()
