"""What billing needs of an account (the accounts feature's
:class:`~civiq.accounts.ports.BillingRequirements`): a cycle billing its route, and what the
current version of that cycle's rate schedule prices its services by, by the rule rating itself
applies (:func:`civiq.rates.domain.requirements.unpriced`).

Two things are not asked of an account:

- before any cycle exists, nothing is: billing is not set up yet (a municipality loads its
  accounts before it defines its rates and cycles, as ``make run`` does), and no account can be
  checked against rates that do not exist. Once one does, an account whose route no cycle bills
  could never be billed, and is refused;
- a meter size, while no meter serves the account: a new property has none, and its meter is
  installed once its account is open. A meter serving it must be of a size the rates price.
"""

from __future__ import annotations

from dataclasses import dataclass

from civiq.accounts.domain.billability import BillingAttribute, BillingProfile, Unmet
from civiq.billing.domain.cycles import cycle_of_route
from civiq.billing.ports import CycleRepository
from civiq.billing.services.billing import largest
from civiq.billing.services.pricing import meter_owner
from civiq.core.errors import Conflict
from civiq.metering.ports import MeterRepository
from civiq.rates.domain.requirements import PricingAttributes, unpriced
from civiq.rates.ports import RateScheduleRepository


@dataclass(frozen=True)
class CycleRequirements:
    """Billing's answer to the accounts feature's ``BillingRequirements``."""

    cycles: CycleRepository
    rates: RateScheduleRepository
    meters: MeterRepository

    def unmet(self, profile: BillingProfile) -> list[Unmet]:
        cycles = self.cycles.all()
        if not cycles:
            return []
        try:
            cycle = cycle_of_route(cycles, profile.route)
        except Conflict as unbilled:
            return [Unmet(BillingAttribute.ROUTE, unbilled.message)]
        version = self.rates.get(cycle.rate_schedule_id).current_version(profile.on)
        serving = [
            m.meter
            for m in self.meters.at_property(profile.prop.property_id)
            if m.unit in (profile.unit, None) and m.meter.in_service_on(profile.on)
        ]
        meter_size = largest([meter.size for meter in serving])
        prop = profile.prop
        attributes = PricingAttributes(
            profile.services,
            meter_size,
            prop.property_type,
            profile.cart_size,
            prop.attributes,
            prop.impervious_area,
            meter_owner(serving),
        )
        return [
            Unmet(BillingAttribute(u.attribute), u.message)
            for u in unpriced(version, attributes)
            if u.attribute != BillingAttribute.METER_SIZE or meter_size is not None
        ]
