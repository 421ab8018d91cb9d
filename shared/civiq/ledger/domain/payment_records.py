"""Payment records against the ledger: each is written in the posting that writes its entries
(:mod:`civiq.ledger.domain.payments`), so they must tell the same story.

A payment's entries: its ``payment`` entry (id: the payment's, amount: minus the payment's), its
refunds and chargebacks (``refund`` or ``reversal`` entries whose source is the payment), whose
sum is what the record says was refunded, and, when it was dishonoured or charged back whole, its
reversal (``<payment id>-reversed``, the payment's amount back). A record without its entries,
or an entry without its record, is a payment the books and the ledger disagree on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from civiq.ledger.domain.journal import EntryKind, LedgerEntry
from civiq.ledger.domain.payments import Payment, PaymentStatus
from civiq.ledger.domain.verification import Finding, FindingKind

REVERSED = (PaymentStatus.DISHONOURED, PaymentStatus.CHARGED_BACK)


@dataclass(frozen=True, slots=True)
class UnreadablePayment:
    """A payment record that is no longer one (a field removed or garbled)."""

    payment_id: str
    why: str


def reversal_id(payment_id: str) -> str:
    """The id of the entry that takes a dishonoured or charged-back payment back whole."""
    return f"{payment_id}-reversed"


def cross_check(
    account_id: str,
    entries: Sequence[LedgerEntry],
    records: Sequence[Payment | UnreadablePayment],
) -> tuple[Finding, ...]:
    """Every disagreement between an account's payment records and its journal."""
    findings: list[str] = []
    by_id = {e.entry_id: e for e in entries}
    paid = {e.entry_id: e for e in entries if e.kind is EntryKind.PAYMENT}
    given_back: dict[str, Decimal] = {}
    for e in entries:
        if e.kind in (EntryKind.REFUND, EntryKind.REVERSAL) and e.source.kind == "payment":
            given_back[e.source.source_id] = (
                given_back.get(e.source.source_id, Decimal(0)) + e.amount
            )
    recorded = {r.payment_id for r in records}
    for record in records:
        if isinstance(record, UnreadablePayment):
            findings.append(f"payment {record.payment_id}'s record cannot be read ({record.why})")
            continue
        pid = record.payment_id
        entry = paid.get(pid)
        if entry is None:
            findings.append(f"payment {pid} has no payment entry")
        elif entry.amount != -record.amount:
            findings.append(
                f"payment {pid} is {record.amount:.2f}; its entry {entry.sequence} "
                f"moves {entry.amount:.2f}"
            )
        refunded = given_back.get(pid, Decimal(0))
        if refunded != record.refunded:
            findings.append(
                f"payment {pid} has {record.refunded:.2f} refunded; its refund entries sum "
                f"to {refunded:.2f}"
            )
        reversal = by_id.get(reversal_id(pid))
        reversed_whole = record.status in REVERSED and not record.refunded
        if reversed_whole and (reversal is None or reversal.amount != record.amount):
            findings.append(f"payment {pid} is {record.status.value}; no entry reverses it")
        elif reversal is not None and not reversed_whole:
            findings.append(
                f"entry {reversal.sequence} reverses payment {pid}, which is {record.status.value}"
            )
    findings.extend(
        f"entry {e.sequence} is payment {pid}, which has no record"
        for pid, e in paid.items()
        if pid not in recorded
    )
    findings.extend(
        f"entries give back {amount:.2f} of payment {pid}, which has no record"
        for pid, amount in given_back.items()
        if pid not in recorded
    )
    return tuple(Finding(account_id, FindingKind.PAYMENT_MISMATCH, why) for why in findings)
