"""The collection agencies' API: the roster, referrals, remittances and the daily files."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import Field

from civiq.collections.domain.agencies import (
    Agency,
    AgencyFile,
    AgencyRoster,
    FileLine,
    LineType,
    Referral,
    ReferralStatus,
    Remittance,
    ReportedLine,
)
from civiq.collections.schemas.cases import ACCOUNT_ID, SLUG
from civiq.collections.services.agency_referrals import ReferralAsked
from civiq.collections.services.agency_remittances import ReportedRemittance
from civiq.collections.services.agency_views import AgencyFileDetails
from civiq.core.money import dollars as money
from civiq.core.schemas import DollarsIn, Name, PageQuery, Payload, Request, WholeNumber

# 0 to 50 with at most two decimals: "12.5", "20.00"
PERCENT = r"^(?:(?:[0-9]|[1-4][0-9])(?:\.[0-9]{1,2})?|50(?:\.00?)?)$"
EMAIL = r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$"
PHONE = r"^\+?[0-9][0-9 ().-]{6,24}$"
REFERENCE = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
# An account number as printed or compact: letters, digits, dashes
ACCOUNT_NUMBER = r"^[A-Za-z]{0,4}-?[0-9]{4,12}-?[0-9]$"
MOST_LINES = 30  # a remittance's lines, recorded in one transaction


class AgencyIn(Request):
    code: str = Field(pattern=SLUG, description="A slug: a-z, 0-9 and dashes")
    name: Name = Field(min_length=1, max_length=200)
    commission_percent: str = Field(
        pattern=PERCENT, description="Of what the agency collects, from 0 to 50 (e.g. 25.00)"
    )
    contact_name: Name | None = Field(default=None, min_length=1, max_length=200)
    email: str | None = Field(default=None, pattern=EMAIL, max_length=254)
    phone: str | None = Field(default=None, pattern=PHONE)

    def to_domain(self) -> Agency:
        return Agency(
            self.code,
            self.name,
            Decimal(self.commission_percent),
            self.contact_name,
            self.email,
            self.phone,
        )


class AgencyRosterRequest(Request):
    """Every agency, replacing the roster read at ``version`` (0: none saved yet)."""

    version: WholeNumber = Field(ge=0, description="The roster's version as read (0: never saved)")
    agencies: list[AgencyIn] = Field(max_length=50, json_schema_extra={"x-unique": "code"})

    def to_domain(self) -> AgencyRoster:
        return AgencyRoster(tuple(a.to_domain() for a in self.agencies), self.version)


class AgencyOut(Payload):
    code: str
    name: str
    commission_percent: str
    contact_name: str | None
    email: str | None
    phone: str | None

    @classmethod
    def of(cls, agency: Agency) -> AgencyOut:
        return cls(
            code=agency.code,
            name=agency.name,
            commission_percent=f"{agency.commission_percent:.2f}",
            contact_name=agency.contact_name,
            email=agency.email,
            phone=agency.phone,
        )


class AgencyRosterResponse(Payload):
    version: int
    agencies: list[AgencyOut]

    @classmethod
    def of(cls, roster: AgencyRoster) -> AgencyRosterResponse:
        return cls(version=roster.version, agencies=[AgencyOut.of(a) for a in roster.agencies])


# --- referrals -----------------------------------------------------------------------------------


class ReferralRequest(Request):
    account_id: str = Field(pattern=ACCOUNT_ID, description="The delinquent account")
    agency: str = Field(pattern=SLUG, description="The agency's code")
    referral_id: str | None = Field(
        default=None,
        pattern=ACCOUNT_ID,
        description="A ULID you choose: the same request again answers the same referral",
    )

    def asked(self) -> ReferralAsked:
        return ReferralAsked(self.account_id, self.agency, self.referral_id)


class ReferralQuery(PageQuery):
    agency: str | None = Field(default=None, pattern=SLUG)
    status: ReferralStatus | None = None
    account_id: str | None = Field(default=None, pattern=ACCOUNT_ID)


class ReferralOut(Payload):
    referral_id: str
    account_id: str
    account_number: str
    agency: str
    status: ReferralStatus
    amount: str = Field(description="What was past due when it was referred")
    oldest_due_on: date
    collected: str = Field(description="What the agency collected so far")
    commission: str = Field(description="The agency's commission on it so far")
    referred_by: str
    referred_at: datetime
    ended_by: str | None
    ended_at: datetime | None

    @classmethod
    def of(cls, referral: Referral) -> ReferralOut:
        return cls(
            referral_id=referral.referral_id,
            account_id=referral.account_id,
            account_number=referral.account_number,
            agency=referral.agency,
            status=referral.status,
            amount=money(referral.amount),
            oldest_due_on=referral.oldest_due_on,
            collected=money(referral.collected),
            commission=money(referral.commission),
            referred_by=referral.referred_by,
            referred_at=referral.referred_at,
            ended_by=referral.ended_by,
            ended_at=referral.ended_at,
        )


class ReferralList(Payload):
    referrals: list[ReferralOut]
    next_cursor: str | None


# --- remittances ---------------------------------------------------------------------------------


class RemittanceLineIn(Request):
    account_number: str = Field(pattern=ACCOUNT_NUMBER)
    amount: DollarsIn
    commission: str | None = Field(
        default=None,
        pattern=r"^[0-9]{1,7}(?:\.[0-9]{1,2})?$",
        description="The agency's commission on the line (checked against its rate)",
    )


class RemittanceRequest(Request):
    remittance_id: str = Field(pattern=REFERENCE, description="The agency's reference")
    paid_on: date = Field(description="The day the agency collected")
    lines: list[RemittanceLineIn] = Field(min_length=1, max_length=MOST_LINES)

    def reported(self) -> ReportedRemittance:
        return ReportedRemittance(
            self.remittance_id,
            self.paid_on,
            tuple(
                ReportedLine(
                    line.account_number,
                    Decimal(line.amount),
                    Decimal(line.commission) if line.commission is not None else None,
                )
                for line in self.lines
            ),
        )


class RemittanceLineOut(Payload):
    account_number: str
    account_id: str
    referral_id: str
    amount: str
    commission: str
    payment_id: str


class RemittanceResponse(Payload):
    remittance_id: str
    agency: str
    paid_on: date
    gross: str = Field(description="What the agency collected")
    commission: str
    net: str = Field(description="What the agency owes the municipality")
    lines: list[RemittanceLineOut]
    recorded_by: str
    recorded_at: datetime

    @classmethod
    def of(cls, remittance: Remittance) -> RemittanceResponse:
        return cls(
            remittance_id=remittance.remittance_id,
            agency=remittance.agency,
            paid_on=remittance.paid_on,
            gross=money(remittance.gross),
            commission=money(remittance.commission),
            net=money(remittance.net),
            lines=[
                RemittanceLineOut(
                    account_number=line.account_number,
                    account_id=line.account_id,
                    referral_id=line.referral_id,
                    amount=money(line.amount),
                    commission=money(line.commission),
                    payment_id=line.payment_id,
                )
                for line in remittance.lines
            ],
            recorded_by=remittance.recorded_by,
            recorded_at=remittance.recorded_at,
        )


# --- the daily files -----------------------------------------------------------------------------


class AgencyFileOut(Payload):
    agency: str
    day: date
    key: str
    referrals: int
    recalls: int
    assembled_at: datetime

    @classmethod
    def of(cls, file: AgencyFile) -> AgencyFileOut:
        return cls(
            agency=file.agency,
            day=file.day,
            key=file.key,
            referrals=file.referrals,
            recalls=file.recalls,
            assembled_at=file.assembled_at,
        )


class AgencyFileList(Payload):
    files: list[AgencyFileOut]
    next_cursor: str | None


class FileLineOut(Payload):
    line_type: LineType
    referral_id: str
    account_number: str
    amount: str

    @classmethod
    def of(cls, line: FileLine) -> FileLineOut:
        referral = line.referral
        return cls(
            line_type=line.line_type,
            referral_id=referral.referral_id,
            account_number=referral.account_number,
            amount=money(referral.amount),
        )


class AgencyFileDetailsOut(Payload):
    file: AgencyFileOut
    url: str = Field(description="A GET of the CSV file, for a few minutes")
    lines: list[FileLineOut]

    @classmethod
    def of(cls, details: AgencyFileDetails) -> AgencyFileDetailsOut:
        return cls(
            file=AgencyFileOut.of(details.file),
            url=details.url,
            lines=[FileLineOut.of(line) for line in details.lines],
        )
