"""Billable accounts only: what a new account takes from those before it at its property, and the
refusal of an account (or a change to one) billing could not bill, before anything is written.

The rule of what billing needs lives with billing (the port
:class:`~civiq.accounts.ports.BillingRequirements`); here its answer becomes a 400 naming every
field at fault, in the request's own names.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from civiq.accounts.domain.accounts import Account
from civiq.accounts.domain.billability import BillingAttribute, BillingProfile
from civiq.accounts.domain.occupancy import by_precedence
from civiq.accounts.ports import AccountRepository, BillingRequirements
from civiq.core.errors import FieldError, InvalidInput

RequestFields = Mapping[BillingAttribute, str]


def request_fields(place: str, cart_size: str) -> RequestFields:
    """The request's field for each attribute: ``cart_size`` for the cart, ``place`` for what
    the property decides (its route, type and meters)."""
    return {a: cart_size if a is BillingAttribute.CART_SIZE else place for a in BillingAttribute}


def predecessors(
    accounts: AccountRepository, property_id: str, unit: str | None
) -> Iterator[Account]:
    """The property's accounts in precedence order for a new account in ``unit``: the unit's
    own (its previous occupant first), then the other units', each most recent first. Each
    group is read when the caller gets to it."""
    summaries = accounts.of_property(property_id)
    for same_unit in (True, False):
        group = [s for s in summaries if (s.unit == unit) is same_unit]
        yield from by_precedence(accounts.get(s.account_id) for s in group)


def require_billable(
    billing: BillingRequirements,
    profile: BillingProfile,
    fields: RequestFields,
    what: str = "the account",
    unmet_before: Sequence[BillingAttribute] = (),
) -> None:
    """Refuse (InvalidInput naming every field at fault) when billing could not bill
    ``profile``; a change is refused only for what it leaves unmet that was met before it
    (``unmet_before``)."""
    unmet = [u for u in billing.unmet(profile) if u.attribute not in unmet_before]
    if unmet:
        raise InvalidInput.of(
            FieldError(fields[u.attribute], f"{what} could not be billed: {u.message}")
            for u in unmet
        )
