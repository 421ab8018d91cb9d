"""Bank remittance files: how many lines are matched automatically, how many wrongly, and how
long a file takes, on the generated towns and files of tests/helpers/remittance_corpus.py.

a. Matching alone, in memory (:class:`~tests.helpers.remittance_corpus.TownDirectory`), on two
   towns: ``MATCH_ACCOUNTS`` original accounts (12,000, about 13,000 with the followers of
   moves and sales) and a city of ``CITY_ACCOUNTS`` (300,000, about 330,000), where the
   commonest names are held by a hundred accounts and more; ``MATCH_LINES`` lines (10,000)
   each. Reported: the auto-match rate (of the matchable lines, those meant for an account)
   and the wrong matches (certain matches to an account the line was not for, or for a
   payment meant for none), both overall and by kind of line, exceptions by reason, how
   common the commonest names are, and lines matched per second (median of ``REPEATS`` runs
   on the smaller town; the name caches of :mod:`civiq.payments.domain.remittance` are warm
   after the first).

b. The whole pipeline in moto, in-process (``mock_aws``, the journaled transactions of the
   local stack, bench/search.py's partition-only Query): a smaller corpus town
   (``PIPELINE_ACCOUNTS``) is loaded through the services and the DynamoDB repositories
   (:class:`TownLoader`: accounts opened by ``OpenAccount`` in number order with the corpus's
   account ids, so numbers and ids are the corpus's; one statement per open amount through
   ``DynamoStatements.issue``; credits as overpayments; a move closes the account and opens
   the holder's at a new property, a sale closes it, makes the buyer the property's owner of
   record and opens the buyer's account there). Then a file of ``PIPELINE_LINES`` lines goes
   through ``ReceiveRemittance`` (moto S3, the chunks kept in a list instead of SQS) and
   ``ApplyRemittanceChunk`` over every chunk, in order, as the worker would. Reported: the
   processing time (total, lines/s), DynamoDB requests per line by operation and by kind of
   line (counted at botocore), the auto-match rate and the wrong matches against the
   corpus's truth, and how many lines the pipeline matched differently from the in-memory
   matcher on the same town (payments posted earlier in the file change what later lines'
   accounts owe).

moto's GSI queries read the whole table (an account-number lookup reads every item), so the
pipeline's town is smaller than (a)'s and its times are moto's, not DynamoDB's: compare the
request counts. Sizes: ``CIVIQ_BENCH_REMITTANCE_ACCOUNTS`` (default 3,000) and
``CIVIQ_BENCH_REMITTANCE_LINES`` (default 1,500): 7 to 10 minutes on this 2-core machine.
"""

from __future__ import annotations

import itertools
import os
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from bench.common import Figure, figure, median, note, quiet_logging, run_benchmark
from bench.payments import AwsCalls, create_tables, request_figures
from civiq.billing.adapters.dynamodb import post_to_statements
from tests.helpers.statement_builders import issue_with_ledger

SEED = 6
MATCH_ACCOUNTS = 12_000
CITY_ACCOUNTS = 300_000
MATCH_LINES = 10_000
REPEATS = 5
PIPELINE_ACCOUNTS = int(os.environ.get("CIVIQ_BENCH_REMITTANCE_ACCOUNTS", "3000"))
PIPELINE_LINES = int(os.environ.get("CIVIQ_BENCH_REMITTANCE_LINES", "1500"))
REGION = "ca-central-1"
TABLE = "civiq-bench-remittance"
BUCKET = "civiq-bench-remittance-documents"
TIME_ZONE = ZoneInfo("America/Toronto")
NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)  # the upload: after every line's payment date
OPENED = datetime(2026, 4, 1, 13, 0, tzinfo=UTC)  # the town loaded: before its bills and payments
PERIOD_ENDS = (date(2026, 6, 30), date(2026, 8, 31), date(2026, 10, 31))  # open statements


# --------------------------------------------------------------------------- a. matching alone
def _scored(
    matches: Sequence[Any], truth: dict[int, str | None], kinds: dict[int, str], prefix: str
) -> list[Figure]:
    """The auto-match rate and the wrong matches, overall and by kind of line (the kinds of
    tests/helpers/remittance_corpus.py), and the exceptions by reason."""
    from tests.helpers.remittance_corpus import score

    result = score(matches, truth, kinds)
    note(f"{prefix}: {result}")
    exceptions = Counter(m.reason.value for m in matches if not m.certain)
    by_kind = [(kind.replace("-", "_"), k) for kind, k in result["by_kind"].items() if k["lines"]]
    return [
        figure(f"{prefix}_lines", result["lines"], "lines"),
        figure(f"{prefix}_matchable", result["matchable"], "lines"),
        figure(f"{prefix}_auto_matched", result["auto_matched"], "lines"),
        figure(f"{prefix}_auto_match_rate", float(result["auto_match_rate"]), "ratio"),
        figure(f"{prefix}_wrong_matches", result["wrong_matches"], "lines"),
        figure(f"{prefix}_exceptions", result["exceptions"], "lines"),
        *(
            figure(f"{prefix}_exceptions_{reason.replace('-', '_')}", count, "lines")
            for reason, count in sorted(exceptions.items())
        ),
        *(
            figure(f"{prefix}_auto_match_rate_{kind}", k["auto_matched"] / k["lines"], "ratio")
            for kind, k in by_kind
        ),
        *(
            figure(f"{prefix}_wrong_matches_{kind}", k["wrong_matches"], "lines")
            for kind, k in by_kind
        ),
    ]


def _matching(accounts: int, repeats: int, prefix: str) -> list[Figure]:
    from civiq.payments.domain.remittance import MAX_NAMESAKES, match_line, parse_remittance
    from tests.helpers.remittance_corpus import SCHEME, build_town, remittance_file

    town = build_town(seed=SEED, accounts=accounts)
    corpus = remittance_file(town, lines=MATCH_LINES, seed=SEED)
    started = time.perf_counter()
    parsed = parse_remittance(corpus.text)
    parse_s = time.perf_counter() - started
    if parsed.errors:
        raise AssertionError(f"the corpus file has malformed lines: {parsed.errors[:3]}")
    directory = town.directory()
    holders = sorted((len(found) for found in directory.names.values()), reverse=True)
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        matches = [match_line(line, directory, SCHEME) for line in parsed.lines]
        seconds.append(time.perf_counter() - started)
    lines = len(parsed.lines)
    return [
        *_scored(matches, corpus.truth, corpus.kinds, prefix),
        figure(f"{prefix}_town_accounts", len(town.accounts), "accounts"),
        figure(f"{prefix}_commonest_name_accounts", holders[0], "accounts"),
        figure(f"{prefix}_names_over_20_accounts", sum(n > 20 for n in holders), "names"),
        figure(
            f"{prefix}_names_over_max_namesakes", sum(n > MAX_NAMESAKES for n in holders), "names"
        ),
        figure(f"{prefix}_lines_per_s", lines / median(seconds), "lines/s"),
        figure(f"{prefix}_first_run_lines_per_s", lines / seconds[0], "lines/s"),
        figure(f"{prefix}_parse_lines_per_s", lines / parse_s, "lines/s"),
    ]


# --------------------------------------------------------------------------- b. the pipeline
class _Discard:
    """The event bus: this benchmark counts DynamoDB, not EventBridge."""

    def publish(self, events: Any) -> None:
        return None


@dataclass
class ChunkList:
    """The remittance queue: chunks kept in order, delivered by the benchmark."""

    chunks: list[tuple[str, int, int]] = field(default_factory=list)

    def send(self, remittance_id: str, first_line: int, last_line: int) -> None:
        self.chunks.append((remittance_id, first_line, last_line))


class TownLoader:
    """Loads a corpus town into DynamoDB through the services and repositories."""

    def __init__(self) -> None:
        from civiq.accounts.adapters.dynamodb_accounts import DynamoAccountRepository
        from civiq.accounts.adapters.dynamodb_changes import DynamoChanges
        from civiq.accounts.adapters.dynamodb_customers import DynamoCustomerRepository
        from civiq.accounts.adapters.dynamodb_properties import DynamoPropertyRepository
        from civiq.accounts.services.open_account import OpenAccount
        from civiq.accounts.services.recording import Recorder
        from civiq.billing.adapters.dynamodb import DynamoCycles, DynamoStatements
        from civiq.billing.services.requirements import CycleRequirements
        from civiq.core.events import Actor
        from civiq.core.fakes import FixedClock
        from civiq.core.ids import UlidGenerator
        from civiq.core.publishing import PublishEvents
        from civiq.ledger.adapters.dynamodb_postings import DynamoLedger, DynamoPayments
        from civiq.ledger.services.posting import Announcer, PaymentLedger
        from civiq.metering.adapters.dynamodb import DynamoMetering
        from civiq.payments.services.payments import PostPayment
        from civiq.platform.dynamodb.outbox import DynamoOutbox
        from civiq.rates.adapters.dynamodb import DynamoRateSchedules
        from tests.helpers.remittance_corpus import SCHEME

        self.actor = Actor("bench-loader", "admin")
        self.accounts = DynamoAccountRepository()
        self.properties = DynamoPropertyRepository()
        self.changes = DynamoChanges()
        self.statements = DynamoStatements()
        self.clock = FixedClock(OPENED)  # set to NOW once the town is loaded
        self.recorder = Recorder(self.clock, UlidGenerator(), TIME_ZONE)
        events = PublishEvents(DynamoOutbox(), _Discard())
        self.open_account = OpenAccount(
            self.accounts,
            self.properties,
            DynamoCustomerRepository(),
            self.changes,
            events,
            self.recorder,
            SCHEME,
            CycleRequirements(DynamoCycles(), DynamoRateSchedules(), DynamoMetering()),
        )
        self.books = PaymentLedger(
            DynamoLedger(post_to_statements),
            DynamoPayments(),
            self.accounts,
            Announcer(self.recorder.clock, UlidGenerator()),
            events,
            TIME_ZONE,
        )
        self.post = PostPayment(self.books)
        self.property_ids: dict[str, str] = {}  # the corpus's property id -> the stored one
        self.closed: set[str] = set()

    def load(self, town: Any) -> None:
        """Every account in number order: originals first, then the followers of moves and
        sales (each closing the account it follows first), with their statements."""
        followed = {s: a.account_id for a in town.accounts.values() for s in a.successor_ids}
        ordered = sorted(town.accounts.values(), key=lambda a: a.account_id)
        for done, account in enumerate(ordered, 1):
            if account.account_id in followed:
                self._follow(town.accounts[followed[account.account_id]], account)
            else:
                self._open(account, self._customer(account), self._property(account))
            self._bill(account)
            if done % 1000 == 0:
                note(f"loaded {done}/{len(ordered)} accounts")

    def check(self, town: Any) -> None:
        """Each stored account is the corpus's: number, status, balance."""
        from civiq.accounts.domain.accounts import AccountStatus

        for account in town.accounts.values():
            stored = self.accounts.get(account.account_id)
            balance = self.books.ledger.state(account.account_id).balance
            active = stored.status is AccountStatus.ACTIVE
            if (stored.account_number, active, balance) != (
                account.account_number,
                account.active,
                account.balance,
            ):
                raise AssertionError(f"{account} loaded as {stored} with balance {balance}")

    def _customer(self, account: Any) -> Any:
        from civiq.accounts.domain.customers import CustomerKind, Preferences
        from civiq.accounts.services.customers import NewCustomer
        from civiq.core.language import Language

        return NewCustomer(CustomerKind.PERSON, account.holder_names[0], Preferences(Language.FR))

    def _property(self, account: Any) -> Any:
        from civiq.accounts.domain.properties import PropertyType
        from civiq.accounts.services.properties import NewProperty
        from civiq.core.addresses import Address

        civic = int(account.property_id.removeprefix("P-"))
        street = f"{civic} Rue des Érables"
        return NewProperty(Address(street, "Gatineau", "QC", "J8X 3G8"), PropertyType.SINGLE_FAMILY)

    def _open(self, account: Any, customer: Any, prop: Any) -> None:
        from civiq.accounts.services.open_account import OpenAccountCommand

        command = OpenAccountCommand(
            customer=customer, property=prop, account_id=account.account_id
        )
        opened = self.open_account(command, self.actor, "bench-load")
        if opened.account_number != account.account_number:
            raise AssertionError(f"{account.account_id} numbered {opened.account_number}")
        self.property_ids.setdefault(account.property_id, opened.property_id)
        if account.credit:
            self._overpay(account)

    def _follow(self, closed: Any, follower: Any) -> None:
        """A move: the holder's account at their new home; a sale: the buyer's account at the
        same property, once the buyer is its owner of record."""
        from civiq.accounts.services.recording import Step

        if closed.account_id not in self.closed:
            self._close(closed.account_id)
        holder = self.accounts.get(closed.account_id).holder.customer_id
        if follower.property_id not in self.property_ids:  # the holder moved
            self._open(follower, holder, self._property(follower))
            return
        prop = self.properties.get(self.property_ids[follower.property_id])
        buyer = self._customer(follower).build(self.recorder.ids.new_id(), self.clock.now())
        owned = prop.revised(owner_customer_id=buyer.customer_id)
        steps = [Step(buyer, "CustomerRegistered"), Step(owned, "PropertyOwnerChanged", prop)]
        self.changes.commit(self.recorder.change(steps, self.actor, "bench-load"))
        self._open(follower, buyer.customer_id, prop.property_id)

    def _close(self, account_id: str) -> None:
        from civiq.accounts.services.recording import Step

        before = self.accounts.get(account_id)
        moved = before.moved_out(self.recorder.today())
        closed = moved.closed(self.clock.now())
        for step in (Step(moved, "AccountMovedOut", before), Step(closed, "AccountClosed", moved)):
            self.changes.commit(self.recorder.change([step], self.actor, "bench-load"))
        self.closed.add(account_id)

    def _bill(self, account: Any) -> None:
        """One issued statement per amount the account still owes, oldest first."""
        from civiq.core.audit import AuditEntry
        from tests.helpers.statement_builders import charge_lines, rated_bill, statement

        ends = PERIOD_ENDS[len(PERIOD_ENDS) - len(account.open_amounts) :]
        for end, owed in zip(ends, account.open_amounts, strict=True):
            bill = rated_bill(
                period_start=end - timedelta(days=61),
                period_end=end,
                lines=[replace(charge_lines()[0], amount=owed)],
                taxes=[],
                total_after_due=None,
            )
            issued_on = end + timedelta(days=2)
            issued = statement(
                account_id=account.account_id,
                account_number=account.account_number,
                statement_id=f"{account.account_number}-{end:%Y%m%d}",
                bill=bill,
                issued_on=issued_on,
                due_on=end + timedelta(days=21),
                issued_at=datetime(issued_on.year, issued_on.month, issued_on.day, 6, tzinfo=UTC),
                previous_balance=Decimal(0),
                since=(),
            )
            entry = AuditEntry(
                f"E-{issued.statement_id}",
                f"ACCOUNT#{account.account_id}",
                "StatementIssued",
                "bench-billing",
                "system",
                issued.issued_at,
                "bench-load",
                {},
            )
            if not issue_with_ledger(self.statements, issued, entry):
                raise AssertionError(f"statement {issued.statement_id} issued twice")

    def _overpay(self, account: Any) -> None:
        """The account's credit: a payment beyond what it owes."""
        from civiq.ledger.domain.payments import PaymentChannel, PaymentMethod
        from civiq.payments.services.payments import ReceivedPayment

        received = ReceivedPayment(
            payment_id=f"PAY-LOAD-{account.account_id}",
            account_id=account.account_id,
            amount=account.credit,
            method=PaymentMethod.CHEQUE,
            channel=PaymentChannel.STAFF,
            received_on=self.recorder.today(),
        )
        self.post(received, self.actor, "bench-load")


class LineMarks:
    """The remittance repository, noting where each line's requests begin: the worker reads a
    line's outcome first (:meth:`ApplyRemittanceChunk.__call__`)."""

    def __init__(self, repository: Any, spy: AwsCalls) -> None:
        self.repository, self.spy = repository, spy
        self.marks: list[tuple[int | None, int]] = []  # (line, first call); None: a chunk

    def chunk(self) -> None:
        self.marks.append((None, self.spy.mark()))

    def outcome(self, remittance_id: str, line_no: int) -> Any:
        if not self.marks or self.marks[-1][0] != line_no:
            self.marks.append((line_no, self.spy.mark()))
        return self.repository.outcome(remittance_id, line_no)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.repository, name)

    def per_line(self, end: int) -> dict[int, int]:
        """DynamoDB requests of each line (a chunk's own reads apart), up to call ``end``."""
        bounds = [*self.marks, (None, end)]
        counted = {}
        for (line_no, start), (_, stop) in itertools.pairwise(bounds):
            if line_no is not None:
                counted[line_no] = sum(
                    1 for c in self.spy.calls[start:stop] if c.service == "dynamodb"
                )
        return counted


def _per_kind(
    per_line: dict[int, int], outcomes: list[Any], kinds: dict[int, str], prefix: str
) -> list[Figure]:
    """Requests per line by the kind of line, and the most any line took."""
    by_kind: dict[str, list[int]] = {}
    for line_no, count in per_line.items():
        by_kind.setdefault(kinds[line_no], []).append(count)
    heaviest = max(per_line, key=lambda n: per_line[n])
    reason = next(o.reason for o in outcomes if o.line.line_no == heaviest)
    note(
        f"{prefix}: requests per line by kind (mean, max): "
        f"{ ({k: (sum(v) / len(v), max(v)) for k, v in sorted(by_kind.items())}) }; the heaviest, "
        f"line {heaviest} ({kinds[heaviest]}, {reason}): {per_line[heaviest]}"
    )
    return [
        *(
            figure(f"{prefix}_{kind.replace('-', '_')}", sum(v) / len(v), "requests/line")
            for kind, v in sorted(by_kind.items())
        ),
        figure(f"{prefix}_max_per_line", per_line[heaviest], "requests"),
    ]


def _outcomes(repository: Any, remittance_id: str) -> list[Any]:
    found, cursor = [], None
    while True:
        page = repository.lines(remittance_id, False, 500, cursor)
        found += page.items
        cursor = page.next_cursor
        if cursor is None:
            return found


def _pipeline() -> list[Figure]:
    import boto3
    from moto import mock_aws

    from bench.search import partition_queries
    from civiq.payments.adapters.dynamodb_remittances import DynamoRemittances
    from civiq.payments.domain.remittance import match_line, parse_remittance
    from civiq.payments.domain.remittance_files import LineStatus, as_of
    from civiq.payments.services.remittances import (
        BANK,
        ApplyRemittanceChunk,
        LedgerDirectory,
        ReceiveRemittance,
    )
    from civiq.platform.dynamodb.table import configure_models
    from civiq.platform.s3 import S3RemittanceContents
    from infra.local import dynamodb_transactions
    from tests.helpers.remittance_corpus import SCHEME, build_town, remittance_file

    quiet_logging()
    os.environ.pop("AWS_ENDPOINT_URL", None)
    for name, value in {
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
    }.items():
        os.environ[name] = value
    town = build_town(seed=SEED, accounts=PIPELINE_ACCOUNTS)
    corpus = remittance_file(town, lines=PIPELINE_LINES, seed=SEED)
    content = corpus.text.encode()
    spy = AwsCalls()
    with mock_aws(), partition_queries(), spy.installed():
        dynamodb_transactions.install()
        create_tables(TABLE)
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        loader = TownLoader()
        configure_models(
            TABLE, f"{TABLE}-ledger", REGION, None
        )  # after the repositories' models are imported
        started = time.monotonic()
        loader.load(town)
        load_s = time.monotonic() - started
        loader.check(town)
        loader.clock.current = NOW
        items = boto3.client("dynamodb", region_name=REGION).describe_table(TableName=TABLE)
        note(
            f"loaded {len(town.accounts)} accounts ({len(loader.closed)} closed), "
            f"{items['Table']['ItemCount']} items in {load_s:.0f} s"
        )

        remittances, contents, queue = (
            DynamoRemittances(),
            S3RemittanceContents(s3, BUCKET),
            ChunkList(),
        )
        receive = ReceiveRemittance(remittances, contents, queue, loader.recorder.clock, TIME_ZONE)
        marks = LineMarks(remittances, spy)
        apply = ApplyRemittanceChunk(
            marks,  # type: ignore[arg-type]  # the repository, its calls marked
            contents,
            LedgerDirectory(loader.accounts, loader.books.ledger, loader.books.payments),
            loader.post,
            SCHEME,
        )
        mark = spy.mark()
        started = time.perf_counter()
        file, _ = receive(content, "bench-remittance.csv", BANK)
        received_s = time.perf_counter() - started
        chunk_s = []
        for remittance_id, first, last in queue.chunks:
            marks.chunk()
            began = time.perf_counter()
            apply(remittance_id, first, last)
            chunk_s.append(time.perf_counter() - began)
        total_s = time.perf_counter() - started
        calls = spy.since(mark)
        per_line = marks.per_line(mark + len(calls))
        redelivered = apply(*queue.chunks[0])  # a chunk delivered again: nothing new
        if redelivered.posted or redelivered.exceptions:
            raise AssertionError(f"a redelivered chunk did something: {redelivered}")
        outcomes = _outcomes(remittances, file.remittance_id)
        counted = remittances.get(file.remittance_id)[1]

        # The same lines against the town in memory, as (a) matches them.
        parsed = as_of(parse_remittance(corpus.text), file.uploaded_on)
        directory = town.directory()
        static = {
            m.line.line_no: m for m in (match_line(li, directory, SCHEME) for li in parsed.lines)
        }

    if len(outcomes) != file.lines or file.errors:
        raise AssertionError(f"{len(outcomes)} outcomes of {file.lines} lines; {file.errors[:3]}")
    matches = [_as_match(o, LineStatus.POSTED) for o in outcomes]
    posted = [m for m in matches if m.certain]
    if (counted.posted, counted.posted_amount) != (len(posted), sum(m.line.amount for m in posted)):
        raise AssertionError(f"the file's counts {counted} disagree with its lines")
    differs = [o for o in outcomes if _differs(o, static[o.line.line_no])]
    earlier = _after_earlier_payment(differs, outcomes, static, corpus.truth)
    note(
        "pipeline vs the in-memory matcher (line kind: in memory -> pipeline), after an earlier "
        f"line paid an account involved: {_kinds(earlier, static, corpus.kinds)}; otherwise: "
        f"{_kinds([o for o in differs if o not in earlier], static, corpus.kinds)}"
    )
    lines = len(outcomes)
    return [
        *_scored(matches, corpus.truth, corpus.kinds, "remit_pipeline"),
        *request_figures("remit_pipeline_req", [calls], "line", lines),
        *_per_kind(per_line, outcomes, corpus.kinds, "remit_pipeline_req_line"),
        figure("remit_pipeline_town_accounts", len(town.accounts), "accounts"),
        figure("remit_pipeline_table_items", items["Table"]["ItemCount"], "items"),
        figure("remit_pipeline_load_s", load_s, "s"),
        figure("remit_pipeline_total_s", total_s, "s"),
        figure("remit_pipeline_receive_s", received_s, "s"),
        figure("remit_pipeline_chunks", len(chunk_s), "chunks"),
        figure("remit_pipeline_chunk_median_s", median(chunk_s), "s"),
        figure("remit_pipeline_lines_per_s", lines / total_s, "lines/s"),
        figure("remit_pipeline_differs_from_static_matcher", len(differs), "lines"),
        figure("remit_pipeline_differs_after_earlier_payment", len(earlier), "lines"),
    ]


def _differs(outcome: Any, match: Any) -> bool:
    return bool((outcome.reason, outcome.account_id) != (match.reason, match.account_id))


def _after_earlier_payment(
    differs: list[Any], outcomes: list[Any], static: dict[int, Any], truth: dict[int, str | None]
) -> list[Any]:
    """The differing lines for which an earlier line of the file paid an account the matcher
    weighed (its match, its candidates, the truth): what that account owed had changed."""
    first_paid: dict[str, int] = {}
    for outcome in sorted(outcomes, key=lambda o: o.line.line_no):
        if outcome.payment_id and outcome.account_id:
            first_paid.setdefault(outcome.account_id, outcome.line.line_no)
    found = []
    for outcome in differs:
        match = static[outcome.line.line_no]
        weighed = {match.account_id, truth[outcome.line.line_no], *match.candidates}
        line_no = outcome.line.line_no
        if any(first_paid.get(a, line_no) < line_no for a in weighed if a):
            found.append(outcome)
    return found


def _kinds(outcomes: list[Any], static: dict[int, Any], kinds: dict[int, str]) -> dict[str, int]:
    return dict(
        Counter(
            f"{kinds[o.line.line_no]}: {static[o.line.line_no].reason} -> {o.reason}"
            for o in outcomes
        ).most_common()
    )


def _as_match(outcome: Any, posted: Any) -> Any:
    """A line's recorded outcome as the matcher's answer, for :func:`score`."""
    from civiq.payments.domain.remittance import LineMatch

    certain = outcome.status is posted
    return LineMatch(
        outcome.line,
        outcome.account_id if certain else None,
        outcome.reason,
        outcome.confidence,
        outcome.candidates,
    )


def run() -> list[Figure]:
    return (
        _matching(MATCH_ACCOUNTS, REPEATS, "remit_match")
        + _matching(CITY_ACCOUNTS, 1, "remit_city")
        + _pipeline()
    )


def main() -> None:
    run_benchmark("remittance", run)


if __name__ == "__main__":
    main()
