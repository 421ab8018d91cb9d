"""PropertyRepository on DynamoDB."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist

from civiq.accounts.adapters import dynamodb_mapping as mapping
from civiq.accounts.domain.properties import Property
from civiq.core.errors import NotFound
from civiq.platform.dynamodb import keys
from civiq.platform.dynamodb.table import PropertyItem


class DynamoPropertyRepository:
    def get(self, property_id: str) -> Property:
        try:
            item = PropertyItem.get(keys.property_pk(property_id), keys.PROPERTY_SK)
        except DoesNotExist as exc:
            raise NotFound(f"no property with id {property_id}", "id") from exc
        return mapping.property_of(item)

    def get_by_roll_number(self, roll_number: str) -> Property:
        """One Query of GSI1, where only properties with a roll number appear."""
        for item in PropertyItem.by_roll_number.query(keys.roll_number_key(roll_number), limit=1):
            return mapping.property_of(item)
        raise NotFound(f"no property with roll number {roll_number}", "roll_number")
