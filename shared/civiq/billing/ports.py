"""Ports of billing: cycles, their runs, and statements. Adapters implement them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from civiq.accounts.domain.accounts import Account
from civiq.accounts.domain.properties import Property
from civiq.billing.domain.cycles import (
    AccountOutcome,
    BatchRecord,
    BillingRun,
    CycleDefinition,
)
from civiq.billing.domain.simulation import SimulationPart, SimulationReport
from civiq.billing.domain.simulation_jobs import RateSimulation
from civiq.billing.domain.statements import Statement
from civiq.core.audit import AuditEntry
from civiq.core.events import DomainEvent
from civiq.core.language import Language
from civiq.core.ports import Page
from civiq.ledger.domain.journal import AccountLedger, Posting
from civiq.metering.domain.metering import InstalledMeter


class CycleRepository(Protocol):
    def get(self, cycle_id: str) -> CycleDefinition:
        """Raises NotFound."""
        ...

    def all(self) -> Sequence[CycleDefinition]:
        """Every cycle (a municipality has a handful)."""
        ...

    def save(
        self, before: CycleDefinition | None, after: CycleDefinition, entry: AuditEntry
    ) -> None:
        """Create (``before`` None; Conflict if the id exists) or replace if the stored version
        is still ``before.version`` (VersionConflict), with its history entry, atomically."""
        ...


class RunRepository(Protocol):
    def start(self, run: BillingRun, entry: AuditEntry) -> BillingRun:
        """Record a new run, or return the stored one when this cycle period has a run."""
        ...

    def get(self, run_id: str) -> BillingRun:
        """Raises NotFound."""
        ...

    def of_cycle(self, cycle_id: str, limit: int, cursor: str | None) -> Page[BillingRun]:
        """Newest first."""
        ...

    def prepared(self, run_id: str, selected: int, batches: int) -> None:
        """The run's accounts are selected: it is running (again, when an execution reruns it)."""
        ...

    def record_batch(self, run_id: str, record: BatchRecord) -> None:
        """What became of a batch's billing (a retried batch overwrites its record, the record
        of its issuing included: it is issued again)."""
        ...

    def record_issuing(self, run_id: str, batch: int, unrendered: Sequence[AccountOutcome]) -> None:
        """A billed batch's statements were issued, but for ``unrendered`` (the accounts whose
        statement could not be rendered or stored). Raises NotFound when the batch has no
        record."""
        ...

    def batches(self, run_id: str) -> Sequence[BatchRecord]:
        """Every recorded batch, by batch number."""
        ...

    def finish(self, run: BillingRun) -> None:
        """Store the run's final counts and status."""
        ...


class StatementRepository(Protocol):
    def recent(self, account_id: str, limit: int) -> Sequence[Statement]:
        """Issued and cancelled statements, newest period first."""
        ...

    def get(self, account_id: str, statement_id: str) -> Statement:
        """Raises NotFound."""
        ...

    def several(self, ids: Sequence[tuple[str, str]]) -> Sequence[Statement]:
        """The statements of ``(account id, statement id)`` pairs, in their order, read together
        (a batch's: one request per 100); raises NotFound when one is missing."""
        ...

    def of_account(self, account_id: str, limit: int, cursor: str | None) -> Page[Statement]:
        """Newest first."""
        ...

    def issue(self, statement: Statement, entry: AuditEntry, posting: Posting) -> bool:
        """Write the statement, its ``posting`` (its charges on the account's ledger), its
        charges added to the billing totals, and its history entry, atomically; False (nothing
        written) when the account already has this statement (its id is the account number and
        the period end). Raises LedgerMoved, writing nothing, when the account's ledger is no
        longer at the head ``posting`` was computed from."""
        ...

    def cancel_and_rebill(
        self,
        cancelled: Statement,
        rebill: Statement,
        entries: Sequence[AuditEntry],
        posting: Posting,
    ) -> None:
        """Mark ``cancelled`` cancelled (Conflict if it is not issued any more) and issue
        ``rebill`` in its place with its ``posting`` (the cancelled charges reversed, the new
        ones charged), moving the totals by the difference, with the history entries,
        atomically. Both statements are kept. Raises LedgerMoved as :meth:`issue` does."""
        ...

    def attach_documents(self, attachments: Sequence[Attachment]) -> list[Attachment]:
        """Record each rendered PDF's key with its events (to the outbox), atomically for each
        statement and many statements to a request; those attached now (a statement whose
        document was attached before keeps it, and its events are not written)."""
        ...


@dataclass(frozen=True)
class Attachment:
    """A statement's rendered document (its key) and the events announcing it."""

    statement: Statement
    key: str
    events: tuple[DomainEvent, ...]


@dataclass(frozen=True)
class Premises:
    """A property with the meters ever installed at it, as read together."""

    prop: Property
    meters: tuple[InstalledMeter, ...]  # by installation date


@dataclass(frozen=True)
class AccountOnFile:
    """An account and its ledger as they stood when read together (one item holds both), with
    its premises and its latest issued statement when they were read with it (else billing
    reads them)."""

    account: Account
    ledger: AccountLedger
    premises: Premises | None = None
    latest: Statement | None = None
    # the ledger head the latest statement's posting left (None: not known)
    posted_through: int | None = None


class AccountsOnFile(Protocol):
    def several(self, account_ids: Sequence[str]) -> Mapping[str, AccountOnFile]:
        """The accounts with their ledgers, read consistently and together (a batch's: one
        request per 100 accounts); an unknown id is left out."""
        ...


class RunManifests(Protocol):
    """Where a run's batches are written for the workflow's Map state to read."""

    def write(self, run_id: str, batches: Sequence[Mapping[str, object]]) -> Mapping[str, str]:
        """Store ``batches`` as one JSON array; returns its location (``bucket``, ``key``)."""
        ...


class StatementDocuments(Protocol):
    """Rendering and announcing statements issued outside a run (a rebill from the API, which
    does not carry WeasyPrint)."""

    def request(self, statements: Sequence[Statement]) -> None:
        """Have the statements' PDFs rendered and StatementIssued announced (asynchronously:
        the renderer is idempotent, a repeated request changes nothing)."""
        ...


class RateSimulationRepository(Protocol):
    def create(self, simulation: RateSimulation) -> None:
        """Record a new simulation job; Conflict if its id exists."""
        ...

    def get(self, simulation_id: str) -> RateSimulation:
        """Raises NotFound (field ``id``)."""
        ...

    def listing(self, limit: int, cursor: str | None) -> Page[RateSimulation]:
        """Jobs newest first, without their reports."""
        ...

    def finish(self, simulation_id: str, report: SimulationReport, finished_at: datetime) -> bool:
        """Mark a job done with its report; False (nothing changed) when it is done already."""
        ...

    def fail(self, simulation_id: str, reason: str) -> None:
        """Record why the last run failed (a done job is left as it is)."""
        ...

    def plan(self, simulation_id: str, routes: Sequence[str]) -> tuple[str, ...]:
        """Fix the routes of a job's parts, unless fixed already: the routes fixed."""
        ...

    def part_done(self, simulation_id: str, part: int) -> int:
        """Mark a part done, atomically and once: how many parts are done now."""
        ...


class SimulationQueue(Protocol):
    def send(self, simulation_id: str, part: int = 0) -> None:
        """Ask the rate-simulation worker to run a part of the job (the first part plans it)."""
        ...


class SimulationParts(Protocol):
    """Each part's accounts, kept until the last part merges them into the report."""

    def put(self, simulation_id: str, part: int, result: SimulationPart) -> None: ...

    def get(self, simulation_id: str, part: int) -> SimulationPart: ...


class SimulationFiles(Protocol):
    """The exports of a simulation, kept for staff to fetch through presigned GETs."""

    def put(self, key: str, body: bytes, content_type: str, file_name: str) -> None: ...


class SimulationDocument(Protocol):
    """The report as a PDF in one language."""

    def render(self, simulation: RateSimulation, language: Language) -> bytes: ...
