"""A resident arranges to pay their arrears by instalments, within the municipality's policy.

The portal offers what the policy allows (:mod:`civiq.portal.domain.arrangement_offers`) and
the resident chooses how many instalments; the arrangement itself is made by the collections
use case a clerk uses (:class:`~civiq.collections.services.arrangements.MakeArrangement`), the
resident its actor: the same policy, the same checks (a debtor who broke arrangements lately is
sent to a clerk), and the account's collection case paused at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from civiq.collections.domain.arrangements import Arrangement, arrears
from civiq.collections.services.arrangements import ArrangementAsked, MakeArrangement
from civiq.core.dates import local_today
from civiq.core.errors import Conflict, InvalidInput
from civiq.core.ports import Clock
from civiq.portal.domain.arrangement_offers import FREQUENCY, ArrangementOffer, offer_for
from civiq.portal.domain.resident import RESIDENT
from civiq.portal.ports import AccountArrangements, AccountJournal
from civiq.portal.services.account_overview import in_force


@dataclass(frozen=True)
class ArrangementStanding:
    """An account's arrangement in force, or what it may be offered instead."""

    in_force: Arrangement | None
    offer: ArrangementOffer | None  # None while one is in force, or nothing is past due


@dataclass(frozen=True)
class ArrangePayments:
    ledger: AccountJournal
    arrangements: AccountArrangements
    make: MakeArrangement  # with the municipality's policy
    clock: Clock
    time_zone: ZoneInfo

    def standing(self, account_id: str) -> ArrangementStanding:
        arrangement = in_force(self.arrangements.of_account(account_id))
        if arrangement is not None:
            return ArrangementStanding(arrangement, None)
        today = local_today(self.clock, self.time_zone)
        owed = arrears(self.ledger.state(account_id), today)
        return ArrangementStanding(None, offer_for(owed, self.make.policy, today))

    def __call__(self, account_id: str, instalments: str, cid: str) -> Arrangement:
        """Raises InvalidInput (``instalments`` not offered; every term the policy refuses),
        Conflict (an arrangement is in force)."""
        standing = self.standing(account_id)
        if standing.in_force is not None:
            raise Conflict("the account has an arrangement in force", "account_id")
        offer = standing.offer
        count = int(instalments) if instalments.isdigit() else 0
        if offer is None or not offer.allows(count):
            raise InvalidInput("choose one of the numbers of instalments offered", "instalments")
        asked = ArrangementAsked(account_id, offer.down_payment, count, FREQUENCY, offer.first_due)
        return self.make(asked, RESIDENT, cid)
