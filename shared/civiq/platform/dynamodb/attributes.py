"""Custom PynamoDB attributes. PynamoDB's NumberAttribute is float-based: money never uses it."""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import Attribute
from pynamodb.constants import NUMBER

from civiq.core.money import Money


class CentsAttribute(Attribute[Money]):
    """Money stored as an exact integer number of cents (CAD)."""

    attr_type = NUMBER

    def serialize(self, value: Money) -> str:
        return str(value.to_cents())

    def deserialize(self, value: Any) -> Money:
        return Money.from_cents(int(value))
