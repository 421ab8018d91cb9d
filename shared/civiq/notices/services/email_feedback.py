"""What SES tells of an email after it was sent (SES events through SNS and SQS): a bounce or a
complaint.

- A permanent bounce puts the address on the suppression list and marks the customer's email
  undeliverable (until another address is given): later messages go by mail.
- A complaint (the customer reported the message as spam) puts the address on the list and
  withdraws the customer's consent to email, as an unsubscribe would.
- A bounce, permanent or not (SES reports a transient one once it gave up retrying), means the
  message did not arrive: that message is queued for mail.

Safe to handle twice: the list keeps an address once, the customer is changed only when not yet
changed, and a message is queued for mail only while its delivery is still ``sent``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from civiq.accounts.domain.customers import (
    ConsentChange,
    ConsentChanges,
    ConsentSource,
    ContactMethod,
    Customer,
    Undeliverable,
    in_force,
)
from civiq.accounts.ports import CustomerRepository
from civiq.accounts.services.customers import ReviseCustomer
from civiq.core.events import Actor
from civiq.core.ports import Clock
from civiq.notices.domain.deliveries import (
    Delivery,
    DeliveryStatus,
    FallbackReason,
    Suppression,
)
from civiq.notices.ports import Deliveries, Suppressions
from civiq.notices.services.queue_for_print import QueueForPrint

FEEDBACK = Actor("email-feedback", "system")
BOUNCED = "NotificationBounced"


class FeedbackKind(StrEnum):
    BOUNCE = "bounce"
    COMPLAINT = "complaint"


@dataclass(frozen=True)
class EmailFeedback:
    """One SES bounce or complaint event."""

    kind: FeedbackKind
    permanent: bool  # a permanent bounce, or a complaint
    addresses: tuple[str, ...]
    detail: str  # "Permanent/General: smtp; 550 5.1.1 user unknown"
    at: datetime
    notification_id: str | None  # from the message's tags


@dataclass(frozen=True)
class FeedbackOutcome:
    suppressed: tuple[str, ...]  # addresses newly on the list
    customer_changed: bool
    requeued: bool


@dataclass(frozen=True)
class HandleEmailFeedback:
    deliveries: Deliveries
    suppressions: Suppressions
    customers: CustomerRepository
    revise_customer: ReviseCustomer
    mail: QueueForPrint
    clock: Clock

    def __call__(self, feedback: EmailFeedback, correlation_id: str) -> FeedbackOutcome:
        suppressed = tuple(
            address
            for address in feedback.addresses
            if feedback.permanent
            and self.suppressions.suppress(self._suppression(address, feedback))
        )
        delivery = (
            self.deliveries.get(feedback.notification_id) if feedback.notification_id else None
        )
        if delivery is None:  # not one of ours, or sent before deliveries were recorded
            return FeedbackOutcome(suppressed, False, False)
        customer = self.customers.get(delivery.customer_id)
        changed = self._change_customer(customer, feedback, correlation_id)
        requeued = self._requeue(delivery, customer, feedback, correlation_id)
        return FeedbackOutcome(suppressed, changed, requeued)

    @staticmethod
    def _suppression(address: str, feedback: EmailFeedback) -> Suppression:
        return Suppression(
            address.lower(),
            feedback.kind.value,
            feedback.detail,
            feedback.at,
            feedback.notification_id,
        )

    def _change_customer(
        self, customer: Customer, feedback: EmailFeedback, correlation_id: str
    ) -> bool:
        email = customer.contact.email
        if feedback.kind is FeedbackKind.COMPLAINT:
            if not in_force(customer.preferences.email_consent):
                return False
            withdrawal = ConsentChanges(email=ConsentChange(False, ConsentSource.COMPLAINT))
            self.revise_customer(
                customer.customer_id,
                customer.version,
                FEEDBACK,
                correlation_id,
                consents=withdrawal,
            )
            return True
        bounced = {address.lower() for address in feedback.addresses}
        if not feedback.permanent or email is None or email.lower() not in bounced:
            return False
        if customer.contact.email_undeliverable is not None:
            return False
        marked = replace(
            customer.contact, email_undeliverable=Undeliverable(feedback.at, feedback.detail)
        )
        self.revise_customer(
            customer.customer_id, customer.version, FEEDBACK, correlation_id, contact=marked
        )
        return True

    def _requeue(
        self, delivery: Delivery, customer: Customer, feedback: EmailFeedback, correlation_id: str
    ) -> bool:
        if feedback.kind is not FeedbackKind.BOUNCE:
            return False
        if (
            delivery.status is not DeliveryStatus.SENT
            or delivery.channel is not ContactMethod.EMAIL
        ):
            return False  # queued already (this bounce was handled), or not an email
        queued = self.mail(
            delivery,
            delivery,
            customer,
            FallbackReason.EMAIL_BOUNCED,
            self.clock.now(),
            FEEDBACK,
            correlation_id,
            action=BOUNCED,
        )
        return queued is not None
