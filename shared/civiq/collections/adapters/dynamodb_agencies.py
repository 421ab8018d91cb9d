"""Collection agencies on the single table: the roster, referrals, the agencies' file lines and
files, and their remittances.

item               PK                          SK                           notes
roster             COLLECTION-AGENCIES         ROSTER                       its VersionAttribute
referral           AGENCY-REFERRAL#<id>        REFERRAL                     the record and its
                                                                            fingerprint; GSI1
                                                                            AGENCY-REFERRALS,
                                                                            GSI2 AGENCY-REFERRALS#
                                                                            <agency>: <at>.<id>
account's referral ACCOUNT#<account id>        AGENCY-REFERRAL#<id>         the account's list
referral in force  ACCOUNT#<account id>        AGENCY-REFERRAL-IN-FORCE     one per account
file line          AGENCY-FILE#<agency>#<day>  <line type>#<referral id>    the referral then
file               AGENCY-FILES                <day>.<agency>               once assembled
remittance         AGENCY#<agency>             REMITTANCE#<id>              put once

A referral is made in one transaction with its claim on the account (a second referral of the
account is cancelled), its file line and its events. Its end (recalled, paid) is written on
condition that its fingerprint is the one read, with the claim deleted; a remittance is kept
once, in one transaction with the referrals it changed and their history. Listing reads one
Query of an index (newest first) or of the account's partition, never a Scan.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pynamodb.attributes import JSONAttribute, UnicodeAttribute, VersionAttribute
from pynamodb.exceptions import DoesNotExist

from civiq.collections.adapters.dynamodb_cases import ByGsi1, ByGsi2
from civiq.collections.domain.agencies import (
    Agency,
    AgencyFile,
    AgencyRoster,
    Debtor,
    FileLine,
    LineType,
    Referral,
    ReferralStatus,
    Remittance,
    RemittanceLine,
    file_listing_key,
    listing_key,
    referral_page,
)
from civiq.core.addresses import Address
from civiq.core.audit import AuditEntry
from civiq.core.errors import Conflict, VersionConflict
from civiq.core.events import DomainEvent
from civiq.core.history import as_record
from civiq.core.language import Language
from civiq.core.ports import Page
from civiq.platform.dynamodb import keys
from civiq.platform.dynamodb.table import TableItem, TableMeta
from civiq.platform.dynamodb.transactions import Connected, Transaction

ROSTER_KEY = ("COLLECTION-AGENCIES", "ROSTER")
REFERRAL_PREFIX = "AGENCY-REFERRAL#"
REFERRAL_SK = "REFERRAL"
REFERRALS_PK = "AGENCY-REFERRALS"
IN_FORCE_SK = "AGENCY-REFERRAL-IN-FORCE"
FILES_PK = "AGENCY-FILES"
BATCH = 100  # BatchGetItem's most keys


def _referral_pk(referral_id: str) -> str:
    return f"{REFERRAL_PREFIX}{referral_id}"


def _file_pk(agency: str, day: date) -> str:
    return f"AGENCY-FILE#{agency}#{day.isoformat()}"


class RosterItem(TableItem):
    class Meta(TableMeta):
        pass

    record = JSONAttribute()
    version = VersionAttribute()


class ReferralItem(TableItem):
    class Meta(TableMeta):
        pass

    gsi1pk = UnicodeAttribute(attr_name="GSI1PK")
    gsi1sk = UnicodeAttribute(attr_name="GSI1SK")
    listed = ByGsi1()
    gsi2pk = UnicodeAttribute(attr_name="GSI2PK")
    gsi2sk = UnicodeAttribute(attr_name="GSI2SK")
    by_agency = ByGsi2()
    fingerprint = UnicodeAttribute()
    status = UnicodeAttribute()
    record = JSONAttribute()


class ReferralLinkItem(TableItem):
    """A referral listed in its account's partition (the referral in force, or one of all)."""

    class Meta(TableMeta):
        pass

    referral_id = UnicodeAttribute()


class RecordItem(TableItem):
    """A file line, a file or a remittance: its record."""

    class Meta(TableMeta):
        pass

    record = JSONAttribute()


# --- the roster ----------------------------------------------------------------------------------


class DynamoAgencyRosters(Connected):
    def get(self) -> AgencyRoster:
        try:
            item = RosterItem.get(*ROSTER_KEY, consistent_read=True)
        except DoesNotExist:
            return AgencyRoster()
        return roster_of(item.record, int(item.version))

    def save(self, before: AgencyRoster, after: AgencyRoster, entry: AuditEntry) -> None:
        if after.version != before.version + 1:
            raise ValueError(f"the saved roster must be version {before.version + 1}")
        item = RosterItem(*ROSTER_KEY, record={"agencies": [as_record(a) for a in after.agencies]})

        def changed() -> VersionConflict:
            return VersionConflict(
                "the agency roster was changed by someone else; reload it", self.get().version
            )

        transaction = Transaction()
        if before.version == 0:
            transaction.put(item, RosterItem.pk.does_not_exist(), changed)
        else:
            item.version = before.version  # the put is conditional on it, and stores the next
            transaction.put(item, RosterItem.pk.exists(), changed)
        transaction.history([entry])
        transaction.run(self._client())


# --- referrals -----------------------------------------------------------------------------------


def fingerprint(record: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()


def _referral_item(referral: Referral) -> ReferralItem:
    record = as_record(referral)
    key = listing_key(referral)
    return ReferralItem(
        _referral_pk(referral.referral_id),
        REFERRAL_SK,
        gsi1pk=REFERRALS_PK,
        gsi1sk=key,
        gsi2pk=f"{REFERRALS_PK}#{referral.agency}",
        gsi2sk=key,
        fingerprint=fingerprint(record),
        status=referral.status.value,
        record=record,
    )


def _changed(before: Referral, after: Referral, transaction: Transaction) -> None:
    """``before`` replaced by ``after``, on condition it is still ``before``; its claim on
    the account deleted when it ends."""
    moved = fingerprint(as_record(before))
    transaction.put(
        _referral_item(after),
        ReferralItem.fingerprint == moved,
        lambda: Conflict("the referral changed meanwhile", "referral_id"),
    )
    if before.status is ReferralStatus.REFERRED and after.status is not ReferralStatus.REFERRED:
        claim = ReferralLinkItem(keys.account_pk(after.account_id), IN_FORCE_SK)
        transaction.delete(claim, ReferralLinkItem.referral_id == after.referral_id)


class DynamoReferrals(Connected):
    def find(self, referral_id: str) -> Referral | None:
        try:
            item = ReferralItem.get(_referral_pk(referral_id), REFERRAL_SK, consistent_read=True)
        except DoesNotExist:
            return None
        return referral_of(item.record)

    def in_force(self, account_id: str) -> Referral | None:
        try:
            claim = ReferralLinkItem.get(
                keys.account_pk(account_id), IN_FORCE_SK, consistent_read=True
            )
        except DoesNotExist:
            return None
        return self.find(claim.referral_id)

    def listing(
        self,
        limit: int,
        cursor: str | None,
        *,
        agency: str | None = None,
        status: ReferralStatus | None = None,
        account_id: str | None = None,
    ) -> Page[Referral]:
        if account_id is not None:
            return self._of_account(account_id, limit, cursor, agency, status)
        wanted = ReferralItem.status == status.value if status is not None else None
        if agency is not None:
            found = ReferralItem.by_agency.query(
                f"{REFERRALS_PK}#{agency}",
                ReferralItem.gsi2sk < cursor if cursor else None,
                filter_condition=wanted,
                scan_index_forward=False,
                limit=limit + 1,
            )
        else:
            found = ReferralItem.listed.query(
                REFERRALS_PK,
                ReferralItem.gsi1sk < cursor if cursor else None,
                filter_condition=wanted,
                scan_index_forward=False,
                limit=limit + 1,
            )
        referrals = [referral_of(item.record) for item in found]
        page = referrals[:limit]
        return Page(page, listing_key(page[-1]) if len(referrals) > limit else None)

    def _of_account(
        self,
        account_id: str,
        limit: int,
        cursor: str | None,
        agency: str | None,
        status: ReferralStatus | None,
    ) -> Page[Referral]:
        """One Query of the account's partition, one BatchGetItem of its referrals (an
        account has few)."""
        links = ReferralLinkItem.query(
            keys.account_pk(account_id), ReferralLinkItem.sk.startswith(REFERRAL_PREFIX)
        )
        ids = [link.referral_id for link in links]
        referrals = []
        for start in range(0, len(ids), BATCH):
            wanted = [(_referral_pk(i), REFERRAL_SK) for i in ids[start : start + BATCH]]
            referrals += [referral_of(item.record) for item in ReferralItem.batch_get(wanted)]
        return referral_page(referrals, limit, cursor, agency, status)

    def refer(self, referral: Referral, line: FileLine, events: Sequence[DomainEvent]) -> None:
        account_pk = keys.account_pk(referral.account_id)
        transaction = Transaction()
        transaction.put(
            ReferralLinkItem(account_pk, IN_FORCE_SK, referral_id=referral.referral_id),
            ReferralLinkItem.pk.does_not_exist(),
            lambda: Conflict(
                "the account is referred to a collection agency already", "account_id"
            ),
        )
        transaction.put(
            _referral_item(referral),
            ReferralItem.pk.does_not_exist(),
            lambda: Conflict("the referral id is taken", "referral_id"),
        )
        transaction.put(
            ReferralLinkItem(
                account_pk,
                f"{REFERRAL_PREFIX}{referral.referral_id}",
                referral_id=referral.referral_id,
            )
        )
        transaction.put(_line_item(line))
        transaction.events(events)
        transaction.run(self._client())

    def end(
        self,
        before: Referral,
        after: Referral,
        line: FileLine | None,
        events: Sequence[DomainEvent],
    ) -> None:
        transaction = Transaction()
        _changed(before, after, transaction)
        if line is not None:
            transaction.put(_line_item(line))
        transaction.events(events)
        transaction.run(self._client())


# --- remittances ---------------------------------------------------------------------------------


def _remittance_key(agency: str, remittance_id: str) -> tuple[str, str]:
    return f"AGENCY#{agency}", f"REMITTANCE#{remittance_id}"


class DynamoAgencyRemittances(Connected):
    def get(self, agency: str, remittance_id: str) -> Remittance | None:
        try:
            item = RecordItem.get(*_remittance_key(agency, remittance_id), consistent_read=True)
        except DoesNotExist:
            return None
        return remittance_of(item.record)

    def record(
        self,
        remittance: Remittance,
        referrals: Sequence[tuple[Referral, Referral]],
        entries: Sequence[AuditEntry],
    ) -> None:
        transaction = Transaction()
        transaction.put(
            RecordItem(
                *_remittance_key(remittance.agency, remittance.remittance_id),
                record=as_record(remittance),
            ),
            RecordItem.pk.does_not_exist(),
            lambda: Conflict("the remittance is recorded already", "remittance_id"),
        )
        for before, after in referrals:
            _changed(before, after, transaction)
        transaction.history(entries)
        transaction.run(self._client())


# --- files ---------------------------------------------------------------------------------------


def _line_item(line: FileLine) -> RecordItem:
    return RecordItem(
        _file_pk(line.agency, line.day),
        f"{line.line_type.value}#{line.referral.referral_id}",
        record=as_record(line),
    )


class DynamoAgencyFiles(Connected):
    def lines(self, agency: str, day: date) -> Sequence[FileLine]:
        return [line_of(item.record) for item in RecordItem.query(_file_pk(agency, day))]

    def get(self, agency: str, day: date) -> AgencyFile | None:
        try:
            item = RecordItem.get(FILES_PK, file_listing_key(agency, day), consistent_read=True)
        except DoesNotExist:
            return None
        return file_of(item.record)

    def keep(self, file: AgencyFile, entry: AuditEntry) -> bool:
        transaction = Transaction()
        transaction.put(
            RecordItem(FILES_PK, file_listing_key(file.agency, file.day), record=as_record(file)),
            RecordItem.pk.does_not_exist(),
            lambda: Conflict("the file is recorded already", "day"),
        )
        transaction.history([entry])
        try:
            transaction.run(self._client())
        except Conflict:
            return False
        return True

    def listing(self, limit: int, cursor: str | None) -> Page[AgencyFile]:
        found = list(
            RecordItem.query(
                FILES_PK,
                RecordItem.sk < cursor if cursor else None,
                scan_index_forward=False,
                limit=limit + 1,
            )
        )
        page = found[:limit]
        return Page(
            [file_of(item.record) for item in page],
            page[-1].sk if len(found) > limit else None,
        )


# --- records -------------------------------------------------------------------------------------


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _datetime(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def roster_of(record: Mapping[str, Any], version: int) -> AgencyRoster:
    agencies = tuple(
        Agency(
            code=a["code"],
            name=a["name"],
            commission_percent=Decimal(a["commission_percent"]),
            contact_name=a.get("contact_name"),
            email=a.get("email"),
            phone=a.get("phone"),
        )
        for a in record["agencies"]
    )
    return AgencyRoster(agencies, version)


def referral_of(record: Mapping[str, Any]) -> Referral:
    debtor = record["debtor"]
    return Referral(
        referral_id=record["referral_id"],
        account_id=record["account_id"],
        account_number=record["account_number"],
        agency=record["agency"],
        amount=Decimal(record["amount"]),
        oldest_due_on=date.fromisoformat(record["oldest_due_on"]),
        debtor=Debtor(
            name=debtor["name"],
            language=Language(debtor["language"]),
            address=Address(**debtor["address"]),
            email=debtor.get("email"),
            phone=debtor.get("phone"),
        ),
        referred_by=record["referred_by"],
        referred_at=datetime.fromisoformat(record["referred_at"]),
        referred_on=date.fromisoformat(record["referred_on"]),
        status=ReferralStatus(record["status"]),
        collected=Decimal(record["collected"]),
        commission=Decimal(record["commission"]),
        ended_by=record.get("ended_by"),
        ended_at=_datetime(record.get("ended_at")),
        ended_on=_date(record.get("ended_on")),
    )


def line_of(record: Mapping[str, Any]) -> FileLine:
    return FileLine(
        agency=record["agency"],
        day=date.fromisoformat(record["day"]),
        line_type=LineType(record["line_type"]),
        referral=referral_of(record["referral"]),
    )


def file_of(record: Mapping[str, Any]) -> AgencyFile:
    return AgencyFile(
        agency=record["agency"],
        day=date.fromisoformat(record["day"]),
        key=record["key"],
        referrals=int(record["referrals"]),
        recalls=int(record["recalls"]),
        assembled_at=datetime.fromisoformat(record["assembled_at"]),
    )


def remittance_of(record: Mapping[str, Any]) -> Remittance:
    return Remittance(
        remittance_id=record["remittance_id"],
        agency=record["agency"],
        paid_on=date.fromisoformat(record["paid_on"]),
        lines=tuple(
            RemittanceLine(
                account_number=line["account_number"],
                account_id=line["account_id"],
                referral_id=line["referral_id"],
                amount=Decimal(line["amount"]),
                commission=Decimal(line["commission"]),
                payment_id=line["payment_id"],
            )
            for line in record["lines"]
        ),
        recorded_by=record["recorded_by"],
        recorded_at=datetime.fromisoformat(record["recorded_at"]),
    )
