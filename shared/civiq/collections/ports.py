"""Ports of collections: where arrangements, cases and their ladders are kept, what the
delinquency risk score reads and writes, what aging reads (the cells, the receivables, the
daily snapshots), and the transfers of arrears to the tax roll with their files. Adapters
implement them (DynamoDB, SQS, S3, and in memory)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from civiq.accounts.domain.accounts import AccountStatus
from civiq.collections.domain.agencies import (
    AgencyFile,
    AgencyRoster,
    FileLine,
    Referral,
    ReferralStatus,
    Remittance,
)
from civiq.collections.domain.aging import Receivable
from civiq.collections.domain.aging_snapshots import AgingSnapshot
from civiq.collections.domain.arrangements import Arrangement
from civiq.collections.domain.contacts import Contact
from civiq.collections.domain.dunning import Case, CollectionTask, Ladder
from civiq.collections.domain.kpis import DayFold, KpiMonth, StageFigures
from civiq.collections.domain.risk_history import AccountHistory
from civiq.collections.domain.risk_model import RiskModel
from civiq.collections.domain.risk_scores import RiskScore, ScoringChunk
from civiq.collections.domain.tax_roll import TaxRollLine, TaxRollTransfer, TransferStatus
from civiq.collections.domain.write_offs import WriteOff
from civiq.core.audit import AuditEntry
from civiq.core.events import DomainEvent
from civiq.core.ports import Page
from civiq.ledger.domain.journal import AccountLedger, Posting
from civiq.ledger.domain.receivable_cells import Cell, Cells


class Arrangements(Protocol):
    def of_account(self, account_id: str) -> Sequence[Arrangement]:
        """The account's arrangements, newest first."""
        ...

    def make(self, arrangement: Arrangement, first_check: date, event: DomainEvent) -> None:
        """Keep a new arrangement in force, to be checked on ``first_check``, with its event
        (ArrangementCreated, its own history entry); Conflict, keeping nothing, when the account
        has one in force."""
        ...

    def due_for_check(self, day: date) -> Sequence[Arrangement]:
        """The arrangements in force to be checked on ``day`` or before."""
        ...

    def in_force(self, limit: int, after: str | None) -> Page[Arrangement]:
        """Every account's arrangement in force, the next to be checked first (the order of
        :func:`~civiq.collections.domain.arrangements.check_key`), from after the cursor."""
        ...

    def recheck(self, arrangement: Arrangement, on: date) -> None:
        """Check ``arrangement`` (in force) again on ``on``."""
        ...

    def end(self, before: Arrangement, after: Arrangement, events: Sequence[DomainEvent]) -> bool:
        """Record how ``before`` ended (``after``) with ``events`` (how it ended, and the
        notices of a breach; each its own history entry); False, writing nothing, when it is no
        longer in force (ended by an earlier run)."""
        ...


@dataclass(frozen=True)
class CaseChange:
    """What a case decision writes, all at once: the case after it, the events (the stage
    advanced, its notices) and history entries it emits, and the staff tasks it opens.
    ``ledger_sequence``: the ledger head the decision read (None: not read); the change is
    written only while the account's ledger is still there."""

    after: Case
    ledger_sequence: int | None = None
    events: Sequence[DomainEvent] = ()
    entries: Sequence[AuditEntry] = ()
    tasks: Sequence[CollectionTask] = ()
    contacts: Sequence[Contact] = ()


class CaseRanking(Protocol):
    """Where a case ranks on worklists. Ranking never decides a stage."""

    def ranked(self, case: Case, on: date) -> Case:
        """``case`` with what ranks it (its account's risk) as of ``on``."""
        ...


class Cases(Protocol):
    def current(self, account_id: str) -> Case | None:
        """The account's case that is not closed (open or paused), if any."""
        ...

    def of_account(self, account_id: str) -> Sequence[Case]:
        """The account's cases, newest first."""
        ...

    def open(self, change: CaseChange) -> None:
        """Keep a new case (``change.after``); Conflict, writing nothing, when the account has
        a case that is not closed; LedgerMoved when its ledger moved since it was read."""
        ...

    def save(self, before: Case, change: CaseChange) -> None:
        """Replace ``before`` by ``change.after``; CaseMoved, writing nothing, when the case
        changed since ``before`` was read, LedgerMoved when the ledger did."""
        ...

    def current_cases(self, limit: int, after: str | None) -> Page[Case]:
        """The cases not closed, by account id, from after the ``after`` cursor."""
        ...

    def open_tasks(self, limit: int, after: str | None) -> Page[CollectionTask]:
        """Staff tasks still to do, oldest first, from after the ``after`` cursor."""
        ...

    def worklist(self, assignee: str | None, limit: int, after: str | None) -> Page[Case]:
        """The cases not closed on ``assignee``'s worklist (None: nobody's yet), most exposed
        first (:func:`~civiq.collections.domain.dunning.worklist_key`), from after the ``after``
        cursor."""
        ...

    def contacts(self, account_id: str) -> Sequence[Contact]:
        """The contacts recorded on the account's cases, newest first."""
        ...


class Ladders(Protocol):
    def stored(self) -> Sequence[Ladder]:
        """The ladders the municipality configured (the default ladder serves the others)."""
        ...

    def put(self, ladder: Ladder, entry: AuditEntry) -> None:
        """Keep ``ladder`` for its customer class and revenue category, with its history
        entry."""
        ...


class OpeningMarks(Protocol):
    def last_opened_through(self) -> date | None:
        """The last due date whose delinquent accounts the daily opening went through."""
        ...

    def mark(self, through: date) -> None: ...


class PastDueStatements(Protocol):
    def shards(self) -> int:
        """How many lists the open statements are kept in (an account's are all in one)."""
        ...

    def due_between(self, shard: int, first: date, last: date) -> Iterator[str]:
        """The accounts of list ``shard`` owing on a statement due from ``first`` to ``last``
        (inclusive), once per statement, read from the open statements' index (never a scan)."""
        ...


class RiskHistories(Protocol):
    """The accounts' ledger histories, as the delinquency risk score reads them."""

    def account_ids(self, statuses: Collection[AccountStatus]) -> Iterator[str]:
        """Every account of these statuses, page by page as the caller reads them."""
        ...

    def of_accounts(self, account_ids: Sequence[str], since: date) -> Sequence[AccountHistory]:
        """Their histories from ``since`` (an unknown id is left out)."""
        ...


class RiskModels(Protocol):
    """The trained models, each kept once under its version."""

    def latest(self) -> RiskModel | None:
        """The model trained last (None: none yet)."""
        ...

    def get(self, version: str) -> RiskModel:
        """Raises NotFound."""
        ...

    def save(self, model: RiskModel) -> None:
        """Keep ``model`` (the same version again changes nothing)."""
        ...


class RiskScores(Protocol):
    """Each account's latest score, listed by score, highest first."""

    def get(self, account_id: str) -> RiskScore:
        """Raises NotFound (not scored)."""
        ...

    def several(self, account_ids: Sequence[str]) -> Mapping[str, RiskScore]:
        """The scores of those accounts that have one."""
        ...

    def ranked(self, min_score: float, limit: int, cursor: str | None) -> Page[RiskScore]:
        """Scores of at least ``min_score``, highest first (then by account id)."""
        ...

    def write(self, scores: Sequence[RiskScore]) -> None:
        """Keep each as its account's score, replacing the one before."""
        ...

    def remove(self, account_ids: Sequence[str]) -> None:
        """Forget those accounts' scores (one without is left as it is)."""
        ...


class ScoringQueue(Protocol):
    """Where a scoring run's chunks of accounts wait to be scored."""

    def send(self, chunks: Sequence[ScoringChunk]) -> None: ...


class AgingCells(Protocol):
    """The aging cells the postings keep (:mod:`civiq.ledger.domain.receivable_cells`)."""

    def cells(
        self, family: str, group_prefix: str = "", figures: Sequence[str] | None = None
    ) -> Sequence[Cell]:
        """The cells of ``family`` whose group begins with ``group_prefix``, as parts that add
        up (the same key may come more than once: folded, and of each shard since), with these
        ``figures`` at least (None: all)."""
        ...

    def replace(self, accounts: Iterable[tuple[str, Cells]]) -> int:
        """Make the stored cells the sum of these accounts' cells (``(account id, its cells)``:
        every account's); how many cells were written or deleted (0: they were all right)."""
        ...

    def fold(self) -> int:
        """Fold the cells written since the last fold into the summaries a report reads; how
        many were folded."""
        ...


@dataclass(frozen=True, slots=True)
class LedgerOnFile:
    """An account's ledger, and whether the receivables index lists it."""

    ledger: AccountLedger
    listed: bool

    @property
    def listed_right(self) -> bool:
        """Listed when it owes or is in credit (not otherwise), and counted under a profile."""
        ledger = self.ledger
        owes = bool(ledger.open_statements) or ledger.credit > 0
        return owes == self.listed and (ledger.aged_as is not None or not owes)


class Receivables(Protocol):
    """The accounts that owe or are in credit."""

    def listed(self) -> Iterator[Receivable]:
        """Every account the receivables index lists: those that owe or are in credit."""
        ...

    def ledgers(self) -> Iterator[LedgerOnFile]:
        """Every account's ledger, listed or not (a rebuild's)."""
        ...

    def list(self, ledger: AccountLedger) -> None:
        """List ``ledger``'s account in the receivables index as its ledger stands (or take it
        off, when it owes nothing), counted under the profile it was counted under (its own,
        when it never was). Raises LedgerMoved when the ledger moved since it was read."""
        ...


class AgingSnapshots(Protocol):
    def keep(self, snapshot: AgingSnapshot) -> bool:
        """Keep the day's snapshot; False (keeping nothing) when the day has one."""
        ...

    def on_or_before(self, day: date) -> AgingSnapshot | None:
        """The latest snapshot taken on ``day`` or before."""
        ...


class TaxRollTransfers(Protocol):
    """Transfers of arrears to the tax roll, each with the lines it wrote in a day's file for
    the tax system."""

    def notice(
        self,
        transfer: TaxRollTransfer,
        events: Sequence[DomainEvent],
        entries: Sequence[AuditEntry],
    ) -> None:
        """Keep a noticed transfer with its events (each its own history entry) and history
        ``entries``; Conflict, keeping nothing, when the account has a transfer noticed
        already or the id is taken."""
        ...

    def get(self, transfer_id: str) -> TaxRollTransfer:
        """Raises NotFound."""
        ...

    def listing(
        self,
        status: TransferStatus | None,
        account_id: str | None,
        limit: int,
        after: str | None,
    ) -> Page[TaxRollTransfer]:
        """Transfers of ``status`` (None: any), of ``account_id`` (None: every account's),
        newest first, from after the ``after`` cursor."""
        ...

    def end(
        self, before: TaxRollTransfer, after: TaxRollTransfer, entries: Sequence[AuditEntry]
    ) -> bool:
        """Record that noticed ``before`` was cancelled (``after``) with its history
        ``entries``; False, writing nothing, when it is no longer noticed."""
        ...

    def post(
        self,
        posting: Posting,
        before: TaxRollTransfer,
        after: TaxRollTransfer,
        line: TaxRollLine,
        events: Sequence[DomainEvent],
        entries: Sequence[AuditEntry],
    ) -> bool:
        """Write the ledger ``posting`` (the arrears on or off the tax roll), ``after`` in
        place of ``before``, the file ``line``, ``events`` and history ``entries``, in one
        transaction. False,
        writing nothing, when the posting was written before; raises LedgerMoved when the
        ledger moved since it was read, TransferMoved when the transfer did."""
        ...

    def lines(self, day: date) -> Sequence[TaxRollLine]:
        """The lines of ``day``'s file."""
        ...

    def days(self, limit: int, after: str | None) -> Page[date]:
        """The days with a file, the latest first, from after the ``after`` cursor."""
        ...


class TaxRollFiles(Protocol):
    """The files for the tax system, one per day (written whole: the same lines give the same
    file)."""

    def write(self, day: date, content: bytes) -> str:
        """Keep ``day``'s file; its key."""
        ...

    def url_for(self, day: date, seconds: int) -> str:
        """A short-lived link to ``day``'s file."""
        ...


# --- collection agencies -------------------------------------------------------------------------


class AgencyRosters(Protocol):
    def get(self) -> AgencyRoster:
        """The agencies the municipality contracts (version 0: never saved)."""
        ...

    def save(self, before: AgencyRoster, after: AgencyRoster, entry: AuditEntry) -> None:
        """Replace ``before`` by ``after`` (its next version) with its history entry;
        VersionConflict, writing nothing, when it changed since ``before`` was read."""
        ...


class Referrals(Protocol):
    def find(self, referral_id: str) -> Referral | None: ...

    def in_force(self, account_id: str) -> Referral | None:
        """The account's referral still referred, if any."""
        ...

    def listing(
        self,
        limit: int,
        cursor: str | None,
        *,
        agency: str | None = None,
        status: ReferralStatus | None = None,
        account_id: str | None = None,
    ) -> Page[Referral]:
        """The referrals with these values, newest first, from after the ``cursor``."""
        ...

    def refer(self, referral: Referral, line: FileLine, events: Sequence[DomainEvent]) -> None:
        """Keep a new referral in force with its agency's file line and its events (each its
        history entry); Conflict, keeping nothing, when the account is referred already
        (``account_id``) or the referral id is taken (``referral_id``)."""
        ...

    def end(
        self,
        before: Referral,
        after: Referral,
        line: FileLine | None,
        events: Sequence[DomainEvent],
    ) -> None:
        """Replace ``before`` (referred) by ``after`` (recalled or paid), with the agency's file
        line of a recall and the events; Conflict, writing nothing, when it changed since."""
        ...


class AgencyRemittances(Protocol):
    def get(self, agency: str, remittance_id: str) -> Remittance | None: ...

    def record(
        self,
        remittance: Remittance,
        referrals: Sequence[tuple[Referral, Referral]],
        entries: Sequence[AuditEntry],
    ) -> None:
        """Keep ``remittance`` and each referral's change (before, after), with the history
        entries, all at once; Conflict, writing nothing, when the remittance is kept already
        (``remittance_id``) or a referral changed since it was read."""
        ...


class AgencyFiles(Protocol):
    def lines(self, agency: str, day: date) -> Sequence[FileLine]:
        """The lines of ``agency``'s file of ``day`` (its referrals and recalls)."""
        ...

    def get(self, agency: str, day: date) -> AgencyFile | None:
        """The file, once assembled."""
        ...

    def keep(self, file: AgencyFile, entry: AuditEntry) -> bool:
        """Record an assembled file with its history entry; False, writing nothing, when it
        was recorded already."""
        ...

    def listing(self, limit: int, cursor: str | None) -> Page[AgencyFile]:
        """The files assembled, the latest day first."""
        ...


class AgencyFileStore(Protocol):
    def put_text(self, key: str, text: str, content_type: str) -> None:
        """A file's text at ``key`` (the same key again replaces it)."""
        ...


class WriteOffs(Protocol):
    """Write-offs, kept with the ledger postings that make and reinstate them."""

    def find(self, account_id: str, write_off_id: str) -> WriteOff | None:
        """Read consistently."""
        ...

    def get(self, write_off_id: str) -> WriteOff:
        """Raises NotFound."""
        ...

    def of_account(self, account_id: str) -> Sequence[WriteOff]:
        """The account's write-offs, newest first, read consistently."""
        ...

    def newest(self, account_id: str | None, limit: int, after: str | None) -> Page[WriteOff]:
        """The write-offs of ``account_id`` (None: of every account), newest first, from after
        ``after`` (the cursor: the ``listed_key`` of a page's last write-off)."""
        ...

    def post(
        self,
        posting: Posting,
        made: WriteOff | None = None,
        changed: Sequence[WriteOff] = (),
        events: Sequence[DomainEvent] = (),
    ) -> bool:
        """Write ``posting`` (with billing's part of it), the write-off it ``made`` and those it
        ``changed`` (reinstated), and its events with their history, in one transaction. False,
        writing nothing, when ``posting.guard`` was posted before; LedgerMoved when the
        account's ledger moved since ``posting.basis``; WriteOffIdTaken when ``made``'s id
        names a write-off of another account."""
        ...


class SweepMarks(Protocol):
    """How far the daily small-balance write-off went: the due date it went through."""

    def last_through(self) -> date | None: ...

    def mark(self, through: date) -> None: ...


@dataclass(frozen=True, slots=True)
class KeptKpis:
    """What the collection KPIs keep, read at once: the months the upkeep folded, the last
    upkeep day folded, and each stage's figures."""

    months: Mapping[str, KpiMonth]
    folded_through: date | None
    stages: Mapping[str, StageFigures]


class CollectionKpis(Protocol):
    """The counters the collection KPIs are computed from (:mod:`civiq.collections.domain.kpis`):
    what the postings billed (kept by the ledger), what the aging upkeep folds each day, and
    the stages' figures (kept by every change of a case)."""

    def kept(self) -> KeptKpis:
        """The months folded, the last day folded and the stages' figures."""
        ...

    def billed(self, first_month: str, last_month: str) -> Mapping[tuple[str, str], int]:
        """The ledger's billed counters of those months (inclusive), all shards added up."""
        ...

    def fold(self, folded_through: date | None, fold: DayFold) -> bool:
        """Add ``fold`` to the months and mark its day folded, at once; False (writing nothing)
        when the last day folded is no longer ``folded_through`` (another upkeep went first)."""
        ...
