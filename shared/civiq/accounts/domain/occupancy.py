"""What a new account takes from the accounts before it at its property.

A new occupant (a move-in, a buyer, an account staff open without naming everything) takes the
services and their attributes (the waste cart) its request leaves out from the unit's previous
occupant: the most recent account at the same property and unit, whatever its status. What that
account lacks comes from the property's other accounts, most recent first; with no account to
take them from, the services are all four and the cart is left unset. Services named in the
request are kept as given.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from civiq.accounts.domain.accounts import Account, CartSize, Service, ServiceType

ALL_SERVICES = tuple(ServiceType)


def by_precedence(accounts: Iterable[Account]) -> list[Account]:
    """``accounts`` most recent first (opened last; the later number when opened together)."""
    return sorted(accounts, key=lambda a: (a.opened_at, a.account_number), reverse=True)


def inherited(
    services: Sequence[Service] | None,
    cart_size: CartSize | None,
    start: date,
    predecessors: Iterable[Account],
    fallback: Sequence[ServiceType] = ALL_SERVICES,
) -> tuple[tuple[Service, ...], CartSize | None]:
    """The services of a new account (``services``, else its first predecessor's kinds from
    ``start``, else ``fallback``'s) and its cart size (``cart_size``, else the first
    predecessor's that has one, when the services include waste).

    ``predecessors`` come in precedence order (the unit's previous occupant first) and are read
    only as far as needed, so an iterator of lookups reads only the accounts it must.
    """
    kinds = None if services is None else tuple(s.service_type for s in services)
    cart = cart_size

    def settled() -> bool:
        return kinds is not None and (cart is not None or ServiceType.WASTE not in kinds)

    if not settled():
        for account in predecessors:
            if kinds is None and account.services:
                kinds = tuple(s.service_type for s in account.services)
            cart = cart or account.cart_size
            if settled():
                break
    if services is None:
        kinds = kinds or tuple(fallback)
        services = tuple(Service(kind, start) for kind in kinds)
    has_waste = any(s.service_type is ServiceType.WASTE for s in services)
    return tuple(services), cart if has_waste else cart_size
