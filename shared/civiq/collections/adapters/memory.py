"""In-memory fakes of the collections ports, for tests."""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from civiq.accounts.domain.accounts import AccountStatus
from civiq.collections.domain.agencies import (
    AgencyFile,
    AgencyRoster,
    FileLine,
    Referral,
    ReferralStatus,
    Remittance,
    file_listing_key,
    referral_page,
)
from civiq.collections.domain.aging import Receivable
from civiq.collections.domain.aging_snapshots import AgingSnapshot
from civiq.collections.domain.arrangements import Arrangement, check_key
from civiq.collections.domain.contacts import Contact
from civiq.collections.domain.dunning import (
    Case,
    CaseMoved,
    CaseStatus,
    CollectionTask,
    Ladder,
    worklist_key,
)
from civiq.collections.domain.kpis import DayFold, KpiMonth, month_changes, stage_totals
from civiq.collections.domain.risk_history import AccountHistory
from civiq.collections.domain.risk_model import RiskModel
from civiq.collections.domain.risk_scores import RiskScore, ScoringChunk
from civiq.collections.domain.tax_roll import (
    TaxRollLine,
    TaxRollTransfer,
    TransferMoved,
    TransferStatus,
)
from civiq.collections.domain.write_offs import WriteOff, WriteOffIdTaken
from civiq.collections.ports import CaseChange, KeptKpis, LedgerOnFile
from civiq.core.audit import AuditEntry
from civiq.core.errors import Conflict, NotFound, VersionConflict
from civiq.core.events import DomainEvent
from civiq.core.fakes import page_of
from civiq.core.ports import Page
from civiq.ledger.adapters.memory import InMemoryLedger
from civiq.ledger.domain.journal import AccountLedger, LedgerMoved, Posting
from civiq.ledger.domain.receivable_cells import Cell, Cells, cells_of, total
from civiq.ledger.ports import JournalReader


class InMemoryArrangements:
    def __init__(self) -> None:
        self.arrangements: list[Arrangement] = []
        self.history: list[AuditEntry] = []
        self.checks: dict[str, date] = {}  # arrangement id (in force): its next check
        self.events: list[DomainEvent] = []

    def of_account(self, account_id: str) -> Sequence[Arrangement]:
        found = [a for a in self.arrangements if a.account_id == account_id]
        return sorted(found, key=lambda a: a.made_at, reverse=True)

    def make(self, arrangement: Arrangement, first_check: date, event: DomainEvent) -> None:
        if any(a.ended_on is None for a in self.of_account(arrangement.account_id)):
            raise Conflict("the account has an arrangement in force", "account_id")
        self.arrangements.append(arrangement)
        self.checks[arrangement.arrangement_id] = first_check
        self._record([event])

    def due_for_check(self, day: date) -> Sequence[Arrangement]:
        return [
            a
            for a in self.arrangements
            if a.arrangement_id in self.checks and self.checks[a.arrangement_id] <= day
        ]

    def in_force(self, limit: int, after: str | None) -> Page[Arrangement]:
        keyed = sorted(
            (check_key(self.checks[a.arrangement_id], a.account_id), a)
            for a in self.arrangements
            if a.arrangement_id in self.checks
        )
        found = [(k, a) for k, a in keyed if after is None or k > after]
        page = found[:limit]
        return Page([a for _, a in page], page[-1][0] if len(found) > limit else None)

    def recheck(self, arrangement: Arrangement, on: date) -> None:
        if arrangement.arrangement_id in self.checks:
            self.checks[arrangement.arrangement_id] = on

    def end(self, before: Arrangement, after: Arrangement, events: Sequence[DomainEvent]) -> bool:
        if self.checks.pop(before.arrangement_id, None) is None:
            return False
        self.arrangements[self.arrangements.index(before)] = after
        self._record(events)
        return True

    def _record(self, events: Sequence[DomainEvent]) -> None:
        self.events.extend(events)
        self.history.extend(AuditEntry.of(e) for e in events)


class InMemoryCases:
    """Cases kept as the DynamoDB adapter keeps them: a change is written only while the case
    and the account's ledger (read from ``ledger``) are as the decision read them."""

    def __init__(self, ledger: JournalReader) -> None:
        self._ledger = ledger
        self.cases: list[Case] = []
        self.tasks: list[CollectionTask] = []
        self.contact_log: list[Contact] = []
        self.events: list[DomainEvent] = []
        self.history: list[AuditEntry] = []
        self._lock = threading.Lock()

    def current(self, account_id: str) -> Case | None:
        return next(
            (
                c
                for c in self.cases
                if c.account_id == account_id and c.status is not CaseStatus.CLOSED
            ),
            None,
        )

    def of_account(self, account_id: str) -> Sequence[Case]:
        return [c for c in reversed(self.cases) if c.account_id == account_id]

    def open(self, change: CaseChange) -> None:
        with self._lock:
            if self.current(change.after.account_id) is not None:
                raise Conflict("the account has a collection case open", "account_id")
            self._check_ledger(change)
            self.cases.append(change.after)
            self._keep(change)

    def save(self, before: Case, change: CaseChange) -> None:
        with self._lock:
            if self.current(before.account_id) != before:
                raise CaseMoved(before.case_id)
            self._check_ledger(change)
            self.cases[self.cases.index(before)] = change.after
            self._keep(change)

    def current_cases(self, limit: int, after: str | None) -> Page[Case]:
        found = sorted(
            (c for c in self.cases if c.status is not CaseStatus.CLOSED),
            key=lambda c: c.account_id,
        )
        return _page(found, limit, after, lambda c: c.account_id)

    def open_tasks(self, limit: int, after: str | None) -> Page[CollectionTask]:
        found = sorted(
            (t for t in self.tasks if t.done_on is None), key=lambda t: (t.created_on, t.task_id)
        )
        return _page(found, limit, after, lambda t: f"{t.created_on.isoformat()}.{t.task_id}")

    def worklist(self, assignee: str | None, limit: int, after: str | None) -> Page[Case]:
        found = sorted(
            (
                c
                for c in self.cases
                if c.status is not CaseStatus.CLOSED and c.assigned_to == assignee
            ),
            key=worklist_key,
        )
        return _page(found, limit, after, worklist_key)

    def contacts(self, account_id: str) -> Sequence[Contact]:
        found = [c for c in self.contact_log if c.account_id == account_id]
        return sorted(found, key=lambda c: (c.at, c.contact_id), reverse=True)

    def _check_ledger(self, change: CaseChange) -> None:
        if change.ledger_sequence is None:
            return
        head = self._ledger.state(change.after.account_id).head
        if (head.sequence if head is not None else 0) != change.ledger_sequence:
            raise LedgerMoved(change.after.account_id)

    def _keep(self, change: CaseChange) -> None:
        self.tasks.extend(change.tasks)
        self.contact_log.extend(change.contacts)
        self.events.extend(change.events)
        self.history.extend(change.entries)
        self.history.extend(AuditEntry.of(e) for e in change.events)


def _page(items: list[Any], limit: int, after: str | None, key: Callable[[Any], str]) -> Page[Any]:
    following = [i for i in items if after is None or key(i) > after]
    page = following[:limit]
    return Page(page, key(page[-1]) if len(following) > limit else None)


@dataclass
class InMemoryLadders:
    ladders: dict[tuple[str, str], Ladder] = field(default_factory=dict)
    history: list[AuditEntry] = field(default_factory=list)

    def stored(self) -> Sequence[Ladder]:
        return list(self.ladders.values())

    def put(self, ladder: Ladder, entry: AuditEntry) -> None:
        self.ladders[(ladder.customer_class.value, ladder.revenue_category)] = ladder
        self.history.append(entry)


@dataclass
class InMemoryOpeningMarks:
    through: date | None = None

    def last_opened_through(self) -> date | None:
        return self.through

    def mark(self, through: date) -> None:
        self.through = through


@dataclass
class InMemoryPastDueStatements:
    """The accounts owing on statements due in a range, from the in-memory ledger's open
    statements (``accounts``: the account ids to look at)."""

    ledger: JournalReader
    accounts: list[str] = field(default_factory=list)

    def shards(self) -> int:
        return 1

    def due_between(self, shard: int, first: date, last: date) -> Iterator[str]:
        for account_id in self.accounts:
            for statement in self.ledger.state(account_id).open_statements:
                if first <= statement.due_on <= last and statement.owed > 0:
                    yield account_id


class InMemoryRiskHistories:
    """Histories as given; an account is closed when its history says so, else active."""

    def __init__(self, histories: Iterable[AccountHistory] = ()) -> None:
        self.histories = {h.account_id: h for h in histories}
        self.reads = 0  # accounts read: what a run costs

    def account_ids(self, statuses: Collection[AccountStatus]) -> Iterator[str]:
        for account_id, history in sorted(self.histories.items()):
            status = AccountStatus.CLOSED if history.closed_on else AccountStatus.ACTIVE
            if status in statuses:
                yield account_id

    def of_accounts(self, account_ids: Sequence[str], since: date) -> Sequence[AccountHistory]:
        found = [self.histories[a].from_day(since) for a in account_ids if a in self.histories]
        self.reads += len(found)
        return found


class InMemoryRiskModels:
    def __init__(self) -> None:
        self.models: dict[str, RiskModel] = {}

    def latest(self) -> RiskModel | None:
        return max(self.models.values(), key=lambda m: m.version, default=None)

    def get(self, version: str) -> RiskModel:
        if version not in self.models:
            raise NotFound(f"no risk model {version}", "model_version")
        return self.models[version]

    def save(self, model: RiskModel) -> None:
        self.models.setdefault(model.version, model)


class InMemoryRiskScores:
    def __init__(self) -> None:
        self.scores: dict[str, RiskScore] = {}
        self.writes = 0  # scores written or removed: what a run costs

    def get(self, account_id: str) -> RiskScore:
        if account_id not in self.scores:
            raise NotFound(f"account {account_id} has no risk score", "account_id")
        return self.scores[account_id]

    def several(self, account_ids: Sequence[str]) -> Mapping[str, RiskScore]:
        return {a: self.scores[a] for a in account_ids if a in self.scores}

    def ranked(self, min_score: float, limit: int, cursor: str | None) -> Page[RiskScore]:
        found = sorted(
            (s for s in self.scores.values() if s.score >= min_score),
            key=lambda s: (-s.score, s.account_id),
        )
        return page_of(found, limit, cursor)

    def write(self, scores: Sequence[RiskScore]) -> None:
        self.writes += len(scores)
        self.scores.update((s.account_id, s) for s in scores)

    def remove(self, account_ids: Sequence[str]) -> None:
        for account_id in account_ids:
            if self.scores.pop(account_id, None) is not None:
                self.writes += 1


class InMemoryScoringQueue:
    def __init__(self) -> None:
        self.chunks: list[ScoringChunk] = []

    def send(self, chunks: Sequence[ScoringChunk]) -> None:
        self.chunks.extend(chunks)


class InMemoryAging:
    """The aging cells and the receivables of an in-memory ledger, computed from its accounts'
    open items on every read: the from-scratch figures the cells the postings keep must equal."""

    def __init__(self, ledger: InMemoryLedger) -> None:
        self.ledger = ledger

    def _ledgers(self) -> list[AccountLedger]:
        return [self.ledger.state(account_id) for account_id in sorted(self.ledger.accounts)]

    def cells(
        self, family: str, group_prefix: str = "", figures: Sequence[str] | None = None
    ) -> Sequence[Cell]:
        every = total(
            cells_of(ledger.open_statements, ledger.credit, ledger.aged_as or ledger.profile)
            for ledger in self._ledgers()
        )
        return [
            (key, figures)
            for key, figures in sorted(every.items(), key=lambda kept: kept[0].order())
            if key.family == family and key.in_groups(group_prefix)
        ]

    def replace(self, accounts: Iterable[tuple[str, Cells]]) -> int:
        list(accounts)
        return 0  # computed from the ledger on every read: never wrong

    def fold(self) -> int:
        return 0  # no cell is kept

    def listed(self) -> Iterator[Receivable]:
        for ledger in self._ledgers():
            if not ledger.open_statements and ledger.credit <= 0:
                continue
            account = self.ledger.store.get(ledger.account_id)
            yield Receivable(
                ledger.account_id,
                account.account_number,
                account.holder.customer_id,
                account.holder.name,
                ledger.aged_as or ledger.profile,
                ledger.open_statements,
                ledger.credit,
            )

    def ledgers(self) -> Iterator[LedgerOnFile]:
        for ledger in self._ledgers():
            yield LedgerOnFile(ledger, bool(ledger.open_statements) or ledger.credit > 0)

    def list(self, ledger: AccountLedger) -> None:
        if self.ledger.state(ledger.account_id).head != ledger.head:
            raise LedgerMoved(ledger.account_id)


class InMemoryAgingSnapshots:
    def __init__(self) -> None:
        self.snapshots: dict[date, AgingSnapshot] = {}

    def keep(self, snapshot: AgingSnapshot) -> bool:
        if snapshot.taken_on in self.snapshots:
            return False
        self.snapshots[snapshot.taken_on] = snapshot
        return True

    def on_or_before(self, day: date) -> AgingSnapshot | None:
        earlier = [taken for taken in self.snapshots if taken <= day]
        return self.snapshots[max(earlier)] if earlier else None


class InMemoryTaxRoll:
    """Transfers to the tax roll and their file lines; postings go to the in-memory ledger,
    events and history to its store (where the ledger's own go)."""

    def __init__(self, ledger: InMemoryLedger) -> None:
        self.ledger = ledger
        self.transfers: dict[str, TaxRollTransfer] = {}
        self.file_lines: dict[date, dict[str, TaxRollLine]] = {}
        self._lock = threading.Lock()

    def notice(
        self,
        transfer: TaxRollTransfer,
        events: Sequence[DomainEvent],
        entries: Sequence[AuditEntry],
    ) -> None:
        with self._lock:
            if transfer.transfer_id in self.transfers:
                raise Conflict("the transfer id is taken", "transfer_id")
            if any(
                t.account_id == transfer.account_id and t.status is TransferStatus.NOTICED
                for t in self.transfers.values()
            ):
                raise Conflict("the account has a transfer to the tax roll noticed", "account_id")
            self.transfers[transfer.transfer_id] = transfer
            self._record(events, entries)

    def get(self, transfer_id: str) -> TaxRollTransfer:
        if transfer_id not in self.transfers:
            raise NotFound(f"no transfer {transfer_id}", "transfer_id")
        return self.transfers[transfer_id]

    def listing(
        self,
        status: TransferStatus | None,
        account_id: str | None,
        limit: int,
        after: str | None,
    ) -> Page[TaxRollTransfer]:
        found = sorted(
            (
                t
                for t in self.transfers.values()
                if (status is None or t.status is status)
                and (account_id is None or t.account_id == account_id)
                and (after is None or t.transfer_id < after)
            ),
            key=lambda t: t.transfer_id,
            reverse=True,
        )
        page = found[:limit]
        return Page(page, page[-1].transfer_id if len(found) > limit else None)

    def end(
        self, before: TaxRollTransfer, after: TaxRollTransfer, entries: Sequence[AuditEntry]
    ) -> bool:
        with self._lock:
            if self.transfers.get(before.transfer_id) != before:
                return False
            self.transfers[before.transfer_id] = after
            self._record((), entries)
            return True

    def post(
        self,
        posting: Posting,
        before: TaxRollTransfer,
        after: TaxRollTransfer,
        line: TaxRollLine,
        events: Sequence[DomainEvent],
        entries: Sequence[AuditEntry],
    ) -> bool:
        with self._lock:
            if (posting.basis.account_id, posting.guard) in self.ledger.guards:
                return False
            if self.transfers.get(before.transfer_id) != before:
                raise TransferMoved(before.transfer_id)
            if not self.ledger.post(posting, events=events, history=entries):
                return False
            self.transfers[before.transfer_id] = after
            self.file_lines.setdefault(line.day, {})[line.key] = line
            return True

    def lines(self, day: date) -> Sequence[TaxRollLine]:
        return list(self.file_lines.get(day, {}).values())

    def days(self, limit: int, after: str | None) -> Page[date]:
        found = sorted(
            (d for d in self.file_lines if after is None or d.isoformat() < after), reverse=True
        )
        page = found[:limit]
        return Page(page, page[-1].isoformat() if len(found) > limit else None)

    def _record(self, events: Sequence[DomainEvent], entries: Sequence[AuditEntry]) -> None:
        self.ledger.store.outbox.update({e.event_id: e for e in events})
        self.ledger.store.history.update({e.event_id: AuditEntry.of(e) for e in events})
        self.ledger.store.history.update({h.entry_id: h for h in entries})


class InMemoryTaxRollFiles:
    def __init__(self) -> None:
        self.files: dict[date, bytes] = {}

    def write(self, day: date, content: bytes) -> str:
        self.files[day] = content
        return f"tax-roll/{day.isoformat()}.csv"

    def url_for(self, day: date, seconds: int) -> str:
        return f"https://documents.example/tax-roll/{day.isoformat()}.csv?expires={seconds}"


# --- collection agencies -------------------------------------------------------------------------


@dataclass
class InMemoryAgencyRosters:
    roster: AgencyRoster = field(default_factory=AgencyRoster)
    history: list[AuditEntry] = field(default_factory=list)

    def get(self) -> AgencyRoster:
        return self.roster

    def save(self, before: AgencyRoster, after: AgencyRoster, entry: AuditEntry) -> None:
        if self.roster.version != before.version:
            raise VersionConflict(
                "the agency roster was changed by someone else", self.roster.version
            )
        self.roster = after
        self.history.append(entry)


@dataclass
class InMemoryReferrals:
    """Referrals, the agencies' file lines and the remittances, with the history and events
    they wrote."""

    referrals: dict[str, Referral] = field(default_factory=dict)
    lines: list[FileLine] = field(default_factory=list)
    remittances: dict[tuple[str, str], Remittance] = field(default_factory=dict)
    files: dict[tuple[str, date], AgencyFile] = field(default_factory=dict)
    history: list[AuditEntry] = field(default_factory=list)
    events: list[DomainEvent] = field(default_factory=list)

    def find(self, referral_id: str) -> Referral | None:
        return self.referrals.get(referral_id)

    def in_force(self, account_id: str) -> Referral | None:
        return next(
            (
                r
                for r in self.referrals.values()
                if r.account_id == account_id and r.status is ReferralStatus.REFERRED
            ),
            None,
        )

    def listing(
        self,
        limit: int,
        cursor: str | None,
        *,
        agency: str | None = None,
        status: ReferralStatus | None = None,
        account_id: str | None = None,
    ) -> Page[Referral]:
        mine = [r for r in self.referrals.values() if account_id in (None, r.account_id)]
        return referral_page(mine, limit, cursor, agency, status)

    def refer(self, referral: Referral, line: FileLine, events: Sequence[DomainEvent]) -> None:
        if referral.referral_id in self.referrals:
            raise Conflict("the referral id is taken", "referral_id")
        if self.in_force(referral.account_id) is not None:
            raise Conflict("the account is referred already", "account_id")
        self.referrals[referral.referral_id] = referral
        self.lines.append(line)
        self._record(events)

    def end(
        self,
        before: Referral,
        after: Referral,
        line: FileLine | None,
        events: Sequence[DomainEvent],
    ) -> None:
        if self.referrals.get(before.referral_id) != before:
            raise Conflict("the referral changed meanwhile", "referral_id")
        self.referrals[after.referral_id] = after
        self.lines.extend([line] if line else [])
        self._record(events)

    def _record(self, events: Sequence[DomainEvent]) -> None:
        self.events.extend(events)
        self.history.extend(AuditEntry.of(e) for e in events)


@dataclass
class InMemoryAgencyRemittances:
    referrals: InMemoryReferrals

    def get(self, agency: str, remittance_id: str) -> Remittance | None:
        return self.referrals.remittances.get((agency, remittance_id))

    def record(
        self,
        remittance: Remittance,
        referrals: Sequence[tuple[Referral, Referral]],
        entries: Sequence[AuditEntry],
    ) -> None:
        store = self.referrals
        key = (remittance.agency, remittance.remittance_id)
        if key in store.remittances:
            raise Conflict("the remittance is recorded already", "remittance_id")
        if any(store.referrals.get(before.referral_id) != before for before, _ in referrals):
            raise Conflict("a referral changed meanwhile", "referral_id")
        store.remittances[key] = remittance
        store.referrals.update((after.referral_id, after) for _, after in referrals)
        store.history.extend(entries)


@dataclass
class InMemoryAgencyFiles:
    referrals: InMemoryReferrals

    def lines(self, agency: str, day: date) -> Sequence[FileLine]:
        return [x for x in self.referrals.lines if (x.agency, x.day) == (agency, day)]

    def get(self, agency: str, day: date) -> AgencyFile | None:
        return self.referrals.files.get((agency, day))

    def keep(self, file: AgencyFile, entry: AuditEntry) -> bool:
        if (file.agency, file.day) in self.referrals.files:
            return False
        self.referrals.files[(file.agency, file.day)] = file
        self.referrals.history.append(entry)
        return True

    def listing(self, limit: int, cursor: str | None) -> Page[AgencyFile]:
        def key(file: AgencyFile) -> str:
            return file_listing_key(file.agency, file.day)

        found = sorted(
            (f for f in self.referrals.files.values() if cursor is None or key(f) < cursor),
            key=key,
            reverse=True,
        )
        page = found[:limit]
        return Page(page, key(page[-1]) if len(found) > limit else None)


class InMemoryWriteOffs:
    """Write-offs beside the in-memory ledger their postings go to."""

    def __init__(self, ledger: InMemoryLedger) -> None:
        self.ledger = ledger
        self.write_offs: dict[str, WriteOff] = {}
        self._lock = threading.Lock()

    def find(self, account_id: str, write_off_id: str) -> WriteOff | None:
        found = self.write_offs.get(write_off_id)
        return found if found is not None and found.account_id == account_id else None

    def get(self, write_off_id: str) -> WriteOff:
        try:
            return self.write_offs[write_off_id]
        except KeyError:
            raise NotFound(f"no write-off {write_off_id}", "id") from None

    def of_account(self, account_id: str) -> Sequence[WriteOff]:
        return [w for w in self._newest() if w.account_id == account_id]

    def newest(self, account_id: str | None, limit: int, after: str | None) -> Page[WriteOff]:
        found = [
            w
            for w in self._newest()
            if (account_id is None or w.account_id == account_id)
            and (after is None or w.listed_key < after)
        ]
        page = found[:limit]
        return Page(page, page[-1].listed_key if len(found) > limit else None)

    def _newest(self) -> list[WriteOff]:
        return sorted(self.write_offs.values(), key=lambda w: w.listed_key, reverse=True)

    def post(
        self,
        posting: Posting,
        made: WriteOff | None = None,
        changed: Sequence[WriteOff] = (),
        events: Sequence[DomainEvent] = (),
    ) -> bool:
        with self._lock:
            guarded = (posting.basis.account_id, posting.guard) in self.ledger.guards
            if made is not None and not guarded:
                taken = self.write_offs.get(made.write_off_id)
                if taken is not None and taken.account_id != made.account_id:
                    raise WriteOffIdTaken()
            if not self.ledger.post(posting, events=events):
                return False
            self.write_offs.update(
                {w.write_off_id: w for w in (*([made] if made else []), *changed)}
            )
            return True


@dataclass
class InMemorySweepMarks:
    through: date | None = None

    def last_through(self) -> date | None:
        return self.through

    def mark(self, through: date) -> None:
        self.through = through


class InMemoryCollectionKpis:
    """The KPIs' counters over an in-memory ledger and cases: what the postings billed, as the
    ledger kept it; the stages' figures computed from every case on each read (the from-scratch
    figures the DynamoDB counters must equal); the folds kept as given."""

    def __init__(self, ledger: InMemoryLedger, cases: InMemoryCases) -> None:
        self.ledger = ledger
        self.cases = cases
        self.months: dict[str, KpiMonth] = {}
        self.folded_through: date | None = None

    def kept(self) -> KeptKpis:
        return KeptKpis(dict(self.months), self.folded_through, stage_totals(self.cases.cases))

    def billed(self, first_month: str, last_month: str) -> Mapping[tuple[str, str], int]:
        return {
            (month, name): cents
            for (month, name), cents in self.ledger.billed.items()
            if first_month <= month <= last_month
        }

    def fold(self, folded_through: date | None, fold: DayFold) -> bool:
        if self.folded_through != folded_through:
            return False
        for month, change in month_changes(fold).items():
            was = self.months.get(month, KpiMonth(month))
            self.months[month] = KpiMonth(
                month,
                change.aging if change.aging is not None else was.aging,
                was.owed_at_60 + change.owed_at_60,
                was.days_folded + change.days_folded,
            )
        self.folded_through = fold.day
        return True
