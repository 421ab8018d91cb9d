"""Record what a collection agency reports it collected (a remittance): each line a payment on
the account's ledger, posted by the payments feature's own use case (so receipts, the case and
aging follow as for any payment), and the agency's commission on it at its rate.

Every line is checked before anything is written: an account not referred to this agency, an
amount beyond what is left of the amount referred, or a commission the agency reports that
disagrees with its rate by more than a cent is refused with the line's field, and nothing is
posted. Each line's payment is named by the agency, the remittance and the line, so a retried
request posts nothing twice; the remittance and what it did to each referral are then kept at
once (once only). A referral whose amount is collected is paid, and the account's case goes on
(it usually closes: nothing is past due any more).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from civiq.accounts.domain.account_numbers import AccountNumberScheme
from civiq.collections.domain.agencies import (
    ZERO,
    Agency,
    Referral,
    ReferralStatus,
    Remittance,
    RemittanceLine,
    ReportedLine,
    line_refusals,
)
from civiq.collections.ports import AgencyRemittances, AgencyRosters, Referrals
from civiq.collections.services.agency_recalls import release_case
from civiq.collections.services.case_opening import OpenCase
from civiq.collections.services.casework import ATTEMPTS, Casework
from civiq.core.audit import AuditEntry
from civiq.core.errors import Conflict, FieldError, InvalidInput, NotFound
from civiq.core.events import Actor
from civiq.core.money import dollars as money
from civiq.ledger.domain.payments import PaymentChannel, PaymentMethod, derived_id
from civiq.payments.services.payments import PostPayment, ReceivedPayment


@dataclass(frozen=True)
class ReportedRemittance:
    remittance_id: str
    paid_on: date
    lines: tuple[ReportedLine, ...]


@dataclass(frozen=True)
class Recorded:
    remittance: Remittance
    new: bool  # False: the same remittance reported again


def agency_of(rosters: AgencyRosters, code: str) -> Agency:
    """Raises NotFound (``code``) for an agency not on the roster."""
    agency = rosters.get().get(code)
    if agency is None:
        raise NotFound(f"no collection agency {code}", "code")
    return agency


@dataclass(frozen=True)
class Checked:
    """A line that passed its checks: its account's referral in force."""

    line: ReportedLine
    referral: Referral


@dataclass(frozen=True)
class RecordAgencyRemittance:
    open_case: OpenCase
    rosters: AgencyRosters
    referrals: Referrals
    remittances: AgencyRemittances
    post: PostPayment
    numbering: AccountNumberScheme

    def __call__(
        self, code: str, reported: ReportedRemittance, actor: Actor, correlation_id: str
    ) -> Recorded:
        """Raises NotFound (no such agency), InvalidInput (every line's field refused, and
        ``paid_on``), Conflict (``remittance_id``: kept already with other lines)."""
        agency = agency_of(self.rosters, code)
        earlier = self.remittances.get(code, reported.remittance_id)
        if earlier is not None:
            return Recorded(self._same(earlier, reported), False)
        checked = self._checked(agency, reported)
        lines = tuple(
            self._posted(agency, reported, index, item, actor, correlation_id)
            for index, item in enumerate(checked)
        )
        now = self.work.recorder.clock.now()
        remittance = Remittance(
            reported.remittance_id, code, reported.paid_on, lines, actor.subject, now
        )
        befores = [item.referral for item in checked]
        for _ in range(ATTEMPTS):
            changed = self._referrals_after(befores, lines, actor)
            try:
                self.remittances.record(
                    remittance, changed, self._entries(remittance, changed, actor, correlation_id)
                )
                break
            except Conflict as refused:
                if refused.field == "remittance_id":  # kept meanwhile: by this request's twin
                    kept = self.remittances.get(code, reported.remittance_id)
                    assert kept is not None
                    return Recorded(self._same(kept, reported), False)
                # a referral changed since it was read (another remittance, a recall): the
                # payments are posted, so what they collected is recorded on it as it is now
                befores = [self._now(before) for before in befores]
        else:
            raise Conflict("the referrals kept changing; send the remittance again", "lines")
        for before, after in changed:
            if before.status is ReferralStatus.REFERRED and after.status is ReferralStatus.PAID:
                release_case(self.open_case, after, actor, correlation_id)
        return Recorded(remittance, True)

    @property
    def work(self) -> Casework:
        return self.open_case.work

    def _checked(self, agency: Agency, reported: ReportedRemittance) -> list[Checked]:
        """Every line with its referral, or InvalidInput naming every field refused."""
        today = self.work.recorder.today()
        refused: list[FieldError] = []
        if reported.paid_on > today:
            refused.append(FieldError("paid_on", "the agency cannot have collected after today"))
        checked: list[Checked] = []
        taken: dict[str, Decimal] = {}  # by referral: what the lines before collected
        for index, line in enumerate(reported.lines):
            field = f"lines[{index}].account_number"
            try:
                number = self.numbering.normalize(line.account_number, field)
                account = self.work.accounts.get_by_number(number)
            except InvalidInput as refusal:
                refused.extend(refusal.errors)
                continue
            except NotFound:
                refused.append(FieldError(field, f"no account {line.account_number}"))
                continue
            referral = self.referrals.in_force(account.account_id)
            if referral is not None and referral.agency != agency.code:
                referral = None
            already = taken.get(referral.referral_id, ZERO) if referral else ZERO
            found = line_refusals(index, line, agency, referral, already)
            if referral is not None and reported.paid_on < referral.referred_on:
                found.append(
                    FieldError(
                        "paid_on",
                        f"account {line.account_number} was referred on "
                        f"{referral.referred_on.isoformat()}",
                    )
                )
            refused.extend(found)
            if referral is not None and not found:
                taken[referral.referral_id] = already + line.amount
                checked.append(Checked(line, referral))
        if refused:
            raise InvalidInput.of(refused)
        return checked

    def _posted(
        self,
        agency: Agency,
        reported: ReportedRemittance,
        index: int,
        item: Checked,
        actor: Actor,
        correlation_id: str,
    ) -> RemittanceLine:
        """The line's payment posted (once: its id names the agency, remittance and line)."""
        referral = item.referral
        payment_id = derived_id("AGENCY", agency.code, reported.remittance_id, str(index))
        received = ReceivedPayment(
            payment_id=payment_id,
            account_id=referral.account_id,
            amount=item.line.amount,
            method=PaymentMethod.COLLECTION_AGENCY,
            channel=PaymentChannel.AGENCY,
            received_on=reported.paid_on,
            reference=f"{agency.code} remittance {reported.remittance_id} line {index + 1}",
            payer_name=agency.name,
        )
        self.post(received, actor, correlation_id)
        return RemittanceLine(
            account_number=referral.account_number,
            account_id=referral.account_id,
            referral_id=referral.referral_id,
            amount=item.line.amount,
            commission=agency.commission_on(item.line.amount),
            payment_id=payment_id,
        )

    def _now(self, referral: Referral) -> Referral:
        found = self.referrals.find(referral.referral_id)
        assert found is not None  # a referral is never deleted
        return found

    def _referrals_after(
        self, referrals: Sequence[Referral], lines: Sequence[RemittanceLine], actor: Actor
    ) -> list[tuple[Referral, Referral]]:
        recorder = self.work.recorder
        now, today = recorder.clock.now(), recorder.today()
        befores = {referral.referral_id: referral for referral in referrals}
        afters = dict(befores)
        for line in lines:
            afters[line.referral_id] = afters[line.referral_id].collecting(
                line.amount, line.commission, actor.subject, now, today
            )
        return [(befores[rid], afters[rid]) for rid in befores]

    def _entries(
        self,
        remittance: Remittance,
        changed: Sequence[tuple[Referral, Referral]],
        actor: Actor,
        correlation_id: str,
    ) -> list[AuditEntry]:
        """Each account's history: what the agency collected on it, and whether that paid the
        referral."""
        recorder = self.work.recorder
        entries = []
        for before, after in changed:
            lines = [line for line in remittance.lines if line.referral_id == after.referral_id]
            entries.append(
                AuditEntry(
                    entry_id=recorder.ids.new_id(),
                    subject_id=f"ACCOUNT#{after.account_id}",
                    action=(
                        "AgencyReferralPaid"
                        if after.status is ReferralStatus.PAID
                        else "AgencyCollectionReported"
                    ),
                    actor_subject=actor.subject,
                    actor_role=actor.role,
                    occurred_at=remittance.recorded_at,
                    correlation_id=correlation_id,
                    detail={
                        "referral_id": after.referral_id,
                        "agency": remittance.agency,
                        "remittance_id": remittance.remittance_id,
                        "payments": [line.payment_id for line in lines],
                        "collected": money(after.collected - before.collected),
                        "commission": money(after.commission - before.commission),
                        "collected_so_far": money(after.collected),
                        "amount_referred": money(after.amount),
                    },
                )
            )
        return entries

    @staticmethod
    def _same(kept: Remittance, reported: ReportedRemittance) -> Remittance:
        """``kept`` when ``reported`` is the same remittance again; Conflict otherwise."""
        amounts = [line.amount for line in reported.lines]
        if kept.paid_on != reported.paid_on or amounts != [line.amount for line in kept.lines]:
            raise Conflict(
                f"remittance {kept.remittance_id} was recorded already with other lines",
                "remittance_id",
            )
        return kept
