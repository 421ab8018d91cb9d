"""Receivables aging: the report's DynamoDB requests and time at 1,000, 10,000 and 100,000 open
items (the requests must not grow with them), the drill-down's, and the write units aging adds
to a posting.

Set-up (in-process moto, ``mock_aws``; the main table from template.yaml): a town's open items,
generated account by account (``portfolio``: two thirds of the accounts owe one item, the rest
two or three; 24 routes; one account in ten a commercial property's; four billing cycles a
month for two years, most of what is owed on the latest bills, a tail of arrears, and fees and
adjustments due on the day they were charged), each item charged for water, sewer, stormwater
and waste (a penalty on those past due). Their cells are computed by the domain
(:func:`civiq.ledger.domain.receivable_cells.cells_of`) and folded into the summaries through
the real adapter (``DynamoAgingCells.replace``, as a rebuild writes them), a snapshot of the
day before is kept, and then a busy hour's postings since the last (hourly) fold are written by
the posting's own writer (``age``): one account in ``PAID_SINCE_FOLD`` pays half its oldest
item. :class:`AgingReport` over the real adapters then answers for the portfolio, one route and
one service, each timed ``REPEATS`` times (median), its requests counted at botocore's single
entry point. The drill-down (``by=account``) is measured at the smaller sizes: it ranks every
account the receivables index lists (account items put as postings leave them), so its requests
grow with them, by one Query page per ~1 MB of the index (and moto answers a GSI Query by
reading the whole table).

Write units (the meter of bench/request_units.py, as DynamoDB bills on demand): one account is
billed three statements (a cycle's) and pays twice (one payment paying one statement, one
paying three) through the real posting paths, once as built and once with the aging switched
off (no cells written, the account item without its charges and receivables keys): the
difference is what aging adds to each posting. Timings are moto's (about 0.7 ms an item a Query
returns, on this machine): count requests and items where it matters.
"""

from __future__ import annotations

import os
import random
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from bench.common import Figure, figure, note, quiet_logging, run_benchmark
from bench.ledger_digest import Spy
from bench.payments import create_tables

SIZES = tuple(
    int(s) for s in os.environ.get("CIVIQ_BENCH_AGING_ITEMS", "1000,10000,100000").split(",")
)
DRILL_DOWN_SIZES = (1000, 10000)
REPEATS = 7
REGION = "ca-central-1"
TABLE = "civiq-bench-aging"
TODAY = date(2026, 12, 3)
ROUTES = [f"R{n:02d}" for n in range(1, 25)]
SEED = 20261203
PAID_SINCE_FOLD = 100  # one account in 100 pays since the last (hourly) fold: a busy hour


def due_dates(rng: random.Random) -> Callable[[], date]:
    """A due date as a town's items have them: the latest cycle's mostly, a tail of arrears."""
    cycles = [TODAY - timedelta(days=30 * m + 7 * c - 14) for m in range(24) for c in range(4)]

    def due() -> date:
        roll = rng.random()
        if roll < 0.1:  # a fee or an adjustment, due the day it was charged
            return TODAY - timedelta(days=rng.randrange(90))
        if roll < 0.75:
            return cycles[rng.randrange(4)]
        return cycles[min(int(rng.expovariate(0.15)), len(cycles) - 1)]

    return due


def portfolio(items: int) -> Iterator[tuple[str, Any, list[Any], Decimal]]:
    """(account id, profile, open items, credit) for accounts holding ``items`` open items."""
    from civiq.ledger.domain.journal import OpenStatement, Profile

    rng = random.Random(SEED)
    due = due_dates(rng)
    made = account = 0
    while made < items:
        account += 1
        count = min(rng.choice((1, 1, 1, 1, 2, 3)), items - made)
        kind = "commercial" if account % 10 == 0 else "single-family"
        profile = Profile(rng.choice(ROUTES), kind)
        owing = []
        for n in range(count):
            on = due()
            water, sewer = rng.randrange(2000, 9000), rng.randrange(1500, 7000)
            charged = [
                ("sewer/sewer", Decimal(sewer) / 100),
                ("stormwater/stormwater", Decimal("9.53")),
                ("waste/waste", Decimal("28.50")),
                ("water/water", Decimal(water) / 100),
            ]
            if on < TODAY - timedelta(days=21):
                charged.append(("none/penalty", Decimal("5.00")))
            whole = sum((a for _, a in charged), Decimal(0))
            owed = whole if rng.random() < 0.8 else (whole / 2).quantize(Decimal("0.01"))
            owing.append(OpenStatement(f"S{account}-{n}", on, owed, tuple(sorted(charged))))
        made += count
        yield f"ACC{account:08d}", profile, owing, Decimal("0")


def seed_cells(items: int) -> tuple[int, int]:
    """Fold the cells of ``items`` open items into the summaries, as a rebuild writes them;
    (accounts, summaries written)."""
    from civiq.collections.adapters.dynamodb_aging import DynamoAgingCells
    from civiq.ledger.domain.receivable_cells import cells_of

    per_account = [
        (account_id, cells_of(owing, credit, profile))
        for account_id, profile, owing, credit in portfolio(items)
    ]
    return len(per_account), DynamoAgingCells().replace(per_account)


def an_hours_payments(items: int) -> int:
    """The postings since the last fold: one account in ``PAID_SINCE_FOLD`` pays half its
    oldest item, each payment's cells ADDed by the posting's own writer (:func:`age`); the
    cells written."""
    from civiq.ledger.adapters.dynamodb_receivables import age
    from civiq.ledger.domain.journal import AccountLedger, Posting, StatementChange
    from civiq.ledger.domain.receivable_cells import posting_cells
    from civiq.platform.dynamodb.transactions import Connected, Transaction

    connection = Connected()._client()
    written = 0
    for n, (account_id, profile, owing, credit) in enumerate(portfolio(items)):
        if n % PAID_SINCE_FOLD:
            continue
        oldest = min(owing, key=lambda s: s.due_on)
        half = (oldest.owed / 2).quantize(Decimal("0.01"))
        basis = AccountLedger(account_id, None, Decimal(0), credit, tuple(owing), profile, profile)
        paid = StatementChange(oldest.statement_id, oldest.due_on, oldest.owed - half)
        posting = Posting(basis, f"payment:{n}", (), (paid,), credit)
        transaction = Transaction()
        age(transaction, posting)
        transaction.run(connection)
        written += len(posting_cells(posting))
    return written


def seed_index(items: int) -> None:
    """The account items of the accounts that owe, as postings leave them (the receivables
    index lists them)."""
    import boto3

    from civiq.ledger.adapters.dynamodb_journal import open_record
    from civiq.ledger.adapters.dynamodb_receivables import aging_shard, receivables_pk
    from civiq.platform.dynamodb import keys

    table = boto3.resource("dynamodb", region_name=REGION).Table(TABLE)
    with table.batch_writer() as batch:
        for account_id, profile, owing, _ in portfolio(items):
            batch.put_item(
                Item={
                    "PK": keys.account_pk(account_id),
                    "SK": keys.ACCOUNT_SK,
                    "GSI3PK": receivables_pk(aging_shard(account_id)),
                    "GSI3SK": account_id,
                    "account_number": f"UB{account_id[3:]}",
                    "holder": _json({"customer_id": f"C{account_id}", "name": account_id}),
                    "open_statements": _json({s.statement_id: open_record(s) for s in owing}),
                    "aged_as": _json([profile.route, profile.property_type]),
                    "credit_cents": 0,
                }
            )


def _json(value: Any) -> str:
    import json

    return json.dumps(value)


def timed(call: Callable[[], Any]) -> tuple[float, int]:
    """The median seconds of ``REPEATS`` calls, and the requests one call makes."""
    call()  # warm: the models' connections
    seconds = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - started)
    with Spy().installed() as spy:
        call()
    calls, _ = spy.measured()
    return statistics.median(seconds), sum(
        n for (service, _), n in calls.items() if service == "dynamodb"
    )


def configured() -> None:
    """The tables created in moto, and the models imported so far pointed at them."""
    from civiq.platform.dynamodb.table import configure_models

    create_tables(TABLE)
    configure_models(TABLE, f"{TABLE}-ledger", REGION, None)


def report_figures(items: int) -> list[Figure]:
    from moto import mock_aws

    from civiq.collections.adapters.dynamodb_aging import (
        DynamoAgingCells,
        DynamoAgingSnapshots,
        DynamoReceivables,
    )
    from civiq.collections.domain.aging import AgingFilter, RowKind
    from civiq.collections.services.aging_drilldown import AgingDrillDown
    from civiq.collections.services.aging_report import AgingReport
    from civiq.collections.services.aging_snapshot import TakeAgingSnapshot

    figures = []
    with mock_aws():
        configured()
        started = time.monotonic()
        accounts, summaries = seed_cells(items)
        TakeAgingSnapshot(
            DynamoAgingCells(), DynamoAgingSnapshots(), lambda: TODAY - timedelta(1)
        )()
        live = an_hours_payments(items)
        note(
            f"{items} items: {accounts} accounts, {summaries} summaries, {live} cells since "
            f"({time.monotonic() - started:.0f} s)"
        )
        report = AgingReport(DynamoAgingCells(), DynamoAgingSnapshots(), lambda: TODAY)
        for name, filters in (
            ("portfolio", AgingFilter()),
            ("route", AgingFilter(route=ROUTES[6])),
            ("service", AgingFilter(service="water")),
        ):
            seconds, requests = timed(lambda f=filters: report(f, TODAY))
            figures += [
                figure(f"aging_report_{name}_{items}_items_seconds", seconds, "s"),
                figure(f"aging_report_{name}_{items}_items_requests", requests, "requests"),
            ]
        figures.append(figure(f"aging_cells_since_fold_{items}_items", live, "items"))
        if items in DRILL_DOWN_SIZES:
            seed_index(items)
            drill = AgingDrillDown(DynamoReceivables(), lambda: TODAY)
            seconds, requests = timed(lambda: drill(RowKind.ACCOUNT, AgingFilter(), limit=25))
            figures += [
                figure(f"aging_drill_down_{items}_items_seconds", seconds, "s"),
                figure(f"aging_drill_down_{items}_items_requests", requests, "requests"),
            ]
    return figures


# ------------------------------------------------------------------ write units


def postings_write_units(meter: Any, aging: bool) -> dict[str, float]:
    """The write units of three statements, a payment of one statement and a payment of three,
    for one account (with ``aging`` off: as postings wrote before aging)."""
    from moto import mock_aws

    with mock_aws(), _aging_switched(on=aging):
        return _posted(meter)


@contextmanager
def _aging_switched(on: bool) -> Iterator[None]:
    from civiq.ledger.adapters import dynamodb_journal

    saved = (dynamodb_journal.age, dynamodb_journal._receivable_keys, dynamodb_journal.open_record)
    if not on:
        dynamodb_journal.age = lambda transaction, posting: None  # type: ignore[assignment]
        dynamodb_journal._receivable_keys = lambda account_id, listed: []  # type: ignore[assignment]
        plain = saved[2]
        dynamodb_journal.open_record = lambda s: plain(s)[:2]  # type: ignore[assignment]
    try:
        yield
    finally:
        dynamodb_journal.age, dynamodb_journal._receivable_keys, dynamodb_journal.open_record = (
            saved
        )


def _posted(meter: Any) -> dict[str, float]:
    from zoneinfo import ZoneInfo

    from civiq.accounts.adapters.dynamodb_accounts import DynamoAccountRepository
    from civiq.billing.adapters.dynamodb import DynamoStatements, post_to_statements
    from civiq.billing.services.billing import issue_statement
    from civiq.core.events import Actor
    from civiq.core.fakes import FixedClock, RecordingPublisher, SequentialIds
    from civiq.core.publishing import PublishEvents
    from civiq.ledger.adapters.dynamodb_journal import DynamoJournal
    from civiq.ledger.adapters.dynamodb_postings import DynamoLedger, DynamoPayments
    from civiq.ledger.domain.payments import PaymentChannel, PaymentMethod
    from civiq.ledger.services.posting import Announcer, PaymentLedger
    from civiq.payments.services.payments import PostPayment, ReceivedPayment
    from civiq.platform.dynamodb.table import AccountItem
    from infra.local.demo import load_direct, municipality

    configured()  # the models imported above
    load_direct(municipality(accounts=1))
    account = DynamoAccountRepository().get(next(iter(AccountItem.scan())).account_id)
    units: dict[str, float] = {}
    for due in (TODAY - timedelta(days=60), TODAY - timedelta(days=30), TODAY):
        statement = _statement(account, due)
        with meter.window() as window:
            issue_statement(DynamoStatements(), DynamoJournal(), statement, _entry(statement))
        units["statement"] = window.write_units  # each the same: the third's kept
    books = PaymentLedger(
        DynamoLedger(post_to_statements),
        DynamoPayments(),
        DynamoAccountRepository(),
        Announcer(FixedClock(datetime(2026, 12, 3, 15, tzinfo=UTC)), SequentialIds("01P")),
        PublishEvents(_Outbox(), RecordingPublisher()),
        ZoneInfo("America/Toronto"),
    )
    paid_on = account.opened_on(ZoneInfo("America/Toronto"))
    for name, amount in (("payment_of_one", "50.00"), ("payment_of_three", "900.00")):
        received = ReceivedPayment(
            name, account.account_id, Decimal(amount), PaymentMethod.CHEQUE,
            PaymentChannel.STAFF, paid_on,
        )  # fmt: skip
        with meter.window() as window:
            PostPayment(books)(received, Actor("clerk-1", "clerk"), "c")
        units[name] = window.write_units
    return units


class _Outbox:
    """The posting's transaction writes the outbox item; marking it published is not a
    posting's write."""

    def mark_published(self, events: Any) -> None:
        pass


def _statement(account: Any, due: date) -> Any:
    """A cycle's statement of ``account``: water, sewer, stormwater and waste."""
    from civiq.billing.domain.statements import Recipient, Statement, StatementKind
    from civiq.rates.domain.charges import ChargeLine, ChargeType, RatedBill, Unit

    def line(kind: ChargeType, amount: str) -> ChargeLine:
        return ChargeLine(
            kind,
            kind.value,
            Decimal(1),
            Unit.BILL,
            Decimal(amount),
            Decimal(amount),
            date(2026, 1, 1),
        )

    end = due - timedelta(days=21)
    bill = RatedBill(
        end - timedelta(days=30),
        end,
        (
            line(ChargeType.WATER, "64.20"),
            line(ChargeType.SEWER, "51.36"),
            line(ChargeType.STORMWATER, "9.53"),
            line(ChargeType.WASTE, "28.50"),
        ),
        (),
    )
    return Statement(
        statement_id=f"{account.account_number}-{end:%Y%m%d}",
        account_id=account.account_id,
        account_number=account.account_number,
        kind=StatementKind.REGULAR,
        cycle_id="residential",
        run_id=f"residential-{end.isoformat()}",
        language=account.language,
        recipient=Recipient(account.holder.name, account.service_address),
        service_address=account.service_address,
        issued_on=end + timedelta(days=1),
        due_on=due,
        bill=bill,
        previous_balance=Decimal(0),
        since=(),
        reads=(),
        usage_history=(),
        issued_at=datetime(end.year, end.month, end.day, 12, tzinfo=UTC),
    )


def _entry(statement: Any) -> Any:
    from civiq.core.audit import AuditEntry

    return AuditEntry(
        f"E-{statement.statement_id}",
        f"ACCOUNT#{statement.account_id}",
        "StatementCreated",
        "civiq-billing",
        "system",
        statement.issued_at,
        "bench",
        {},
    )


def write_unit_figures() -> list[Figure]:
    from bench.request_units import RequestUnits

    meter = RequestUnits(REGION)
    meter.install()
    with_aging = postings_write_units(meter, aging=True)
    without = postings_write_units(meter, aging=False)
    return units_added("aging", with_aging, without)


def units_added(prefix: str, built: dict[str, float], without: dict[str, float]) -> list[Figure]:
    """Each write's units as built, and what the feature ``prefix`` adds to them (its writes
    switched off in ``without``)."""
    figures = []
    for name, units in built.items():
        figures += [
            figure(f"{prefix}_{name}_write_units", units, "WRU"),
            figure(f"{prefix}_{name}_write_units_added", units - without[name], "WRU"),
        ]
    return figures


def run() -> list[Figure]:
    quiet_logging()
    os.environ.pop("AWS_ENDPOINT_URL", None)
    os.environ.update(
        {
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
        }
    )
    figures = write_unit_figures()
    for items in SIZES:
        figures += report_figures(items)
    return figures


def main() -> None:
    run_benchmark("aging_report", run)


if __name__ == "__main__":
    main()
