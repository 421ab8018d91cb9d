"""The collection agencies the municipality contracts: one roster, read by staff and replaced
whole by a supervisor at the version read (every change audited)."""

from __future__ import annotations

from dataclasses import dataclass

from civiq.accounts.services.recording import Recorder
from civiq.collections.domain.agencies import AgencyRoster, ReferralStatus, roster_refusals
from civiq.collections.ports import AgencyRosters, Referrals
from civiq.core.audit import AuditEntry
from civiq.core.errors import Conflict, InvalidInput, check_version
from civiq.core.events import Actor
from civiq.core.history import changes

ROSTER_SUBJECT = "COLLECTION-AGENCIES"  # the roster's history


@dataclass(frozen=True)
class ConfigureAgencies:
    rosters: AgencyRosters
    referrals: Referrals
    recorder: Recorder

    def __call__(self, roster: AgencyRoster, actor: Actor, correlation_id: str) -> AgencyRoster:
        """``roster.version`` is the version it replaces (else VersionConflict). Raises
        InvalidInput naming every field refused (a code used twice, a commission outside 0 to
        50 %), writing nothing; Conflict when it leaves out an agency that still holds referrals
        (they are recalled first)."""
        refused = roster_refusals(roster.agencies)
        if refused:
            raise InvalidInput.of(refused)
        before = self.rosters.get()
        check_version(before.version, roster.version, "the agency roster")
        kept = {agency.code for agency in roster.agencies}
        for code in (agency.code for agency in before.agencies if agency.code not in kept):
            if self.referrals.listing(1, None, agency=code, status=ReferralStatus.REFERRED).items:
                raise Conflict(
                    f"{code} still holds referrals: recall them before taking it off the roster",
                    "agencies",
                )
        after = AgencyRoster(roster.agencies, before.version + 1)
        entry = AuditEntry(
            entry_id=self.recorder.ids.new_id(),
            subject_id=ROSTER_SUBJECT,
            action="CollectionAgenciesChanged",
            actor_subject=actor.subject,
            actor_role=actor.role,
            occurred_at=self.recorder.clock.now(),
            correlation_id=correlation_id,
            detail={"version": after.version, "changes": changes(before, after)},
        )
        self.rosters.save(before, after, entry)
        return after
