"""The collection agencies' stores, against the in-memory fakes and DynamoDB alike: the roster
changed only at the version read; one referral in force per account; a referral's end and a
remittance written only while the referral is as read, a remittance once; listings newest
first, by agency, status or account, page by page; a day's file lines and files."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D
from typing import Any

import pytest

from civiq.collections.adapters.dynamodb_agencies import (
    DynamoAgencyFiles,
    DynamoAgencyRemittances,
    DynamoAgencyRosters,
    DynamoReferrals,
)
from civiq.collections.adapters.memory import (
    InMemoryAgencyFiles,
    InMemoryAgencyRemittances,
    InMemoryAgencyRosters,
    InMemoryReferrals,
)
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
)
from civiq.core.addresses import Address
from civiq.core.audit import AuditEntry
from civiq.core.errors import Conflict, VersionConflict
from civiq.core.events import Actor, DomainEvent
from civiq.core.language import Language

AT = datetime(2027, 1, 10, 15, 0, tzinfo=UTC)
DAY = date(2027, 1, 10)
SUPERVISOR = Actor("supervisor-1", "supervisor")


@dataclass
class AgencyStores:
    rosters: Any
    referrals: Any
    remittances: Any
    files: Any


@pytest.fixture(params=["memory", "dynamodb"])
def stores(request: pytest.FixtureRequest) -> AgencyStores:
    if request.param == "memory":
        referrals = InMemoryReferrals()
        return AgencyStores(
            InMemoryAgencyRosters(),
            referrals,
            InMemoryAgencyRemittances(referrals),
            InMemoryAgencyFiles(referrals),
        )
    request.getfixturevalue("aws")
    return AgencyStores(
        DynamoAgencyRosters(), DynamoReferrals(), DynamoAgencyRemittances(), DynamoAgencyFiles()
    )


def entry(subject: str, n: int = 1) -> AuditEntry:
    return AuditEntry(
        entry_id=f"01JENTRY{n:018d}",
        subject_id=subject,
        action="Test",
        actor_subject="supervisor-1",
        actor_role="supervisor",
        occurred_at=AT,
        correlation_id="corr",
        detail={},
    )


def referral(n: int, account: str | None = None, agency: str = "northern") -> Referral:
    return Referral(
        referral_id=f"01JREF{n:020d}",
        account_id=account or f"01JACC{n:020d}",
        account_number=f"UB000000{n}",
        agency=agency,
        amount=D("120.50"),
        oldest_due_on=date(2026, 11, 30),
        debtor=Debtor(
            "Élise Tremblay", Language.FR, Address("1 rue Principale", "Ottawa", "ON", "K1A 0B1")
        ),
        referred_by="supervisor-1",
        referred_at=AT + timedelta(minutes=n),
        referred_on=DAY,
    )


def referred_event(item: Referral) -> DomainEvent:
    return DomainEvent(
        event_id=f"01JEVT{item.referral_id[-20:]}",
        event_type="AccountReferredToAgency",
        version=1,
        occurred_at=item.referred_at,
        actor=SUPERVISOR,
        correlation_id="corr",
        subject_id=f"ACCOUNT#{item.account_id}",
        detail={
            "referral_id": item.referral_id,
            "account_id": item.account_id,
            "agency": item.agency,
            "amount": "120.50",
            "oldest_due_on": "2026-11-30",
            "referred_on": DAY.isoformat(),
        },
    )


def refer(stores: AgencyStores, item: Referral) -> None:
    stores.referrals.refer(
        item, FileLine(item.agency, DAY, LineType.REFERRAL, item), [referred_event(item)]
    )


def test_the_roster_is_saved_at_the_version_read(stores: AgencyStores) -> None:
    empty = stores.rosters.get()
    assert (empty.agencies, empty.version) == ((), 0)
    roster = AgencyRoster(
        (Agency("northern", "Northern", D("25.00"), "Ana", "ana@n.ca", "613-555-0100"),), 1
    )

    stores.rosters.save(empty, roster, entry("COLLECTION-AGENCIES"))

    assert stores.rosters.get() == roster
    with pytest.raises(VersionConflict):
        stores.rosters.save(empty, roster, entry("COLLECTION-AGENCIES", 2))
    later = AgencyRoster((), 2)
    stores.rosters.save(roster, later, entry("COLLECTION-AGENCIES", 3))
    assert stores.rosters.get() == later


def test_one_referral_in_force_per_account(stores: AgencyStores) -> None:
    first = referral(1)
    refer(stores, first)

    assert stores.referrals.find(first.referral_id) == first
    assert stores.referrals.in_force(first.account_id) == first
    with pytest.raises(Conflict) as again:
        refer(stores, replace(referral(2), account_id=first.account_id))
    assert again.value.field == "account_id"
    with pytest.raises(Conflict) as taken:
        refer(stores, replace(first, account_id="01JOTHER00000000000000000X"))
    assert taken.value.field == "referral_id"
    assert stores.referrals.find(referral(2).referral_id) is None


def test_an_end_is_written_while_the_referral_is_as_read(stores: AgencyStores) -> None:
    first = referral(1)
    refer(stores, first)
    recalled = first.recalled("supervisor-1", AT, DAY)

    stores.referrals.end(first, recalled, FileLine("northern", DAY, LineType.RECALL, recalled), [])

    assert stores.referrals.find(first.referral_id) == recalled
    assert stores.referrals.in_force(first.account_id) is None
    with pytest.raises(Conflict):
        stores.referrals.end(first, recalled, None, [])
    refer(stores, replace(referral(2), account_id=first.account_id))  # referable again
    lines = stores.files.lines("northern", DAY)
    assert sorted((x.line_type.value, x.referral.status.value) for x in lines) == [
        ("recall", "recalled"),
        ("referral", "referred"),
        ("referral", "referred"),
    ]


def test_referrals_are_listed_newest_first_by_agency_status_or_account(
    stores: AgencyStores,
) -> None:
    items = [referral(1), referral(2, agency="southern"), referral(3), referral(4)]
    for item in items:
        refer(stores, item)
    stores.referrals.end(items[3], items[3].recalled("s", AT, DAY), None, [])
    ids = [r.referral_id for r in items]

    def listed(**filters: Any) -> list[str]:
        found, cursor = [], None
        while True:
            page = stores.referrals.listing(1, cursor, **filters)
            found += [r.referral_id for r in page.items]
            if page.next_cursor is None:
                return found
            cursor = page.next_cursor

    assert listed() == ids[::-1]
    assert listed(agency="northern") == [ids[3], ids[2], ids[0]]
    assert listed(status=ReferralStatus.REFERRED) == [ids[2], ids[1], ids[0]]
    assert listed(agency="northern", status=ReferralStatus.RECALLED) == [ids[3]]
    assert listed(account_id=items[1].account_id) == [ids[1]]
    assert listed(account_id=items[1].account_id, agency="northern") == []
    assert stores.referrals.listing(10, None, agency="nobody").items == []


def test_a_remittance_is_kept_once_with_the_referrals_it_changed(stores: AgencyStores) -> None:
    first, second = referral(1), referral(2)
    refer(stores, first)
    refer(stores, second)
    part = first.collecting(D("20.00"), D("5.00"), "s", AT, DAY)
    paid = second.collecting(D("120.50"), D("30.13"), "s", AT, DAY)
    lines = (
        RemittanceLine(
            "UB0000001", first.account_id, first.referral_id, D("20.00"), D("5.00"), "P1"
        ),
        RemittanceLine(
            "UB0000002", second.account_id, second.referral_id, D("120.50"), D("30.13"), "P2"
        ),
    )
    remittance = Remittance("NC-1", "northern", DAY, lines, "supervisor-1", AT)

    stores.remittances.record(
        remittance, [(first, part), (second, paid)], [entry(f"ACCOUNT#{first.account_id}")]
    )

    assert stores.remittances.get("northern", "NC-1") == remittance
    assert stores.remittances.get("southern", "NC-1") is None
    assert stores.referrals.find(first.referral_id) == part
    assert stores.referrals.in_force(second.account_id) is None  # paid
    with pytest.raises(Conflict):
        stores.remittances.record(replace(remittance, remittance_id="NC-2"), [(first, part)], [])
    with pytest.raises(Conflict) as twice:
        stores.remittances.record(remittance, [], [])
    assert twice.value.field == "remittance_id"
    assert stores.referrals.find(first.referral_id) == part


def test_a_days_file_is_kept_once_and_listed_latest_first(stores: AgencyStores) -> None:
    refer(stores, referral(1))
    refer(stores, referral(2, agency="southern"))
    assert [x.referral.referral_id for x in stores.files.lines("northern", DAY)] == [
        referral(1).referral_id
    ]
    assert stores.files.lines("northern", DAY + timedelta(days=1)) == []
    files = [
        AgencyFile("northern", DAY, "agency-files/northern/2027-01-10.csv", 1, 0, AT),
        AgencyFile("southern", DAY, "agency-files/southern/2027-01-10.csv", 1, 0, AT),
        AgencyFile("northern", DAY + timedelta(days=1), "k", 0, 1, AT),
    ]
    for n, file in enumerate(files):
        assert stores.files.keep(file, entry(f"AGENCYFILE#{n}", n))

    assert not stores.files.keep(files[0], entry("AGENCYFILE#again", 9))
    assert stores.files.get("northern", DAY) == files[0]
    assert stores.files.get("east", DAY) is None
    first = stores.files.listing(2, None)
    rest = stores.files.listing(2, first.next_cursor)
    assert first.items == [files[2], files[1]] and rest.items == [files[0]]
    assert rest.next_cursor is None
