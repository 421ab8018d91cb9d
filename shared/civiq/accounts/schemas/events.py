"""Versioned payloads of the account events (opened, services changed, closed), registered in
:data:`civiq.event_catalog.EVENT_SCHEMAS`."""

from __future__ import annotations

from datetime import date

from pydantic import AwareDatetime

from civiq.accounts.domain.accounts import AccountStatus, HolderRole, ServiceStatus, ServiceType
from civiq.core.envelope import _Strict
from civiq.core.language import Language


class AccountOpenedV1(_Strict):
    account_id: str
    account_number: str
    property_id: str
    customer_id: str
    customer_name: str
    holder_role: HolderRole
    language: Language
    service_address: str
    services: list[ServiceType]


class ServiceStateV1(_Strict):
    service_type: ServiceType
    status: ServiceStatus
    start_date: date
    end_date: date | None


class AccountServicesChangedV1(_Strict):
    account_id: str
    account_number: str
    services: list[ServiceStateV1]


class AccountClosedV1(_Strict):
    account_id: str
    account_number: str
    property_id: str
    closed_at: AwareDatetime
    status: AccountStatus
