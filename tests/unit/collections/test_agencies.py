"""Collection agencies as data: a roster refused field by field, a commission rounded to the
cent, a referral paid once its amount is collected, a remittance line checked against the
referral and the agency's rate, and an agency's daily file as CSV."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal as D

from civiq.collections.domain.agencies import (
    Agency,
    Debtor,
    FileLine,
    LineType,
    Referral,
    ReferralStatus,
    Remittance,
    RemittanceLine,
    ReportedLine,
    file_csv,
    file_key,
    line_refusals,
    listing_key,
    roster_refusals,
)
from civiq.core.addresses import Address
from civiq.core.language import Language

AGENCY = Agency("northern", "Northern Credit", D("25.00"))
AT = datetime(2027, 1, 10, 15, 0, tzinfo=UTC)


def referral(
    referral_id: str = "R1", number: str = "UB00000018", amount: str = "200.00"
) -> Referral:
    return Referral(
        referral_id=referral_id,
        account_id=f"A-{referral_id}",
        account_number=number,
        agency="northern",
        amount=D(amount),
        oldest_due_on=date(2026, 11, 30),
        debtor=Debtor(
            "Élise Tremblay",
            Language.FR,
            Address("100 rue Principale", "Ottawa", "ON", "K1A 0B1", unit="4"),
            email="elise@example.ca",
        ),
        referred_by="supervisor-1",
        referred_at=AT,
        referred_on=date(2027, 1, 10),
    )


def test_a_roster_is_refused_field_by_field() -> None:
    refused = roster_refusals(
        [
            AGENCY,
            Agency("northern", "Again", D("10")),
            Agency("Bad Code", " ", D("50.01")),
            Agency("south", "South", D("-1")),
            Agency("east", "East", D("12.345")),
        ]
    )

    assert [e.field for e in refused] == [
        "agencies[1].code",
        "agencies[2].code",
        "agencies[2].name",
        "agencies[2].commission_percent",
        "agencies[3].commission_percent",
        "agencies[4].commission_percent",
    ]
    assert roster_refusals([AGENCY, Agency("free", "Free", D(0)), Agency("max", "M", D(50))]) == []


def test_a_commission_is_rounded_to_the_cent_half_up() -> None:
    assert AGENCY.commission_on(D("100.00")) == D("25.00")
    assert Agency("a", "A", D("18.50")).commission_on(D("10.03")) == D("1.86")  # 1.85555
    assert Agency("a", "A", D("12.50")).commission_on(D("0.20")) == D("0.03")  # 0.025


def test_a_referral_is_paid_once_its_amount_is_collected() -> None:
    first = referral().collecting(D("150.00"), D("37.50"), "sup", AT, date(2027, 2, 1))
    assert (first.status, first.collected, first.commission, first.outstanding) == (
        ReferralStatus.REFERRED,
        D("150.00"),
        D("37.50"),
        D("50.00"),
    )
    paid = first.collecting(D("50.00"), D("12.50"), "sup", AT, date(2027, 3, 1))
    assert (paid.status, paid.ended_on, paid.outstanding) == (
        ReferralStatus.PAID,
        date(2027, 3, 1),
        D(0),
    )
    recalled = referral().recalled("sup", AT, date(2027, 2, 2))
    assert (recalled.status, recalled.ended_by) == (ReferralStatus.RECALLED, "sup")


def test_a_line_is_refused_for_an_account_not_referred_too_much_or_a_wrong_commission() -> None:
    line = ReportedLine("UB00000018", D("80.00"))
    assert line_refusals(0, line, AGENCY, referral(), D(0)) == []
    assert (
        line_refusals(
            0, ReportedLine("UB00000018", D("80.00"), D("20.01")), AGENCY, referral(), D(0)
        )
        == []
    )

    not_referred = line_refusals(2, line, AGENCY, None, D(0))
    too_much = line_refusals(1, line, AGENCY, referral(), D("150.00"))
    disagrees = line_refusals(
        3, ReportedLine("UB00000018", D("80.00"), D("20.02")), AGENCY, referral(), D(0)
    )

    assert [e.field for e in not_referred] == ["lines[2].account_number"]
    assert [e.field for e in too_much] == ["lines[1].amount"]
    assert "50.00" in too_much[0].message
    assert [e.field for e in disagrees] == ["lines[3].commission"]
    assert "20.00" in disagrees[0].message


def test_a_remittance_owes_the_municipality_what_was_collected_less_the_commission() -> None:
    lines = tuple(
        RemittanceLine("UB1", f"A{n}", f"R{n}", D(amount), AGENCY.commission_on(D(amount)), f"P{n}")
        for n, amount in enumerate(("100.00", "33.33"))
    )
    remittance = Remittance("REM-1", "northern", date(2027, 2, 1), lines, "sup", AT)

    assert (remittance.gross, remittance.commission, remittance.net) == (
        D("133.33"),
        D("33.33"),
        D("100.00"),
    )


def test_a_daily_file_lists_referrals_then_recalls_with_a_header() -> None:
    day = date(2027, 1, 10)
    lines = [
        FileLine("northern", day, LineType.RECALL, referral("R3", "UB00000026")),
        FileLine("northern", day, LineType.REFERRAL, referral("R2", "UB00000034", "75.50")),
        FileLine("northern", day, LineType.REFERRAL, referral("R1", "UB00000018")),
    ]

    text = file_csv(lines, lambda number: f"{number[:2]}-{number[2:-1]}-{number[-1]}")
    rows = list(csv.reader(io.StringIO(text)))

    assert rows[0][:4] == ["line_type", "referral_id", "account_number", "debtor_name"]
    assert [(r[0], r[1], r[2]) for r in rows[1:]] == [
        ("referral", "R1", "UB-0000001-8"),
        ("referral", "R2", "UB-0000003-4"),
        ("recall", "R3", "UB-0000002-6"),
    ]
    assert rows[1] == [
        "referral",
        "R1",
        "UB-0000001-8",
        "Élise Tremblay",
        "4-100 rue Principale",
        "Ottawa",
        "ON",
        "K1A 0B1",
        "",
        "elise@example.ca",
        "fr",
        "200.00",
        "2026-11-30",
    ]
    assert text.endswith("\r\n") and file_csv(list(reversed(lines))) == file_csv(lines)
    assert file_key("northern", day) == "agency-files/northern/2027-01-10.csv"


def test_referrals_sort_by_when_they_were_referred_with_cursor_safe_keys() -> None:
    early = referral("R1")
    late = replace(referral("R0"), referred_at=datetime(2027, 1, 11, tzinfo=UTC))
    assert listing_key(early) < listing_key(late)
    assert listing_key(early).replace(".", "").isalnum()
