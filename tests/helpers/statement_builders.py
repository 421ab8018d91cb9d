"""A realistic statement to render and inspect, overridable field by field.

The bill (two months, August 31 to October 31, 2026, 42.318 m³) is encoded the way rating
(civiq.rates.domain.rating) writes lines, and adds up on paper:

==============================================  =========
Water, fixed 20 mm: 61 of 365 days x $120/year     $20.05
Water, block 1: 15.000 m³ x $1.8500                $27.75
Water, block 2: 15.000 m³ x $2.1000                $31.50
Water, block 3: 12.318 m³ x $2.4500                $30.18
Sewer: 80% of the water use lines ($89.43)         $71.54
Stormwater, single-family: 61/365 x $57/year        $9.53
Waste, medium cart: 61/365 x $170.53/year          $28.50
Meter test: 1 x $45.00                             $45.00
Subtotal                                          $264.05
HST 13% of $45.00                                   $5.85
New charges                                       $269.90
Balance forward (250.00 - 250.00 paid - 10.00)    -$10.00
Total due                                         $259.90
==============================================  =========
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from civiq.accounts.domain.accounts import CartSize
from civiq.accounts.domain.properties import PropertyType
from civiq.billing.adapters.memory import InMemoryStatements
from civiq.billing.domain.statements import (
    Direction,
    ForwardLine,
    MeterRead,
    Recipient,
    Statement,
    StatementKind,
    UsagePoint,
)
from civiq.billing.ports import StatementRepository
from civiq.billing.services.billing import issue_statement, reissue_statement
from civiq.core.addresses import Address
from civiq.core.audit import AuditEntry
from civiq.core.language import Language
from civiq.ledger.adapters.dynamodb_journal import DynamoJournal
from civiq.ledger.domain.journal import EntryKind
from civiq.ledger.ports import JournalReader
from civiq.metering.domain.meters import MeterSize
from civiq.rates.domain.charges import ChargeLine, ChargeType, RatedBill, TaxLine, Unit

RATES_FROM = date(2026, 1, 1)
PERIOD_START = date(2026, 8, 31)
PERIOD_END = date(2026, 10, 31)
ACCOUNT_NUMBER = "UB00000422"  # printed UB-0000042-2
TOTAL_DUE = Decimal("259.90")

HISTORY_START = date(2024, 10, 31)
# The eleven periods before this one (two months each), oldest first: (end, m³, estimated).
HISTORY = (
    (date(2024, 12, 31), "31.204", False),
    (date(2025, 2, 28), "29.874", False),
    (date(2025, 4, 30), "33.050", False),
    (date(2025, 6, 30), "38.600", False),
    (date(2025, 8, 31), "45.912", False),
    (date(2025, 10, 31), "40.217", True),
    (date(2025, 12, 31), "32.000", False),
    (date(2026, 2, 28), "30.500", False),
    (date(2026, 4, 30), "34.125", False),
    (date(2026, 6, 30), "41.006", False),
    (date(2026, 8, 31), "47.633", False),
)


def line(
    charge_type: ChargeType,
    kind: str,
    quantity: str,
    unit: Unit,
    unit_price: str,
    amount: str,
    **optional: Any,
) -> ChargeLine:
    return ChargeLine(
        charge_type=charge_type,
        kind=kind,
        quantity=Decimal(quantity),
        unit=unit,
        unit_price=Decimal(unit_price),
        amount=Decimal(amount),
        rate_effective_from=RATES_FROM,
        **optional,
    )


def charge_lines() -> list[ChargeLine]:
    water, m3, day = ChargeType.WATER, Unit.CUBIC_METRE, Unit.DAY
    prorated: dict[str, Any] = {"days": 61, "basis_days": 365}
    return [
        line(water, "fixed", "1", day, "120.00", "20.05", **prorated, detail=MeterSize.MM20),
        line(water, "block", "15.000", m3, "1.8500", "27.75", days=61, tier=1),
        line(water, "block", "15.000", m3, "2.1000", "31.50", days=61, tier=2),
        line(water, "block", "12.318", m3, "2.4500", "30.18", days=61, tier=3),
        line(ChargeType.SEWER, "sewer-percent", "89.43", Unit.BILL, "0.8000", "71.54"),
        line(ChargeType.STORMWATER, "stormwater", "1", day, "57.00", "9.53", **prorated,
             detail=PropertyType.SINGLE_FAMILY),
        line(ChargeType.WASTE, "waste", "1", day, "170.53", "28.50", **prorated,
             detail=CartSize.MEDIUM),
        line(ChargeType.MISCELLANEOUS, "miscellaneous", "1", Unit.BILL, "45.00", "45.00",
             detail="Meter test"),
    ]  # fmt: skip


def rated_bill(**overrides: Any) -> RatedBill:
    fields: dict[str, Any] = {
        "period_start": PERIOD_START,
        "period_end": PERIOD_END,
        "lines": charge_lines(),
        "taxes": [
            TaxLine(
                ChargeType.MISCELLANEOUS, "HST", Decimal("0.13"), Decimal("45.00"), Decimal("5.85")
            )
        ],
        "total_after_due": Decimal("283.40"),
    }
    fields.update(overrides)
    return RatedBill(**fields)


def usage_history(current_estimated: bool = False) -> list[UsagePoint]:
    starts = [HISTORY_START, *(end for end, _, _ in HISTORY[:-1])]
    points = [
        UsagePoint(end, (end - start).days, Decimal(volume), estimated)
        for start, (end, volume, estimated) in zip(starts, HISTORY, strict=True)
    ]
    this_period = UsagePoint(PERIOD_END, 61, Decimal("42.318"), current_estimated)
    return [*points, this_period]


def meter_read(**overrides: Any) -> MeterRead:
    fields: dict[str, Any] = {
        "meter_serial": "MX-20-004512",
        "previous_on": PERIOD_START,
        "previous_value": Decimal("1204.577"),
        "current_on": PERIOD_END,
        "current_value": Decimal("1246.895"),
        "volume": Decimal("42.318"),
        "estimated": False,
    }
    fields.update(overrides)
    return MeterRead(**fields)


def paid_and_credited(credit: str) -> tuple[ForwardLine, ...]:
    """The balance forward's lines: the previous 250.00 paid, and a credit of ``credit``."""
    return (
        ForwardLine(EntryKind.PAYMENT, Direction.CREDIT, Decimal("250.00")),
        ForwardLine(EntryKind.ADJUSTMENT, Direction.CREDIT, Decimal(credit)),
    )


def statement(**overrides: Any) -> Statement:
    fields: dict[str, Any] = {
        "statement_id": "st-2026-10-0042",
        "account_id": "acc-0042",
        "account_number": ACCOUNT_NUMBER,
        "kind": StatementKind.REGULAR,
        "cycle_id": "cycle-2026-10-east",
        "run_id": "run-2026-11-01",
        "language": Language.EN,
        "recipient": Recipient(
            "Élise Tremblay", Address("45 Rideau Terrace", "Ottawa", "ON", "K1M 2C3", unit="3")
        ),
        "service_address": Address("100 Main St", "Ottawa", "ON", "K1P 1J1"),
        "issued_on": date(2026, 11, 2),
        "due_on": date(2026, 11, 23),
        "bill": rated_bill(),
        "previous_balance": Decimal("250.00"),
        "since": paid_and_credited("10.00"),
        "reads": [meter_read()],
        "usage_history": usage_history(),
        "issued_at": datetime(2026, 11, 2, 6, 0, tzinfo=UTC),
    }
    fields.update(overrides)
    return Statement(**fields)


def owing_statement(
    account_id: str,
    account_number: str,
    due_on: date,
    total: str,
    after_due: str | None = None,
) -> Statement:
    """A statement of ``account_number`` due on ``due_on`` whose charges are ``total`` (one
    line, no tax; ``after_due``: the total after the due date)."""
    bill = replace(rated_bill(), period_end=due_on.replace(day=1), taxes=())
    bill = replace(
        bill,
        lines=(replace(bill.lines[0], amount=Decimal(total)),),
        total_after_due=Decimal(after_due) if after_due else None,
    )
    return statement(
        account_id=account_id,
        account_number=account_number,
        statement_id=f"{account_number}-{due_on:%Y%m%d}",
        bill=bill,
        due_on=due_on,
    )


def issued_entry(issued: Statement) -> AuditEntry:
    """The history entry a billing run writes with ``issued``."""
    return AuditEntry(
        f"E-{issued.statement_id}",
        f"ACCOUNT#{issued.account_id}",
        "StatementCreated",
        "billing",
        "system",
        issued.issued_at,
        "c",
        {},
    )


def estimated_statement() -> Statement:
    """The same bill on an estimated read (this period's bar and read marked E)."""
    return statement(
        reads=[meter_read(estimated=True)], usage_history=usage_history(current_estimated=True)
    )


def issue_with_ledger(
    statements: StatementRepository, statement: Statement, entry: AuditEntry
) -> bool:
    """Issue ``statement`` as billing does: its charges posted to the account's ledger (the
    in-memory statements' own ledger, or the table's)."""
    return issue_statement(statements, journal_of(statements), statement, entry)


def reissue_with_ledger(
    statements: StatementRepository,
    cancelled: Statement,
    rebill: Statement,
    entries: Sequence[AuditEntry],
) -> None:
    """Cancel ``cancelled`` and issue ``rebill`` in its place, as a rebill does."""
    reissue_statement(statements, journal_of(statements), cancelled, rebill, entries)


def journal_of(statements: StatementRepository) -> JournalReader:
    """The ledger the statements post to: the in-memory statements' own, or the table's."""
    return statements.ledger if isinstance(statements, InMemoryStatements) else DynamoJournal()
