"""Queue a notification for the daily print file: its letter, addressed to the customer's mailing
address (else the account's service address), written with the delivery's new state and its
history entry in one transaction, for the print file of the day it is queued (see
:mod:`civiq.notices.domain.print_files`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from civiq.accounts.domain.customers import Customer
from civiq.accounts.ports import AccountRepository
from civiq.core.addresses import Address
from civiq.core.events import Actor
from civiq.notices.domain.deliveries import Delivery, FallbackReason, history_entry
from civiq.notices.domain.print_files import Letter, print_day
from civiq.notices.ports import Deliveries

QUEUED = "NotificationQueuedForPrint"


@dataclass(frozen=True)
class QueueForPrint:
    deliveries: Deliveries
    accounts: AccountRepository
    time_zone: ZoneInfo
    cutoff: time  # the print file's cut-off, a local time of day

    def __call__(
        self,
        before: Delivery | None,
        delivery: Delivery,
        customer: Customer,
        fallback: FallbackReason | None,
        now: datetime,
        actor: Actor,
        correlation_id: str,
        address: Address | None = None,
        action: str = QUEUED,
    ) -> Delivery | None:
        """``delivery`` queued for print, replacing ``before`` (None: nothing stored yet);
        ``address``: where the request said to mail it, if it did. None when another attempt
        changed the delivery first (nothing written)."""
        to = address or self._address_of(customer, delivery.account_id)
        day = print_day(now, self.time_zone, self.cutoff)
        after = delivery.queued_for_print(to.one_line(), day, fallback, now)
        letter = Letter(
            notification_id=delivery.notification_id,
            account_id=delivery.account_id,
            account_number=delivery.account_number,
            kind=delivery.kind,
            language=delivery.language,
            recipient_name=delivery.recipient_name,
            address=to,
            subject=delivery.subject,
            body=delivery.body,
            queued_at=now,
            day=day,
        )
        entry = history_entry(after, action, actor, correlation_id)
        return after if self.deliveries.save(before, after, [entry], letter) else None

    def _address_of(self, customer: Customer, account_id: str) -> Address:
        mailing = customer.contact.mailing_address
        return mailing if mailing is not None else self.accounts.get(account_id).service_address
