"""The ledger audit: sound books have no findings; an edited, deleted or reordered entry, or a
stored balance that does not add up, is reported with the right kind."""

from __future__ import annotations

import json
from dataclasses import fields, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from civiq.ledger.domain.journal import EntryKind, LedgerEntry, Source, append, balance
from civiq.ledger.domain.verification import AccountBooks, FindingKind, Summary, audit

AT = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)
cents = st.integers(min_value=-(10**8), max_value=10**8).filter(bool).map(lambda c: D(c) / 100)


def journal(amounts: list[D], account_id: str = "A1") -> list[LedgerEntry]:
    entries: list[LedgerEntry] = []
    for n, amount in enumerate(amounts):
        entries.append(
            append(
                entries[-1].head if entries else None,
                account_id=account_id,
                entry_id=f"E{n}",
                kind=EntryKind.CHARGE if amount > 0 else EntryKind.PAYMENT,
                amount=amount,
                occurred_at=AT + timedelta(minutes=n),
                recorded_by="clerk-1",
                reason="test",
                source=Source("statement", f"S{n}"),
            )
        )
    return entries


def books_of(entries: list[LedgerEntry], account_id: str = "A1") -> AccountBooks:
    """Sound books for ``entries``: a positive balance owed on one statement, else a credit."""
    total = balance(entries)
    return AccountBooks(
        account_id=account_id,
        balance=total,
        credit=max(-total, D(0)),
        open_statements={"S-OPEN": total} if total > 0 else {},
        head=entries[-1].head if entries else None,
        entries=entries,
    )


def kinds(books: AccountBooks) -> set[FindingKind]:
    return {f.kind for f in audit(books)}


AMOUNTS = [D("120.00"), D("-50.00"), D("35.25"), D("-20.00")]
ENTRIES = journal(AMOUNTS)
SOUND = books_of(ENTRIES)


def test_sound_books_have_no_findings() -> None:
    assert SOUND.balance == D("85.25")
    assert audit(SOUND) == ()
    assert audit(books_of([])) == ()


def test_an_edited_amount_breaks_the_chain_and_the_balance() -> None:
    edited = [*ENTRIES]
    edited[1] = replace(ENTRIES[1], amount=D("-5.00"))
    findings = audit(replace(SOUND, entries=edited))
    assert {f.kind for f in findings} == {
        FindingKind.CHAIN_BROKEN,
        FindingKind.BALANCE_MISMATCH,
    }
    assert findings[0].sequence == 2
    assert findings[0].message == "was changed after it was written"


def test_a_resealed_edit_is_caught_at_the_entry_after_it() -> None:
    edited = [*ENTRIES]
    edited[1] = replace(ENTRIES[1], amount=D("-5.00")).sealed()
    (chain, _) = audit(replace(SOUND, entries=edited))
    assert (chain.kind, chain.sequence) == (FindingKind.CHAIN_BROKEN, 3)


def test_a_deleted_middle_entry_is_missing() -> None:
    findings = audit(replace(SOUND, entries=[ENTRIES[0], *ENTRIES[2:]]))
    assert {f.kind for f in findings} == {
        FindingKind.CHAIN_BROKEN,
        FindingKind.BALANCE_MISMATCH,
    }
    assert findings[0].sequence == 2
    assert "missing or out of order" in findings[0].message


def test_a_deleted_last_entry_does_not_reach_the_head() -> None:
    findings = audit(replace(SOUND, entries=ENTRIES[:-1]))
    assert {f.kind for f in findings} == {
        FindingKind.CHAIN_BROKEN,
        FindingKind.BALANCE_MISMATCH,
    }
    assert findings[0].sequence == 4
    assert findings[0].message == "the chain does not end where the account says"


def test_two_reordered_entries_break_the_chain_but_not_the_balance() -> None:
    swapped = [ENTRIES[0], ENTRIES[2], ENTRIES[1], ENTRIES[3]]
    findings = audit(replace(SOUND, entries=swapped))
    assert [(f.kind, f.sequence) for f in findings] == [(FindingKind.CHAIN_BROKEN, 2)]


def test_a_changed_stored_balance_matches_neither_the_entries_nor_the_statements() -> None:
    assert kinds(replace(SOUND, balance=D("85.24"))) == {
        FindingKind.BALANCE_MISMATCH,
        FindingKind.CREDIT_MISMATCH,
    }


def test_statements_and_credit_must_add_up_to_the_balance() -> None:
    findings = audit(replace(SOUND, credit=D("10.00")))
    assert [f.kind for f in findings] == [FindingKind.CREDIT_MISMATCH]
    assert findings[0].message == (
        "the balance is 85.25, the open statements owe 85.25 and the credit is 10.00"
    )
    split = {"S-1": D("85.26"), "S-2": D("-0.01"), "S-3": D("0.00")}
    findings = audit(replace(SOUND, open_statements=split))
    assert [(f.kind, f.message) for f in findings] == [
        (FindingKind.NEGATIVE_OWED, "statement S-2 owes -0.01")
    ]


def test_another_accounts_journal_is_not_this_accounts() -> None:
    theirs = journal(AMOUNTS, "A2")
    findings = audit(replace(SOUND, entries=theirs, head=theirs[-1].head))
    assert [(f.kind, f.sequence) for f in findings] == [(FindingKind.CHAIN_BROKEN, 1)]
    assert findings[0].message == "entry 1 belongs to account A2"


def test_the_summary_adds_up_accounts_entries_findings_and_balances() -> None:
    theirs = books_of(journal(AMOUNTS, "A2"), "A2")
    tampered = replace(theirs, balance=D("85.24"))
    summary = Summary()
    for books in (SOUND, tampered, books_of([])):
        summary = summary.counted(books, audit(books))
    assert not summary.sound
    report = json.loads(json.dumps(summary.as_report()))
    assert report == {
        "accounts_checked": 3,
        "entries_checked": 8,
        "total_balance": "170.49",
        "findings_by_kind": {
            "chain-broken": 0,
            "balance-mismatch": 1,
            "credit-mismatch": 1,
            "negative-owed": 0,
            "digest-mismatch": 0,
            "undigested": 0,
            "payment-mismatch": 0,
        },
        "findings": [
            {
                "account_id": "A2",
                "kind": "balance-mismatch",
                "sequence": None,
                "message": "the balance is 85.24, its entries sum to 85.25",
            },
            {
                "account_id": "A2",
                "kind": "credit-mismatch",
                "sequence": None,
                "message": "the balance is 85.24, the open statements owe 85.25 "
                "and the credit is 0.00",
            },
        ],
    }
    assert Summary().counted(SOUND, audit(SOUND)).sound


def edited(entry: LedgerEntry, name: str) -> LedgerEntry:
    """``entry`` with one field changed to another valid value (not resealed)."""
    value: Any = getattr(entry, name)
    if name == "sequence":
        changed: Any = value + 1
    elif name == "amount":
        changed = value + D("0.01") or D("0.02")
    elif name == "kind":
        changed = EntryKind.FEE if value is not EntryKind.FEE else EntryKind.PENALTY
    elif name == "occurred_at":
        changed = value + timedelta(seconds=1)
    elif name == "source":
        changed = Source(value.kind, value.source_id + "x")
    elif name in ("previous_hash", "hash"):
        changed = ("1" if value[0] != "1" else "2") + value[1:]
    else:
        changed = value + "x"
    return replace(entry, **{name: changed})


@given(st.lists(cents, max_size=25))
def test_a_random_valid_journal_audits_clean(amounts: list[D]) -> None:
    assert audit(books_of(journal(amounts))) == ()


@given(
    st.lists(cents, min_size=1, max_size=15),
    st.sampled_from([f.name for f in fields(LedgerEntry)]),
    st.data(),
)
def test_any_single_field_edit_of_any_entry_is_caught(
    amounts: list[D], name: str, data: st.DataObject
) -> None:
    entries = journal(amounts)
    n = data.draw(st.integers(min_value=0, max_value=len(entries) - 1))
    tampered = [*entries]
    tampered[n] = edited(entries[n], name)
    assert tampered[n] != entries[n]
    found = kinds(replace(books_of(entries), entries=tampered))
    assert FindingKind.CHAIN_BROKEN in found
    if name == "amount":
        assert FindingKind.BALANCE_MISMATCH in found
