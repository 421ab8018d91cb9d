"""Composition root of the API function: settings and adapters, built once per cold start."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from zoneinfo import ZoneInfo

from civiq.adapters import aws
from civiq.adapters.dynamodb.accounts import DynamoAccountRepository
from civiq.adapters.dynamodb.audit import DynamoAuditLog
from civiq.adapters.dynamodb.changes import DynamoChanges
from civiq.adapters.dynamodb.customers import DynamoCustomerRepository
from civiq.adapters.dynamodb.models import configure_models
from civiq.adapters.dynamodb.outbox import DynamoOutbox
from civiq.adapters.dynamodb.properties import DynamoPropertyRepository
from civiq.adapters.eventbridge import EventBridgePublisher
from civiq.adapters.system import SystemClock, UlidGenerator
from civiq.adapters.tokens import CognitoTokens, LocalTokens
from civiq.config import ApiSettings, AuthMode
from civiq.domain.account_numbers import AccountNumberScheme
from civiq.services.change_account import ChangeAccount
from civiq.services.customers import RegisterCustomer, ReviseCustomer
from civiq.services.find_account import FindAccount
from civiq.services.open_account import OpenAccount
from civiq.services.properties import RegisterProperty, ReviseProperty
from civiq.services.publish_events import PublishEvents
from civiq.services.recording import Recorder
from civiq.services.refresh_accounts import RefreshAccounts


@dataclass(frozen=True)
class Api:
    settings: ApiSettings
    tokens: LocalTokens | CognitoTokens
    numbering: AccountNumberScheme
    accounts: DynamoAccountRepository
    properties: DynamoPropertyRepository
    customers: DynamoCustomerRepository
    history: DynamoAuditLog
    open_account: OpenAccount
    find_account: FindAccount
    change_account: ChangeAccount
    register_property: RegisterProperty
    revise_property: ReviseProperty
    register_customer: RegisterCustomer
    revise_customer: ReviseCustomer


def _tokens(settings: ApiSettings) -> LocalTokens | CognitoTokens:
    if settings.auth_mode is AuthMode.LOCAL:
        assert settings.local_signing_key is not None  # checked by ApiSettings
        return LocalTokens(settings.local_signing_key.get_secret_value())
    assert settings.cognito_user_pool_id and settings.cognito_app_client_id
    return CognitoTokens(
        settings.aws_region, settings.cognito_user_pool_id, settings.cognito_app_client_id
    )


@cache
def api() -> Api:
    settings = ApiSettings()  # read from the environment
    configure_models(settings.table_name, settings.aws_region, settings.aws_endpoint_url)
    numbering = AccountNumberScheme(settings.account_number_prefix, settings.account_number_width)
    accounts = DynamoAccountRepository()
    properties = DynamoPropertyRepository()
    customers = DynamoCustomerRepository()
    changes = DynamoChanges()
    recorder = Recorder(SystemClock(), UlidGenerator(), ZoneInfo(settings.municipal_time_zone))
    refresh = RefreshAccounts(accounts, changes, recorder)
    events_client = aws.client("events", settings.aws_region, settings.aws_endpoint_url)
    events = PublishEvents(
        DynamoOutbox(), EventBridgePublisher(events_client, settings.event_bus_name)
    )
    return Api(
        settings=settings,
        tokens=_tokens(settings),
        numbering=numbering,
        accounts=accounts,
        properties=properties,
        customers=customers,
        history=DynamoAuditLog(),
        open_account=OpenAccount(
            accounts, properties, customers, changes, events, recorder, numbering
        ),
        find_account=FindAccount(accounts, numbering),
        change_account=ChangeAccount(accounts, changes, events, recorder),
        register_property=RegisterProperty(properties, customers, changes, recorder),
        revise_property=ReviseProperty(properties, accounts, changes, recorder, refresh),
        register_customer=RegisterCustomer(changes, recorder),
        revise_customer=ReviseCustomer(customers, accounts, changes, recorder, refresh),
    )
