"""Open a utility account: assign its number, store it, announce AccountOpened."""

from __future__ import annotations

from dataclasses import dataclass

from civiq.domain.account_numbers import AccountNumberScheme
from civiq.domain.accounts import Account, Customer, ServiceAddress
from civiq.domain.errors import Conflict
from civiq.domain.events import Actor, DomainEvent
from civiq.domain.language import Language
from civiq.ports import AccountRepository, Clock, IdGenerator
from civiq.services.publish_events import PublishEvents

MAX_GENERATED_ATTEMPTS = 5


@dataclass(frozen=True)
class OpenAccountCommand:
    customer: Customer
    address: ServiceAddress
    language: Language
    autopay: bool = False
    account_number: str | None = None  # manual assignment; generated when None


@dataclass(frozen=True)
class OpenAccount:
    accounts: AccountRepository
    events: PublishEvents
    clock: Clock
    ids: IdGenerator
    numbering: AccountNumberScheme

    def __call__(self, command: OpenAccountCommand, actor: Actor, correlation_id: str) -> Account:
        if command.account_number is not None:
            return self._open(
                command, self.numbering.normalize(command.account_number), actor, correlation_id
            )
        # A generated number may have been assigned by hand before: skip it and take the next.
        for _ in range(MAX_GENERATED_ATTEMPTS - 1):
            number = self.numbering.number_for(self.accounts.next_sequence())
            try:
                return self._open(command, number, actor, correlation_id)
            except Conflict:
                continue
        number = self.numbering.number_for(self.accounts.next_sequence())
        return self._open(command, number, actor, correlation_id)

    def _open(
        self, command: OpenAccountCommand, number: str, actor: Actor, correlation_id: str
    ) -> Account:
        now = self.clock.now()
        account = Account(
            account_id=self.ids.new_id(),
            account_number=number,
            customer=command.customer,
            address=command.address,
            language=command.language,
            opened_at=now,
            opened_by=actor.subject,
            autopay=command.autopay,
        )
        event = DomainEvent(
            event_id=self.ids.new_id(),
            event_type="AccountOpened",
            version=1,
            occurred_at=now,
            actor=actor,
            correlation_id=correlation_id,
            subject_id=f"ACCOUNT#{account.account_id}",
            detail={
                "account_id": account.account_id,
                "account_number": account.account_number,
                "customer_name": account.customer.name,
                "language": account.language.value,
                "service_address": account.address.one_line(),
            },
        )
        self.accounts.add(account, event)
        self.events.after_commit([event])
        return account
