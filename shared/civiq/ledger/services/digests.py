"""Digesting the ledger (the hourly job) and verifying the digests (the ledger check).

See :mod:`civiq.ledger.domain.digests` for what a digest is and why it is kept outside the table.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from civiq.ledger.domain.digests import (
    Anchor,
    Digest,
    DigestAudit,
    DigestFinding,
    DigestFindingKind,
    SignedDigest,
    StoredDigest,
    UnreadableDigest,
    audit_digests,
    digest_time_of,
    extends,
    heads_of,
    heads_text,
    sha256,
)
from civiq.ledger.domain.journal import Head
from civiq.ledger.ports import DigestSigner, DigestStore, LedgerHeads

WORKERS = 16  # accounts whose journal is read at once (those whose head moved)


class DigestTampered(Exception):
    """The latest digest cannot be trusted: the job will not chain a new one to it."""


class LedgerDiverged(Exception):
    """A digest held accounts: their ledger no longer follows on from the head digested."""

    def __init__(self, digest: Digest, named: Sequence[str]) -> None:
        at = digest.digest_time.isoformat()
        accounts = f": {', '.join(named)}" if named else ""
        super().__init__(
            f"the digest of {at} held {digest.held} account(s) at the head digested before, "
            f"their ledger no longer following on from it{accounts}"
        )


@dataclass(frozen=True, slots=True)
class DigestRun:
    digest: Digest  # the digest of this time (written now, or before: a retry)
    moved: int  # accounts whose head moved since the previous digest
    held: tuple[str, ...]  # accounts held at their digested head by this run
    written: bool  # False: this time was digested before


class DigestLedger:
    """Digest every account's head at a time: heads that moved since the previous digest are
    taken only if the journal follows on from the digested one; the others are held there."""

    def __init__(
        self, heads: LedgerHeads, store: DigestStore, signer: DigestSigner, workers: int = WORKERS
    ) -> None:
        self._heads = heads
        self._store = store
        self._signer = signer
        self._workers = workers

    def __call__(self, at: datetime) -> DigestRun:
        """The digest of ``at`` (the schedule's time: a retry finds it written and writes
        nothing). Raises DigestTampered when the latest digest is not what this job wrote."""
        at = digest_time_of(at)
        stored = self._store.latest()
        latest = self._trusted(stored) if stored else None
        if latest is not None and latest.digest.digest_time >= at:
            return DigestRun(latest.digest, 0, (), written=False)
        digested = self._digested(latest)
        current = dict(self._heads.heads())
        moved = [a for a, head in current.items() if a in digested and digested[a] != head]
        gone = [a for a in digested if a not in current]  # hidden from the index, or deleted
        heads = {a: head for a, head in current.items() if a not in digested} | digested
        with ThreadPoolExecutor(max_workers=self._workers) as pool:
            followed = pool.map(lambda a: self._followed(a, digested[a]), [*moved, *gone])
            held = []
            for account_id, head in zip([*moved, *gone], followed, strict=True):
                if head is None:
                    held.append(account_id)
                else:
                    heads[account_id] = head
        text = heads_text(heads)
        self._store.put_heads(text)
        digest = Digest(
            digest_time=at,
            heads_sha256=sha256(text),
            accounts=len(heads),
            held=len(held),
            previous=stored.link if stored else None,
            key_id=self._signer.key_id,
            algorithm=self._signer.algorithm,
        )
        signed = SignedDigest(digest, self._signer.sign(digest.canonical()))
        written = self._store.put(signed)
        return DigestRun(digest, len(moved), tuple(sorted(held)), written)

    def _trusted(self, stored: StoredDigest) -> SignedDigest:
        named = f"the digest of {stored.digest_time.isoformat()}"
        try:
            latest = SignedDigest.parse(stored.document)
        except UnreadableDigest as exc:
            raise DigestTampered(f"{named} cannot be read: {exc}") from None
        if latest.digest.digest_time != stored.digest_time or not self._signer.verifies(latest):
            raise DigestTampered(f"{named} is not signed by the ledger's key")
        return latest

    def _digested(self, latest: SignedDigest | None) -> dict[str, Head]:
        if latest is None:
            return {}
        digest = latest.digest
        try:
            return heads_of(digest, self._store.heads(digest.heads_sha256))
        except UnreadableDigest as exc:
            at = digest.digest_time.isoformat()
            raise DigestTampered(f"the digest of {at}: {exc}") from None

    def _followed(self, account_id: str, digested: Head) -> Head | None:
        """The account's head now, if its journal follows on from ``digested`` (else None)."""
        journal = self._heads.since(account_id, digested.sequence - 1)
        return journal.head if journal is not None and extends(journal, digested) else None


class VerifyDigests:
    """Check every digest (signature, chain, versions) and read the latest one's heads."""

    def __init__(self, store: DigestStore, signer: DigestSigner) -> None:
        self._store = store
        self._signer = signer

    def __call__(self, now: datetime, max_age: timedelta) -> DigestAudit:
        audit = audit_digests(list(self._store.history()), self._signer.verifies, now, max_age)
        if audit.latest is None:
            return audit
        digest = audit.latest.digest
        try:
            heads = heads_of(digest, self._store.heads(digest.heads_sha256))
        except UnreadableDigest as exc:
            finding = DigestFinding(
                DigestFindingKind.HEADS_TAMPERED, digest.digest_time, f"the latest digest: {exc}"
            )
            return replace(audit, findings=(*audit.findings, finding))
        return replace(audit, anchor=Anchor(digest.digest_time, heads))
