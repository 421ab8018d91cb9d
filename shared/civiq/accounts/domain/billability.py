"""Whether billing could bill an account, as the accounts feature asks it.

Cycles and rate schedules sit above accounts, so accounts describes an account as billing prices
it (:class:`BillingProfile`) and billing answers with what it lacks (:class:`Unmet`), through the
:class:`~civiq.accounts.ports.BillingRequirements` port. An account is refused when it is opened
(or changed) with something unmet, naming the request's own fields, rather than when it is
billed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from civiq.accounts.domain.accounts import Account, CartSize, ServiceType
from civiq.accounts.domain.properties import Property


class BillingAttribute(StrEnum):
    """What billing may lack: a cycle billing the account's route, or an attribute its rates are
    keyed by (its meter's size, its property's type, attributes or impervious area, its waste
    cart)."""

    ROUTE = "route"
    METER_SIZE = "meter_size"
    PROPERTY_TYPE = "property_type"
    CART_SIZE = "cart_size"
    ATTRIBUTES = "attributes"
    IMPERVIOUS_AREA = "impervious_area"


@dataclass(frozen=True, slots=True)
class Unmet:
    """Something billing needs of an account that it lacks, and why."""

    attribute: BillingAttribute
    message: str


@dataclass(frozen=True, slots=True)
class BillingProfile:
    """An account as billing prices it from ``on``: where it is (its property, unit and route),
    the services it is billed for and their attributes."""

    prop: Property
    unit: str | None
    route: str
    services: frozenset[ServiceType]
    cart_size: CartSize | None
    on: date

    @classmethod
    def of(cls, account: Account, prop: Property, on: date) -> BillingProfile:
        """``account`` at ``prop``, with the services it still has on ``on``."""
        services = frozenset(
            s.service_type for s in account.services if s.end_date is None or s.end_date >= on
        )
        unit = account.service_address.unit
        return cls(prop, unit, account.route, services, account.cart_size, on)
