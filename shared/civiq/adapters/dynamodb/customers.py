"""CustomerRepository on DynamoDB."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist

from civiq.adapters.dynamodb import keys, mapping
from civiq.adapters.dynamodb.models import CustomerItem
from civiq.domain.customers import Customer
from civiq.domain.errors import NotFound


class DynamoCustomerRepository:
    def get(self, customer_id: str) -> Customer:
        try:
            item = CustomerItem.get(keys.customer_pk(customer_id), keys.CUSTOMER_SK)
        except DoesNotExist as exc:
            raise NotFound(f"no customer with id {customer_id}", "id") from exc
        return mapping.customer_of(item)
