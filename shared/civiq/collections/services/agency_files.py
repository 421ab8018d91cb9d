"""Assemble the collection agencies' daily files (scheduled daily, after midnight): each
agency's referrals and recalls of the day that ended, as CSV in S3, for the agency to collect.

Idempotent and resumable: a file is written only when the day has lines for the agency and
the file is not recorded yet, and its text is the same whenever it is assembled (the day's
lines, in one order), so a run that stopped short of time goes on with the agencies left, and
running a day again makes no second file. The lines of a day are closed by then: the day is
over, and a referral in flight at midnight is written long before the run (:data:`SETTLE`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from civiq.accounts.domain.account_numbers import AccountNumberScheme
from civiq.collections.domain.agencies import (
    AgencyFile,
    LineType,
    file_csv,
    file_key,
)
from civiq.collections.ports import AgencyFiles, AgencyFileStore, AgencyRosters
from civiq.core.audit import AuditEntry
from civiq.core.events import Actor
from civiq.core.ids import DeterministicIds
from civiq.core.ports import Clock

SETTLE = timedelta(minutes=15)
ASSEMBLER = Actor("agency-files", "system")
TIME_RESERVE = timedelta(seconds=30)  # left for the file in hand when the next one starts


@dataclass(frozen=True)
class Assembly:
    day: date
    files: tuple[AgencyFile, ...]  # the day's files (assembled now or before)
    done: bool  # False: stopped short of time; run it again to go on


@dataclass(frozen=True)
class AssembleAgencyFiles:
    rosters: AgencyRosters
    files: AgencyFiles
    store: AgencyFileStore
    numbering: AccountNumberScheme
    clock: Clock
    time_zone: ZoneInfo

    def day_for(self, at: datetime) -> date:
        """The day a run started at ``at`` (a schedule's event time) assembles: the latest
        that ended at least :data:`SETTLE` before."""
        return (at - SETTLE).astimezone(self.time_zone).date() - timedelta(days=1)

    def __call__(
        self, day: date, time_left: Callable[[], timedelta], correlation_id: str
    ) -> Assembly:
        found: list[AgencyFile] = []
        made_now = 0
        for agency in sorted(self.rosters.get().agencies, key=lambda a: a.code):
            kept = self.files.get(agency.code, day)
            if kept is not None:
                found.append(kept)
                continue
            lines = self.files.lines(agency.code, day)
            if not lines:
                continue
            if made_now and time_left() < TIME_RESERVE:
                return Assembly(day, tuple(found), False)
            key = file_key(agency.code, day)
            self.store.put_text(key, file_csv(lines, self.numbering.display), "text/csv")
            file = AgencyFile(
                agency=agency.code,
                day=day,
                key=key,
                referrals=sum(1 for line in lines if line.line_type is LineType.REFERRAL),
                recalls=sum(1 for line in lines if line.line_type is LineType.RECALL),
                assembled_at=self.clock.now(),
            )
            self.files.keep(file, self._entry(file, correlation_id))
            found.append(self.files.get(agency.code, day) or file)
            made_now += 1
        return Assembly(day, tuple(found), True)

    def _entry(self, file: AgencyFile, correlation_id: str) -> AuditEntry:
        subject = f"AGENCYFILE#{file.agency}#{file.day.isoformat()}"
        return AuditEntry(
            entry_id=DeterministicIds(subject).peek(1),
            subject_id=subject,
            action="AgencyFileAssembled",
            actor_subject=ASSEMBLER.subject,
            actor_role=ASSEMBLER.role,
            occurred_at=file.assembled_at,
            correlation_id=correlation_id,
            detail={
                "key": file.key,
                "referrals": file.referrals,
                "recalls": file.recalls,
            },
        )
