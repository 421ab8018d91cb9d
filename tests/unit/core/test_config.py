"""ApiSettings: the configured auth mode must be usable (the local key's secret, Cognito ids)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from chalicelib.settings import ApiSettings
from civiq.core.settings import AuthMode

KEY_SECRET = "arn:aws:secretsmanager:ca-central-1:123456789012:secret:civiq-local-key-AbCdEf"
SETTINGS_ENV = [
    "TABLE_NAME",
    "LEDGER_TABLE_NAME",
    "EVENT_BUS_NAME",
    "AUTH_MODE",
    "LOCAL_SIGNING_KEY_SECRET_ID",
    "COGNITO_USER_POOL_ID",
    "COGNITO_APP_CLIENT_ID",
    "AWS_REGION",
    "AWS_ENDPOINT_URL",
    "ACCOUNT_NUMBER_PREFIX",
    "ACCOUNT_NUMBER_WIDTH",
    "MAX_BODY_BYTES",
]


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in SETTINGS_ENV:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    monkeypatch.setenv("TABLE_NAME", "civiq-main")
    monkeypatch.setenv("LEDGER_TABLE_NAME", "civiq-ledger")
    monkeypatch.setenv("EVENT_BUS_NAME", "civiq-bus")
    monkeypatch.setenv(
        "COLLECTION_CASE_STATE_MACHINE_ARN",
        "arn:aws:states:ca-central-1:123456789012:stateMachine:civiq-collection-case",
    )
    return monkeypatch


def test_local_mode_from_the_environment(environment: pytest.MonkeyPatch) -> None:
    environment.setenv("AUTH_MODE", "local")
    environment.setenv("LOCAL_SIGNING_KEY_SECRET_ID", KEY_SECRET)
    settings = ApiSettings()  # type: ignore[call-arg]
    assert settings.auth_mode is AuthMode.LOCAL
    assert settings.local_signing_key_secret_id == KEY_SECRET
    assert settings.table_name == "civiq-main"
    assert settings.event_bus_name == "civiq-bus"


@pytest.mark.parametrize("secret_id", [None, ""])
def test_local_mode_needs_its_keys_secret(
    environment: pytest.MonkeyPatch, secret_id: str | None
) -> None:
    environment.setenv("AUTH_MODE", "local")
    if secret_id is not None:
        environment.setenv("LOCAL_SIGNING_KEY_SECRET_ID", secret_id)
    with pytest.raises(ValidationError, match="LOCAL_SIGNING_KEY_SECRET_ID is required"):
        ApiSettings()  # type: ignore[call-arg]


def test_a_plaintext_key_in_the_environment_is_not_read(environment: pytest.MonkeyPatch) -> None:
    """A plaintext key in the environment is not read: the key lives in Secrets Manager."""
    environment.setenv("AUTH_MODE", "local")
    environment.setenv("LOCAL_SIGNING_KEY", "k" * 32)
    with pytest.raises(ValidationError, match="LOCAL_SIGNING_KEY_SECRET_ID is required"):
        ApiSettings()  # type: ignore[call-arg]


def test_local_mode_from_constructor_arguments() -> None:
    settings = ApiSettings(auth_mode=AuthMode.LOCAL, local_signing_key_secret_id=KEY_SECRET)  # type: ignore[call-arg]
    assert settings.auth_mode is AuthMode.LOCAL


def test_cognito_is_the_default_mode_and_needs_both_ids(environment: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValidationError, match="COGNITO_USER_POOL_ID and COGNITO_APP_CLIENT_ID"):
        ApiSettings()  # type: ignore[call-arg]
    environment.setenv("COGNITO_USER_POOL_ID", "ca-central-1_Abc")
    environment.setenv("COGNITO_APP_CLIENT_ID", "client-123")
    settings = ApiSettings()  # type: ignore[call-arg]
    assert settings.auth_mode is AuthMode.COGNITO
    assert settings.cognito_user_pool_id == "ca-central-1_Abc"
    assert settings.cognito_app_client_id == "client-123"


@pytest.mark.parametrize(
    "ids",
    [
        {"cognito_user_pool_id": "ca-central-1_Abc"},
        {"cognito_app_client_id": "client-123"},
        {"cognito_user_pool_id": "", "cognito_app_client_id": "client-123"},
    ],
)
def test_cognito_mode_refuses_a_missing_id(ids: dict[str, Any]) -> None:
    with pytest.raises(ValidationError, match="COGNITO_USER_POOL_ID and COGNITO_APP_CLIENT_ID"):
        ApiSettings(auth_mode=AuthMode.COGNITO, **ids)  # type: ignore[call-arg]


def test_a_local_key_does_not_satisfy_cognito_mode() -> None:
    with pytest.raises(ValidationError, match="COGNITO_USER_POOL_ID"):
        ApiSettings(auth_mode=AuthMode.COGNITO, local_signing_key_secret_id=KEY_SECRET)  # type: ignore[call-arg]


def test_defaults(environment: pytest.MonkeyPatch) -> None:
    environment.setenv("AUTH_MODE", "local")
    environment.setenv("LOCAL_SIGNING_KEY_SECRET_ID", KEY_SECRET)
    settings = ApiSettings()  # type: ignore[call-arg]
    assert settings.aws_region == "ca-central-1"
    assert settings.aws_endpoint_url is None
    assert settings.account_number_prefix == "UB"
    assert settings.account_number_width == 7
    assert settings.max_body_bytes == 65_536


@pytest.mark.parametrize(
    ("name", "value"),
    [("ACCOUNT_NUMBER_WIDTH", "13"), ("ACCOUNT_NUMBER_WIDTH", "3"), ("TABLE_NAME", "t")],
)
def test_out_of_range_settings_are_refused(
    environment: pytest.MonkeyPatch, name: str, value: str
) -> None:
    environment.setenv("AUTH_MODE", "local")
    environment.setenv("LOCAL_SIGNING_KEY_SECRET_ID", KEY_SECRET)
    environment.setenv(name, value)
    with pytest.raises(ValidationError):
        ApiSettings()  # type: ignore[call-arg]


def test_unknown_auth_mode_is_refused(environment: pytest.MonkeyPatch) -> None:
    environment.setenv("AUTH_MODE", "basic")
    with pytest.raises(ValidationError):
        ApiSettings()  # type: ignore[call-arg]
