"""Digests of the ledger: every account's head, signed and chained, kept outside the table.

The hash chain shows that an account's entries are as written only if its head is trusted, and
the head lives on the account item: whoever can write the table can rewrite an entry, re-seal
every hash after it, the head, the balance and the credit, and the chain verifies again. So, as
CloudTrail does for its log files, a job reads every account's head each hour and writes, to a
bucket nobody can rewrite (S3 Object Lock, compliance mode):

- the heads list (:func:`heads_text`): one line per account, ``<account id>,<sequence>,<hash>``,
  in account id order, stored under its SHA-256;
- the :class:`Digest`: its time, the heads list's SHA-256 and size, and the previous digest's
  time and SHA-256 (the chain), signed with a key the table's writers cannot use.

A digested head only ever moves forward along its account's chain: the job moves it to the
account's current head only when the journal still holds the digested entry, unchanged, and
follows on from it (:func:`extends`); otherwise the account is *held* at the head digested
before. So the latest digest's head of an account is one the table held at every digest since
its first, and a ledger rewritten in the table no longer holds it (:func:`against_digest`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from civiq.ledger.domain.journal import EntriesSince, Head, LedgerEntry, verify_chain
from civiq.ledger.domain.verification import Finding, FindingKind

FORMAT = "civiq-ledger-digest/1"
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
# An account whose first entry was recorded this long before a digest must be in it: the job
# reads heads from an index that lags writes by moments, and a statement is posted soon after
# it is computed (its entry's time).
UNDIGESTED_AFTER = timedelta(days=1)
_HASH = re.compile(r"[0-9a-f]{64}")


class UnreadableDigest(ValueError):
    """A stored digest or heads list that is not one the digest job writes."""


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def digest_time_of(at: datetime) -> datetime:
    """The time a digest taken at ``at`` bears: UTC, to the second."""
    if at.tzinfo is None:
        raise ValueError("a digest's time is aware of its time zone")
    return at.astimezone(UTC).replace(microsecond=0)


def heads_text(heads: Mapping[str, Head]) -> bytes:
    """The heads list as stored (what the digest's SHA-256 covers)."""
    return "".join(f"{a},{h.sequence},{h.hash}\n" for a, h in sorted(heads.items())).encode()


def parse_heads(text: bytes) -> dict[str, Head]:
    heads: dict[str, Head] = {}
    for number, line in enumerate(text.decode(errors="replace").splitlines(), start=1):
        account_id, _, rest = line.partition(",")
        sequence, _, hash_ = rest.partition(",")
        if not account_id or not sequence.isdigit() or not _HASH.fullmatch(hash_):
            raise UnreadableDigest(f"line {number} of the heads list is not a head")
        heads[account_id] = Head(int(sequence), hash_)
    return heads


@dataclass(frozen=True, slots=True)
class DigestLink:
    """How a digest names the one before it: its time and the SHA-256 of it as stored."""

    digest_time: datetime
    sha256: str


@dataclass(frozen=True, slots=True)
class Digest:
    digest_time: datetime  # when the heads were read (UTC, to the second)
    heads_sha256: str  # of the heads list
    accounts: int  # lines in the heads list
    held: int  # accounts whose ledger no longer extends their digested head (kept as digested)
    previous: DigestLink | None  # None: the first digest
    key_id: str  # the key that signs it
    algorithm: str

    def as_record(self) -> dict[str, Any]:
        previous = self.previous
        return {
            "format": FORMAT,
            "digest_time": _text(self.digest_time),
            "heads": {"sha256": self.heads_sha256, "accounts": self.accounts, "held": self.held},
            "previous": {
                "digest_time": _text(previous.digest_time),
                "sha256": previous.sha256,
            }
            if previous
            else None,
            "signing": {"key_id": self.key_id, "algorithm": self.algorithm},
        }

    def canonical(self) -> bytes:
        """What the signature covers."""
        return json.dumps(self.as_record(), sort_keys=True, separators=(",", ":")).encode()


@dataclass(frozen=True, slots=True)
class SignedDigest:
    digest: Digest
    signature: bytes

    def document(self) -> bytes:
        """The digest as stored: its record and the signature (base64)."""
        signature = base64.b64encode(self.signature).decode()
        record = {"digest": self.digest.as_record(), "signature": signature}
        return json.dumps(record, sort_keys=True, indent=2).encode()

    def signed_by(self, key_id: str, algorithm: str, valid: Callable[[bytes, bytes], bool]) -> bool:
        """Whether the key ``key_id`` signed it with ``algorithm``: ``valid(message,
        signature)`` checks the signature itself."""
        digest = self.digest
        return (
            digest.key_id == key_id
            and digest.algorithm == algorithm
            and valid(digest.canonical(), self.signature)
        )

    @classmethod
    def parse(cls, document: bytes) -> SignedDigest:
        try:
            record = json.loads(document)
            digest = record["digest"]
            if digest["format"] != FORMAT:
                raise UnreadableDigest(f"a digest of format {digest['format']!r}")
            previous = digest["previous"]
            return cls(
                Digest(
                    digest_time=_time(digest["digest_time"]),
                    heads_sha256=digest["heads"]["sha256"],
                    accounts=int(digest["heads"]["accounts"]),
                    held=int(digest["heads"]["held"]),
                    previous=DigestLink(_time(previous["digest_time"]), previous["sha256"])
                    if previous is not None
                    else None,
                    key_id=digest["signing"]["key_id"],
                    algorithm=digest["signing"]["algorithm"],
                ),
                base64.b64decode(record["signature"], validate=True),
            )
        except UnreadableDigest:
            raise
        except (ValueError, KeyError, TypeError, binascii.Error) as exc:
            raise UnreadableDigest(f"not a digest ({type(exc).__name__}: {exc})") from None


def _time(text: str) -> datetime:
    return datetime.strptime(text, TIME_FORMAT).replace(tzinfo=UTC)


def _text(at: datetime) -> str:
    return at.strftime(TIME_FORMAT)


def heads_of(digest: Digest, text: bytes | None) -> dict[str, Head]:
    """The heads ``digest`` names, from the heads list stored under its SHA-256 (None: none)."""
    if text is None:
        raise UnreadableDigest("its heads list is missing")
    if sha256(text) != digest.heads_sha256:
        raise UnreadableDigest("its heads list is not the one it was signed with")
    heads = parse_heads(text)
    if len(heads) != digest.accounts:
        raise UnreadableDigest(f"its heads list has {len(heads)} accounts, not {digest.accounts}")
    return heads


def extends(journal: EntriesSince, digested: Head) -> bool:
    """Whether ``journal`` (an account's entries from its digested head's entry on) still holds
    that entry unchanged, and follows on from it to the account's head."""
    if journal.after != digested.sequence - 1 or not journal.entries:
        return False
    first = journal.entries[0]
    if first.head != digested:
        return False
    before = Head(journal.after, first.previous_hash)
    return verify_chain(journal.entries, journal.head, after=before) is None


@dataclass(frozen=True, slots=True)
class StoredDigest:
    """A digest as the store holds it: its first version (the one written) and what befell it."""

    digest_time: datetime  # from its name
    document: bytes
    versions: int = 1  # more: written over since
    deleted: bool = False  # a delete marker hides it

    @property
    def link(self) -> DigestLink:
        return DigestLink(self.digest_time, sha256(self.document))


class DigestFindingKind(StrEnum):
    STALE = "digest-stale"  # no digest, or none recent: the latest entries are not anchored
    MISSING = "digest-missing"  # deleted (a delete marker), or named by the next and not there
    OVERWRITTEN = "digest-overwritten"  # another version was written over it
    FORGED = "digest-forged"  # unreadable, or not signed by the ledger's key, or misnamed
    CHAIN_BROKEN = "digest-chain-broken"  # it does not name the digest before it
    HEADS_TAMPERED = "heads-tampered"  # the latest digest's heads list is missing or altered


@dataclass(frozen=True, slots=True)
class DigestFinding:
    kind: DigestFindingKind
    digest_time: datetime | None
    message: str

    def as_report(self) -> dict[str, object]:
        at = _text(self.digest_time) if self.digest_time else None
        return {"kind": self.kind.value, "digest_time": at, "message": self.message}


@dataclass(frozen=True, slots=True)
class Anchor:
    """The latest sound digest's heads: what the table's ledgers must still hold."""

    digest_time: datetime
    heads: Mapping[str, Head]


@dataclass(frozen=True, slots=True)
class DigestAudit:
    checked: int
    findings: tuple[DigestFinding, ...]
    latest: SignedDigest | None  # the newest digest signed by the ledger's key
    anchor: Anchor | None = field(default=None)  # its heads, once read and found intact

    @property
    def sound(self) -> bool:
        return not self.findings

    def as_report(self) -> dict[str, object]:
        latest = self.latest.digest if self.latest else None
        return {
            "digests_checked": self.checked,
            "latest_digest": _text(latest.digest_time) if latest else None,
            "accounts_digested": len(self.anchor.heads) if self.anchor else 0,
            "findings_by_kind": {
                kind.value: sum(f.kind is kind for f in self.findings) for kind in DigestFindingKind
            },
            "findings": [f.as_report() for f in self.findings],
        }


def audit_digests(
    stored: Sequence[StoredDigest],
    signed: Callable[[SignedDigest], bool],
    now: datetime,
    max_age: timedelta,
) -> DigestAudit:
    """Everything wrong with the digests (``stored`` oldest first): each must be signed by the
    ledger's key (``signed``), written once and never hidden, and name the one before it; the
    latest must be younger than ``max_age``."""
    findings: list[DigestFinding] = []
    times = {s.digest_time for s in stored}
    latest: SignedDigest | None = None
    previous: DigestLink | None = None

    def found(kind: DigestFindingKind, at: datetime | None, message: str) -> None:
        findings.append(DigestFinding(kind, at, message))

    for digest in stored:
        at = digest.digest_time
        named = f"the digest of {_text(at)}"
        if digest.deleted:
            found(DigestFindingKind.MISSING, at, f"{named} was deleted (its first version stays)")
        if digest.versions > 1:
            found(
                DigestFindingKind.OVERWRITTEN,
                at,
                f"{named} was written over {digest.versions - 1} time(s); its first version counts",
            )
        try:
            parsed = SignedDigest.parse(digest.document)
        except UnreadableDigest as exc:
            found(DigestFindingKind.FORGED, at, f"{named} cannot be read: {exc}")
            previous = digest.link
            continue
        if parsed.digest.digest_time != at:
            stated = _text(parsed.digest.digest_time)
            found(DigestFindingKind.FORGED, at, f"{named} says it was taken at {stated}")
        elif not signed(parsed):
            found(DigestFindingKind.FORGED, at, f"{named} is not signed by the ledger's key")
        else:
            latest = parsed
        unchained = _unchained(named, parsed.digest.previous, previous, times)
        if unchained is not None:
            found(unchained[0], at, unchained[1])
        previous = digest.link
    if latest is None:
        found(DigestFindingKind.STALE, None, "no digest signed by the ledger's key")
    elif latest.digest.digest_time < now - max_age:
        at = latest.digest.digest_time
        found(
            DigestFindingKind.STALE,
            at,
            f"the latest digest is of {_text(at)}, older than {max_age}",
        )
    return DigestAudit(len(stored), tuple(findings), latest)


def _unchained(
    named: str, link: DigestLink | None, previous: DigestLink | None, times: set[datetime]
) -> tuple[DigestFindingKind, str] | None:
    """What is wrong with how a digest names the one stored before it (``previous``)."""
    if link == previous:
        return None
    if link is not None and link.digest_time not in times:
        return (
            DigestFindingKind.MISSING,
            f"{named} follows the digest of {_text(link.digest_time)}, which is not there",
        )
    if link is not None and previous is not None and link.digest_time == previous.digest_time:
        return (
            DigestFindingKind.CHAIN_BROKEN,
            f"{named} follows the digest of {_text(link.digest_time)} as it was signed, and "
            "that digest was altered since",
        )
    names = _text(link.digest_time) if link else "no digest"
    before = _text(previous.digest_time) if previous else "none"
    return DigestFindingKind.CHAIN_BROKEN, f"{named} follows {names}; the one before it is {before}"


def against_digest(
    anchor: Anchor, account_id: str, entries: Sequence[LedgerEntry]
) -> Finding | None:
    """What is wrong with an account's journal (``entries``, in sequence order) as the latest
    digest anchors it: its digested head must still be the entry at that sequence (entries
    posted since follow it); an account whose entries are older than the digest must be in it."""
    at = _text(anchor.digest_time)
    digested = anchor.heads.get(account_id)
    if digested is None:
        if entries and entries[0].occurred_at <= anchor.digest_time - UNDIGESTED_AFTER:
            recorded = entries[0].occurred_at.isoformat()
            return Finding(
                account_id,
                FindingKind.UNDIGESTED,
                f"its first entry was recorded at {recorded}; the digest of {at} does not hold it",
                1,
            )
        return None
    entry = next((e for e in entries if e.sequence == digested.sequence), None)
    if entry is None:
        last = entries[-1].sequence if entries else 0
        why = f"the journal ends at entry {last}, before entry {digested.sequence}"
    elif entry.hash != digested.hash:
        why = f"entry {digested.sequence} is not the one digested (the ledger was rewritten)"
    else:
        return None
    return Finding(
        account_id,
        FindingKind.DIGEST_MISMATCH,
        f"{why}: the digest of {at} anchors entry {digested.sequence} {digested.hash[:12]}",
        digested.sequence,
    )


def missing_from_table(anchor: Anchor, seen: set[str]) -> tuple[Finding, ...]:
    """Accounts the digest anchors that the table no longer has (``seen``: those it has)."""
    at = _text(anchor.digest_time)
    return tuple(
        Finding(
            account_id,
            FindingKind.DIGEST_MISMATCH,
            f"the digest of {at} anchors entry {head.sequence}; the table has no such account",
            head.sequence,
        )
        for account_id, head in sorted(anchor.heads.items())
        if account_id not in seen
    )
