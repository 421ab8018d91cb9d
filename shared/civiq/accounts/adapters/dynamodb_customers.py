"""CustomerRepository on DynamoDB."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist

from civiq.accounts.adapters import dynamodb_mapping as mapping
from civiq.accounts.domain.customers import Customer
from civiq.core.errors import NotFound
from civiq.platform.dynamodb import keys
from civiq.platform.dynamodb.table import CustomerItem


class DynamoCustomerRepository:
    def get(self, customer_id: str) -> Customer:
        try:
            item = CustomerItem.get(keys.customer_pk(customer_id), keys.CUSTOMER_SK)
        except DoesNotExist as exc:
            raise NotFound(f"no customer with id {customer_id}", "id") from exc
        return mapping.customer_of(item)
