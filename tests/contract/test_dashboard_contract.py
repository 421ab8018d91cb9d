"""The dashboard reader and the export repository: the in-memory fakes and DynamoDB behave alike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from civiq.accounts.adapters.memory import InMemoryStore
from civiq.accounts.domain.accounts import Account, AccountStatus
from civiq.billing.adapters.dynamodb import OPEN_SHARDS, shard_of
from civiq.billing.domain.statements import Statement, StatementKind
from civiq.core.audit import AuditEntry
from civiq.core.errors import Conflict, NotFound
from civiq.core.export_formats import ExportFormat
from civiq.core.language import Language
from civiq.core.money import Money
from civiq.platform.dynamodb import pages
from civiq.rates.domain.charges import ChargeType
from civiq.reporting.adapters.dynamodb_dashboard import DynamoDashboard
from civiq.reporting.adapters.dynamodb_exports import DynamoExports
from civiq.reporting.adapters.memory import InMemoryDashboard, InMemoryExports
from civiq.reporting.domain.exports import Export, ExportStatus, ReportKind
from tests.helpers.statement_builders import issue_with_ledger, statement
from tests.helpers.stores import Billing

TOTAL = Decimal("269.90")
TODAY = date(2026, 12, 3)


@dataclass
class Reading:
    billing: Billing
    dashboard: Any

    def issue(self, account: Account, period_end: date, **fields: Any) -> Statement:
        issued = statement(
            account_id=account.account_id,
            account_number=account.account_number,
            statement_id=f"{account.account_number}-{period_end:%Y%m%d}",
            **fields,
        )
        entry = AuditEntry(
            f"E-{issued.statement_id}", "ACCOUNT#x", "Issued", "s", "s", datetime.now(UTC), "c", {}
        )
        assert issue_with_ledger(self.billing.statements, issued, entry)
        return issued


@pytest.fixture
def reading(billing: Billing) -> Reading:
    accounts = billing.stores.accounts
    if isinstance(accounts, InMemoryStore):
        return Reading(billing, InMemoryDashboard(accounts, billing.statements))
    return Reading(billing, DynamoDashboard())


def test_the_aggregates_hold_every_month_the_balance_and_the_account_counts(
    reading: Reading,
) -> None:
    first = reading.billing.stores.open("Élise Tremblay", "12 Rue Laurier")
    second = reading.billing.stores.open("Marc Côté", "14 Rue Laurier")
    reading.issue(first, date(2026, 10, 31))
    reading.issue(second, date(2026, 10, 31))
    reading.issue(first, date(2026, 12, 31), issued_on=date(2027, 1, 3))

    aggregates = reading.dashboard.aggregates()

    assert sorted(aggregates.months) == ["2026-11", "2027-01"]
    november = aggregates.months["2026-11"]
    assert (november.statements, november.billed, november.tax) == (
        2,
        Money(TOTAL * 2),
        Money.of("11.70"),
    )
    assert [november.charged(t) for t in ChargeType] == [
        Money.of(a) for a in ("218.96", "143.08", "19.06", "57.00", "90.00")
    ]
    assert november.collected == Money.zero()
    assert aggregates.outstanding == Money(TOTAL * 3)
    assert aggregates.accounts[AccountStatus.ACTIVE] == 2
    assert sum(aggregates.accounts.values()) == 2
    assert reading.dashboard.month_totals("2026-12", "2027-01") == {
        "2027-01": aggregates.months["2027-01"]
    }
    assert reading.dashboard.month_totals("2026-01", "2026-10") == {}


def test_past_due_statements_are_listed_oldest_first_across_every_shard(
    reading: Reading,
) -> None:
    accounts = [
        reading.billing.stores.open(f"Holder {n}", f"{n} Rue Principale") for n in range(10)
    ]
    expected = []
    for n, account in enumerate(accounts):
        for period_end in (date(2026, 8, 31), date(2026, 10, 31)):
            due = period_end + timedelta(days=20 + 7 * (n % 4))
            issued = reading.issue(account, period_end, due_on=due)
            if due < TODAY:
                expected.append((due, issued.statement_id, account.account_number))
    reading.issue(accounts[0], date(2026, 11, 30), due_on=TODAY)  # due today: not yet late
    expected.sort()
    assert len({shard_of(a.account_id, OPEN_SHARDS) for a in accounts}) > 3

    listed, cursor, pages = [], None, 0
    while True:
        page = reading.dashboard.past_due_page(TODAY, 4, cursor)
        listed.extend(page.items)
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            break

    assert [(s.due_on, s.statement_id, s.account_number) for s in listed] == expected
    assert pages == -(-len(expected) // 4)  # no empty last page
    assert {s.owed for s in listed} == {Money(TOTAL)}
    assert listed[0].account_id in {a.account_id for a in accounts}
    past_due = reading.dashboard.past_due(TODAY)
    assert (past_due.count, past_due.owed) == (len(expected), Money(TOTAL * len(expected)))


def test_a_foreign_cursor_is_refused(aws: None) -> None:
    with pytest.raises(NotFound) as refused:  # names no page, as an unknown id names nothing
        DynamoDashboard().past_due_page(TODAY, 5, pages.encode(pages.key_of(s9="-")))
    assert refused.value.field == "cursor"


def test_a_runs_statements_are_paged_in_account_number_order(reading: Reading) -> None:
    accounts = [reading.billing.stores.open(f"Holder {n}", f"{n} Rue du Parc") for n in range(3)]
    for account in accounts:
        reading.issue(account, date(2026, 10, 31), run_id="residential-2026-10-31")
    final = {"kind": StatementKind.FINAL, "cycle_id": None, "run_id": None}
    reading.issue(accounts[0], date(2026, 11, 15), issued_on=date(2026, 11, 16), **final)

    first = reading.dashboard.run_statements("residential-2026-10-31", 2, None)
    rest = reading.dashboard.run_statements("residential-2026-10-31", 2, first.next_cursor)
    finals = reading.dashboard.run_statements("final-2026-11", 10, None)

    numbers = [s.account_number for s in [*first.items, *rest.items]]
    assert numbers == sorted(a.account_number for a in accounts)
    assert rest.next_cursor is None
    assert [s.statement_id for s in finals.items] == [f"{accounts[0].account_number}-20261115"]
    assert reading.dashboard.run_statements("other-2026-10-31", 5, None).items == []


def test_the_latest_statement_comes_with_what_is_owed_on_it(reading: Reading) -> None:
    account = reading.billing.stores.open("Élise Tremblay", "12 Rue Laurier")
    assert reading.dashboard.latest_statement(account.account_id) is None
    reading.issue(account, date(2026, 8, 31))
    latest = reading.issue(account, date(2026, 10, 31))
    assert reading.dashboard.latest_statement(account.account_id) == (latest, Money(TOTAL))


# ---------------------------------------------------------------- exports


@pytest.fixture
def exports(billing: Billing) -> Any:
    if isinstance(billing.stores.accounts, InMemoryStore):
        return InMemoryExports()
    return DynamoExports()


def an_export(**fields: Any) -> Export:
    values: dict[str, Any] = {
        "export_id": "01JEXPORT0000000000000000A",
        "report": ReportKind.BILLING,
        "run_id": "residential-2026-10-31",
        "format": ExportFormat.XLSX,
        "language": Language.FR,
        "requested_by": "clerk-1",
        "requested_at": datetime(2026, 12, 3, 15, 0, tzinfo=UTC),
    }
    values.update(fields)
    return Export(**values)


def test_an_export_is_created_once_and_finished_once(exports: Any) -> None:
    asked = an_export()
    exports.create(asked)
    with pytest.raises(Conflict):
        exports.create(asked)
    assert exports.get(asked.export_id) == asked
    finished_at = datetime(2026, 12, 3, 15, 5, tzinfo=UTC)
    assert exports.finish(asked.export_id, 300_000, finished_at)
    assert not exports.finish(asked.export_id, 1, datetime(2026, 12, 4, tzinfo=UTC))
    done = exports.get(asked.export_id)
    assert (done.status, done.rows, done.finished_at) == (ExportStatus.DONE, 300_000, finished_at)
    exports.fail(asked.export_id, "too late")  # a done export stays done
    assert exports.get(asked.export_id) == done
    with pytest.raises(NotFound):
        exports.get("nope")


def test_a_failed_export_says_why(exports: Any) -> None:
    asked = an_export(export_id="01JEXPORT0000000000000000B")
    exports.create(asked)
    exports.fail(asked.export_id, "the export could not be queued")
    failed = exports.get(asked.export_id)
    assert (failed.status, failed.failure) == (
        ExportStatus.FAILED,
        "the export could not be queued",
    )
    assert not exports.finish(asked.export_id, 1, datetime(2026, 12, 4, tzinfo=UTC))
