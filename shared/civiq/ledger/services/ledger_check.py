"""Check the ledger: every account's balance is the sum of its entries, its audit trail is the
chain as written (:func:`civiq.ledger.domain.verification.audit`), its payment records tell what
its entries tell (:func:`civiq.ledger.domain.payment_records.cross_check`), and its journal still
holds the head the latest digest anchored (:func:`civiq.ledger.domain.digests.against_digest`),
account by account."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from functools import reduce

from civiq.ledger.domain.digests import Anchor, against_digest, missing_from_table
from civiq.ledger.domain.payment_records import cross_check
from civiq.ledger.domain.verification import AccountBooks, Finding, FindingKind, Summary, audit
from civiq.ledger.ports import Books, LedgerBooks, PaymentRecords, UnreadableEntry

MAX_WORKERS = 32  # threads reading segments; more segments than that wait their turn
ATTEMPTS = 3  # reads of an account whose payment records ran ahead of the journal read


class CheckLedgers:
    def __init__(
        self, books: LedgerBooks, payments: PaymentRecords, anchor: Anchor | None = None
    ) -> None:
        self._books = books
        self._payments = payments
        self._anchor = anchor

    def __call__(self, account_ids: Sequence[str] = ()) -> Summary:
        """Every account's books, or only those of ``account_ids`` (NotFound for an unknown
        one); the table's segments are read in parallel. Findings are in account id order;
        checking every account, an account the latest digest anchors and the table no longer has
        is a finding too."""
        if account_ids:
            summary, _ = self._checked(self._books.of_account(a) for a in account_ids)
        else:
            segments = range(self._books.segments)
            with ThreadPoolExecutor(max_workers=min(len(segments), MAX_WORKERS)) as pool:
                parts = list(pool.map(lambda s: self._checked(self._books.books(s)), segments))
            summary = reduce(_joined, (part for part, _ in parts), Summary())
            if self._anchor is not None:
                seen = set().union(*(accounts for _, accounts in parts))
                gone = missing_from_table(self._anchor, seen)
                summary = replace(summary, findings=(*summary.findings, *gone))
        return replace(summary, findings=tuple(sorted(summary.findings, key=_by_account)))

    def _checked(self, read: Iterable[Books]) -> tuple[Summary, set[str]]:
        summary = Summary()
        seen: set[str] = set()
        for books in read:
            if isinstance(books, UnreadableEntry):  # its journal ends there: nothing else to check
                account = books.books
                why = f"entry {books.sequence} cannot be read ({books.why})"
                findings = [
                    Finding(account.account_id, FindingKind.CHAIN_BROKEN, why, books.sequence)
                ]
            else:
                account = books
                findings = [*audit(books), *self._payment_findings(books)]
                if self._anchor is not None:
                    anchored = against_digest(self._anchor, account.account_id, account.entries)
                    findings.extend([anchored] if anchored else [])
            seen.add(account.account_id)
            summary = summary.counted(account, findings)
        return summary, seen

    def _payment_findings(self, books: AccountBooks) -> tuple[Finding, ...]:
        """The records are read after the journal: a payment posted in between shows in them and
        not in the entries. So when they disagree and the account's head has moved since, the
        account is read again."""
        account_id = books.account_id
        for _ in range(ATTEMPTS):
            findings = cross_check(account_id, books.entries, self._payments.of_account(account_id))
            again = self._books.of_account(account_id) if findings else books
            if isinstance(again, UnreadableEntry) or again.head == books.head:
                return findings
            books = again
        return findings


def _joined(one: Summary, other: Summary) -> Summary:
    return Summary(
        accounts=one.accounts + other.accounts,
        entries=one.entries + other.entries,
        total_balance=one.total_balance + other.total_balance,
        findings=(*one.findings, *other.findings),
    )


def _by_account(finding: Finding) -> str:
    return finding.account_id
