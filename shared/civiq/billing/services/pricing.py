"""What rates price an account by besides its meters' volume: the owner of the meter its fixed
charge is sized by, and the dwelling units a charge per dwelling unit bills."""

from __future__ import annotations

from collections.abc import Sequence

from civiq.accounts.domain.properties import Property
from civiq.metering.domain.meters import Meter, MeterOwner, MeterSize

SIZES = list(MeterSize)  # smallest first


def meter_owner(meters: Sequence[Meter]) -> MeterOwner | None:
    """Who owns the meter the fixed charge is priced by: the largest (the first of that size;
    None: no meter)."""
    if not meters:
        return None
    return max(meters, key=lambda meter: SIZES.index(meter.size)).owner


def dwelling_units(prop: Property, unit: str | None) -> int:
    """The dwelling units an account is billed for: one unit's own, or the whole property's."""
    return 1 if unit is not None and prop.units else prop.dwellings
