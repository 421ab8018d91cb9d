"""Composition root of the API function: settings and adapters, built once per cold start."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from civiq.adapters import aws
from civiq.adapters.dynamodb.accounts import DynamoAccountRepository
from civiq.adapters.dynamodb.models import configure_models
from civiq.adapters.dynamodb.outbox import DynamoOutbox
from civiq.adapters.eventbridge import EventBridgePublisher
from civiq.adapters.system import SystemClock, UlidGenerator
from civiq.adapters.tokens import CognitoTokens, LocalTokens
from civiq.config import ApiSettings, AuthMode
from civiq.domain.account_numbers import AccountNumberScheme
from civiq.services.find_account import FindAccount
from civiq.services.open_account import OpenAccount
from civiq.services.publish_events import PublishEvents


@dataclass(frozen=True)
class Api:
    settings: ApiSettings
    tokens: LocalTokens | CognitoTokens
    numbering: AccountNumberScheme
    accounts: DynamoAccountRepository
    open_account: OpenAccount
    find_account: FindAccount


@cache
def api() -> Api:
    settings = ApiSettings()  # read from the environment
    configure_models(settings.table_name, settings.aws_region, settings.aws_endpoint_url)
    tokens: LocalTokens | CognitoTokens
    if settings.auth_mode is AuthMode.LOCAL:
        assert settings.local_signing_key is not None  # checked by ApiSettings
        tokens = LocalTokens(settings.local_signing_key.get_secret_value())
    else:
        assert settings.cognito_user_pool_id and settings.cognito_app_client_id
        tokens = CognitoTokens(
            settings.aws_region, settings.cognito_user_pool_id, settings.cognito_app_client_id
        )
    numbering = AccountNumberScheme(settings.account_number_prefix, settings.account_number_width)
    accounts = DynamoAccountRepository()
    events_client = aws.client("events", settings.aws_region, settings.aws_endpoint_url)
    events = PublishEvents(
        DynamoOutbox(), EventBridgePublisher(events_client, settings.event_bus_name)
    )
    return Api(
        settings=settings,
        tokens=tokens,
        numbering=numbering,
        accounts=accounts,
        open_account=OpenAccount(accounts, events, SystemClock(), UlidGenerator(), numbering),
        find_account=FindAccount(accounts, numbering),
    )
