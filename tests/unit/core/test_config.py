"""ApiSettings: the configured auth mode must be usable (local key length, Cognito ids)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from chalicelib.settings import ApiSettings
from civiq.core.settings import AuthMode

KEY_32 = "k" * 32
SETTINGS_ENV = [
    "TABLE_NAME",
    "EVENT_BUS_NAME",
    "AUTH_MODE",
    "LOCAL_SIGNING_KEY",
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
    monkeypatch.setenv("EVENT_BUS_NAME", "civiq-bus")
    return monkeypatch


def test_local_mode_from_the_environment(environment: pytest.MonkeyPatch) -> None:
    environment.setenv("AUTH_MODE", "local")
    environment.setenv("LOCAL_SIGNING_KEY", KEY_32)
    settings = ApiSettings()  # type: ignore[call-arg]
    assert settings.auth_mode is AuthMode.LOCAL
    assert settings.local_signing_key is not None
    assert settings.local_signing_key.get_secret_value() == KEY_32
    assert KEY_32 not in repr(settings)
    assert settings.table_name == "civiq-main"
    assert settings.event_bus_name == "civiq-bus"


@pytest.mark.parametrize("key", [None, "", "k" * 31])
def test_local_mode_needs_a_key_of_at_least_32_characters(
    environment: pytest.MonkeyPatch, key: str | None
) -> None:
    environment.setenv("AUTH_MODE", "local")
    if key is not None:
        environment.setenv("LOCAL_SIGNING_KEY", key)
    with pytest.raises(ValidationError, match="LOCAL_SIGNING_KEY of at least 32 characters"):
        ApiSettings()  # type: ignore[call-arg]


def test_local_mode_from_constructor_arguments() -> None:
    settings = ApiSettings(auth_mode=AuthMode.LOCAL, local_signing_key=KEY_32)  # type: ignore[arg-type]
    assert settings.auth_mode is AuthMode.LOCAL
    with pytest.raises(ValidationError, match="at least 32"):
        ApiSettings(auth_mode=AuthMode.LOCAL, local_signing_key="short")  # type: ignore[arg-type]


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
        ApiSettings(auth_mode=AuthMode.COGNITO, local_signing_key=KEY_32)  # type: ignore[arg-type]


def test_defaults(environment: pytest.MonkeyPatch) -> None:
    environment.setenv("AUTH_MODE", "local")
    environment.setenv("LOCAL_SIGNING_KEY", KEY_32)
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
    environment.setenv("LOCAL_SIGNING_KEY", KEY_32)
    environment.setenv(name, value)
    with pytest.raises(ValidationError):
        ApiSettings()  # type: ignore[call-arg]


def test_unknown_auth_mode_is_refused(environment: pytest.MonkeyPatch) -> None:
    environment.setenv("AUTH_MODE", "basic")
    with pytest.raises(ValidationError):
        ApiSettings()  # type: ignore[call-arg]
