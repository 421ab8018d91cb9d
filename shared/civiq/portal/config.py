"""The portal function's settings, from the environment, validated once at cold start."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from pydantic import Field

from civiq.collections.config import CollectionSettings
from civiq.core.settings import DocumentSettings
from civiq.ledger.domain.payments import MAX_PAYMENT
from civiq.portal.domain.throttle import Backoff
from civiq.portal.services.look_up_account import LookupPolicy
from civiq.service_requests.config import ServiceRequestSettings


class PortalSettings(DocumentSettings, CollectionSettings, ServiceRequestSettings):
    """The portal's own settings, and collections': a resident's billing dispute holds the
    account's collection case."""

    # The secret (ARN or name) that signs residents' sessions and the forms' CSRF tokens.
    portal_session_secret_id: str = Field(min_length=1)
    # A session ends this long after the last page a resident opened.
    portal_session_minutes: int = Field(default=20, ge=5, le=120)
    # A statement's PDF link works this long.
    document_url_seconds: int = Field(default=300, ge=30, le=3600)
    # Wrong lookups taken before the waits start: per account number, per client address
    # (a household, an office behind one address); the first wait, doubled with each more.
    lookup_free_failures_per_number: int = Field(default=5, ge=1, le=50)
    lookup_free_failures_per_client: int = Field(default=20, ge=1, le=500)
    lookup_first_wait_seconds: int = Field(default=30, ge=1, le=3600)
    lookup_longest_wait_seconds: int = Field(default=3600, ge=60, le=86_400)
    # A refused lookup is answered no sooner than this (wrong number or wrong postal code alike).
    lookup_refusal_milliseconds: int = Field(default=250, ge=0, le=5_000)
    # Payments go to the payment gateway (the sandbox's queue locally and in staging); one
    # payment on the portal is at most this much.
    sandbox_processor_queue_url: str = Field(min_length=10)
    # An email address changed on the portal is confirmed by a link sent to it from the notices'
    # sender address, which works this long.
    notification_sender_address: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
    email_verification_minutes: int = Field(default=60, ge=10, le=1440)
    # The KMS key that seals the bank accounts of the PAD agreements residents sign.
    mandate_key_id: str = Field(min_length=1)
    portal_max_payment: Decimal = Field(
        default=Decimal("10000.00"), gt=0, le=MAX_PAYMENT, decimal_places=2
    )

    def lookup_policy(self) -> LookupPolicy:
        first = timedelta(seconds=self.lookup_first_wait_seconds)
        longest = timedelta(seconds=self.lookup_longest_wait_seconds)
        return LookupPolicy(
            per_number=Backoff(self.lookup_free_failures_per_number, first, longest),
            per_client=Backoff(self.lookup_free_failures_per_client, first, longest),
            refusal_time=timedelta(milliseconds=self.lookup_refusal_milliseconds),
        )
