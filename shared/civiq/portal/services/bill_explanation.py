"""One statement as the portal explains it: the statement's own content (each line with how its
amount was reached, the taxes, the balance forward, the consumption chart), worded by the same
templates as its PDF."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from civiq.accounts.domain.account_numbers import AccountNumberScheme
from civiq.billing.services.statement_document import statement_context
from civiq.core.letterhead import Letterhead
from civiq.portal.ports import AccountStatements


class ExplainBill:
    def __init__(
        self,
        statements: AccountStatements,
        numbering: AccountNumberScheme,
        letterhead: Letterhead,
        portal_url: str,
    ) -> None:
        self._statements = statements
        self._numbering = numbering
        self._letterhead = letterhead
        self._portal_url = portal_url

    def __call__(self, account_id: str, statement_id: str) -> Mapping[str, object]:
        """The statement's template context (NotFound: not one of this account's)."""
        statement = self._statements.get(account_id, statement_id)
        return {
            **statement_context(
                statement,
                self._letterhead.name,
                self._portal_url,
                numbering=self._numbering,
                # One language on a page: the page's language switch gives the other.
                letterhead=replace(self._letterhead, bilingual=False),
            ),
            "statement_id": statement.statement_id,
            "has_document": statement.document_key is not None,
        }
