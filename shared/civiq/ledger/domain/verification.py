"""Reconciliation and hash-chain verification of the ledger, one account at a time.

An account's books are what its ledger item stores (balance, credit, what each open statement still
owes, the chain's head) and its journal. They are sound when the journal is exactly as written
(:func:`civiq.ledger.domain.journal.verify_chain`), the stored balance is the sum of its entries,
the balance is what the open statements owe less the credit, and no statement owes a negative
amount. A command streams every account through :func:`audit` and adds the results up in a
:class:`Summary`, printed as a JSON report; it also holds each account against the latest ledger
digest (:mod:`civiq.ledger.domain.digests`) and its payment records
(:mod:`civiq.ledger.domain.payment_records`), with findings of the same shape.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from civiq.ledger.domain.journal import Head, LedgerEntry, balance, verify_chain


class FindingKind(StrEnum):
    CHAIN_BROKEN = "chain-broken"  # an entry was edited, deleted, inserted or reordered
    BALANCE_MISMATCH = "balance-mismatch"  # the stored balance is not the sum of the entries
    CREDIT_MISMATCH = "credit-mismatch"  # the balance is not the open statements less the credit
    NEGATIVE_OWED = "negative-owed"  # a statement owes less than nothing
    DIGEST_MISMATCH = "digest-mismatch"  # the head a digest anchored is no longer in the journal
    UNDIGESTED = "undigested"  # entries older than the latest digest, which does not hold them
    PAYMENT_MISMATCH = "payment-mismatch"  # a payment record and its ledger entries disagree


@dataclass(frozen=True, slots=True)
class AccountBooks:
    account_id: str
    balance: Decimal
    credit: Decimal
    open_statements: Mapping[str, Decimal]  # statement id -> still owed on it
    head: Head | None
    entries: Sequence[LedgerEntry]  # the whole journal, in sequence order


@dataclass(frozen=True, slots=True)
class Finding:
    account_id: str
    kind: FindingKind
    message: str
    sequence: int | None = None  # the first entry the chain breaks at

    def as_report(self) -> dict[str, object]:
        return {
            "account_id": self.account_id,
            "kind": self.kind.value,
            "sequence": self.sequence,
            "message": self.message,
        }


def audit(books: AccountBooks) -> tuple[Finding, ...]:
    """Everything wrong with one account's books (nothing: they are sound)."""
    account = books.account_id
    findings = []
    stranger = next((e for e in books.entries if e.account_id != account), None)
    if stranger is not None:
        findings.append(
            Finding(
                account,
                FindingKind.CHAIN_BROKEN,
                f"entry {stranger.sequence} belongs to account {stranger.account_id}",
                stranger.sequence,
            )
        )
    elif broken := verify_chain(books.entries, books.head):
        findings.append(Finding(account, FindingKind.CHAIN_BROKEN, broken.why, broken.sequence))
    summed = balance(books.entries)
    if books.balance != summed:
        findings.append(
            Finding(
                account,
                FindingKind.BALANCE_MISMATCH,
                f"the balance is {books.balance:.2f}, its entries sum to {summed:.2f}",
            )
        )
    owed = sum(books.open_statements.values(), Decimal(0))
    if books.balance != owed - books.credit:
        findings.append(
            Finding(
                account,
                FindingKind.CREDIT_MISMATCH,
                f"the balance is {books.balance:.2f}, the open statements owe {owed:.2f} "
                f"and the credit is {books.credit:.2f}",
            )
        )
    findings.extend(
        Finding(
            account,
            FindingKind.NEGATIVE_OWED,
            f"statement {statement_id} owes {amount:.2f}",
        )
        for statement_id, amount in sorted(books.open_statements.items())
        if amount < 0
    )
    return tuple(findings)


@dataclass(frozen=True, slots=True)
class Summary:
    """What an audit of many accounts found; add each account with :meth:`counted`."""

    accounts: int = 0
    entries: int = 0
    total_balance: Decimal = Decimal(0)  # the stored balances' sum
    findings: tuple[Finding, ...] = field(default=())

    def counted(self, books: AccountBooks, findings: Sequence[Finding]) -> Summary:
        return Summary(
            accounts=self.accounts + 1,
            entries=self.entries + len(books.entries),
            total_balance=self.total_balance + books.balance,
            findings=(*self.findings, *findings),
        )

    def by_kind(self) -> dict[FindingKind, int]:
        return {kind: sum(f.kind is kind for f in self.findings) for kind in FindingKind}

    @property
    def sound(self) -> bool:
        return not self.findings

    def as_report(self) -> dict[str, object]:
        """The JSON report (amounts as strings, never floats)."""
        return {
            "accounts_checked": self.accounts,
            "entries_checked": self.entries,
            "total_balance": f"{self.total_balance:.2f}",
            "findings_by_kind": {kind.value: n for kind, n in self.by_kind().items()},
            "findings": [f.as_report() for f in self.findings],
        }
