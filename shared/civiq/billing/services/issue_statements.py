"""Render issued statements to PDF, store them, and announce them (StatementIssued).

A statement is announced once its PDF is stored, so the notification channel (and autopay)
always has the document to send. Re-running a batch renders only the statements
without a document yet; the announcement is written with the document's key, atomically, so it
goes out exactly once. In a run, a statement that cannot be rendered or stored fails its account
(recorded with the batch, counted in the run) and the batch goes on.

The statements are read together (one request per 100). Once the batch's PDFs are stored, their
keys are attached with the announcements (to the outbox) in transactions of 33 statements, each
statement's document and announcement together; the announcements are then published together:
a crash before the attaching renders the batch's statements again when it is retried (the PDFs
are overwritten, nothing is announced twice), a crash after it leaves them in the outbox, which
the relay publishes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from civiq.accounts.domain.account_numbers import AccountNumberScheme
from civiq.billing.domain.cycles import AccountOutcome, Outcome, not_rendered
from civiq.billing.domain.statements import Statement
from civiq.billing.ports import Attachment, RunRepository, StatementRepository
from civiq.billing.services.billing import BILLING
from civiq.billing.services.statement_document import statement_context, statement_key
from civiq.core.dates import local_today
from civiq.core.events import DomainEvent
from civiq.core.letterhead import Letterhead as MunicipalLetterhead
from civiq.core.ports import Clock, DocumentRenderer, DocumentStore, IdGenerator
from civiq.core.publishing import PublishEvents

logger = logging.getLogger("civiq")

TEMPLATE = "statement"


@dataclass(frozen=True)
class Letterhead:
    municipality_name: str
    portal_url: str
    numbering: AccountNumberScheme
    # The configured logo, contact block and remittance address; the name alone where None.
    municipality: MunicipalLetterhead | None = None


@dataclass(frozen=True)
class Issuance:
    issued: int  # statements announced now (not those announced before)
    unrendered: tuple[AccountOutcome, ...]  # failed: their PDF could not be rendered or stored


@dataclass(frozen=True)
class IssueStatements:
    statements: StatementRepository
    renderer: DocumentRenderer
    documents: DocumentStore
    events: PublishEvents
    letterhead: Letterhead
    clock: Clock
    ids: IdGenerator

    def __call__(self, outcomes: Sequence[AccountOutcome]) -> int:
        """Render and announce the billed statements of ``outcomes``; how many were new.

        What rendering or storing one raises propagates: a final bill or a rebill fails, and
        its caller retries or reports it."""
        documented = [(s, self._document(s)) for s in self._undocumented(outcomes)]
        announced = self._attach(documented)
        self._publish(announced)
        return len(announced)

    def each(self, outcomes: Sequence[AccountOutcome]) -> Issuance:
        """Like calling it, for a run's batch: a statement whose PDF cannot be rendered or
        stored is reported (its account failed, the error's type its reason) and the others go
        on. A failure to announce (the table) still stops the batch: the workflow retries it."""
        documented, unrendered = [], []
        for statement in self._undocumented(outcomes):
            try:
                key = self._document(statement)
            except Exception as error:  # WeasyPrint, Jinja or S3: whatever fails this statement
                logger.exception(
                    "statement not rendered",
                    extra={
                        "account_id": statement.account_id,
                        "statement_id": statement.statement_id,
                    },
                )
                unrendered.append(not_rendered(statement.account_id, statement.statement_id, error))
                continue
            documented.append((statement, key))
        announced = self._attach(documented)
        self._publish(announced)
        return Issuance(len(announced), tuple(unrendered))

    def _undocumented(self, outcomes: Sequence[AccountOutcome]) -> Iterator[Statement]:
        billed = [
            (o.account_id, o.statement_id)
            for o in outcomes
            if o.outcome is Outcome.BILLED and o.statement_id is not None
        ]
        for statement in self.statements.several(billed) if billed else ():
            if statement.document_key is None:
                yield statement

    def _document(self, statement: Statement) -> str:
        """The statement's PDF, rendered and stored: its key."""
        key = statement_key(statement)
        head = self.letterhead
        context = statement_context(
            statement,
            head.municipality_name,
            head.portal_url,
            numbering=head.numbering,
            letterhead=head.municipality,
            printed_on=local_today(self.clock),
        )
        pdf = self.renderer.render_pdf(TEMPLATE, statement.language, context)
        self.documents.put_pdf(
            key,
            pdf,
            {"account-id": statement.account_id, "statement-id": statement.statement_id},
        )
        return key

    def _attach(self, documented: Sequence[tuple[Statement, str]]) -> list[DomainEvent]:
        """Attach the stored documents with their statements' announcements (to the outbox),
        many statements to a request: the announcements of those attached now (not of a
        statement whose document was attached before)."""
        attachments = [
            Attachment(statement, key, (self._announcement(statement, key),))
            for statement, key in documented
        ]
        attached = self.statements.attach_documents(attachments)
        return [event for attachment in attached for event in attachment.events]

    def _publish(self, announced: Sequence[DomainEvent]) -> None:
        if announced:
            self.events.after_commit(announced)

    def _announcement(self, statement: Statement, key: str) -> DomainEvent:
        bill = statement.bill
        after_due = bill.total_after_due
        return DomainEvent(
            event_id=self.ids.new_id(),
            event_type="StatementIssued",
            version=1,
            occurred_at=self.clock.now(),
            actor=BILLING,
            correlation_id=statement.run_id or statement.statement_id,
            subject_id=f"ACCOUNT#{statement.account_id}",
            detail={
                "statement_id": statement.statement_id,
                "account_id": statement.account_id,
                "account_number": statement.account_number,
                "kind": statement.kind.value,
                "cycle_id": statement.cycle_id,
                "run_id": statement.run_id,
                "period_start": bill.first_day.isoformat(),
                "period_end": bill.period_end.isoformat(),
                "issued_on": statement.issued_on.isoformat(),
                "due_on": statement.due_on.isoformat(),
                "new_charges": str(bill.total),
                "total_due": str(statement.total_due),
                "total_after_due": None if after_due is None else str(after_due),
                "estimated": statement.estimated,
                "language": statement.language.value,
                "document_key": key,
                "replaces": statement.replaces,
            },
        )


@dataclass(frozen=True)
class IssueBatch:
    """Issue a billed batch's statements and record it with the run: the batch is done, its
    accounts whose statement could not be rendered failed (the run is incomplete until a resumed
    run renders them)."""

    issue: IssueStatements
    runs: RunRepository

    def __call__(self, run_id: str, batch: int, billed: Sequence[AccountOutcome]) -> Issuance:
        issuance = self.issue.each(billed)
        self.runs.record_issuing(run_id, batch, issuance.unrendered)
        return issuance
