"""Collection agencies: the agencies a municipality contracts, the accounts it refers to them,
the daily file each agency receives, and the payments an agency reports.

The **roster** is one configuration record, replaced whole by a supervisor at the version read:
each agency's code, name, contact, and its commission, a percentage of what it collects (at
most :data:`MAX_COMMISSION_PERCENT`).

A **referral** hands an account's arrears to one agency: what is past due when it is referred,
and the oldest due date among them. While it is referred the account's collection case is held
(:func:`agency_hold`): the agency works the account, the municipality sends no stage notices.
It ends recalled (by staff: the case goes on where it left off) or paid (the agency collected
the amount referred). An account is referred to one agency at a time.

An agency's **remittance** reports what it collected, account by account: each line a payment
on the account's ledger, and the commission on it at the agency's rate (a commission the agency
reports must agree to the cent). The municipality is owed the gross less the commission.

Each day's referrals and recalls of an agency make its **file** for that day (CSV, one line per
referral or recall), assembled once the day is over.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum

from civiq.core.addresses import Address
from civiq.core.errors import FieldError
from civiq.core.language import Language
from civiq.core.money import CENT, Money
from civiq.core.ports import Page

ZERO = Decimal(0)
CODE = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
MAX_COMMISSION_PERCENT = Decimal(50)
AGENCY_FILES_PREFIX = "agency-files/"


@dataclass(frozen=True)
class Agency:
    code: str  # a slug: "northern-credit"
    name: str
    commission_percent: Decimal  # of what it collects
    contact_name: str | None = None
    email: str | None = None
    phone: str | None = None

    def commission_on(self, collected: Decimal) -> Decimal:
        """The commission on ``collected``, rounded to the cent half up."""
        return Money(collected * self.commission_percent / 100).rounded().amount


@dataclass(frozen=True)
class AgencyRoster:
    """Every agency the municipality contracts. ``version``: the record's, for optimistic
    locking (0: never saved)."""

    agencies: tuple[Agency, ...] = ()
    version: int = 0

    def get(self, code: str) -> Agency | None:
        return next((a for a in self.agencies if a.code == code), None)


def roster_refusals(agencies: Sequence[Agency]) -> list[FieldError]:
    """Every reason the roster ``agencies`` cannot be kept, by the field of its request."""
    refused: list[FieldError] = []
    seen: set[str] = set()
    for index, agency in enumerate(agencies):
        at = f"agencies[{index}]"
        if not CODE.fullmatch(agency.code):
            refused.append(FieldError(f"{at}.code", "must be a slug (a-z, 0-9, -)"))
        elif agency.code in seen:
            refused.append(FieldError(f"{at}.code", f"{agency.code} is used twice"))
        seen.add(agency.code)
        if not agency.name.strip():
            refused.append(FieldError(f"{at}.name", "an agency is named"))
        percent = agency.commission_percent
        if not ZERO <= percent <= MAX_COMMISSION_PERCENT:
            refused.append(
                FieldError(
                    f"{at}.commission_percent",
                    f"a commission is from 0 to {MAX_COMMISSION_PERCENT} % of what is collected",
                )
            )
        elif percent != percent.quantize(CENT):
            refused.append(
                FieldError(f"{at}.commission_percent", "a commission has at most 2 decimals")
            )
    return refused


# --- referrals -----------------------------------------------------------------------------------


class ReferralStatus(StrEnum):
    REFERRED = "referred"  # the agency works the account
    RECALLED = "recalled"  # taken back by staff
    PAID = "paid"  # the agency collected the amount referred


@dataclass(frozen=True)
class Debtor:
    """Whom the agency pursues, as the account stood when it was referred."""

    name: str
    language: Language
    address: Address  # where mail reaches them
    email: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class Referral:
    referral_id: str
    account_id: str
    account_number: str
    agency: str  # the agency's code
    amount: Decimal  # what was past due when it was referred
    oldest_due_on: date
    debtor: Debtor
    referred_by: str
    referred_at: datetime
    referred_on: date  # the municipality's day: the agency's file it goes in
    status: ReferralStatus = ReferralStatus.REFERRED
    collected: Decimal = ZERO
    commission: Decimal = ZERO
    ended_by: str | None = None  # who recalled it (the remittance's recorder: paid)
    ended_at: datetime | None = None
    ended_on: date | None = None

    @property
    def outstanding(self) -> Decimal:
        """What the agency may still collect of the amount referred."""
        return max(self.amount - self.collected, ZERO)

    def recalled(self, by: str, at: datetime, on: date) -> Referral:
        return replace(self, status=ReferralStatus.RECALLED, ended_by=by, ended_at=at, ended_on=on)

    def collecting(
        self, amount: Decimal, commission: Decimal, by: str, at: datetime, on: date
    ) -> Referral:
        """The referral after the agency collected ``amount`` (its ``commission`` on it): paid
        once the amount referred is collected (a referral recalled meanwhile stays recalled)."""
        after = replace(
            self, collected=self.collected + amount, commission=self.commission + commission
        )
        if self.status is ReferralStatus.REFERRED and after.collected >= after.amount:
            return replace(after, status=ReferralStatus.PAID, ended_by=by, ended_at=at, ended_on=on)
        return after


def listing_key(referral: Referral) -> str:
    """Where a referral sorts among others (by when it was referred), and the cursor of a
    page that ends with it: letters, digits and dots only."""
    at = referral.referred_at.astimezone(UTC).strftime("%Y%m%dT%H%M%S%f")
    return f"{at}.{referral.referral_id}"


def referral_page(
    referrals: Iterable[Referral],
    limit: int,
    cursor: str | None,
    agency: str | None = None,
    status: ReferralStatus | None = None,
) -> Page[Referral]:
    """Those of ``referrals`` of ``agency`` and ``status`` (None: any), newest first, after
    ``cursor`` (a :func:`listing_key`)."""
    found = sorted(
        (
            r
            for r in referrals
            if agency in (None, r.agency)
            and status in (None, r.status)
            and (cursor is None or listing_key(r) < cursor)
        ),
        key=listing_key,
        reverse=True,
    )
    page = found[:limit]
    return Page(page, listing_key(page[-1]) if len(found) > limit else None)


def agency_hold(referral_id: str) -> str:
    """Why a case is paused while its account is referred to a collection agency."""
    return f"agency:{referral_id}"


# --- remittances ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportedLine:
    """One line of an agency's remittance, as the agency reports it."""

    account_number: str
    amount: Decimal
    commission: Decimal | None = None  # the agency's own figure, checked against its rate


@dataclass(frozen=True)
class RemittanceLine:
    """A line of a remittance, recorded: the payment it posted and the commission on it."""

    account_number: str
    account_id: str
    referral_id: str
    amount: Decimal
    commission: Decimal
    payment_id: str


@dataclass(frozen=True)
class Remittance:
    remittance_id: str  # the agency's reference
    agency: str
    paid_on: date  # the day the agency collected (the payments' received date)
    lines: tuple[RemittanceLine, ...]
    recorded_by: str
    recorded_at: datetime

    @property
    def gross(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)

    @property
    def commission(self) -> Decimal:
        return sum((line.commission for line in self.lines), ZERO)

    @property
    def net(self) -> Decimal:
        """What the agency owes the municipality: what it collected less its commission."""
        return self.gross - self.commission


def line_refusals(
    index: int, line: ReportedLine, agency: Agency, referral: Referral | None, already: Decimal
) -> list[FieldError]:
    """Why line ``index`` of a remittance cannot be recorded: ``referral`` is the account's
    referral in force to ``agency`` (None: not referred to it), ``already`` what earlier lines
    of the same remittance collected on it."""
    at = f"lines[{index}]"
    if referral is None:
        return [
            FieldError(
                f"{at}.account_number",
                f"account {line.account_number} is not referred to {agency.code}",
            )
        ]
    refused = []
    if line.amount <= 0 or line.amount != line.amount.quantize(CENT):
        refused.append(FieldError(f"{at}.amount", "must be a positive amount in cents"))
    elif line.amount > referral.outstanding - already:
        refused.append(
            FieldError(
                f"{at}.amount",
                f"more than is left of the amount referred ({referral.outstanding - already:.2f})",
            )
        )
    elif (
        line.commission is not None
        and abs(line.commission - agency.commission_on(line.amount)) > CENT
    ):
        refused.append(
            FieldError(
                f"{at}.commission",
                f"the commission at {agency.commission_percent} % is "
                f"{agency.commission_on(line.amount):.2f}",
            )
        )
    return refused


# --- the agencies' daily files -------------------------------------------------------------------


class LineType(StrEnum):
    REFERRAL = "referral"
    RECALL = "recall"


@dataclass(frozen=True)
class FileLine:
    """A line of an agency's daily file: a referral made, or recalled, that day."""

    agency: str
    day: date
    line_type: LineType
    referral: Referral


@dataclass(frozen=True)
class AgencyFile:
    """An agency's file of one day, stored at ``key``."""

    agency: str
    day: date
    key: str
    referrals: int
    recalls: int
    assembled_at: datetime

    @property
    def lines(self) -> int:
        return self.referrals + self.recalls


def file_listing_key(agency: str, day: date) -> str:
    """Where a file sorts among others (by day), and the cursor of a page that ends with it."""
    return f"{day.isoformat()}.{agency}"


def file_key(agency: str, day: date) -> str:
    return f"{AGENCY_FILES_PREFIX}{agency}/{day.isoformat()}.csv"


FILE_COLUMNS = (
    "line_type",
    "referral_id",
    "account_number",
    "debtor_name",
    "address_line_1",
    "city",
    "province",
    "postal_code",
    "phone",
    "email",
    "language",
    "amount_referred",
    "oldest_due_date",
)


def in_file_order(lines: Sequence[FileLine]) -> list[FileLine]:
    """Referrals, then recalls, each by account number: the same lines always make the same
    file."""
    order = {LineType.REFERRAL: 0, LineType.RECALL: 1}
    return sorted(
        lines,
        key=lambda x: (order[x.line_type], x.referral.account_number, x.referral.referral_id),
    )


def file_csv(lines: Sequence[FileLine], display: Callable[[str], str] = str) -> str:
    """The file's text: a header, then one row per line (``display``: an account number as
    it is printed)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(FILE_COLUMNS)
    for line in in_file_order(lines):
        referral = line.referral
        debtor = referral.debtor
        address = debtor.address
        unit = f"{address.unit}-" if address.unit else ""
        writer.writerow(
            (
                line.line_type.value,
                referral.referral_id,
                display(referral.account_number),
                debtor.name,
                f"{unit}{address.street}",
                address.city,
                address.province,
                address.postal_code,
                debtor.phone or "",
                debtor.email or "",
                debtor.language.value,
                f"{referral.amount:.2f}",
                referral.oldest_due_on.isoformat(),
            )
        )
    return out.getvalue()
