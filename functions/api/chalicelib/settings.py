"""The API function's settings, from the environment, validated once at cold start."""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field, model_validator

from civiq.collections.config import TaxRollSettings
from civiq.core.settings import STATE_MACHINE_ARN, AuthMode
from civiq.ledger.domain.journal import AllocationOrder
from civiq.service_requests.config import ServiceRequestSettings


class ApiSettings(TaxRollSettings, ServiceRequestSettings):
    """The API's settings (collections' among them: the arrangement policy, the cases' workflow
    and dunning defaults, the transfers to the tax roll and the documents bucket)."""

    auth_mode: AuthMode = AuthMode.COGNITO
    # The local token key's secret (ARN or name) in Secrets Manager: its value is read at run
    # time, never from the environment.
    local_signing_key_secret_id: str | None = None
    cognito_user_pool_id: str | None = None
    cognito_app_client_id: str | None = None
    # A bearer token living longer than this is refused; Cognito's access tokens live a day at
    # most, so no longer-lived token is legitimate.
    max_token_lifetime_hours: int = Field(default=24, ge=1, le=24)
    max_body_bytes: int = Field(default=65_536, ge=1_024)
    # The move and transfer workflows (the template sets both; their routes need them).
    move_state_machine_arn: str | None = Field(default=None, pattern=STATE_MACHINE_ARN)
    transfer_state_machine_arn: str | None = Field(default=None, pattern=STATE_MACHINE_ARN)
    # Where reading files are uploaded (the import routes need it).
    readings_bucket: str | None = Field(default=None, min_length=3)
    billing_cycle_state_machine_arn: str | None = Field(default=None, pattern=STATE_MACHINE_ARN)
    # A rebill's PDF is rendered by the statement renderer, invoked asynchronously.
    statement_renderer_function: str | None = None
    # Report exports are made by functions/report_export, asked for on this queue.
    export_queue_url: str | None = Field(default=None, min_length=10)
    # Rate-change simulations are run by functions/rate_simulation, asked for on this queue.
    rate_simulation_queue_url: str | None = Field(default=None, min_length=10)
    # Staff payments: Idempotency-Key records (Powertools), and the ledger's rules.
    idempotency_table_name: str | None = Field(default=None, min_length=3)
    idempotency_key_hours: int = Field(default=72, ge=1, le=24 * 30)
    allocation_order: AllocationOrder = AllocationOrder.OLDEST_FIRST
    nsf_fee: Decimal = Field(default=Decimal("45.00"), ge=0, le=500, decimal_places=2)
    # The payment processor's webhook: its signing secret in Secrets Manager (ARN or name; its
    # current and previous versions are accepted), and the queue its events are processed from.
    webhook_secret_id: str | None = None
    webhook_tolerance_seconds: int = Field(default=300, ge=30, le=3600)
    processor_events_queue_url: str | None = Field(default=None, min_length=10)
    # Bank remittance files are kept in the documents bucket and matched from this queue.
    remittance_queue_url: str | None = Field(default=None, min_length=10)
    # A card or PAD payment is refunded through the payment gateway (the sandbox's queue).
    sandbox_processor_queue_url: str | None = Field(default=None, min_length=10)
    # The secret the emails' unsubscribe links are signed with (ARN or name): the public
    # unsubscribe route checks them.
    unsubscribe_secret_id: str | None = None

    # The staff console's pages: the secret (ARN or name) signing their CSRF tokens and
    # sign-ins under way; the console's public URL (the managed login's callback and sign-out
    # addresses are registered under it); the user pool's managed login domain (AWS).
    console_signing_secret_id: str | None = None
    console_url: str | None = Field(default=None, pattern=r"^(?:https?://[^\s?#]+[^/\s?#])?$")
    cognito_domain: str | None = Field(default=None, pattern=r"^(?:https://[^\s/?#]+)?$")

    @model_validator(mode="after")
    def _auth_is_configured(self) -> ApiSettings:
        if self.auth_mode is AuthMode.LOCAL:
            if not self.local_signing_key_secret_id:
                raise ValueError("LOCAL_SIGNING_KEY_SECRET_ID is required")
        elif not (self.cognito_user_pool_id and self.cognito_app_client_id):
            raise ValueError("COGNITO_USER_POOL_ID and COGNITO_APP_CLIENT_ID are required")
        return self
