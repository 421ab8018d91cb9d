"""Service requests wired to DynamoDB and EventBridge: the one place they are built, for the
API's staff routes and the resident portal.

The portal's cold start matters: this module imports the requests' DynamoDB adapter, the
accounts' and the statements' (to check what a request names), and nothing that renders
documents. Collections' casework, which holds a disputed account's case, is handed in as a
builder and built at the first billing dispute (see :mod:`..adapters.collection_holds`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from civiq.accounts.adapters.dynamodb_accounts import DynamoAccountRepository
from civiq.billing.adapters.dynamodb import DynamoStatements
from civiq.core.clock import SystemClock
from civiq.core.ids import UlidGenerator
from civiq.platform.runtime import configure_table, publish_events
from civiq.service_requests.adapters.collection_holds import CollectionDisputeHolds
from civiq.service_requests.adapters.dynamodb import DynamoServiceRequests
from civiq.service_requests.config import ServiceRequestSettings
from civiq.service_requests.services.account_requests import AccountServiceRequests
from civiq.service_requests.services.opening import OpenServiceRequest
from civiq.service_requests.services.replies import ReplyToServiceRequest
from civiq.service_requests.services.request_view import ViewServiceRequest
from civiq.service_requests.services.status_changes import ChangeServiceRequestStatus
from civiq.service_requests.services.worklist import ServiceRequestWorklist

if TYPE_CHECKING:
    from civiq.collections.services.casework import Casework


@dataclass(frozen=True)
class ServiceRequestServices:
    """What the portal calls (``open``, ``reply``, ``for_account``, ``view``), and staff too
    (``change_status``, ``worklist``)."""

    open: OpenServiceRequest
    reply: ReplyToServiceRequest
    change_status: ChangeServiceRequestStatus
    view: ViewServiceRequest
    for_account: AccountServiceRequests
    worklist: ServiceRequestWorklist


def service_request_services(
    settings: ServiceRequestSettings, casework: Callable[[], Casework]
) -> ServiceRequestServices:
    """``casework``: collections' (``civiq.collections.wiring.casework`` of the function's
    settings), called at the first billing dispute opened, reopened or settled."""
    configure_table(settings)
    requests, accounts = DynamoServiceRequests(), DynamoAccountRepository()
    holds = CollectionDisputeHolds(casework)
    events = publish_events(settings)
    clock, ids = SystemClock(), UlidGenerator()
    return ServiceRequestServices(
        open=OpenServiceRequest(requests, accounts, DynamoStatements(), holds, events, clock, ids),
        reply=ReplyToServiceRequest(requests, events, clock, ids),
        change_status=ChangeServiceRequestStatus(requests, holds, events, clock, ids),
        view=ViewServiceRequest(requests),
        for_account=AccountServiceRequests(requests, accounts),
        worklist=ServiceRequestWorklist(requests),
    )
