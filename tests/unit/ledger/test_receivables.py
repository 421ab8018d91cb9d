"""What open items owe by revenue: the pro rata split (rounded down, the rest on the largest
charge), what each kind of posting charges to the items it opens or raises, and the aging cells
every posting moves, which add up to the cells computed from scratch whatever the postings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal as D
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civiq.accounts.domain.customers import CustomerKind
from civiq.billing.domain.statements import revenue_charges
from civiq.core.money import prorated
from civiq.ledger.adapters.memory import InMemoryLedger
from civiq.ledger.domain.journal import (
    AccountLedger,
    OpenStatement,
    Posting,
    Profile,
    statement_posting,
)
from civiq.ledger.domain.receivable_cells import (
    TYPE_FAMILY,
    CellKey,
    Cells,
    cells_of,
    difference,
    posting_cells,
    total,
)
from civiq.ledger.domain.receivables import open_after, owed_by_revenue
from civiq.payments.domain.penalties import PenaltyKind, PenaltyPolicy
from civiq.payments.services.payments import AdjustBalance
from civiq.rates.domain.charges import ChargeCategory
from tests.helpers.aging import AgingWorld, aging_world, billed, portfolio, unsettled
from tests.helpers.statement_builders import rated_bill
from tests.helpers.stores import CLERK, NOW, memory_stores

AT = date(2026, 11, 20)


def charged(**amounts: str) -> tuple[tuple[str, D], ...]:
    return tuple(sorted((k.replace("_", "/", 1), D(v)) for k, v in amounts.items()))


def test_what_an_item_owes_is_split_pro_rata_the_cents_left_on_the_largest_charge() -> None:
    statement = charged(
        water_water="30.00",
        waste_waste="20.00",
        miscellaneous_miscellaneous="10.00",
        **{"miscellaneous_miscellaneous-tax": "1.30"},
        none_penalty="5.00",
    )

    split = owed_by_revenue(D("32.97"), statement)

    # each share rounded down: 14.918.. 9.945.. 4.972.. 0.646.. 2.486..; the rest on water
    assert split == {
        "water/water": D("14.94"),
        "waste/waste": D("9.94"),
        "miscellaneous/miscellaneous": D("4.97"),
        "miscellaneous/miscellaneous-tax": D("0.64"),
        "none/penalty": D("2.48"),
    }
    assert sum(split.values()) == D("32.97")


def test_equal_charges_leave_the_cents_on_the_first_and_never_go_negative() -> None:
    thirds = charged(water_water="10.00", sewer_sewer="10.00", waste_waste="10.00")
    assert owed_by_revenue(D("0.01"), thirds) == {"sewer/sewer": D("0.01")}
    assert owed_by_revenue(D("0.05"), thirds) == {
        "sewer/sewer": D("0.03"),
        "waste/waste": D("0.01"),
        "water/water": D("0.01"),
    }
    tens = tuple((f"water/part-{n}", D("10.00")) for n in range(10))
    assert all(share >= 0 for share in owed_by_revenue(D("0.05"), tens).values())


def test_a_credit_line_takes_nothing_and_what_no_charge_explains_is_unclassified() -> None:
    with_credit = charged(water_water="50.00", sewer_sewer="-20.00")
    assert owed_by_revenue(D("30.00"), with_credit) == {"water/water": D("30.00")}
    assert owed_by_revenue(D("12.00"), ()) == {"none/unclassified": D("12.00")}
    assert owed_by_revenue(D("60.00"), charged(water_water="50.00")) == {
        "water/water": D("50.00"),
        "none/unclassified": D("10.00"),
    }
    assert owed_by_revenue(D(0), charged(water_water="50.00")) == {}


@given(
    st.integers(min_value=0, max_value=10**7),
    st.lists(st.integers(min_value=1, max_value=10**6), min_size=1, max_size=12),
)
def test_shares_add_up_to_the_amount_and_none_is_negative(cents: int, weights: list[int]) -> None:
    amount = D(cents) / 100
    shares = prorated(amount, [D(w) / 100 for w in weights])

    assert sum(shares) == amount
    assert all(share >= 0 for share in shares)
    exact = [amount * w / sum(weights) for w in weights]
    assert all(abs(s - e) < D("0.01") * len(weights) for s, e in zip(shares, exact, strict=True))


def test_a_bill_is_charged_by_service_and_revenue_type_its_taxes_apart() -> None:
    bill = rated_bill()  # the statement builders' bill: every service, HST on the meter test
    fire = ChargeCategory("fire-protection", "Fire protection", "Protection incendie")
    own_type = rated_bill(lines=[replace(bill.lines[0], category=fire), bill.lines[1]], taxes=[])

    assert dict(revenue_charges(bill)) == {
        "water/water": D("109.48"),  # 20.05 + 27.75 + 31.50 + 30.18
        "sewer/sewer": D("71.54"),
        "stormwater/stormwater": D("9.53"),
        "waste/waste": D("28.50"),
        "miscellaneous/miscellaneous": D("45.00"),
        "miscellaneous/miscellaneous-tax": D("5.85"),
    }
    assert dict(revenue_charges(own_type)) == {
        "water/fire-protection": D("20.05"),
        "water/water": D("27.75"),
    }


BASIS = AccountLedger("A1", None, D(0), D(0), (), Profile("R1", "single-family"))


def test_a_rebill_owing_its_predecessors_penalty_is_charged_it_as_a_penalty() -> None:
    penalized = OpenStatement(
        "S1", AT, D("105.00"), charged(water_water="100.00", none_penalty="5.00")
    )
    basis = AccountLedger(
        "A1", None, D("105.00"), D(0), (penalized,), Profile("R1", "single-family")
    )

    posting = statement_posting(
        basis, "S1-R1", AT, D("90.00"), NOW, "clerk", "rebill", ("S1", D("100.00")),
        charged=charged(water_water="90.00"),
    )  # fmt: skip

    assert open_after(posting) == (
        OpenStatement("S1-R1", AT, D("95.00"), charged(water_water="90.00", none_penalty="5.00")),
    )


def test_an_item_opened_before_items_kept_charges_owes_as_unclassified_until_paid() -> None:
    legacy = OpenStatement("S0", AT, D("40.00"))
    basis = AccountLedger("A1", None, D("40.00"), D(0), (legacy,), Profile("R1", "single-family"))
    posting = statement_posting(basis, "S1", AT, D("10.00"), NOW, "billing", "bill")

    after = open_after(posting)

    assert after[0] == legacy
    assert owed_by_revenue(after[0].owed, after[0].charged) == {"none/unclassified": D("40.00")}
    assert after[1].charged == ()  # no lines given: unclassified too
    assert owed_by_revenue(after[1].owed, after[1].charged) == {"none/unclassified": D("10.00")}


def test_a_new_profile_moves_the_accounts_receivables_at_its_next_posting() -> None:
    owing = OpenStatement("S1", AT, D("40.00"), charged(water_water="40.00"))
    moved = AccountLedger(
        "A1",
        None,
        D("40.00"),
        D("0"),
        (owing,),
        Profile("R9", "single-family"),
        Profile("R1", "single-family"),
    )
    posting = Posting(moved, "adjustment:x", (), (), D(0))

    cells = posting_cells(posting)

    assert cells[CellKey("ROUTE", "R1#single-family", AT)]["c:l:water/water"] == -4000
    assert cells[CellKey("ROUTE", "R9#single-family", AT)]["c:l:water/water"] == 4000
    assert CellKey(TYPE_FAMILY, "single-family", AT) not in cells  # the class did not change


class CountingLedger(InMemoryLedger):
    """A ledger adding up how each posting moved the cells, as the table's cells are kept."""

    def __init__(self, store: Any) -> None:
        super().__init__(store)
        self.kept: list[Cells] = []

    def post(self, posting: Posting, **records: Any) -> bool:  # type: ignore[override]
        moved = posting_cells(posting)
        posted = super().post(posting, **records)
        if posted:
            self.kept.append(moved)
        return posted


def counted_world() -> tuple[AgingWorld, CountingLedger]:
    world = aging_world(memory_stores(), CountingLedger)
    return world, world.books.ledger


def scratch(world: AgingWorld) -> Cells:
    return {
        key: figures
        for family in (TYPE_FAMILY, "ROUTE")
        for key, figures in total({k: dict(f)} for k, f in world.cells.cells(family)).items()
    }


def test_the_cells_every_posting_moves_add_up_to_the_cells_from_scratch() -> None:
    world, counting = counted_world()

    unsettled(portfolio(world))

    assert len(counting.kept) > 10
    assert difference(total(counting.kept), scratch(world)) == {}


OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(["bill", "pay", "adjust", "penalize", "credit"]),
        st.integers(min_value=0, max_value=2),
        st.integers(min_value=1, max_value=40000),
    ),
    min_size=1,
    max_size=14,
)


@given(OPERATIONS)
def test_any_sequence_of_postings_keeps_the_cells_equal_to_the_ledger(
    operations: Sequence[tuple[str, int, int]],
) -> None:
    world, counting = counted_world()
    person = world.books.account
    accounts = [person, *portfolio_accounts(world)]
    for n, (operation, who, cents) in enumerate(operations):
        account, amount = accounts[who], f"{D(cents) / 100:.2f}"
        if operation == "bill":
            due = date(2026, 1 + n % 11, 1 + (cents % 28))
            world.issue(billed(account, due, water=amount, sewer=f"{D(cents % 997) / 100:.2f}"))
        elif operation == "pay":
            world.pay(account, f"P-{n}", amount)
        elif operation == "adjust":
            world.adjust(account, f"ADJ-{n}", amount)
        elif operation == "credit":
            AdjustBalance(world.books.post.books)(
                account.account_id, f"CR-{n}", -D(amount), "goodwill", CLERK, "c"
            )
        else:
            policy = PenaltyPolicy(PenaltyKind.MONTHLY_PERCENT, percent=D("1.25"))
            world.penalties(policy)("c")

    assert difference(total(counting.kept), scratch(world)) == {}


def portfolio_accounts(world: AgingWorld) -> list[Any]:
    return [
        world.open("Boulangerie Laval", "9 Rue Principale", CustomerKind.ORGANIZATION, "R2"),
        world.open("Marc Roy", "3 Rue Laval", CustomerKind.PERSON, "R2"),
    ]


def test_an_accounts_cells_count_it_once_at_its_oldest_item_of_each_revenue() -> None:
    items = [
        OpenStatement("S1", date(2026, 7, 20), D("30.00"), charged(sewer_sewer="30.00")),
        OpenStatement("S2", date(2026, 9, 20), D("50.00"), charged(water_water="50.00")),
    ]

    cells = cells_of(items, D(0), Profile("R1", "single-family"))

    july, september = (
        CellKey(TYPE_FAMILY, "single-family", date(2026, 7, 20)),
        CellKey(TYPE_FAMILY, "single-family", date(2026, 9, 20)),
    )
    assert cells[july] == {
        "n": 1,
        "a": 1,
        "c": 3000,
        "c:l:sewer/sewer": 3000,
        "c:d:utility": 3000,
        "c:s:sewer": 3000,
        "c:r:sewer": 3000,
        "n:d:utility": 1,
        "a:d:utility": 1,
        "n:s:sewer": 1,
        "a:s:sewer": 1,
        "n:r:sewer": 1,
        "a:r:sewer": 1,
    }
    assert cells[september] == {
        "n": 1,
        "c": 5000,
        "c:l:water/water": 5000,
        "c:d:utility": 5000,
        "c:s:water": 5000,
        "c:r:water": 5000,
        "n:d:utility": 1,
        "n:s:water": 1,
        "a:s:water": 1,  # its oldest water item
        "n:r:water": 1,
        "a:r:water": 1,
    }
    assert len(cells) == 4  # the same in the route family


@pytest.mark.parametrize("credit", ["0.00", "12.34"])
def test_a_credit_is_a_cell_of_its_own(credit: str) -> None:
    cells = cells_of([], D(credit), Profile("R1", "commercial"))
    expected = {} if credit == "0.00" else {"cr": 1234, "ca": 1}
    assert cells.get(CellKey(TYPE_FAMILY, "commercial", None), {}) == expected
