"""One contract, two implementations: the in-memory digest store and S3 with Object Lock (moto)
keep digests and heads lists alike: each written once, the first version the one read, a digest
hidden by a delete marker passed over as the latest and still in the history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from civiq.ledger.adapters.memory import InMemoryDigestStore
from civiq.ledger.adapters.s3_digests import digest_key
from civiq.ledger.domain.digests import Digest, SignedDigest, heads_text, sha256
from civiq.ledger.domain.journal import Head
from tests.helpers.digests import DigestVault, create_digest_vault

AT = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)
HEADS = heads_text({"A1": Head(4, "a" * 64), "A2": Head(2, "b" * 64)})


@dataclass
class Backend:
    store: Any
    vault: DigestVault | None  # the S3 bucket behind the store; None in memory

    def hide(self, at: datetime) -> None:
        """What a delete without a version id does: a delete marker."""
        if self.vault is None:
            self.store.hidden.add(at)
        else:
            self.vault.s3.delete_object(Bucket=self.vault.bucket, Key=digest_key(at))

    def write_over(self, at: datetime, document: bytes) -> None:
        """What a put without If-None-Match does: a new version."""
        if self.vault is None:
            self.store.versions[at].append(document)
        else:
            self.vault.s3.put_object(Bucket=self.vault.bucket, Key=digest_key(at), Body=document)


@pytest.fixture(params=["memory", "s3"])
def backend(request: pytest.FixtureRequest, template_resources: dict[str, Any]) -> Backend:
    if request.param == "memory":
        return Backend(InMemoryDigestStore(), None)
    request.getfixturevalue("aws")
    vault = create_digest_vault(template_resources)
    return Backend(vault.store(), vault)


def signed(at: datetime, text: bytes = HEADS) -> SignedDigest:
    digest = Digest(at, sha256(text), 2, 0, None, "key-1", "HMAC_SHA_256")
    return SignedDigest(digest, b"signature")


def test_a_digest_is_kept_once_under_its_time(backend: Backend) -> None:
    first = signed(AT)

    assert backend.store.put(first)
    assert not backend.store.put(signed(AT, b"other\n"))

    latest = backend.store.latest()
    assert latest is not None
    assert (latest.digest_time, latest.versions, latest.deleted) == (AT, 1, False)
    assert SignedDigest.parse(latest.document) == first


def test_the_latest_is_the_newest_and_the_history_runs_oldest_first(backend: Backend) -> None:
    times = [AT + timedelta(hours=h) for h in (2, 0, 1)]
    for at in times:
        backend.store.put(signed(at))

    latest = backend.store.latest()

    assert latest is not None and latest.digest_time == max(times)
    assert [d.digest_time for d in backend.store.history()] == sorted(times)


def test_nothing_stored_has_no_latest_and_no_history(backend: Backend) -> None:
    assert backend.store.latest() is None
    assert list(backend.store.history()) == []


def test_a_hidden_digest_is_passed_over_and_still_in_the_history(backend: Backend) -> None:
    backend.store.put(signed(AT))
    backend.store.put(signed(AT + timedelta(hours=1)))

    backend.hide(AT + timedelta(hours=1))

    latest = backend.store.latest()
    assert latest is not None and latest.digest_time == AT
    assert [(d.digest_time, d.deleted) for d in backend.store.history()] == [
        (AT, False),
        (AT + timedelta(hours=1), True),
    ]


def test_a_digest_written_over_keeps_its_first_version(backend: Backend) -> None:
    first = signed(AT)
    backend.store.put(first)

    backend.write_over(AT, b"{}")

    [stored] = backend.store.history()
    assert stored.versions == 2
    assert stored.document == first.document()
    latest = backend.store.latest()
    assert latest is not None and latest.document == first.document()


def test_a_heads_list_is_kept_once_under_its_sha256(backend: Backend) -> None:
    backend.store.put_heads(HEADS)
    backend.store.put_heads(HEADS)

    assert backend.store.heads(sha256(HEADS)) == HEADS
    assert backend.store.heads(sha256(b"another list\n")) is None
