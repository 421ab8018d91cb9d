"""The accounts remittance matching sees (:class:`LedgerDirectory`), over the in-memory stores
and DynamoDB alike: a payer's namesakes are every account of that name that could owe money,
however many pages the search takes, whatever their status, and each partner of a couple."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from civiq.accounts.domain.accounts import Account
from civiq.payments.domain.remittance import MatchReason, RemittanceLine, match_line
from civiq.payments.services.remittances import LedgerDirectory
from tests.helpers.statement_builders import issue_with_ledger, issued_entry, owing_statement
from tests.helpers.stores import NUMBERS, Books, Stores

BILL = "85.10"  # municipal bills are often equal to the cent


def opened(stores: Stores, books: Books, name: str, owed: str) -> Account:
    account = stores.open(name, f"{len(name)} Rue Laval")
    issued = owing_statement(account.account_id, account.account_number, date(2026, 11, 20), owed)
    assert issue_with_ledger(books.statements, issued, issued_entry(issued))
    return account


def test_a_payers_namesakes_are_read_to_the_end(stores: Stores, books: Books) -> None:
    first = opened(stores, books, "Marie Tremblay", BILL)
    others = [opened(stores, books, "Marie Tremblay", "50.00") for _ in range(24)]
    last = opened(stores, books, "Marie Tremblay", BILL)  # past a page of 20
    moved = opened(stores, books, "Marie Tremblay", BILL)
    stores.revise(moved, moved.moved_out(date(2026, 11, 30)), "AccountMovedOut")
    couple = opened(stores, books, "Luc et Marie Tremblay", BILL)  # Marie is a holder too
    opened(stores, books, "Marie Tremblay-Gagnon", BILL)  # another name
    directory = LedgerDirectory(stores.accounts, books.ledger, books.payments)
    namesakes = {first, *others, last, moved, couple}

    found = directory.by_name("marie tremblay", 100)

    assert found is not None
    assert sorted(f.account_id for f in found) == sorted(a.account_id for a in namesakes)
    owing = sorted(f.account_id for f in found if D(BILL) in f.open_amounts)
    assert owing == sorted(a.account_id for a in (first, last, moved, couple))
    assert directory.by_name("marie tremblay", len(namesakes) - 1) is None  # too many to read
    assert directory.by_name("luc tremblay", 100) == [
        f for f in found if f.account_id == couple.account_id
    ]

    line = RemittanceLine(2, date(2026, 11, 26), D(BILL), "FACTURE EAU", "TREMBLAY, MARIE")
    result = match_line(line, directory, NUMBERS)
    assert (result.account_id, result.reason) == (None, MatchReason.AMBIGUOUS)
    assert sorted(result.candidates) == owing
