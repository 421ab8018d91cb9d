"""Receivables: what each open item still owes, by revenue.

Every open item (a statement, or an amount owed that no statement carries yet) keeps what it was
charged, by revenue key ``<service>/<revenue type>``:

- a statement's lines: the charge type as the service (``water``, ``sewer``, ``stormwater``,
  ``waste``, ``miscellaneous``) and, as the revenue type, the rate schedule's own charge type
  the line is printed under (``water/fire-protection``), else the charge type itself
  (``water/water``); its taxes: ``<charge type>/<charge type>-tax`` (``water/water-tax``);
- what no service is billed for (service ``none``): a fee of the catalogue
  (``none/fee-<code>``, the dishonoured-payment fee included) and its tax (``none/fee-tax``), a
  late penalty (``none/penalty``, charged to the statement it penalizes), a charge adjustment
  (``none/adjustment``), a refund no credit covered (``none/refund``), the spent credit of a
  payment taken back (``none/returned-payment``), a deposit (``none/deposit``), written-off
  arrears reinstated (``none/reinstated-arrears``) and arrears a reversed tax-roll transfer owes
  again (``none/returned-from-tax-roll``);
- ``none/unclassified``: what an item owes beyond what it says it was charged (an item opened
  before items kept their charges).

The department a revenue belongs to is the utility's (``utility``) for what a statement bills
for a service, and the fee department's (``fees``) for the rest. So each revenue type belongs to
one service and each service to one department: narrowing by several of the three is narrowing
by the most specific one, or by nothing they all share.

Payments, credits and what a reversal re-opens are applied to an item pro rata: what the item
still owes is split among its charges in proportion to them (:func:`owed_by_revenue`), each
share rounded down to the cent and the largest charge taking the cents left
(:func:`civiq.core.money.prorated`). The split depends only on what the item was charged and
what it still owes, so the same item always splits the same way.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from civiq.core.money import prorated
from civiq.ledger.domain.fees import FEE_SOURCE, FEE_TAX_SOURCE, tax_entry_id
from civiq.ledger.domain.journal import (
    UNBILLED,
    Charges,
    EntryKind,
    LedgerEntry,
    OpenStatement,
    Posting,
    StatementChange,
    is_statement,
)

UTILITY = "utility"  # the department of what a statement bills for a service
FEES = "fees"  # the department of everything else
NO_SERVICE = "none"
FEE_TAX = "fee-tax"
PENALTY = "penalty"
UNCLASSIFIED = "unclassified"
FEE_PREFIX = "fee-"
ENTRY_REVENUE = {
    EntryKind.PENALTY: PENALTY,
    EntryKind.ADJUSTMENT: "adjustment",
    EntryKind.REFUND: "refund",
    EntryKind.REVERSAL: "returned-payment",
    EntryKind.DEPOSIT: "deposit",
    EntryKind.WRITE_OFF: "reinstated-arrears",  # written-off arrears owed again
    EntryKind.TAX_ROLL: "returned-from-tax-roll",  # arrears a reversed transfer owes again
}


@dataclass(frozen=True, slots=True, order=True)
class Revenue:
    """What an amount owed is for: the service it was billed for and its revenue type."""

    service: str
    revenue_type: str

    @property
    def key(self) -> str:
        return f"{self.service}/{self.revenue_type}"

    @property
    def department(self) -> str:
        return FEES if self.service == NO_SERVICE else UTILITY

    @classmethod
    def of_key(cls, key: str) -> Revenue:
        service, _, revenue_type = key.partition("/")
        return cls(service, revenue_type)


def tax_on(service: str) -> Revenue:
    """The revenue of the tax on a service's charges."""
    return Revenue(service, f"{service}-tax")


UNCLASSIFIED_REVENUE = Revenue(NO_SERVICE, UNCLASSIFIED)
PENALTY_REVENUE = Revenue(NO_SERVICE, PENALTY)


def charges(amounts: Iterable[tuple[Revenue, Decimal]]) -> Charges:
    """Amounts by revenue, added up by key and in key order (a revenue that nets to nothing is
    left out)."""
    summed: dict[str, Decimal] = defaultdict(Decimal)
    for revenue, amount in amounts:
        summed[revenue.key] += amount
    return tuple((key, amount) for key, amount in sorted(summed.items()) if amount)


def _more(charged: Charges, added: Charges) -> Charges:
    return charges((Revenue.of_key(k), a) for k, a in (*charged, *added))


def owed_by_revenue(owed: Decimal, charged: Charges) -> dict[str, Decimal]:
    """What an item owing ``owed`` owes for each revenue it was ``charged`` (those with a
    positive charge: a negative line, a credit, takes nothing), pro rata; an item with no
    positive charge owes it all as ``none/unclassified``, and anything owed beyond the charges
    is too."""
    if owed <= 0:
        return {}
    positive = [(key, amount) for key, amount in charged if amount > 0]
    whole = sum((amount for _, amount in positive), Decimal(0))
    beyond = max(owed - whole, Decimal(0))
    split: dict[str, Decimal] = {}
    if positive:
        shares = prorated(owed - beyond, [amount for _, amount in positive])
        split = {key: share for (key, _), share in zip(positive, shares, strict=True) if share}
    if beyond:
        split[UNCLASSIFIED_REVENUE.key] = split.get(UNCLASSIFIED_REVENUE.key, Decimal(0)) + beyond
    return split


def entry_revenue(entry: LedgerEntry) -> Revenue:
    """The revenue an entry charges (its amount is positive)."""
    if entry.source.kind == FEE_SOURCE:
        return Revenue(NO_SERVICE, FEE_PREFIX + entry.source.source_id)
    if entry.source.kind == FEE_TAX_SOURCE:
        return Revenue(NO_SERVICE, FEE_TAX)
    return Revenue(NO_SERVICE, ENTRY_REVENUE.get(entry.kind, UNCLASSIFIED))


def _unbilled_charges(change: StatementChange, entries: Mapping[str, LedgerEntry]) -> Charges:
    """What a new unbilled item was charged: the entries named after it (a fee and its tax, an
    adjustment, a refund), or, when they do not add up to what it owes (a payment taken back
    after a statement used its credit), what it owes as the first one's revenue."""
    entry_id = change.statement_id.removeprefix(UNBILLED)
    named = [entries[i] for i in (entry_id, tax_entry_id(entry_id)) if i in entries]
    if not named:
        return charges([(UNCLASSIFIED_REVENUE, change.owed)])
    if sum((e.amount for e in named), Decimal(0)) == change.owed:
        return charges((entry_revenue(e), e.amount) for e in named)
    return charges([(entry_revenue(named[0]), change.owed)])


def open_after(posting: Posting) -> tuple[OpenStatement, ...]:
    """The account's open items once ``posting`` is written, in id order, each with what it was
    charged (:func:`items_after`)."""
    return tuple(s for s in items_after(posting) if s.owed > 0)


def items_after(posting: Posting) -> tuple[OpenStatement, ...]:
    """The account's items once ``posting`` is written, in id order, those it pays off included
    (owing 0), each with what it was charged: what it was charged before, what the posting's
    change charges to it (a new statement's lines), its late penalties, and for a new unbilled
    item the entries it is named after. A new statement that owes more than its lines (a rebill
    owes its predecessor's penalty) was charged the rest as a penalty."""
    items = {s.statement_id: s for s in posting.basis.open_statements}
    entries = {e.entry_id: e for e in posting.entries}
    penalties: dict[str, list[tuple[Revenue, Decimal]]] = defaultdict(list)
    for entry in posting.entries:
        if entry.kind is EntryKind.PENALTY and entry.amount > 0:
            penalties[entry.source.source_id].append((PENALTY_REVENUE, entry.amount))
    for change in posting.statements:
        before = items.get(change.statement_id)
        added = _more(change.charged, charges(penalties[change.statement_id]))
        if before is None and not is_statement(change.statement_id) and not added:
            added = _unbilled_charges(change, entries)
        charged = _more(before.charged if before else (), added)
        beyond = change.owed - sum((a for _, a in charged if a > 0), Decimal(0))
        if before is None and is_statement(change.statement_id) and charged and beyond > 0:
            charged = _more(charged, charges([(PENALTY_REVENUE, beyond)]))
        items[change.statement_id] = OpenStatement(
            change.statement_id, change.due_on, change.owed, charged
        )
    return tuple(s for _, s in sorted(items.items()))
