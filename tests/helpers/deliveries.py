"""The notification sender's world in memory (the accounts' store, the delivery fakes, a fixed
clock), customers with or without consent, and the requests the sender reads."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, time
from zoneinfo import ZoneInfo

from civiq.accounts.domain.accounts import Account
from civiq.accounts.domain.customers import (
    ConsentChange,
    ConsentChanges,
    ConsentSource,
    ContactMethod,
    Customer,
)
from civiq.accounts.services.customers import NewCustomer, ReviseCustomer
from civiq.accounts.services.refresh_accounts import RefreshAccounts
from civiq.core.addresses import Address
from civiq.core.fakes import FixedClock
from civiq.notices.adapters.memory import (
    FixedKeys,
    InMemoryDeliveries,
    InMemorySuppressions,
    PlainDeliveryWording,
    RecordingEmailSender,
    RecordingSmsSender,
)
from civiq.notices.adapters.unsubscribe_links import SignedUnsubscribeLinks
from civiq.notices.domain.deliveries import NotificationRequest
from civiq.notices.services.deliver_notification import DeliverNotification
from civiq.notices.services.email_feedback import HandleEmailFeedback
from civiq.notices.services.queue_for_print import QueueForPrint
from tests.helpers.builders import new_customer
from tests.helpers.stores import Stores, memory_stores

TORONTO = ZoneInfo("America/Toronto")
CUTOFF = time(16)
UNSUBSCRIBE_URL = "https://api.example.ca/api/v1/notices/unsubscribe"
EVERY_CONSENT = ConsentChanges(
    email=ConsentChange(True, ConsentSource.PAPER_FORM),
    sms=ConsentChange(True, ConsentSource.PHONE),
)


def customer_who_agreed(
    channel: ContactMethod, consents: ConsentChanges = EVERY_CONSENT, **fields: object
) -> NewCustomer:
    """A customer preferring ``channel``, with an email and a phone and (by default) consent to
    both."""
    return replace(new_customer(contact_method=channel, **fields), consents=consents)  # type: ignore[arg-type]


def request_for(
    account: Account,
    channel: ContactMethod,
    notification_id: str = "01JNOTIFICATION00000000001",
    postal_address: Address | None = None,
    requested_at: datetime | None = None,
) -> NotificationRequest:
    return NotificationRequest(
        notification_id=notification_id,
        kind="high-consumption",
        account_id=account.account_id,
        account_number=account.account_number,
        language=account.language,
        customer_id=account.holder.customer_id,
        recipient_name=account.holder.name,
        channel=channel,
        postal_address=postal_address,
        subject="Consommation d\u2019eau élevée",
        body="Bonjour,\n\nVotre compteur tourne.\n\nVille de Pointe-aux-Érables",
        requested_at=requested_at or datetime(2026, 11, 26, 13, 0, tzinfo=TORONTO),
        correlation_id="trigger-1",
    )


@dataclass
class DeliveryWorld:
    """The accounts' in-memory stores (their clock fixed at 14:00 UTC, 09:00 in Toronto) and the
    delivery fakes over them."""

    stores: Stores = field(default_factory=memory_stores)
    email: RecordingEmailSender = field(default_factory=RecordingEmailSender)
    sms: RecordingSmsSender = field(default_factory=RecordingSmsSender)
    suppressions: InMemorySuppressions = field(default_factory=InMemorySuppressions)

    def __post_init__(self) -> None:
        self.clock: FixedClock = self.stores.recorder.clock  # type: ignore[assignment]
        self.deliveries = InMemoryDeliveries(self.stores.accounts)
        self.mail = QueueForPrint(self.deliveries, self.stores.accounts, TORONTO, CUTOFF)

    def open(self, customer: NewCustomer, street: str = "12 Rue Principale") -> Account:
        """An account of a new ``customer`` (its holder)."""
        return self.stores.open(customer.name, street, customer=customer)

    def customer(self, account: Account) -> Customer:
        return self.stores.customers.get(account.holder.customer_id)  # type: ignore[no-any-return]

    def revise_customer(self) -> ReviseCustomer:
        stores = self.stores
        refresh = RefreshAccounts(stores.accounts, stores.changes, stores.recorder)
        return ReviseCustomer(
            stores.customers, stores.accounts, stores.changes, stores.recorder, refresh
        )

    def sender(self) -> DeliverNotification:
        return DeliverNotification(
            deliveries=self.deliveries,
            customers=self.stores.customers,
            suppressions=self.suppressions,
            email=self.email,
            sms=self.sms,
            wording=PlainDeliveryWording(),
            links=SignedUnsubscribeLinks(FixedKeys(), UNSUBSCRIBE_URL, "billing@example.ca"),
            mail=self.mail,
            clock=self.clock,
        )

    def feedback(self) -> HandleEmailFeedback:
        return HandleEmailFeedback(
            deliveries=self.deliveries,
            suppressions=self.suppressions,
            customers=self.stores.customers,
            revise_customer=self.revise_customer(),
            mail=self.mail,
            clock=self.clock,
        )
