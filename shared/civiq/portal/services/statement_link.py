"""A link to one of the account's statement PDFs that works for a few minutes: the bucket is
never public, and a link copied out of the browser soon stops working."""

from __future__ import annotations

from civiq.core.errors import Conflict
from civiq.portal.ports import AccountStatements, DocumentLinks


class StatementLink:
    """A link to a statement's PDF that works for ``seconds``: the bucket is never public."""

    def __init__(self, statements: AccountStatements, links: DocumentLinks, seconds: int) -> None:
        self._statements = statements
        self._links = links
        self._seconds = seconds

    def __call__(self, account_id: str, statement_id: str) -> str:
        statement = self._statements.get(account_id, statement_id)
        if statement.document_key is None:
            raise Conflict("this statement's document is not ready yet", "statement_id")
        return self._links.url_for(statement.document_key, self._seconds)
