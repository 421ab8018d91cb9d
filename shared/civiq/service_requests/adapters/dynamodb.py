"""Service requests on the single table.

item              PK                                SK              GSI1PK / GSI1SK, GSI2PK / GSI2SK
service request   SERVICEREQUEST#<id>               SERVICEREQUEST  SERVICEREQUESTS#<status> /
                                                                    <opened at>#<id>;
                                                                    SERVICEREQUESTS-OF#<account> /
                                                                    <opened at>#<id>
request key       SERVICEREQUESTKEY#<account>#<key> CLAIM           (the request's id)

A request is opened with the claim of its account's request key and its event (the outbox item
and its history entry, on the account) in one transaction, so a form submitted twice, even at
once, opens one request. A change replaces the request on condition of its version, with its
event, in one transaction. The staff worklist is one GSI1 partition per status, oldest first;
an account's requests one GSI2 partition, newest first (both read from the index: a request
just written may take a moment to show there; the request itself is read consistently).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from civiq.core.errors import Conflict, NotFound, VersionConflict
from civiq.core.events import DomainEvent
from civiq.core.language import Language
from civiq.core.ports import Page
from civiq.platform.dynamodb import pages
from civiq.platform.dynamodb.table import TableItem, TableMeta
from civiq.platform.dynamodb.transactions import Connected, Transaction
from civiq.service_requests.domain.requests import (
    Author,
    AuthorKind,
    Message,
    RequestKind,
    RequestStatus,
    ServiceRequest,
)

REQUEST_SK = "SERVICEREQUEST"
KEY_SK = "CLAIM"


def request_pk(request_id: str) -> str:
    return f"SERVICEREQUEST#{request_id}"


def key_pk(account_id: str, request_key: str) -> str:
    return f"SERVICEREQUESTKEY#{account_id}#{request_key}"


def worklist_pk(status: RequestStatus) -> str:
    return f"SERVICEREQUESTS#{status.value}"


def account_requests_pk(account_id: str) -> str:
    return f"SERVICEREQUESTS-OF#{account_id}"


class RequestsByStatus(GlobalSecondaryIndex["RequestItem"]):
    class Meta:
        index_name = "GSI1"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True, attr_name="GSI1PK")
    gsi1sk = UnicodeAttribute(range_key=True, attr_name="GSI1SK")


class RequestsOfAccount(GlobalSecondaryIndex["RequestItem"]):
    class Meta:
        index_name = "GSI2"
        projection = AllProjection()

    gsi2pk = UnicodeAttribute(hash_key=True, attr_name="GSI2PK")
    gsi2sk = UnicodeAttribute(range_key=True, attr_name="GSI2SK")


class RequestItem(TableItem):
    class Meta(TableMeta):
        pass

    gsi1pk = UnicodeAttribute(attr_name="GSI1PK")
    gsi1sk = UnicodeAttribute(attr_name="GSI1SK")
    by_status = RequestsByStatus()
    gsi2pk = UnicodeAttribute(attr_name="GSI2PK")
    gsi2sk = UnicodeAttribute(attr_name="GSI2SK")
    of_account = RequestsOfAccount()
    version = NumberAttribute()
    record = JSONAttribute()


class RequestKeyItem(TableItem):
    class Meta(TableMeta):
        pass

    request_id = UnicodeAttribute()


def _item_of(request: ServiceRequest) -> RequestItem:
    order = f"{request.opened_at.isoformat()}#{request.request_id}"
    return RequestItem(
        pk=request_pk(request.request_id),
        sk=REQUEST_SK,
        gsi1pk=worklist_pk(request.status),
        gsi1sk=order,
        gsi2pk=account_requests_pk(request.account_id),
        gsi2sk=order,
        version=request.version,
        record=record_of(request),
    )


def _author_record(author: Author) -> dict[str, str]:
    return {"kind": author.kind.value, "id": author.author_id}


def _author(record: Mapping[str, str]) -> Author:
    return Author(AuthorKind(record["kind"]), record["id"])


def record_of(request: ServiceRequest) -> dict[str, Any]:
    return {
        "request_id": request.request_id,
        "account_id": request.account_id,
        "request_key": request.request_key,
        "kind": request.kind.value,
        "status": request.status.value,
        "subject": request.subject,
        "description": request.description,
        "statement_id": request.statement_id,
        "opened_by": _author_record(request.opened_by),
        "language": request.language.value,
        "opened_at": request.opened_at.isoformat(),
        "updated_at": request.updated_at.isoformat(),
        "messages": [
            {"author": _author_record(m.author), "text": m.text, "at": m.at.isoformat()}
            for m in request.messages
        ],
        "held_case_id": request.held_case_id,
    }


def request_of(record: Mapping[str, Any], version: int) -> ServiceRequest:
    return ServiceRequest(
        request_id=record["request_id"],
        account_id=record["account_id"],
        request_key=record["request_key"],
        kind=RequestKind(record["kind"]),
        status=RequestStatus(record["status"]),
        subject=record["subject"],
        description=record["description"],
        statement_id=record["statement_id"],
        opened_by=_author(record["opened_by"]),
        language=Language(record["language"]),
        opened_at=datetime.fromisoformat(record["opened_at"]),
        updated_at=datetime.fromisoformat(record["updated_at"]),
        messages=tuple(
            Message(_author(m["author"]), m["text"], datetime.fromisoformat(m["at"]))
            for m in record["messages"]
        ),
        held_case_id=record["held_case_id"],
        version=version,
    )


def _request(item: RequestItem) -> ServiceRequest:
    return request_of(item.record, int(item.version))


def _page(found: Any, limit: int) -> Page[ServiceRequest]:
    requests = [_request(item) for item in found]
    last = found.last_evaluated_key
    return Page(requests, pages.encode(last) if last and len(requests) == limit else None)


class DynamoServiceRequests(Connected):
    def open(self, request: ServiceRequest, events: Sequence[DomainEvent]) -> bool:
        transaction = Transaction()
        transaction.put(
            RequestKeyItem(
                pk=key_pk(request.account_id, request.request_key),
                sk=KEY_SK,
                request_id=request.request_id,
            ),
            RequestKeyItem.pk.does_not_exist(),
            lambda: Conflict("the request key is taken", "request_key"),
        )
        transaction.put(_item_of(request), RequestItem.pk.does_not_exist())
        transaction.events(events)
        try:
            transaction.run(self._client())
        except Conflict:
            return False
        return True

    def keyed(self, account_id: str, request_key: str) -> ServiceRequest | None:
        try:
            claim = RequestKeyItem.get(
                key_pk(account_id, request_key), KEY_SK, consistent_read=True
            )
        except DoesNotExist:
            return None
        return self.get(claim.request_id)

    def get(self, request_id: str) -> ServiceRequest:
        try:
            item = RequestItem.get(request_pk(request_id), REQUEST_SK, consistent_read=True)
        except DoesNotExist:
            raise NotFound(f"no service request {request_id}", "request_id") from None
        return _request(item)

    def save(
        self, before: ServiceRequest, after: ServiceRequest, events: Sequence[DomainEvent]
    ) -> None:
        transaction = Transaction()
        transaction.put(
            _item_of(after),
            RequestItem.version == before.version,
            lambda: VersionConflict(
                "the request changed since it was read", self.get(before.request_id).version
            ),
        )
        transaction.events(events)
        transaction.run(self._client())

    def of_account(self, account_id: str, limit: int, cursor: str | None) -> Page[ServiceRequest]:
        found = RequestItem.of_account.query(
            account_requests_pk(account_id),
            scan_index_forward=False,
            limit=limit,
            last_evaluated_key=pages.decode(cursor),
        )
        return _page(found, limit)

    def with_status(
        self, status: RequestStatus, limit: int, cursor: str | None
    ) -> Page[ServiceRequest]:
        found = RequestItem.by_status.query(
            worklist_pk(status), limit=limit, last_evaluated_key=pages.decode(cursor)
        )
        return _page(found, limit)
