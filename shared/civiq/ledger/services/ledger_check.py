"""Check the ledger: every account's balance is the sum of its entries, and its audit trail is
the chain as written (:func:`civiq.ledger.domain.verification.audit`), account by account."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from functools import reduce

from civiq.ledger.domain.verification import Finding, FindingKind, Summary, audit
from civiq.ledger.ports import Books, LedgerBooks, UnreadableEntry

MAX_WORKERS = 32  # threads reading segments; more segments than that wait their turn


class CheckLedgers:
    def __init__(self, books: LedgerBooks) -> None:
        self._books = books

    def __call__(self, account_ids: Sequence[str] = ()) -> Summary:
        """Every account's books, or only those of ``account_ids`` (NotFound for an unknown
        one); the table's segments are read in parallel. Findings are in account id order."""
        if account_ids:
            summary = _checked(self._books.of_account(a) for a in account_ids)
        else:
            segments = range(self._books.segments)
            with ThreadPoolExecutor(max_workers=min(len(segments), MAX_WORKERS)) as pool:
                parts = pool.map(lambda s: _checked(self._books.books(s)), segments)
                summary = reduce(_joined, parts, Summary())
        return replace(summary, findings=tuple(sorted(summary.findings, key=_by_account)))


def _checked(read: Iterable[Books]) -> Summary:
    summary = Summary()
    for books in read:
        if isinstance(books, UnreadableEntry):
            why = f"entry {books.sequence} cannot be read ({books.why})"
            account_id = books.books.account_id
            finding = Finding(account_id, FindingKind.CHAIN_BROKEN, why, books.sequence)
            summary = summary.counted(books.books, (finding,))
        else:
            summary = summary.counted(books, audit(books))
    return summary


def _joined(one: Summary, other: Summary) -> Summary:
    return Summary(
        accounts=one.accounts + other.accounts,
        entries=one.entries + other.entries,
        total_balance=one.total_balance + other.total_balance,
        findings=(*one.findings, *other.findings),
    )


def _by_account(finding: Finding) -> str:
    return finding.account_id
