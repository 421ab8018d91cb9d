"""What a rate version needs of an account to price its charges: the attributes its priced
charges are keyed by (a fixed charge by meter size, stormwater by property type, waste by cart
size), for the charge types of the account's services.

One rule for both sides: rating prices each priced charge with :func:`price_of`, and
:func:`unpriced` lists what an account lacks for a whole version, which billing checks when an
account is opened or changed. An account accepted then is never refused by rating for want of
an attribute.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol, TypeAlias

from civiq.accounts.domain.accounts import CartSize, ServiceType
from civiq.accounts.domain.properties import PropertyType
from civiq.metering.domain.meters import MeterSize
from civiq.rates.domain.charges import ChargeType
from civiq.rates.domain.rates import (
    SERVICE_OF,
    FixedCharge,
    RateVersion,
    StormwaterCharge,
    WasteCharge,
)

PricedCharge: TypeAlias = FixedCharge | StormwaterCharge | WasteCharge
PRICED_CHARGES = (FixedCharge, StormwaterCharge, WasteCharge)


class Priced(Protocol):
    """What priced charges are keyed by (a rating input, or an account's attributes)."""

    @property
    def meter_size(self) -> MeterSize | None: ...

    @property
    def property_type(self) -> PropertyType | None: ...

    @property
    def cart_size(self) -> CartSize | None: ...


@dataclass(frozen=True, slots=True)
class PricingAttributes:
    """An account as rates see it: its services (which charge types it is billed) and what its
    priced charges are keyed by."""

    services: frozenset[ServiceType]
    meter_size: MeterSize | None = None
    property_type: PropertyType | None = None
    cart_size: CartSize | None = None


@dataclass(frozen=True, slots=True)
class Unpriced:
    """A charge that could not be priced: ``attribute`` is what it is keyed by."""

    attribute: str
    message: str


def billed_types(services: Collection[ServiceType]) -> frozenset[ChargeType]:
    """The charge types an account with ``services`` is billed (miscellaneous always)."""
    billed = {t for t, service in SERVICE_OF.items() if service in services}
    billed.add(ChargeType.MISCELLANEOUS)
    return frozenset(billed)


def price_of(charge: PricedCharge, priced: Priced) -> Decimal | Unpriced:
    """The price (per the charge's basis) ``charge`` asks of ``priced``, or why it has none."""
    key = getattr(priced, charge.priced_by)
    if key is None:
        return Unpriced(
            charge.priced_by,
            f"{charge.priced_by} is required: the schedule has a {charge.described} by it",
        )
    price: Decimal | None = charge.prices.get(key)
    if price is None:
        return Unpriced(charge.priced_by, f"the rate schedule has no {charge.described} for {key}")
    return price


def unpriced(version: RateVersion, attributes: PricingAttributes) -> tuple[Unpriced, ...]:
    """Each attribute ``attributes`` lacks for ``version`` to price the charges of its services
    (in any season), once, with the first such charge's reason; empty when it lacks nothing."""
    billed = billed_types(attributes.services)
    found: dict[str, Unpriced] = {}
    for charge in version.charges:
        if isinstance(charge, PRICED_CHARGES) and charge.charge_type in billed:
            price = price_of(charge, attributes)
            if isinstance(price, Unpriced):
                found.setdefault(price.attribute, price)
    return tuple(found.values())
