"""What staff read of the collection agencies' work: referrals, remittances, and the daily
files with a short-lived link to each."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from civiq.collections.domain.agencies import (
    AgencyFile,
    FileLine,
    Referral,
    ReferralStatus,
    Remittance,
    in_file_order,
)
from civiq.collections.ports import AgencyFiles, AgencyRemittances, AgencyRosters, Referrals
from civiq.collections.services.agency_remittances import agency_of
from civiq.core.errors import NotFound
from civiq.core.ports import Page
from civiq.notices.ports import DocumentLinks


@dataclass(frozen=True)
class AgencyFileDetails:
    file: AgencyFile
    url: str  # a GET of the stored file, for a short while
    lines: Sequence[FileLine]


@dataclass(frozen=True)
class AgencyViews:
    rosters: AgencyRosters
    referrals: Referrals
    remittances: AgencyRemittances
    files: AgencyFiles
    links: DocumentLinks
    link_seconds: int

    def referral(self, referral_id: str) -> Referral:
        found = self.referrals.find(referral_id)
        if found is None:
            raise NotFound(f"no referral {referral_id}", "referral_id")
        return found

    def referral_page(
        self,
        limit: int,
        cursor: str | None,
        agency: str | None,
        status: ReferralStatus | None,
        account_id: str | None,
    ) -> Page[Referral]:
        return self.referrals.listing(
            limit, cursor, agency=agency, status=status, account_id=account_id
        )

    def remittance(self, code: str, remittance_id: str) -> Remittance:
        agency_of(self.rosters, code)
        found = self.remittances.get(code, remittance_id)
        if found is None:
            raise NotFound(f"no remittance {remittance_id} of {code}", "remittance_id")
        return found

    def file_page(self, limit: int, cursor: str | None) -> Page[AgencyFile]:
        return self.files.listing(limit, cursor)

    def file(self, agency: str, day: date) -> AgencyFileDetails:
        found = self.files.get(agency, day)
        if found is None:
            raise NotFound(f"no file of {agency} for {day.isoformat()}", "day")
        lines = in_file_order(self.files.lines(agency, day))
        return AgencyFileDetails(found, self.links.url_for(found.key, self.link_seconds), lines)
