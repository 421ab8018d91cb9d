"""Account API payloads. Unknown fields are refused; types are not coerced."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from civiq.domain.account_numbers import AccountNumberScheme
from civiq.domain.accounts import Account, Customer, ServiceAddress
from civiq.domain.language import Language
from civiq.services.open_account import OpenAccountCommand


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, str_strip_whitespace=True)


class CustomerIn(_Request):
    name: str = Field(min_length=1, max_length=200)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=32)


class ServiceAddressIn(_Request):
    street: str = Field(min_length=1, max_length=200)
    unit: str | None = Field(default=None, max_length=20)
    city: str = Field(min_length=1, max_length=100)
    province: str = Field(min_length=2, max_length=2)
    postal_code: str = Field(min_length=6, max_length=7)


class OpenAccountRequest(_Request):
    customer: CustomerIn
    service_address: ServiceAddressIn
    language: Language
    autopay: bool = False
    account_number: str | None = Field(default=None, max_length=24)

    def to_command(self) -> OpenAccountCommand:
        """Domain objects validate what types cannot (postal code, email, phone)."""
        return OpenAccountCommand(
            customer=Customer(**self.customer.model_dump()),
            address=ServiceAddress(**self.service_address.model_dump()),
            language=self.language,
            autopay=self.autopay,
            account_number=self.account_number,
        )


class CustomerOut(BaseModel):
    name: str
    email: str | None
    phone: str | None


class ServiceAddressOut(BaseModel):
    street: str
    unit: str | None
    city: str
    province: str
    postal_code: str


class AccountResponse(BaseModel):
    id: str
    account_number: str
    account_number_display: str
    status: str
    customer: CustomerOut
    service_address: ServiceAddressOut
    language: Language
    autopay: bool
    opened_at: datetime
    version: int
    welcome_letter_key: str | None

    @classmethod
    def of(cls, account: Account, numbering: AccountNumberScheme) -> AccountResponse:
        return cls(
            id=account.account_id,
            account_number=account.account_number,
            account_number_display=numbering.display(account.account_number),
            status=account.status.value,
            customer=CustomerOut(
                name=account.customer.name,
                email=account.customer.email,
                phone=account.customer.phone,
            ),
            service_address=ServiceAddressOut(
                street=account.address.street,
                unit=account.address.unit,
                city=account.address.city,
                province=account.address.province,
                postal_code=account.address.postal_code,
            ),
            language=account.language,
            autopay=account.autopay,
            opened_at=account.opened_at,
            version=account.version,
            welcome_letter_key=account.welcome_letter_key,
        )
