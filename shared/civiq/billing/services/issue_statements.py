"""Render issued statements to PDF, store them, and announce them (StatementIssued).

A statement is announced once its PDF is stored, so the notification channel (and autopay)
always has the document to send. Re-running a batch renders only the statements
without a document yet; the announcement is written with the document's key, atomically, so it
goes out exactly once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from civiq.accounts.domain.account_numbers import AccountNumberScheme
from civiq.billing.domain.cycles import AccountOutcome, Outcome
from civiq.billing.domain.statements import Statement
from civiq.billing.ports import StatementRepository
from civiq.billing.services.billing import BILLING
from civiq.billing.services.statement_document import statement_context, statement_key
from civiq.core.events import DomainEvent
from civiq.core.ports import Clock, DocumentRenderer, DocumentStore, IdGenerator
from civiq.core.publishing import PublishEvents

TEMPLATE = "statement"


@dataclass(frozen=True)
class Letterhead:
    municipality_name: str
    portal_url: str
    numbering: AccountNumberScheme


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
        """Render and announce the billed statements of ``outcomes``; how many were new."""
        issued = 0
        for outcome in outcomes:
            if outcome.outcome is not Outcome.BILLED or outcome.statement_id is None:
                continue
            statement = self.statements.get(outcome.account_id, outcome.statement_id)
            if statement.document_key is None and self.issue(statement):
                issued += 1
        return issued

    def issue(self, statement: Statement) -> bool:
        key = statement_key(statement)
        head = self.letterhead
        context = statement_context(
            statement, head.municipality_name, head.portal_url, numbering=head.numbering
        )
        pdf = self.renderer.render_pdf(TEMPLATE, statement.language, context)
        self.documents.put_pdf(
            key,
            pdf,
            {"account-id": statement.account_id, "statement-id": statement.statement_id},
        )
        event = self._announcement(statement, key)
        if not self.statements.attach_document(statement, key, [event]):
            return False
        self.events.after_commit([event])
        return True

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
