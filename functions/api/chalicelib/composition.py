"""Composition root of the API function: settings and adapters, built once per cold start."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from zoneinfo import ZoneInfo

from chalicelib.settings import ApiSettings
from civiq.accounts.adapters.dynamodb_accounts import DynamoAccountRepository
from civiq.accounts.adapters.dynamodb_changes import DynamoChanges
from civiq.accounts.adapters.dynamodb_customers import DynamoCustomerRepository
from civiq.accounts.adapters.dynamodb_properties import DynamoPropertyRepository
from civiq.accounts.domain.account_numbers import AccountNumberScheme
from civiq.accounts.services.change_account import ChangeAccount
from civiq.accounts.services.customers import RegisterCustomer, ReviseCustomer
from civiq.accounts.services.find_account import FindAccount
from civiq.accounts.services.open_account import OpenAccount
from civiq.accounts.services.properties import RegisterProperty, ReviseProperty
from civiq.accounts.services.recording import Recorder
from civiq.accounts.services.refresh_accounts import RefreshAccounts
from civiq.core.clock import SystemClock
from civiq.core.ids import UlidGenerator
from civiq.core.publishing import PublishEvents
from civiq.core.settings import AuthMode
from civiq.platform import aws
from civiq.platform.dynamodb.audit import DynamoAuditLog
from civiq.platform.dynamodb.outbox import DynamoOutbox
from civiq.platform.dynamodb.table import configure_models
from civiq.platform.eventbridge import EventBridgePublisher
from civiq.platform.tokens import CognitoTokens, LocalTokens


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
