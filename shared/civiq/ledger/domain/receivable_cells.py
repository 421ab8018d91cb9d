"""Aging cells: an account's receivables added up by due date, as every posting leaves them.

An aging report buckets what is owed by how long past its due date it is, on whatever day it is
asked for; it needs only, for each due date, what is owed and by how many items and accounts.
So the receivables are kept added up in cells (:class:`CellKey`): by due date, in two families
that hold the same figures grouped by who owes (:class:`Profile`): by property type
(``TYPE``, group ``<type>``), and by route and property type (``ROUTE``, group
``<route>#<type>``); an account's credit is a cell of its own in each (no due date). (A
customer class is a set of property types: the report adds up its types' cells.)

A cell's figures (:data:`Figures`, integer cents and counts) are:

- ``c``: what the items due that day owe; ``c:<d|s|r>:<value>``: what they owe of that
  department, service or revenue type; ``c:l:<revenue key>``: of that revenue (service and
  revenue type: split pro rata, :func:`civiq.ledger.domain.receivables.owed_by_revenue`);
- ``n``: how many items are due that day; ``n:<d|s|r>:<value>``: how many of them owe something
  of that department, service or revenue type;
- ``a``: how many accounts' oldest item is due that day; ``a:<d|s|r>:<value>``: how many
  accounts' oldest item owing something of that department, service or revenue type is (so
  every account owing is counted once, in the bucket of its oldest item);
- in a credit cell, ``cr``: the credit, ``ca``: the accounts in credit (1 each).

So a report narrowed by nothing, or by one dimension, reads three figures of each cell
(:meth:`RevenueSelection.figures`); narrowed by several, it adds up the revenues that match.

An account's cells are a function of its open items, its credit and its profile alone
(:func:`cells_of`), so a posting moves the cells by the difference between the cells of the
account after it and before it (:func:`posting_cells`), and the sum of every account's cells is
what the cells hold: a rebuild computes it from scratch, a check compares the two.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from civiq.ledger.domain.journal import OpenStatement, Posting, Profile
from civiq.ledger.domain.receivables import Revenue, open_after, owed_by_revenue

TYPE_FAMILY = "TYPE"
ROUTE_FAMILY = "ROUTE"
ITEMS = "n"
ACCOUNTS = "a"
OWED = "c"
REVENUE = "c:l:"  # what is owed of one revenue: c:l:<service>/<revenue type>
CREDIT = "cr"
CREDITORS = "ca"

Figures = dict[str, int]


class Dimension(StrEnum):
    """The revenue dimensions an aging report can be narrowed by (each cell counts by them)."""

    DEPARTMENT = "d"
    SERVICE = "s"
    REVENUE_TYPE = "r"

    def value_of(self, revenue: Revenue) -> str:
        if self is Dimension.DEPARTMENT:
            return revenue.department
        if self is Dimension.SERVICE:
            return revenue.service
        return revenue.revenue_type


@dataclass(frozen=True, slots=True)
class CellKey:
    family: str  # TYPE_FAMILY or ROUTE_FAMILY
    group: str  # <property type>, or <route>#<property type>
    due_on: date | None  # None: the credit of the accounts of the group

    def order(self) -> tuple[str, str, date]:
        return self.family, self.group, self.due_on or date.max

    def in_groups(self, prefix: str) -> bool:
        """Whether its group is one an :attr:`AccountSelection.group_prefix` reads."""
        return f"{self.group}#".startswith(prefix)


Cells = dict[CellKey, Figures]
Cell = tuple[CellKey, Mapping[str, int]]  # one stored cell (of one shard)


def groups(profile: Profile) -> tuple[tuple[str, str], ...]:
    """The (family, group) cells an account of ``profile`` counts in."""
    return (
        (TYPE_FAMILY, profile.property_type),
        (ROUTE_FAMILY, f"{profile.route}#{profile.property_type}"),
    )


def _cents(amount: Decimal) -> int:
    return int(amount * 100)


def counted(figure: str, dimension: Dimension | None, value: str | None) -> str:
    """The name of a count (``n`` or ``a``) narrowed to one value of a dimension."""
    return figure if dimension is None else f"{figure}:{dimension.value}:{value}"


def counted_values(cells: Iterable[Mapping[str, int]]) -> set[tuple[Dimension, str]]:
    """The (dimension, value) pairs the figures of ``cells`` count items of."""
    found = set()
    for figures in cells:
        for name, count in figures.items():
            kind, _, rest = name.partition(":")
            if kind == ITEMS and rest and count:
                dimension, _, value = rest.partition(":")
                found.add((Dimension(dimension), value))
    return found


def cells_of(items: Iterable[OpenStatement], credit: Decimal, profile: Profile) -> Cells:
    """What one account adds to the cells: its open items by due date and its credit, in the
    groups of its ``profile``."""
    by_due: dict[date, Counter[str]] = defaultdict(Counter)
    oldest: dict[str, date] = {}
    for item in items:
        split = owed_by_revenue(item.owed, item.charged)
        if not split:
            continue
        figures = by_due[item.due_on]
        figures[ITEMS] += 1
        values = set()
        for key, amount in split.items():
            cents = _cents(amount)
            figures[REVENUE + key] += cents
            figures[OWED] += cents
            for dimension in Dimension:
                value = dimension.value_of(Revenue.of_key(key))
                figures[counted(OWED, dimension, value)] += cents
                values.add((dimension, value))
        names = [counted(ACCOUNTS, None, None)]
        for dimension, value in values:
            figures[counted(ITEMS, dimension, value)] += 1
            names.append(counted(ACCOUNTS, dimension, value))
        for name in names:
            if name not in oldest or item.due_on < oldest[name]:
                oldest[name] = item.due_on
    for name, due_on in oldest.items():
        by_due[due_on][name] += 1
    cells: Cells = {}
    for family, group in groups(profile):
        for due_on, figures in by_due.items():
            cells[CellKey(family, group, due_on)] = dict(figures)
        if credit > 0:
            cells[CellKey(family, group, None)] = {CREDIT: _cents(credit), CREDITORS: 1}
    return cells


def difference(after: Mapping[CellKey, Figures], before: Mapping[CellKey, Figures]) -> Cells:
    """``after`` less ``before``, figure by figure; what did not move is left out."""
    moved: Cells = {}
    for key in sorted(set(after) | set(before), key=CellKey.order):
        now, was = after.get(key, {}), before.get(key, {})
        figures = {n: now.get(n, 0) - was.get(n, 0) for n in sorted(set(now) | set(was))}
        figures = {n: v for n, v in figures.items() if v}
        if figures:
            moved[key] = figures
    return moved


def total(accounts: Iterable[Mapping[CellKey, Figures]]) -> Cells:
    """Cells added up (the cells of every account: what the stored cells must hold); what nets
    to nothing is left out."""
    summed: dict[CellKey, Counter[str]] = defaultdict(Counter)
    for cells in accounts:
        for key, figures in cells.items():
            summed[key].update(figures)
    kept = {key: {n: v for n, v in figures.items() if v} for key, figures in summed.items()}
    return {key: figures for key, figures in kept.items() if figures}


def posting_cells(posting: Posting) -> Cells:
    """How ``posting`` moves the cells: the account's cells after it less before it (its
    receivables counted under the profile they were counted under last, and from now on under
    the account's profile as it stands)."""
    basis = posting.basis
    before = cells_of(basis.open_statements, basis.credit, basis.aged_as or basis.profile)
    after = cells_of(open_after(posting), posting.credit, basis.profile)
    return difference(after, before)


@dataclass(frozen=True, slots=True)
class AccountSelection:
    """Receivables of one route, of some property types (a customer class), both, or all:
    which cells hold them."""

    route: str | None = None
    property_types: frozenset[str] | None = None

    @property
    def family(self) -> str:
        return TYPE_FAMILY if self.route is None else ROUTE_FAMILY

    @property
    def group_prefix(self) -> str:
        """What the groups of the cells read begin with."""
        return "" if self.route is None else f"{self.route}#"

    def holds_cell(self, key: CellKey) -> bool:
        """Whether a cell of :attr:`family` read with :attr:`group_prefix` is of this
        selection (of one of its property types)."""
        return self.property_types is None or key.group.rsplit("#", 1)[-1] in self.property_types

    def holds(self, profile: Profile) -> bool:
        return (self.route is None or profile.route == self.route) and (
            self.property_types is None or profile.property_type in self.property_types
        )


@dataclass(frozen=True, slots=True)
class RevenueSelection:
    """Receivables of one department, service and/or revenue type (all: none named). A revenue
    type belongs to one service, a service to one department, so the items and accounts of a
    selection are those of the most specific dimension it names, where it selects anything."""

    department: str | None = None
    service: str | None = None
    revenue_type: str | None = None

    def named(self) -> tuple[tuple[Dimension, str], ...]:
        values = (self.department, self.service, self.revenue_type)
        return tuple((d, v) for d, v in zip(Dimension, values, strict=True) if v is not None)

    def matches(self, revenue: Revenue) -> bool:
        return all(dimension.value_of(revenue) == value for dimension, value in self.named())

    def _dimension(self) -> tuple[Dimension | None, str | None]:
        """The most specific dimension it names (None: none)."""
        named = self.named()
        return named[-1] if named else (None, None)

    def figures(self) -> tuple[str, ...] | None:
        """The figures of a cell it reads (None: all of them, to add up the revenues that
        match several dimensions), the credit's included."""
        if len(self.named()) > 1:
            return None
        names = (counted(f, *self._dimension()) for f in (OWED, ITEMS, ACCOUNTS))
        return (*names, CREDIT, CREDITORS)

    def amount(self, figures: Mapping[str, int]) -> int:
        if len(self.named()) <= 1:
            return figures.get(counted(OWED, *self._dimension()), 0)
        return sum(
            cents
            for name, cents in figures.items()
            if name.startswith(REVENUE) and self.matches(Revenue.of_key(name[len(REVENUE) :]))
        )

    def _count(self, figure: str, figures: Mapping[str, int]) -> int:
        if self.named() and not self.amount(figures):
            return 0
        return figures.get(counted(figure, *self._dimension()), 0)

    def items(self, figures: Mapping[str, int]) -> int:
        return self._count(ITEMS, figures)

    def accounts(self, figures: Mapping[str, int]) -> int:
        return self._count(ACCOUNTS, figures)


def owed_in(item: OpenStatement, selection: RevenueSelection) -> Decimal:
    """What ``item`` owes within ``selection``."""
    split = owed_by_revenue(item.owed, item.charged)
    return sum((a for k, a in split.items() if selection.matches(Revenue.of_key(k))), Decimal(0))
