"""Billing on the single table: cycles, runs and their batch records, statements, totals.

item               PK                       SK                       notes
cycle              CYCLES                   <cycle id>               all cycles: one Query
run                CYCLE#<cycle id>         RUN#<period end>         a cycle's runs, newest first
run batch record   RUN#<run id>             BATCH#<n, 6 digits>      outcomes of one batch's
                                                                     billing, then issuing
statement          ACCOUNT#<account id>     STATEMENT#<statement id> ids sort by period end;
                                                                     GSI1 STATEMENTS#<run id> /
                                                                     <account number>; GSI2
                                                                     OPEN#<n> / <due>#<id>
                                                                     while owed
outstanding        TOTALS                   OUTSTANDING#<n>          ADDed with each statement
billing totals     TOTALS                   MONTH#<yyyy-mm>#<n>      ADDed with each statement

A statement is written with an ADD of its charges to the account item's ``balance_cents`` and
to one of TOTALS_SHARDS totals items of its issue month, in one transaction: a statement can
never exist without its charges counted, nor be counted twice. Shards keep concurrent batches
from contending for one item; every month's shards are one Query (the dashboard sums them).
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from typing import Any

from pynamodb.attributes import (
    Attribute,
    JSONAttribute,
    NumberAttribute,
    UnicodeAttribute,
    VersionAttribute,
)
from pynamodb.constants import BINARY, STRING
from pynamodb.exceptions import DoesNotExist, UpdateError
from pynamodb.expressions.update import Action
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from civiq.billing.domain.cycles import (
    AccountOutcome,
    BatchRecord,
    BillingRun,
    CycleDefinition,
    Frequency,
    Outcome,
    RunStatus,
)
from civiq.billing.domain.statements import (
    Direction,
    ForwardLine,
    MeterRead,
    Recipient,
    Statement,
    StatementKind,
    StatementStatus,
    UsagePoint,
)
from civiq.billing.ports import Attachment
from civiq.core.addresses import Address
from civiq.core.audit import AuditEntry
from civiq.core.errors import Conflict, NotFound, VersionConflict
from civiq.core.history import as_record
from civiq.core.language import Language
from civiq.core.money import Money
from civiq.core.ports import Page
from civiq.ledger.adapters.dynamodb_journal import journal
from civiq.ledger.domain.journal import (
    EntryKind,
    LedgerMoved,
    Posting,
    StatementChange,
    is_statement,
)
from civiq.platform.dynamodb import keys, pages
from civiq.platform.dynamodb.attributes import CentsAttribute
from civiq.platform.dynamodb.table import TableItem, TableMeta
from civiq.platform.dynamodb.transactions import Connected, Transaction
from civiq.rates.domain.charges import (
    ChargeCategory,
    ChargeLine,
    ChargeType,
    RatedBill,
    Rounding,
    TaxLine,
    Unit,
)

CYCLES_PK = "CYCLES"
RUN_PREFIX = "RUN#"
BATCH_PREFIX = "BATCH#"
STATEMENT_PREFIX = "STATEMENT#"
TOTALS_SHARDS = 32
OPEN_SHARDS = 8  # open statements by due date: spread so a cycle's writes heat no partition
TRANSACTION_ITEMS = 100  # DynamoDB's limit on the items of one TransactWriteItems
COMPRESSION = 6  # zlib's default level: most of the gain at a fraction of level 9's time


def cycle_pk(cycle_id: str) -> str:
    return f"CYCLE#{cycle_id}"


def run_pk(run_id: str) -> str:
    return f"{RUN_PREFIX}{run_id}"


def run_key(run_id: str) -> tuple[str, str]:
    """A run's id is ``<cycle id>-<period end>``: its item lives under its cycle."""
    cycle_id, period_end = run_id[:-11], run_id[-10:]
    return cycle_pk(cycle_id), f"{RUN_PREFIX}{period_end}"


def statement_sk(statement_id: str) -> str:
    """Statement ids are the account number and the period end (``UB00000018-20261130``), so an
    account's statements sort by period and a period's id is taken once."""
    return f"{STATEMENT_PREFIX}{statement_id}"


def shard_of(account_id: str, shards: int = TOTALS_SHARDS) -> int:
    return zlib.crc32(account_id.encode()) % shards


def totals_key(issued_on: date, account_id: str) -> tuple[str, str]:
    return keys.TOTALS_PK, f"MONTH#{issued_on:%Y-%m}#{shard_of(account_id):02d}"


def outstanding_key(account_id: str) -> tuple[str, str]:
    return keys.TOTALS_PK, f"OUTSTANDING#{shard_of(account_id):02d}"


def run_statements_pk(statement: Statement) -> str:
    """A run's statements (exports list them); final bills and rebills by kind and the month
    they were issued (``STATEMENTS#final-2026-11``)."""
    if statement.run_id:
        return f"STATEMENTS#{statement.run_id}"
    return f"STATEMENTS#{statement.kind.value}-{statement.issued_on:%Y-%m}"


def open_statements_pk(shard: int) -> str:
    return f"OPEN#{shard}"


class CycleItem(TableItem):
    class Meta(TableMeta):
        pass

    record = JSONAttribute()
    version = VersionAttribute()


class RunItem(TableItem):
    class Meta(TableMeta):
        pass

    record = JSONAttribute()


class RunBatchItem(TableItem):
    class Meta(TableMeta):
        pass

    counts = JSONAttribute()
    exceptions = JSONAttribute()  # the accounts skipped or failed, with their reasons
    # set once the batch's statements were issued: those that could not be rendered (a save of
    # the billing record, when the batch is billed again, removes it)
    unrendered = JSONAttribute(null=True)


class StatementsOfRunIndex(GlobalSecondaryIndex["StatementItem"]):
    class Meta:
        index_name = "GSI1"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True, attr_name="GSI1PK")
    gsi1sk = UnicodeAttribute(range_key=True, attr_name="GSI1SK")


class OpenStatementsIndex(GlobalSecondaryIndex["StatementItem"]):
    class Meta:
        index_name = "GSI2"
        projection = AllProjection()

    gsi2pk = UnicodeAttribute(hash_key=True, attr_name="GSI2PK")
    gsi2sk = UnicodeAttribute(range_key=True, attr_name="GSI2SK")


class CompressedJSONAttribute(Attribute[Any]):
    """JSON, compressed (zlib) as binary: a statement's record shrinks about fivefold, and with
    it the write units of every write of its item and of its two index copies. Records written
    before as JSON text are read as they are."""

    attr_type = BINARY

    def serialize(self, value: Any) -> bytes:
        return zlib.compress(json.dumps(value, separators=(",", ":")).encode(), COMPRESSION)

    def get_value(self, value: dict[str, Any]) -> Any:
        return value[STRING] if STRING in value else super().get_value(value)

    def deserialize(self, value: bytes | str) -> Any:
        return json.loads(value if isinstance(value, str) else zlib.decompress(value))


class StatementItem(TableItem):
    """A statement, listed by its run (GSI1) and, while it is owed, by due date (GSI2)."""

    class Meta(TableMeta):
        pass

    gsi1pk = UnicodeAttribute(attr_name="GSI1PK")
    gsi1sk = UnicodeAttribute(attr_name="GSI1SK")
    by_run = StatementsOfRunIndex()
    gsi2pk = UnicodeAttribute(attr_name="GSI2PK", null=True)  # sparse: only while owed
    gsi2sk = UnicodeAttribute(attr_name="GSI2SK", null=True)
    open_by_due_date = OpenStatementsIndex()
    statement_id = UnicodeAttribute()
    status = UnicodeAttribute()  # issued or cancelled (a cancel is conditioned on it)
    record = CompressedJSONAttribute()
    document_key = UnicodeAttribute(null=True)
    open_cents = CentsAttribute()  # what is still owed on it (payments lower it)


class BillingAccountItem(TableItem):
    """Billing's attributes of an account item: its latest issued statement and the ledger
    head that statement's posting left, set with that posting, so a cycle reads them with the
    account (one BatchGetItem for 100) instead of a Query of the account's statements each, and
    of its ledger entries when none was posted since."""

    class Meta(TableMeta):
        pass

    latest_statement = UnicodeAttribute(null=True)
    latest_statement_head = NumberAttribute(null=True)


def latest_statement_is(statement: Statement, posting: Posting) -> list[Action]:
    head = posting.head
    return [
        BillingAccountItem.latest_statement.set(statement.statement_id),
        BillingAccountItem.latest_statement_head.set(head.sequence)
        if head is not None
        else BillingAccountItem.latest_statement_head.remove(),
    ]


class TotalsItem(TableItem):
    """Billing totals of one month (one shard), or the outstanding balance (one shard): what the
    dashboard reads."""

    class Meta(TableMeta):
        pass

    statements = NumberAttribute(null=True)  # a count: exact as a float up to 2**53
    billed_cents = CentsAttribute(null=True)
    tax_cents = CentsAttribute(null=True)
    water_cents = CentsAttribute(null=True)
    sewer_cents = CentsAttribute(null=True)
    stormwater_cents = CentsAttribute(null=True)
    waste_cents = CentsAttribute(null=True)
    miscellaneous_cents = CentsAttribute(null=True)
    outstanding_cents = CentsAttribute(null=True)
    collected_cents = CentsAttribute(null=True)  # payments less refunds and reversals


# ---------------------------------------------------------------- records


def _cycle_of(record: Mapping[str, Any], version: int) -> CycleDefinition:
    return CycleDefinition(
        cycle_id=record["cycle_id"],
        name=record["name"],
        frequency=Frequency(record["frequency"]),
        routes=tuple(record["routes"]),
        rate_schedule_id=record["rate_schedule_id"],
        first_period_end=date.fromisoformat(record["first_period_end"]),
        read_days=int(record["read_days"]),
        due_days=int(record["due_days"]),
        version=version,
    )


def _run_of(record: Mapping[str, Any]) -> BillingRun:
    finished = record.get("finished_at")
    return BillingRun(
        run_id=record["run_id"],
        cycle_id=record["cycle_id"],
        period_start=date.fromisoformat(record["period_start"]),
        period_end=date.fromisoformat(record["period_end"]),
        issued_on=date.fromisoformat(record["issued_on"]),
        due_on=date.fromisoformat(record["due_on"]),
        rate_schedule_id=record["rate_schedule_id"],
        read_until=date.fromisoformat(record["read_until"]),
        started_at=datetime.fromisoformat(record["started_at"]),
        started_by=record["started_by"],
        status=RunStatus(record["status"]),
        batches=int(record["batches"]),
        selected=int(record["selected"]),
        counts={Outcome(k): int(v) for k, v in record["counts"].items()},
        reasons={k: int(v) for k, v in record["reasons"].items()},
        attempts=int(record["attempts"]),
        finished_at=datetime.fromisoformat(finished) if finished else None,
        batches_done=int(record.get("batches_done", 0)),
    )


def _outcome_of(record: Mapping[str, Any]) -> AccountOutcome:
    return AccountOutcome(
        record["account_id"],
        Outcome(record["outcome"]),
        record.get("reason"),
        record.get("statement_id"),
        record.get("detail"),
    )


def _decimal(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _date(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


def _line_of(record: Mapping[str, Any]) -> ChargeLine:
    return ChargeLine(
        charge_type=ChargeType(record["charge_type"]),
        kind=record["kind"],
        quantity=Decimal(record["quantity"]),
        unit=Unit(record["unit"]),
        unit_price=Decimal(record["unit_price"]),
        amount=Decimal(record["amount"]),
        rate_effective_from=date.fromisoformat(record["rate_effective_from"]),
        days=record.get("days"),
        basis_days=record.get("basis_days"),
        tier=record.get("tier"),
        season=record.get("season"),
        detail=record.get("detail"),
        category=_category_of(record.get("category")),
        amount_after_due=_decimal(record.get("amount_after_due")),
        percent=_decimal(record.get("percent")),
        included_volume=_decimal(record.get("included_volume")),
    )


def _category_of(record: Mapping[str, Any] | None) -> ChargeCategory | None:
    """A line's own charge type; statements stored before schedules defined them have none."""
    return None if record is None else ChargeCategory(**record)


def _tax_of(record: Mapping[str, Any]) -> TaxLine:
    return TaxLine(
        ChargeType(record["charge_type"]),
        record["name"],
        Decimal(record["rate"]),
        Decimal(record["base"]),
        Decimal(record["amount"]),
        _category_of(record.get("category")),
        _decimal(record.get("amount_after_due")),
    )


def statement_of(record: Mapping[str, Any], document_key: str | None) -> Statement:
    bill = record["bill"]
    return Statement(
        statement_id=record["statement_id"],
        account_id=record["account_id"],
        account_number=record["account_number"],
        kind=StatementKind(record["kind"]),
        cycle_id=record["cycle_id"],
        run_id=record["run_id"],
        language=Language(record["language"]),
        recipient=Recipient(
            record["recipient"]["name"], Address(**record["recipient"]["mailing_address"])
        ),
        service_address=Address(**record["service_address"]),
        issued_on=date.fromisoformat(record["issued_on"]),
        due_on=date.fromisoformat(record["due_on"]),
        bill=RatedBill(
            period_start=date.fromisoformat(bill["period_start"]),
            period_end=date.fromisoformat(bill["period_end"]),
            lines=tuple(_line_of(line) for line in bill["lines"]),
            taxes=tuple(_tax_of(tax) for tax in bill["taxes"]),
            total_after_due=_decimal(bill["total_after_due"]),
            rounding=Rounding(bill.get("rounding", Rounding.LINE)),
        ),
        previous_balance=Decimal(record["previous_balance"]),
        since=_since_of(record),
        reads=tuple(
            MeterRead(
                meter_serial=r["meter_serial"],
                previous_on=date.fromisoformat(r["previous_on"]),
                previous_value=Decimal(r["previous_value"]),
                current_on=date.fromisoformat(r["current_on"]),
                current_value=Decimal(r["current_value"]),
                volume=Decimal(r["volume"]),
                estimated=bool(r["estimated"]),
                building_volume=_decimal(r.get("building_volume")),
                share=_decimal(r.get("share")),
            )
            for r in record["reads"]
        ),
        usage_history=tuple(
            UsagePoint(
                date.fromisoformat(p["period_end"]),
                int(p["days"]),
                Decimal(p["volume"]),
                bool(p["estimated"]),
            )
            for p in record["usage_history"]
        ),
        issued_at=datetime.fromisoformat(record["issued_at"]),
        status=StatementStatus(record["status"]),
        replaces=record.get("replaces"),
        document_key=document_key,
        ledger_sequence=record.get("ledger_sequence"),
        autopay=bool(record.get("autopay", False)),
    )


def _since_of(record: Mapping[str, Any]) -> tuple[ForwardLine, ...]:
    """The balance forward's lines; a statement written before they were itemized kept a net
    of payments and one of adjustments, which it printed as such."""
    if "since" in record:
        return tuple(
            ForwardLine(
                EntryKind(line["kind"]),
                Direction(line["direction"]),
                Decimal(line["amount"]),
                line.get("text"),
            )
            for line in record["since"]
        )
    payments, adjustments = Decimal(record["payments_since"]), Decimal(record["adjustments_since"])
    lines = []
    if payments:
        lines.append(ForwardLine(EntryKind.PAYMENT, Direction.CREDIT, payments))
    if adjustments:
        direction = Direction.CHARGE if adjustments > 0 else Direction.CREDIT
        lines.append(ForwardLine(EntryKind.ADJUSTMENT, direction, abs(adjustments)))
    return tuple(lines)


# ---------------------------------------------------------------- repositories


class DynamoCycles(Connected):
    def get(self, cycle_id: str) -> CycleDefinition:
        try:
            item = CycleItem.get(CYCLES_PK, cycle_id, consistent_read=True)
        except DoesNotExist as exc:
            raise NotFound(f"no billing cycle {cycle_id}", "cycle_id") from exc
        return _cycle_of(item.record, int(item.version))

    def all(self) -> Sequence[CycleDefinition]:
        return [_cycle_of(i.record, int(i.version)) for i in CycleItem.query(CYCLES_PK)]

    def save(
        self, before: CycleDefinition | None, after: CycleDefinition, entry: AuditEntry
    ) -> None:
        record = as_record(after)
        del record["version"]
        item = CycleItem(pk=CYCLES_PK, sk=after.cycle_id, record=record)
        transaction = Transaction()
        if before is None:
            transaction.put(
                item,
                CycleItem.pk.does_not_exist(),
                lambda: Conflict(f"billing cycle {after.cycle_id} already exists", "cycle_id"),
            )
        else:
            item.version = before.version
            transaction.update(
                item,
                [CycleItem.record.set(record)],  # the VersionAttribute adds 1 to version
                CycleItem.version == before.version,
                lambda: VersionConflict(
                    "the cycle was changed by someone else; reload it",
                    self.get(after.cycle_id).version,
                ),
            )
        transaction.history([entry])
        transaction.run(self._client())


class DynamoRuns(Connected):
    def start(self, run: BillingRun, entry: AuditEntry) -> BillingRun:
        pk, sk = run_key(run.run_id)
        transaction = Transaction()
        transaction.put(
            RunItem(pk=pk, sk=sk, record=as_record(run)),
            RunItem.pk.does_not_exist(),
            lambda: Conflict("the run exists", "run_id"),
        )
        transaction.history([entry])
        try:
            transaction.run(self._client())
        except Conflict:
            return self.get(run.run_id)
        return run

    def get(self, run_id: str) -> BillingRun:
        if len(run_id) < 12:
            raise NotFound(f"no billing run {run_id}", "run_id")
        try:
            item = RunItem.get(*run_key(run_id), consistent_read=True)
        except DoesNotExist as exc:
            raise NotFound(f"no billing run {run_id}", "run_id") from exc
        return _run_of(item.record)

    def of_cycle(self, cycle_id: str, limit: int, cursor: str | None) -> Page[BillingRun]:
        found = RunItem.query(
            cycle_pk(cycle_id),
            RunItem.sk.startswith(RUN_PREFIX),
            scan_index_forward=False,
            limit=limit,
            last_evaluated_key=pages.decode(cursor),
        )
        runs = [_run_of(item.record) for item in found]
        last = found.last_evaluated_key
        return Page(runs, pages.encode(last) if last else None)

    def prepared(self, run_id: str, selected: int, batches: int) -> None:
        run = self.get(run_id)
        self.finish(
            replace(
                run,
                status=RunStatus.RUNNING,
                selected=selected,
                batches=batches,
                finished_at=None,
            )
        )

    def record_batch(self, run_id: str, record: BatchRecord) -> None:
        RunBatchItem(
            pk=run_pk(run_id),
            sk=f"{BATCH_PREFIX}{record.batch:06d}",
            counts={o.value: n for o, n in record.counts.items()},
            exceptions=[as_record(e) for e in record.exceptions],
        ).save()

    def record_issuing(self, run_id: str, batch: int, unrendered: Sequence[AccountOutcome]) -> None:
        try:
            RunBatchItem(pk=run_pk(run_id), sk=f"{BATCH_PREFIX}{batch:06d}").update(
                actions=[RunBatchItem.unrendered.set([as_record(o) for o in unrendered])],
                condition=RunBatchItem.pk.exists(),
            )
        except UpdateError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                raise NotFound(f"batch {batch} of run {run_id} has no record", "batch") from exc
            raise

    def batches(self, run_id: str) -> Sequence[BatchRecord]:
        items = RunBatchItem.query(run_pk(run_id), RunBatchItem.sk.startswith(BATCH_PREFIX))
        return [
            BatchRecord(
                int(item.sk.removeprefix(BATCH_PREFIX)),
                {Outcome(o): int(n) for o, n in item.counts.items()},
                tuple(_outcome_of(e) for e in item.exceptions),
                None if item.unrendered is None else tuple(_outcome_of(o) for o in item.unrendered),
            )
            for item in items
        ]

    def finish(self, run: BillingRun) -> None:
        pk, sk = run_key(run.run_id)
        RunItem(pk=pk, sk=sk, record=as_record(run)).save()


class DynamoStatements(Connected):
    def recent(self, account_id: str, limit: int) -> Sequence[Statement]:
        found = StatementItem.query(
            keys.account_pk(account_id),
            StatementItem.sk.startswith(STATEMENT_PREFIX),
            scan_index_forward=False,
            limit=limit,
        )
        return [statement_of(i.record, i.document_key) for i in found]

    def get(self, account_id: str, statement_id: str) -> Statement:
        try:
            item = StatementItem.get(
                keys.account_pk(account_id), statement_sk(statement_id), consistent_read=True
            )
        except DoesNotExist as exc:
            raise NotFound(f"no statement {statement_id} on this account", "statement_id") from exc
        return statement_of(item.record, item.document_key)

    def several(self, ids: Sequence[tuple[str, str]]) -> Sequence[Statement]:
        """One GetItem for one statement; for several, BatchGetItem, strongly consistent: 100
        keys to a request (PynamoDB asks again for what DynamoDB leaves unprocessed)."""
        if len(ids) == 1:
            return [self.get(*ids[0])]
        keys_of = [(keys.account_pk(a), statement_sk(s)) for a, s in dict.fromkeys(ids)]
        found = {
            (item.pk, item.sk): statement_of(item.record, item.document_key)
            for item in StatementItem.batch_get(keys_of, consistent_read=True)
        }
        missing = [s for (a, s) in ids if (keys.account_pk(a), statement_sk(s)) not in found]
        if missing:
            raise NotFound(f"no statement {missing[0]} on this account", "statement_id")
        return [found[(keys.account_pk(a), statement_sk(s))] for a, s in ids]

    def of_account(self, account_id: str, limit: int, cursor: str | None) -> Page[Statement]:
        found = StatementItem.query(
            keys.account_pk(account_id),
            StatementItem.sk.startswith(STATEMENT_PREFIX),
            scan_index_forward=False,
            limit=limit,
            last_evaluated_key=pages.decode(cursor),
        )
        statements = [statement_of(i.record, i.document_key) for i in found]
        last = found.last_evaluated_key
        return Page(statements, pages.encode(last) if last else None)

    def issue(self, statement: Statement, entry: AuditEntry, posting: Posting) -> bool:
        transaction = Transaction()
        self._put(transaction, statement, posting.statements[-1].owed)
        self._charge(transaction, statement.account_id, statement.issued_on, [(statement, 1)])
        journal(transaction, posting, latest_statement_is(statement, posting))
        transaction.history([entry])
        try:
            transaction.run(self._client())
        except LedgerMoved:
            raise
        except Conflict:
            return False
        return True

    def cancel_and_rebill(
        self,
        cancelled: Statement,
        rebill: Statement,
        entries: Sequence[AuditEntry],
        posting: Posting,
    ) -> None:
        record = as_record(replace(cancelled, status=StatementStatus.CANCELLED))
        del record["document_key"]
        transaction = Transaction()
        transaction.update(
            StatementItem(
                pk=keys.account_pk(cancelled.account_id),
                sk=statement_sk(cancelled.statement_id),
            ),
            [
                StatementItem.status.set(StatementStatus.CANCELLED.value),
                StatementItem.record.set(record),
                StatementItem.open_cents.set(Money.zero()),
                StatementItem.gsi2pk.remove(),
                StatementItem.gsi2sk.remove(),
            ],
            StatementItem.status == StatementStatus.ISSUED.value,
            lambda: Conflict("the statement is cancelled already", "statement_id"),
        )
        self._put(transaction, rebill, posting.statements[-1].owed)
        self._charge(
            transaction, rebill.account_id, rebill.issued_on, [(cancelled, -1), (rebill, 1)]
        )
        # only the latest statement is rebilled: the rebill is the latest now
        journal(transaction, posting, latest_statement_is(rebill, posting))
        transaction.history(entries)
        transaction.run(self._client())

    @staticmethod
    def _put(transaction: Transaction, statement: Statement, still_owed: Decimal) -> None:
        """Put a new statement; ``still_owed``: its charges less the credit applied to them."""
        record = as_record(statement)
        del record["document_key"]
        owed = still_owed > 0
        transaction.put(
            StatementItem(
                pk=keys.account_pk(statement.account_id),
                sk=statement_sk(statement.statement_id),
                gsi1pk=run_statements_pk(statement),
                gsi1sk=statement.account_number,
                gsi2pk=open_statements_pk(shard_of(statement.account_id, OPEN_SHARDS))
                if owed
                else None,
                gsi2sk=f"{statement.due_on.isoformat()}#{statement.statement_id}" if owed else None,
                statement_id=statement.statement_id,
                status=statement.status.value,
                record=record,
                open_cents=Money(still_owed) if owed else Money.zero(),
            ),
            StatementItem.pk.does_not_exist(),
            lambda: Conflict("the period is billed", "statement_id"),
        )

    @staticmethod
    def _charge(
        transaction: Transaction,
        account_id: str,
        issued_on: date,
        statements: Sequence[tuple[Statement, int]],
    ) -> None:
        """Add (sign 1) or take back (sign -1) statements' charges to the issue month's totals
        and the outstanding balance (the account's balance moves with its ledger entries)."""
        total = Money.zero()
        taxes = Money.zero()
        by_type = {t: Money.zero() for t in ChargeType}
        for statement, sign in statements:
            total += Money(statement.bill.total * sign)
            taxes += Money(statement.bill.tax_total * sign)
            for line in statement.bill.lines:
                by_type[line.charge_type] += Money(line.amount * sign)
        pk, sk = totals_key(issued_on, account_id)
        transaction.update(
            TotalsItem(pk=pk, sk=sk),
            [
                TotalsItem.statements.add(sum(sign for _, sign in statements if sign > 0)),
                TotalsItem.billed_cents.add(total),
                TotalsItem.tax_cents.add(taxes),
                *(
                    getattr(TotalsItem, f"{t.value}_cents").add(amount)
                    for t, amount in by_type.items()
                ),
            ],
        )
        pk, sk = outstanding_key(account_id)
        transaction.update(TotalsItem(pk=pk, sk=sk), [TotalsItem.outstanding_cents.add(total)])

    def attach_documents(self, attachments: Sequence[Attachment]) -> list[Attachment]:
        """A transaction per up to 100 items (a statement's update, and each event's outbox
        item and history entry): a batch of 100 statements in 4 requests, not 100. When one of
        them has its document already (a concurrent render), the transaction writes nothing; it
        is run again without that statement."""
        attached: list[Attachment] = []
        for chunk in _transaction_chunks(attachments):
            pending = list(chunk)
            while pending:
                try:
                    self._attach(pending)
                except DocumentAttached as found:
                    pending = [a for a in pending if a.statement is not found.statement]
                    continue
                attached += pending
                break
        return attached

    def _attach(self, attachments: Sequence[Attachment]) -> None:
        transaction = Transaction()
        for attachment in attachments:
            statement = attachment.statement
            transaction.update(
                StatementItem(
                    pk=keys.account_pk(statement.account_id),
                    sk=statement_sk(statement.statement_id),
                ),
                [StatementItem.document_key.set(attachment.key)],
                StatementItem.document_key.does_not_exist(),
                partial(DocumentAttached, statement),
            )
            transaction.events(attachment.events)
        transaction.run(self._client())


class DocumentAttached(Conflict):
    """A statement's document was attached before."""

    def __init__(self, statement: Statement) -> None:
        super().__init__("the statement has its document", "document_key")
        self.statement = statement


def _transaction_chunks(attachments: Sequence[Attachment]) -> Iterator[list[Attachment]]:
    """The attachments in groups that fit one transaction: each is its statement's update plus
    an outbox item and a history entry per event."""
    chunk: list[Attachment] = []
    size = 0
    for attachment in attachments:
        items = 1 + 2 * len(attachment.events)
        if chunk and size + items > TRANSACTION_ITEMS:
            yield chunk
            chunk, size = [], 0
        chunk.append(attachment)
        size += items
    if chunk:
        yield chunk


def post_to_statements(transaction: Transaction, posting: Posting) -> None:
    """Billing's part of a ledger posting, in its transaction: what each statement it touches
    still owes (and so the open statements by due date), and the outstanding and collected
    totals."""
    for change in posting.statements:
        if is_statement(change.statement_id):
            _settle(transaction, posting.basis.account_id, change)
    _count(transaction, posting)


def _settle(transaction: Transaction, account_id: str, change: StatementChange) -> None:
    """What a statement still owes; listed by due date (GSI2) while it owes something."""
    owed = change.owed > 0
    transaction.update(
        StatementItem(pk=keys.account_pk(account_id), sk=statement_sk(change.statement_id)),
        [
            StatementItem.open_cents.set(Money(change.owed)),
            StatementItem.gsi2pk.set(open_statements_pk(shard_of(account_id, OPEN_SHARDS)))
            if owed
            else StatementItem.gsi2pk.remove(),
            StatementItem.gsi2sk.set(f"{change.due_on.isoformat()}#{change.statement_id}")
            if owed
            else StatementItem.gsi2sk.remove(),
        ],
        StatementItem.pk.exists(),
        lambda: NotFound(f"no statement {change.statement_id}", "statement_id"),
    )


def _count(transaction: Transaction, posting: Posting) -> None:
    """The outstanding balance moves with every posting; the month's collections with money."""
    account_id = posting.basis.account_id
    if posting.moved:
        pk, sk = outstanding_key(account_id)
        transaction.update(
            TotalsItem(pk=pk, sk=sk), [TotalsItem.outstanding_cents.add(Money(posting.moved))]
        )
    if posting.collected and posting.booked_on:
        pk, sk = totals_key(posting.booked_on, account_id)
        transaction.update(
            TotalsItem(pk=pk, sk=sk), [TotalsItem.collected_cents.add(Money(posting.collected))]
        )
