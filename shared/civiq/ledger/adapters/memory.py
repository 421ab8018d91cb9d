"""In-memory fakes of the ledger (journal postings and payment records; digests, their signer
and the heads the digest job reads; the fee catalogue), with the DynamoDB, S3 and KMS adapters'
rules, for unit tests and the contract suite."""

from __future__ import annotations

import hashlib
import hmac
import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal

from civiq.accounts.adapters.memory import InMemoryStore
from civiq.accounts.domain.properties import Property
from civiq.core.audit import AuditEntry
from civiq.core.errors import NotFound, VersionConflict
from civiq.core.events import DomainEvent
from civiq.core.ports import Page
from civiq.ledger.domain.billed import billed_by
from civiq.ledger.domain.digests import SignedDigest, StoredDigest, sha256
from civiq.ledger.domain.fees import FeeCatalogue
from civiq.ledger.domain.journal import (
    UNKNOWN_PROFILE,
    AccountLedger,
    EntriesSince,
    Head,
    LedgerEntry,
    LedgerMoved,
    Posting,
    Profile,
)
from civiq.ledger.domain.payments import Payment, Refund
from civiq.ledger.domain.receivables import open_after


class InMemoryLedger:
    def __init__(self, store: InMemoryStore) -> None:
        self.store = store
        self.accounts: dict[str, AccountLedger] = {}
        self.journal: dict[str, list[LedgerEntry]] = {}
        self.guards: set[tuple[str, str]] = set()
        self.payments: dict[tuple[str, str], Payment] = {}
        self.refund_records: dict[tuple[str, str, str], Refund] = {}
        self.billed: Counter[tuple[str, str]] = Counter()  # what the postings billed, by month
        self._lock = threading.Lock()  # a posting is atomic, as a DynamoDB transaction is

    def state(self, account_id: str) -> AccountLedger:
        account = self.store.get(account_id)  # NotFound for an unknown account
        ledger = self.accounts.get(
            account_id, AccountLedger(account_id, None, Decimal(0), Decimal(0), ())
        )
        if ledger.aged_as is not None:  # the property's type its receivables are counted under
            kind = ledger.aged_as.property_type
        else:
            prop = self.store.entities.get(f"PROPERTY#{account.property_id}")
            kind = (
                prop.property_type.value
                if isinstance(prop, Property)
                else UNKNOWN_PROFILE.property_type
            )
        return replace(ledger, profile=Profile(account.route, kind))

    def entries(self, account_id: str, after: int, limit: int) -> Page[LedgerEntry]:
        following = [e for e in self.journal.get(account_id, []) if e.sequence > after]
        page = following[:limit]
        more = len(following) > limit
        return Page(page, str(page[-1].sequence) if more else None)

    def entries_since(self, account_id: str, after: int) -> EntriesSince:
        with self._lock:  # the head and balance, and the entries up to that head, together
            ledger = self.state(account_id)
            through = ledger.head.sequence if ledger.head else 0
            entries = tuple(
                e for e in self.journal.get(account_id, []) if after < e.sequence <= through
            )
            return EntriesSince(account_id, after, ledger.head, ledger.balance, entries)

    def entries_after(self, ledger: AccountLedger, after: int) -> EntriesSince:
        through = ledger.head.sequence if ledger.head else 0
        entries = tuple(
            e for e in self.journal.get(ledger.account_id, []) if after < e.sequence <= through
        )
        return EntriesSince(ledger.account_id, after, ledger.head, ledger.balance, entries)

    def post(
        self,
        posting: Posting,
        *,
        payment: Payment | None = None,
        refund: Refund | None = None,
        events: Sequence[DomainEvent] = (),
        history: Sequence[AuditEntry] = (),
    ) -> bool:
        with self._lock:
            return self._post(posting, payment, refund, events, history)

    def _post(
        self,
        posting: Posting,
        payment: Payment | None,
        refund: Refund | None,
        events: Sequence[DomainEvent],
        history: Sequence[AuditEntry],
    ) -> bool:
        account_id = posting.basis.account_id
        if (account_id, posting.guard) in self.guards:
            return False
        if self.state(account_id).head != posting.basis.head:
            raise LedgerMoved(account_id)
        self.accounts[account_id] = replace(
            posting.basis,
            head=posting.head,
            balance=posting.basis.balance + posting.moved,
            credit=posting.credit,
            open_statements=open_after(posting),
            aged_as=posting.basis.profile,
        )
        self.journal.setdefault(account_id, []).extend(posting.entries)
        self.billed.update(billed_by(posting))
        self.guards.add((account_id, posting.guard))
        if payment:
            self.payments[(account_id, payment.payment_id)] = payment
        if refund:
            self.refund_records[(account_id, refund.payment_id, refund.refund_id)] = refund
        self.store.outbox.update({e.event_id: e for e in events})
        self.store.history.update({e.event_id: AuditEntry.of(e) for e in events})
        self.store.history.update({h.entry_id: h for h in history})
        return True

    # PaymentRepository
    def find(self, account_id: str, payment_id: str) -> Payment | None:
        return self.payments.get((account_id, payment_id))

    def get(self, account_id: str, payment_id: str) -> Payment:
        found = self.find(account_id, payment_id)
        if found is None:
            raise NotFound(f"no payment {payment_id} on this account", "payment_id")
        return found

    def of_account(self, account_id: str) -> Sequence[Payment]:
        found = [p for (a, _), p in self.payments.items() if a == account_id]
        return sorted(found, key=lambda p: (p.received_on, p.recorded_at), reverse=True)

    def refunds(self, account_id: str, payment_id: str) -> Sequence[Refund]:
        return [
            r for (a, p, _), r in self.refund_records.items() if a == account_id and p == payment_id
        ]


@dataclass
class InMemoryDigestStore:
    versions: dict[datetime, list[bytes]] = field(default_factory=dict)  # oldest first
    hidden: set[datetime] = field(default_factory=set)  # delete markers
    heads_lists: dict[str, list[bytes]] = field(default_factory=dict)

    def latest(self) -> StoredDigest | None:
        shown = [at for at in self.versions if at not in self.hidden]
        return self._stored(max(shown)) if shown else None

    def history(self) -> Iterator[StoredDigest]:
        for at in sorted(self.versions):
            yield self._stored(at)

    def heads(self, sha256: str) -> bytes | None:
        kept = self.heads_lists.get(sha256)
        return kept[0] if kept else None

    def put_heads(self, text: bytes) -> None:
        self.heads_lists.setdefault(sha256(text), [text])

    def put(self, digest: SignedDigest) -> bool:
        at = digest.digest.digest_time
        if at in self.versions and at not in self.hidden:
            return False
        self.versions.setdefault(at, []).append(digest.document())
        self.hidden.discard(at)
        return True

    def _stored(self, at: datetime) -> StoredDigest:
        kept = self.versions[at]
        return StoredDigest(at, kept[0], len(kept), at in self.hidden)


class HmacDigestSigner:
    algorithm = "HMAC_SHA_256"

    def __init__(self, secret: bytes, key_id: str = "local-hmac") -> None:
        self._secret = secret
        self.key_id = key_id

    def sign(self, message: bytes) -> bytes:
        return hmac.new(self._secret, message, hashlib.sha256).digest()

    def verifies(self, digest: SignedDigest) -> bool:
        return digest.signed_by(
            self.key_id, self.algorithm, lambda m, s: hmac.compare_digest(self.sign(m), s)
        )


class InMemoryLedgerHeads:
    def __init__(self, ledger: InMemoryLedger) -> None:
        self._ledger = ledger

    def heads(self) -> Iterator[tuple[str, Head]]:
        for account_id, ledger in list(self._ledger.accounts.items()):
            if ledger.head is not None:
                yield account_id, ledger.head

    def since(self, account_id: str, after: int) -> EntriesSince | None:
        if account_id not in self._ledger.accounts:
            return None
        try:
            return self._ledger.entries_since(account_id, after)
        except ValueError:  # an entry missing
            return None


class InMemoryFeeCatalogues:
    """The fee catalogue, with optimistic locking; history entries go to the shared store."""

    def __init__(self, store: InMemoryStore) -> None:
        self.store = store
        self.catalogue = FeeCatalogue({})

    def get(self) -> FeeCatalogue:
        return self.catalogue

    def save(self, before: FeeCatalogue, after: FeeCatalogue, entry: AuditEntry) -> None:
        if after.version != before.version + 1:
            raise ValueError(f"the saved catalogue must be version {before.version + 1}")
        if self.catalogue.version != before.version:
            raise VersionConflict(
                "the fee catalogue was changed by someone else; reload it", self.catalogue.version
            )
        self.catalogue = after
        self.store.history[entry.entry_id] = entry
