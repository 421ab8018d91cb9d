"""Money as a value object.

Amounts are ``Decimal`` built from strings or integers, never floats. Rates and quantities keep
four decimal places; a monetary amount is rounded to cents in exactly one place,
:meth:`Money.rounded`, using ROUND_HALF_UP (commercial rounding, what a Canadian municipal bill
and a cheque show: 0.005 -> 0.01). Totals are sums of already-rounded lines. At rest an amount is
an integer number of cents.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
RATE_PLACES = Decimal("0.0001")
ROUNDING = ROUND_HALF_UP


def dollars(amount: Decimal | int) -> str:
    """An amount as the API and events write it: dollars and cents ("150.00", "-25.00")."""
    return f"{amount:.2f}"


def to_decimal(value: str | int | Decimal) -> Decimal:
    """Exact decimal from a string, an int or a Decimal; floats are refused."""
    if isinstance(value, (bool, float)):
        raise TypeError("money and rates are never built from floats or booleans")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation as exc:
            raise ValueError(f"not a decimal number: {value!r}") from exc
    else:
        raise TypeError(f"unsupported type for money: {type(value).__name__}")
    if not result.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return result


def prorated(amount: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """``amount`` (whole cents, at least 0) shared in proportion to ``weights`` (each above 0):
    every share but the largest weight's is rounded down to the cent, and the largest weight
    (the first of equals) takes what is left, so the shares add up to ``amount`` exactly and
    none is negative. The one place a sum is split by rounding."""
    if not weights:
        raise ValueError("nothing to share an amount among")
    whole = sum(weights, Decimal(0))
    largest = max(range(len(weights)), key=lambda i: (weights[i], -i))
    shares = [
        Decimal(0) if i == largest else (amount * w / whole).quantize(CENT, rounding=ROUND_DOWN)
        for i, w in enumerate(weights)
    ]
    shares[largest] = amount - sum(shares, Decimal(0))
    return shares


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in one currency (CAD unless said otherwise)."""

    amount: Decimal
    currency: str = "CAD"

    def __post_init__(self) -> None:
        object.__setattr__(self, "amount", to_decimal(self.amount))

    @classmethod
    def of(cls, value: str | int | Decimal, currency: str = "CAD") -> Money:
        return cls(to_decimal(value), currency)

    @classmethod
    def from_cents(cls, cents: int, currency: str = "CAD") -> Money:
        if not isinstance(cents, int) or isinstance(cents, bool):
            raise TypeError("cents must be an int")
        return cls(Decimal(cents) * CENT, currency)

    @classmethod
    def zero(cls, currency: str = "CAD") -> Money:
        return cls(Decimal(0), currency)

    def rounded(self) -> Money:
        """The one place money is rounded to cents (ROUND_HALF_UP)."""
        try:
            return Money(self.amount.quantize(CENT, rounding=ROUNDING), self.currency)
        except InvalidOperation as exc:  # beyond the 28-digit decimal context
            raise ValueError(f"amount out of range: {self.amount}") from exc

    def to_cents(self) -> int:
        """Integer cents for storage; the amount is rounded first."""
        return int(self.rounded().amount * 100)

    def _same_currency(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError("can only combine Money with Money")
        if other.currency != self.currency:
            raise ValueError(f"currency mismatch: {self.currency} and {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def times(self, factor: str | int | Decimal) -> Money:
        """Multiply by a quantity or rate (exact; round the result with :meth:`rounded`)."""
        return Money(self.amount * to_decimal(factor), self.currency)

    def __str__(self) -> str:
        return f"{self.rounded().amount:.2f} {self.currency}"
