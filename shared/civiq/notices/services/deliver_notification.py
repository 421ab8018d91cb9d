"""Deliver a NotificationRequested (SQS consumer of NotificationQueue, fed by a rule): by email
through SES, by SMS through SNS, or by mail through the daily print file, as
:func:`~civiq.notices.domain.deliveries.route` decides from the customer's consents and the
suppression and opt-out lists.

Once per notification, whatever the redeliveries: a delivery already sent or queued is left
alone; an email or SMS is claimed before the provider is called and marked sent after (see
:mod:`civiq.notices.domain.deliveries` for a crash in between); mail is queued in the same write
as its delivery. A provider's refusal sends the message by mail; any other failure records that
nothing went out and raises, so the queue retries the message and, after its last attempt, its
dead letter waits in the staff work queue.
"""

from __future__ import annotations

from dataclasses import dataclass

from civiq.accounts.domain.customers import ContactMethod, Customer
from civiq.accounts.ports import CustomerRepository
from civiq.core.events import Actor
from civiq.core.ports import Clock
from civiq.notices.domain.deliveries import (
    Delivery,
    DeliveryInProgress,
    FallbackReason,
    NotificationRequest,
    OutgoingEmail,
    OutgoingSms,
    Refused,
    history_entry,
    needs_list_check,
    new_delivery,
    route,
    sms_text,
)
from civiq.notices.ports import (
    Deliveries,
    DeliveryWording,
    EmailSender,
    SmsSender,
    Suppressions,
    UnsubscribeLinks,
)
from civiq.notices.services.queue_for_print import QueueForPrint

SENDER = Actor("notification-sender", "system")
SENT = "NotificationSent"
REFUSED = {
    ContactMethod.EMAIL: FallbackReason.EMAIL_REJECTED,
    ContactMethod.SMS: FallbackReason.SMS_REJECTED,
}


@dataclass(frozen=True)
class DeliverNotification:
    deliveries: Deliveries
    customers: CustomerRepository
    suppressions: Suppressions
    email: EmailSender
    sms: SmsSender
    wording: DeliveryWording
    links: UnsubscribeLinks
    mail: QueueForPrint
    clock: Clock

    def __call__(self, request: NotificationRequest) -> Delivery:
        """The notification's delivery. Raises DeliveryInProgress while another attempt holds
        its claim, NotFound when its customer is unknown, and the provider's error when it
        failed for now."""
        now = self.clock.now()
        stored = self.deliveries.get(request.notification_id)
        if stored is not None and stored.done:
            return stored
        if stored is not None and stored.claim_is_live(now):
            raise DeliveryInProgress(request.notification_id)
        customer = self.customers.get(request.customer_id)
        chosen = route(
            request.channel,
            customer,
            email_suppressed=self._suppressed(request.channel, customer),
            sms_opted_out=self._opted_out(request.channel, customer),
        )
        delivery = stored or new_delivery(request, now)
        if chosen.channel is ContactMethod.MAIL:
            return self._by_mail(stored, delivery, customer, chosen.fallback, request)
        return self._send(stored, delivery, customer, chosen.channel, request)

    def _suppressed(self, wanted: ContactMethod, customer: Customer) -> bool:
        email = customer.contact.email
        checked = wanted is ContactMethod.EMAIL and needs_list_check(wanted, customer)
        return checked and email is not None and self.suppressions.is_suppressed(email)

    def _opted_out(self, wanted: ContactMethod, customer: Customer) -> bool:
        phone = customer.contact.phone
        checked = wanted is ContactMethod.SMS and needs_list_check(wanted, customer)
        return checked and phone is not None and self.sms.opted_out(phone)

    def _by_mail(
        self,
        before: Delivery | None,
        delivery: Delivery,
        customer: Customer,
        fallback: FallbackReason | None,
        request: NotificationRequest,
    ) -> Delivery:
        queued = self.mail(
            before,
            delivery,
            customer,
            fallback,
            self.clock.now(),
            SENDER,
            request.correlation_id,
            address=request.postal_address,
        )
        if queued is None:
            raise DeliveryInProgress(request.notification_id)
        return queued

    def _send(
        self,
        before: Delivery | None,
        delivery: Delivery,
        customer: Customer,
        channel: ContactMethod,
        request: NotificationRequest,
    ) -> Delivery:
        address = (
            customer.contact.email if channel is ContactMethod.EMAIL else customer.contact.phone
        )
        assert address is not None  # route() sends only to an address the customer has
        claimed = delivery.claimed(channel, address, self.clock.now())
        if not self.deliveries.save(before, claimed):
            raise DeliveryInProgress(request.notification_id)
        try:
            message_id = self._call_provider(claimed, customer)
        except Refused:
            return self._by_mail(claimed, claimed, customer, REFUSED[channel], request)
        except Exception:
            self.deliveries.save(claimed, claimed.unsent(self.clock.now()))  # nothing went out
            raise
        sent = claimed.sent(message_id, self.clock.now())
        entry = history_entry(sent, SENT, SENDER, request.correlation_id)
        if not self.deliveries.save(claimed, sent, [entry]):
            raise DeliveryInProgress(request.notification_id)
        return sent

    def _call_provider(self, delivery: Delivery, customer: Customer) -> str:
        language = delivery.language
        if delivery.channel is ContactMethod.SMS:
            stop = self.wording.sms_stop(language)
            text = sms_text(delivery.subject, delivery.body, stop)
            return self.sms.send(OutgoingSms(delivery.notification_id, delivery.address, text))
        url = self.links.url(customer.customer_id)
        footer = self.wording.email_footer(language, url)
        return self.email.send(
            OutgoingEmail(
                notification_id=delivery.notification_id,
                account_id=delivery.account_id,
                to_name=delivery.recipient_name,
                to_address=delivery.address,
                language=language,
                subject=delivery.subject,
                body=f"{delivery.body}\n\n-- \n{footer}",
                unsubscribe_url=url,
                unsubscribe_mailto=self.links.mailto(customer.customer_id),
            )
        )
