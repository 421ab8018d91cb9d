"""What a rate version needs of an account to price its charges: the attributes its priced
charges are keyed by (a fixed charge by meter size, stormwater by property type or impervious
area, waste by cart size, a property charge by the property's type or one of its attributes),
for the charge types of the account's services.

One rule for both sides: rating prices each priced charge with :func:`price_of`, and
:func:`unpriced` lists what an account lacks for a whole version, which billing checks when an
account is opened or changed. An account accepted then is never refused by rating for want of
an attribute.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol, TypeAlias

from civiq.accounts.domain.accounts import CartSize, ServiceType
from civiq.accounts.domain.properties import PropertyType
from civiq.metering.domain.meters import MeterOwner, MeterSize
from civiq.rates.domain.charges import ChargeType
from civiq.rates.domain.rates import (
    PROPERTY_TYPE,
    SERVICE_OF,
    FixedCharge,
    PropertyCharge,
    RateVersion,
    StormwaterCharge,
    StormwaterTiers,
    StormwaterUnits,
    WasteCharge,
)

PricedCharge: TypeAlias = (
    FixedCharge
    | StormwaterCharge
    | WasteCharge
    | PropertyCharge
    | StormwaterUnits
    | StormwaterTiers
)
PRICED_CHARGES = (
    FixedCharge,
    StormwaterCharge,
    WasteCharge,
    PropertyCharge,
    StormwaterUnits,
    StormwaterTiers,
)


class Priced(Protocol):
    """What priced charges are keyed by (a rating input, or an account's attributes)."""

    @property
    def meter_size(self) -> MeterSize | None: ...

    @property
    def property_type(self) -> PropertyType | None: ...

    @property
    def cart_size(self) -> CartSize | None: ...

    @property
    def attributes(self) -> Mapping[str, str]: ...

    @property
    def impervious_area(self) -> Decimal | None: ...

    @property
    def meter_owner(self) -> MeterOwner | None: ...


@dataclass(frozen=True, slots=True)
class PricingAttributes:
    """An account as rates see it: its services (which charge types it is billed) and what its
    priced charges are keyed by (no meter size: the account has no meter)."""

    services: frozenset[ServiceType]
    meter_size: MeterSize | None = None
    property_type: PropertyType | None = None
    cart_size: CartSize | None = None
    attributes: Mapping[str, str] = field(default_factory=dict)
    impervious_area: Decimal | None = None
    meter_owner: MeterOwner | None = None


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


def applies(charge: PricedCharge, priced: Priced, version: RateVersion) -> bool:
    """Whether ``charge`` charges ``priced`` at all (an account without a meter size has no
    meter): a property charge may be for metered or unmetered accounts only, and a fixed charge
    by meter size skips unmetered accounts in a version with a flat charge for them."""
    metered = priced.meter_size is not None
    if isinstance(charge, PropertyCharge):
        return charge.applies(metered)
    if isinstance(charge, FixedCharge):
        return metered or not version.bills_unmetered
    return True


def price_of(charge: PricedCharge, priced: Priced) -> Decimal | Unpriced:
    """The price (per the charge's basis) ``charge`` asks of ``priced``, or why it has none:
    by area tier, per billing unit, by a property attribute's value, or by meter size (the
    customer-owned price of its size, if any, for a customer's own meter), property type or
    cart size."""
    if isinstance(charge, PropertyCharge):
        return _property_price(charge, priced)
    if isinstance(charge, (StormwaterUnits, StormwaterTiers)):
        area = priced.impervious_area
        if area is None:
            return Unpriced(
                charge.priced_by,
                f"{charge.priced_by} is required: the schedule has a {charge.described}",
            )
        if isinstance(charge, StormwaterUnits):
            return charge.price
        return charge.tiers[charge.tier_of(area)].price
    key = getattr(priced, charge.priced_by)
    if key is None:
        return Unpriced(
            charge.priced_by,
            f"{charge.priced_by} is required: the schedule has a {charge.described} by it",
        )
    price: Decimal | None = None
    if isinstance(charge, FixedCharge) and priced.meter_owner is MeterOwner.CUSTOMER:
        price = (charge.customer_owned_prices or {}).get(key)
    if price is None:
        price = charge.prices.get(key)
    if price is None:
        return Unpriced(charge.priced_by, f"the rate schedule has no {charge.described} for {key}")
    return price


def _property_price(charge: PropertyCharge, priced: Priced) -> Decimal | Unpriced:
    value = priced.property_type if charge.by == PROPERTY_TYPE else priced.attributes.get(charge.by)
    price = charge.prices.get(value) if value is not None else None
    if price is not None:
        return price
    if charge.default is not None:
        return charge.default
    if value is None:
        return Unpriced(
            charge.priced_by,
            f"{charge.by} is required: the schedule has a {charge.described} by it",
        )
    return Unpriced(
        charge.priced_by, f"the rate schedule has no {charge.described} for {charge.by} {value}"
    )


def unpriced(version: RateVersion, attributes: PricingAttributes) -> tuple[Unpriced, ...]:
    """Each attribute ``attributes`` lacks for ``version`` to price the charges of its services
    (in any season), once, with the first such charge's reason; empty when it lacks nothing."""
    billed = billed_types(attributes.services)
    found: dict[str, Unpriced] = {}
    for charge in version.charges:
        if (
            isinstance(charge, PRICED_CHARGES)
            and charge.charge_type in billed
            and applies(charge, attributes, version)
        ):
            price = price_of(charge, attributes)
            if isinstance(price, Unpriced):
                found.setdefault(price.attribute, price)
    return tuple(found.values())
