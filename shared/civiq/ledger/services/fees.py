"""Fees: the catalogue a supervisor configures, and a fee charged to an account.

A fee is charged by staff (the API) or by the event that triggers it (AccountOpened: the
new-account fee); a dishonoured cheque's fee is charged with its reversal
(:class:`civiq.payments.services.payments.ReversePayment`). Each charge is posted once, named by
its guard ``fee:<code>:<trigger>``: a retried request or a redelivered event finds it posted and
changes nothing. The fee and its tax are owed as one unbilled item, itemized on the next
statement.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from civiq.accounts.services.recording import Recorder
from civiq.core.audit import AuditEntry
from civiq.core.errors import NotFound, check_version
from civiq.core.events import Actor, DomainEvent
from civiq.core.history import changes
from civiq.core.money import dollars as money
from civiq.ledger.domain.fees import (
    NEW_ACCOUNT,
    FeeCatalogue,
    FeeCharge,
    fee_entries,
    fee_guard,
)
from civiq.ledger.domain.journal import AccountLedger, LedgerEntry, Posting, StatementChange
from civiq.ledger.domain.journal import unbilled as unbilled_item
from civiq.ledger.domain.payments import derived_id
from civiq.ledger.ports import FeeCatalogueRepository
from civiq.ledger.services.posting import Draft, PaymentLedger

FEES_SUBJECT = "FEES"  # the catalogue's history


@dataclass(frozen=True)
class ConfigureFees:
    """Replace the fee catalogue (supervisors), with its history entry."""

    catalogues: FeeCatalogueRepository
    recorder: Recorder

    def __call__(self, catalogue: FeeCatalogue, actor: Actor, correlation_id: str) -> FeeCatalogue:
        """``catalogue.version`` is the version it replaces (else VersionConflict)."""
        before = self.catalogues.get()
        check_version(before.version, catalogue.version, "the fee catalogue")
        after = FeeCatalogue(catalogue.fees, before.version + 1)
        entry = AuditEntry(
            entry_id=self.recorder.ids.new_id(),
            subject_id=FEES_SUBJECT,
            action="FeeCatalogueChanged",
            actor_subject=actor.subject,
            actor_role=actor.role,
            occurred_at=self.recorder.clock.now(),
            correlation_id=correlation_id,
            detail={"version": after.version, "changes": changes(before, after)},
        )
        self.catalogues.save(before, after, entry)
        return after


@dataclass(frozen=True)
class ChargedFee:
    code: str
    entries: tuple[LedgerEntry, ...]  # the fee, then its tax
    new: bool  # False: it was charged before (a retry, a redelivered event)


@dataclass(frozen=True)
class ChargeFee:
    """Charge a fee of the catalogue to an account, once per trigger."""

    books: PaymentLedger
    catalogues: FeeCatalogueRepository

    def __call__(
        self,
        account_id: str,
        code: str,
        trigger: str,
        actor: Actor,
        cid: str,
        *,
        because: str,
        on: date | None = None,
    ) -> ChargedFee:
        """Charge fee ``code`` on the terms in effect ``on`` (default: today) for ``trigger``
        (what identifies its cause: a request, an account opened). Raises NotFound (``code``)
        when the catalogue has no such fee in effect then."""
        charged = self.if_configured(account_id, code, trigger, actor, cid, because=because, on=on)
        if charged is None:
            raise NotFound(f"no fee {code} is configured on {on or self.books.today()}", "code")
        return charged

    def if_configured(
        self,
        account_id: str,
        code: str,
        trigger: str,
        actor: Actor,
        cid: str,
        *,
        because: str,
        on: date | None = None,
    ) -> ChargedFee | None:
        """As calling it, but None (charging nothing) when no fee ``code`` is in effect."""
        account = self.books.accounts.get(account_id)  # NotFound for an unknown account
        day = on or self.books.today()
        entry_id = derived_id("FEE", account_id, code, trigger)
        earlier = self._charged(account_id, entry_id)
        if earlier:
            return ChargedFee(code, earlier, False)
        terms = self.catalogues.get().fee_on(code, day)
        if terms is None:
            return None
        charge = FeeCharge(code, terms, entry_id, because)
        now = self.books.announcer.clock.now()

        def compute(basis: AccountLedger) -> Draft:
            entries = fee_entries(
                basis.head,
                charge,
                account_id=account_id,
                language=account.language,
                occurred_at=now,
                recorded_by=actor.subject,
            )
            owed = StatementChange(unbilled_item(entry_id), self.books.today(), terms.total)
            detail = charged_detail(account_id, charge, entries)
            return Draft(
                Posting(basis, fee_guard(code, trigger), entries, (owed,), basis.credit),
                events=[self.books.announcer.event("FeeCharged", account_id, actor, cid, detail)],
            )

        posted = self.books.post_until_settled(account_id, compute)
        if posted:
            return ChargedFee(code, posted.posting.entries, True)
        return ChargedFee(code, self._charged(account_id, entry_id), False)

    def _charged(self, account_id: str, entry_id: str) -> tuple[LedgerEntry, ...]:
        """The entries of the charge ``entry_id`` (none: not charged yet). Fees are few: the
        account's journal is read from the start."""
        found: list[LedgerEntry] = []
        after = 0
        while True:
            page = self.books.ledger.entries(account_id, after, 200)
            found += [e for e in page.items if e.entry_id in (entry_id, f"{entry_id}-tax")]
            if page.next_cursor is None:
                return tuple(found)
            after = int(page.next_cursor)


def charged_detail(
    account_id: str, charge: FeeCharge, entries: Sequence[LedgerEntry]
) -> dict[str, Any]:
    """The FeeCharged event's detail."""
    terms = charge.terms
    return {
        "account_id": account_id,
        "entry_id": charge.entry_id,
        "code": charge.code,
        "amount": money(terms.amount),
        "tax": money(terms.tax_amount),
        "total": money(terms.total),
        "gl_code": terms.gl_code,
        "wording": entries[0].reason,
        "because": charge.because,
    }


@dataclass(frozen=True)
class ChargeOpeningFee:
    """The new-account fee of each account opened (AccountOpened), when the catalogue has one
    in effect on the day it opened: once per account, however often the event arrives."""

    charge: ChargeFee

    def __call__(self, event: DomainEvent) -> ChargedFee | None:
        account_id = str(event.detail["account_id"])
        opened_on = event.occurred_at.astimezone(self.charge.books.time_zone).date()
        return self.charge.if_configured(
            account_id,
            NEW_ACCOUNT,
            account_id,
            event.actor,
            event.correlation_id,
            because=event.event_type,
            on=opened_on,
        )
