"""Ledger digests: what a digest holds and how it is signed and chained; the job that digests
every head (over the in-memory fakes): heads move only along their chain, a rewritten ledger is
held; the audit of the digests (deleted, written over, forged, unchained, stale); an account's
journal against the latest digest; and payment records against the entries."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civiq.core.errors import NotFound
from civiq.ledger.adapters.memory import (
    HmacDigestSigner,
    InMemoryDigestStore,
    InMemoryLedger,
    InMemoryLedgerHeads,
)
from civiq.ledger.domain.digests import (
    Anchor,
    Digest,
    DigestFindingKind,
    SignedDigest,
    StoredDigest,
    UnreadableDigest,
    against_digest,
    audit_digests,
    extends,
    heads_of,
    heads_text,
    missing_from_table,
    parse_heads,
    sha256,
)
from civiq.ledger.domain.journal import (
    AccountLedger,
    Allocation,
    EntriesSince,
    EntryKind,
    Head,
    LedgerEntry,
    Source,
    append,
    balance,
)
from civiq.ledger.domain.payment_records import UnreadablePayment, cross_check
from civiq.ledger.domain.payments import Payment, PaymentChannel, PaymentMethod, PaymentStatus
from civiq.ledger.domain.verification import FindingKind
from civiq.ledger.services.digests import DigestLedger, DigestTampered, VerifyDigests

AT = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
SIGNER = HmacDigestSigner(b"unit-test-digest-key")


def entries(
    account_id: str, amounts: list[str], after: LedgerEntry | None = None
) -> list[LedgerEntry]:
    made: list[LedgerEntry] = []
    for amount in amounts:
        previous = made[-1] if made else after
        made.append(
            append(
                previous.head if previous else None,
                account_id=account_id,
                entry_id=f"E{(previous.sequence if previous else 0) + 1}",
                kind=EntryKind.CHARGE,
                amount=D(amount),
                occurred_at=AT - timedelta(days=10),
                recorded_by="clerk-1",
                reason="test",
                source=Source("statement", "S1"),
            )
        )
    return made


# ------------------------------------------------------------------ what a digest is


@given(
    st.dictionaries(
        st.text("ABCDEFGHJKMNPQRSTVWXYZ0123456789", min_size=1, max_size=26),
        st.tuples(st.integers(1, 10**6), st.text("0123456789abcdef", min_size=64, max_size=64)),
    )
)
def test_a_heads_list_reads_back_as_written(heads: dict[str, tuple[int, str]]) -> None:
    written = {a: Head(s, h) for a, (s, h) in heads.items()}
    assert parse_heads(heads_text(written)) == written


@pytest.mark.parametrize("line", [b"A1,4\n", b"A1,x,aa\n", b",4," + b"a" * 64 + b"\n"])
def test_a_line_that_is_not_a_head_is_refused(line: bytes) -> None:
    with pytest.raises(UnreadableDigest, match="line 1"):
        parse_heads(line)


def digest_of(heads: dict[str, Head], at: datetime = AT, **changes: object) -> Digest:
    text = heads_text(heads)
    made = Digest(at, sha256(text), len(heads), 0, None, SIGNER.key_id, SIGNER.algorithm)
    return replace(made, **changes)  # type: ignore[arg-type]


def sign(digest: Digest) -> SignedDigest:
    return SignedDigest(digest, SIGNER.sign(digest.canonical()))


def test_a_signed_digest_reads_back_and_verifies() -> None:
    signed = sign(digest_of({"A1": Head(4, "a" * 64)}))

    parsed = SignedDigest.parse(signed.document())

    assert parsed == signed
    assert SIGNER.verifies(parsed)
    assert not HmacDigestSigner(b"another key").verifies(parsed)
    assert not SIGNER.verifies(replace(parsed, digest=replace(parsed.digest, held=1)))
    assert not SIGNER.verifies(replace(parsed, digest=replace(parsed.digest, key_id="other")))


@pytest.mark.parametrize("document", [b"", b"{}", b'{"digest": {"format": "x/1"}}', b"\xff"])
def test_what_is_not_a_digest_is_refused(document: bytes) -> None:
    with pytest.raises(UnreadableDigest):
        SignedDigest.parse(document)


def test_a_digests_heads_must_be_the_list_it_was_signed_with() -> None:
    heads = {"A1": Head(4, "a" * 64)}
    digest = digest_of(heads)

    assert heads_of(digest, heads_text(heads)) == heads
    with pytest.raises(UnreadableDigest, match="missing"):
        heads_of(digest, None)
    with pytest.raises(UnreadableDigest, match="not the one it was signed with"):
        heads_of(digest, heads_text({"A1": Head(4, "b" * 64)}))


def test_a_journal_extends_its_digested_head_only_unchanged_and_in_order() -> None:
    journal = entries("A1", ["10.00", "20.00", "30.00", "40.00"])
    digested = journal[1].head

    def since(found: list[LedgerEntry], head: Head | None = journal[-1].head) -> EntriesSince:
        return EntriesSince("A1", 1, head, D(0), tuple(found))

    assert extends(since(journal[1:]), digested)
    assert extends(since(journal[1:2], digested), digested)  # nothing posted since
    rewritten = entries("A1", ["10.00", "25.00", "30.00", "40.00"])
    assert not extends(since(rewritten[1:], rewritten[-1].head), digested)
    forged = [journal[1], replace(journal[2], amount=D("31.00")), journal[3]]
    assert not extends(since(forged), digested)
    assert not extends(EntriesSince("A1", 0, journal[-1].head, D(0), tuple(journal)), digested)


# ------------------------------------------------------------------ the job


class Accounts:
    """What InMemoryLedger asks of the account store: whether an account exists, its route
    and its property (aging groups receivables by them; no property here: of no type)."""

    def __init__(self) -> None:
        self.known: set[str] = set()
        self.entities: dict[str, object] = {}

    def get(self, account_id: str) -> SimpleNamespace:
        if account_id not in self.known:
            raise NotFound(f"no account with id {account_id}", "account_id")
        return SimpleNamespace(route="1", property_id="P-1")


def post(ledger: InMemoryLedger, account_id: str, *amounts: str) -> None:
    ledger.store.known.add(account_id)  # type: ignore[attr-defined]
    journal = ledger.journal.setdefault(account_id, [])
    journal.extend(entries(account_id, list(amounts), journal[-1] if journal else None))
    ledger.accounts[account_id] = AccountLedger(
        account_id, journal[-1].head, balance(journal), D(0), ()
    )


@pytest.fixture
def ledger() -> InMemoryLedger:
    made = InMemoryLedger(Accounts())  # type: ignore[arg-type]
    post(made, "A1", "10.00", "20.00")
    post(made, "A2", "5.00")
    return made


@pytest.fixture
def store() -> InMemoryDigestStore:
    return InMemoryDigestStore()


def job(ledger: InMemoryLedger, store: InMemoryDigestStore) -> DigestLedger:
    return DigestLedger(InMemoryLedgerHeads(ledger), store, SIGNER, workers=2)


def latest_heads(store: InMemoryDigestStore) -> dict[str, Head]:
    stored = store.latest()
    assert stored is not None
    digest = SignedDigest.parse(stored.document).digest
    return heads_of(digest, store.heads(digest.heads_sha256))


def test_the_first_digest_holds_every_head(
    ledger: InMemoryLedger, store: InMemoryDigestStore
) -> None:
    run = job(ledger, store)(AT + timedelta(microseconds=5))

    assert run.written
    assert run.digest.digest_time == AT  # to the second
    assert latest_heads(store) == {
        "A1": ledger.accounts["A1"].head,
        "A2": ledger.accounts["A2"].head,
    }


def test_the_next_digest_chains_and_moves_heads_along_their_chain(
    ledger: InMemoryLedger, store: InMemoryDigestStore
) -> None:
    job(ledger, store)(AT)
    post(ledger, "A1", "7.00")
    post(ledger, "A3", "8.00")

    run = job(ledger, store)(AT + HOUR)

    [first, second] = list(store.history())
    assert SignedDigest.parse(second.document).digest.previous == first.link
    assert (run.moved, run.held) == (1, ())
    assert latest_heads(store)["A1"] == ledger.accounts["A1"].head
    assert latest_heads(store)["A3"] == ledger.accounts["A3"].head


def test_a_time_digested_before_is_not_digested_again(
    ledger: InMemoryLedger, store: InMemoryDigestStore
) -> None:
    job(ledger, store)(AT + HOUR)
    post(ledger, "A1", "7.00")

    again = job(ledger, store)(AT)  # an older event, retried late

    assert not again.written
    assert again.digest.digest_time == AT + HOUR
    assert [d.versions for d in store.history()] == [1]


def test_a_rewritten_ledger_is_held_at_its_digested_head(
    ledger: InMemoryLedger, store: InMemoryDigestStore
) -> None:
    job(ledger, store)(AT)
    digested = ledger.accounts["A1"].head
    ledger.journal["A1"] = entries("A1", ["10.00", "99.00", "1.00"])  # re-sealed, and one more
    ledger.accounts["A1"] = replace(ledger.accounts["A1"], head=ledger.journal["A1"][-1].head)

    run = job(ledger, store)(AT + HOUR)

    assert run.held == ("A1",)
    assert run.digest.held == 1
    assert latest_heads(store)["A1"] == digested


class HiddenFromTheIndex:
    """Every account taken out of the accounts' index: the job finds each by its key."""

    def __init__(self, heads: InMemoryLedgerHeads) -> None:
        self._heads = heads

    def heads(self) -> Iterator[tuple[str, Head]]:
        return iter(())

    def since(self, account_id: str, after: int) -> EntriesSince | None:
        return self._heads.since(account_id, after)


def test_an_account_gone_from_the_index_is_followed_by_its_key_or_held(
    ledger: InMemoryLedger, store: InMemoryDigestStore
) -> None:
    job(ledger, store)(AT)
    post(ledger, "A2", "1.00")
    hidden = DigestLedger(HiddenFromTheIndex(InMemoryLedgerHeads(ledger)), store, SIGNER)
    del ledger.accounts["A1"]  # and A1 is gone altogether

    run = hidden(AT + HOUR)

    assert run.held == ("A1",)
    assert latest_heads(store)["A2"] == Head(2, ledger.journal["A2"][-1].hash)


def test_the_job_refuses_to_chain_to_a_digest_it_did_not_sign(
    ledger: InMemoryLedger, store: InMemoryDigestStore
) -> None:
    store.put(SignedDigest(digest_of({}), b"not a signature"))

    with pytest.raises(DigestTampered, match="not signed"):
        job(ledger, store)(AT + HOUR)


def test_the_job_refuses_a_digest_whose_heads_list_was_altered(
    ledger: InMemoryLedger, store: InMemoryDigestStore
) -> None:
    job(ledger, store)(AT)
    [kept] = store.heads_lists.values()
    kept[0] = kept[0].replace(b"A1", b"A9")

    with pytest.raises(DigestTampered, match="not the one it was signed with"):
        job(ledger, store)(AT + HOUR)
    audit = VerifyDigests(store, SIGNER)(AT + HOUR, 2 * HOUR)
    assert [f.kind for f in audit.findings] == [DigestFindingKind.HEADS_TAMPERED]
    assert audit.anchor is None


# ------------------------------------------------------------------ the digests' audit


def chain(count: int) -> list[StoredDigest]:
    stored: list[StoredDigest] = []
    for n in range(count):
        at = AT + n * HOUR
        previous = stored[-1].link if stored else None
        stored.append(StoredDigest(at, sign(digest_of({}, at, previous=previous)).document()))
    return stored


def kinds(stored: list[StoredDigest], now: datetime = AT + 2 * HOUR) -> list[DigestFindingKind]:
    audit = audit_digests(stored, SIGNER.verifies, now, 2 * HOUR)
    return [f.kind for f in audit.findings]


def test_a_sound_chain_has_no_findings_and_the_newest_is_the_latest() -> None:
    stored = chain(3)
    audit = audit_digests(stored, SIGNER.verifies, AT + 2 * HOUR, 2 * HOUR)
    assert audit.findings == ()
    assert audit.latest is not None and audit.latest.digest.digest_time == AT + 2 * HOUR


def test_a_deleted_or_written_over_digest_is_reported() -> None:
    stored = chain(3)
    stored[1] = replace(stored[1], deleted=True)
    stored[2] = replace(stored[2], versions=3)
    assert kinds(stored) == [DigestFindingKind.MISSING, DigestFindingKind.OVERWRITTEN]


def test_a_digest_not_signed_by_the_key_or_misnamed_is_forged() -> None:
    stored = chain(3)
    forged = SignedDigest.parse(stored[1].document)
    stored[1] = replace(stored[1], document=replace(forged, signature=b"x").document())
    assert kinds(stored) == [DigestFindingKind.FORGED, DigestFindingKind.CHAIN_BROKEN]
    renamed = chain(2)
    renamed[1] = replace(renamed[1], digest_time=AT + 3 * HOUR)
    assert kinds(renamed, AT + HOUR) == [DigestFindingKind.FORGED]


def test_a_digest_that_does_not_follow_the_one_before_breaks_the_chain() -> None:
    stored = chain(3)
    restarted = sign(digest_of({}, AT + 2 * HOUR))  # previous: none
    stored[2] = StoredDigest(AT + 2 * HOUR, restarted.document())
    assert kinds(stored) == [DigestFindingKind.CHAIN_BROKEN]


def test_a_digest_named_by_the_next_and_not_there_is_missing() -> None:
    stored = chain(3)
    del stored[1]
    assert kinds(stored) == [DigestFindingKind.MISSING]


def test_no_digest_or_an_old_one_is_stale() -> None:
    assert kinds([]) == [DigestFindingKind.STALE]
    assert kinds(chain(1), AT + 3 * HOUR) == [DigestFindingKind.STALE]


# ------------------------------------------------------------------ an account against the digest


def test_an_account_holds_its_digested_head_with_entries_since() -> None:
    journal = entries("A1", ["10.00", "20.00", "30.00"])
    anchor = Anchor(AT, {"A1": journal[1].head})

    assert against_digest(anchor, "A1", journal) is None
    rewritten = entries("A1", ["10.00", "25.00", "30.00"])
    found = against_digest(anchor, "A1", rewritten)
    assert found is not None and (found.kind, found.sequence) == (FindingKind.DIGEST_MISMATCH, 2)
    behind = against_digest(anchor, "A1", journal[:1])
    assert behind is not None and "ends at entry 1, before entry 2" in behind.message


def test_an_account_missing_from_the_digest_is_reported_once_its_entries_are_old() -> None:
    journal = entries("A1", ["10.00"])  # recorded ten days before AT
    found = against_digest(Anchor(AT, {}), "A1", journal)
    assert found is not None and found.kind is FindingKind.UNDIGESTED
    assert against_digest(Anchor(journal[0].occurred_at + HOUR, {}), "A1", journal) is None
    assert against_digest(Anchor(AT, {}), "A2", []) is None


def test_a_digested_account_the_table_lost_is_reported() -> None:
    anchor = Anchor(AT, {"A1": Head(1, "a" * 64), "A2": Head(3, "b" * 64)})
    assert [(f.account_id, f.sequence) for f in missing_from_table(anchor, {"A1"})] == [("A2", 3)]


# ------------------------------------------------------------------ payment records


def payment(payment_id: str, amount: str, **changes: object) -> Payment:
    made = Payment(
        payment_id=payment_id,
        account_id="A1",
        amount=D(amount),
        method=PaymentMethod.CHEQUE,
        channel=PaymentChannel.STAFF,
        received_on=date(2026, 12, 1),
        recorded_at=AT,
        recorded_by="clerk-1",
        reference=None,
        payer_name=None,
        allocation=Allocation((), D(amount)),
    )
    return replace(made, **changes)  # type: ignore[arg-type]


def paid(*moves: tuple[str, EntryKind, str, Source]) -> list[LedgerEntry]:
    made: list[LedgerEntry] = []
    for entry_id, kind, amount, source in moves:
        made.append(
            append(
                made[-1].head if made else None,
                account_id="A1",
                entry_id=entry_id,
                kind=kind,
                amount=D(amount),
                occurred_at=AT,
                recorded_by="clerk-1",
                reason="test",
                source=source,
            )
        )
    return made


PAID = ("P1", EntryKind.PAYMENT, "-50.00", Source("payment", "P1"))
REFUNDED = ("RF1", EntryKind.REFUND, "20.00", Source("payment", "P1"))
REVERSED = ("P1-reversed", EntryKind.REVERSAL, "50.00", Source("entry", "P1"))


def messages(entries_: list[LedgerEntry], records: list[Payment | UnreadablePayment]) -> list[str]:
    found = cross_check("A1", entries_, records)
    assert all(f.kind is FindingKind.PAYMENT_MISMATCH for f in found)
    return [f.message for f in found]


def test_payments_and_their_entries_that_agree_have_no_findings() -> None:
    assert messages(paid(PAID), [payment("P1", "50.00")]) == []
    assert messages(paid(PAID, REFUNDED), [payment("P1", "50.00", refunded=D("20.00"))]) == []
    dishonoured = payment("P1", "50.00", status=PaymentStatus.DISHONOURED)
    assert messages(paid(PAID, REVERSED), [dishonoured]) == []


def test_a_record_without_its_entries_and_an_entry_without_its_record() -> None:
    assert messages([], [payment("P1", "50.00")]) == ["payment P1 has no payment entry"]
    assert messages(paid(PAID), []) == ["entry 1 is payment P1, which has no record"]
    assert messages(paid(PAID), [payment("P1", "60.00")]) == [
        "payment P1 is 60.00; its entry 1 moves -50.00"
    ]


def test_refunds_and_reversals_must_agree_with_the_record() -> None:
    assert messages(paid(PAID, REFUNDED), [payment("P1", "50.00")]) == [
        "payment P1 has 0.00 refunded; its refund entries sum to 20.00"
    ]
    assert messages(paid(PAID, REVERSED), [payment("P1", "50.00")]) == [
        "entry 2 reverses payment P1, which is posted"
    ]
    charged_back = payment("P1", "50.00", status=PaymentStatus.CHARGED_BACK)
    assert messages(paid(PAID), [charged_back]) == [
        "payment P1 is charged-back; no entry reverses it"
    ]
    assert messages(paid(REFUNDED), []) == [
        "entries give back 20.00 of payment P1, which has no record"
    ]


def test_an_unreadable_record_is_reported_and_its_entry_not_twice() -> None:
    assert messages(paid(PAID), [UnreadablePayment("P1", "KeyError: 'amount'")]) == [
        "payment P1's record cannot be read (KeyError: 'amount')"
    ]
