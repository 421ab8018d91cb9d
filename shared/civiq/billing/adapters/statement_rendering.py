"""StatementDocuments through the statement renderer function, invoked asynchronously."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from civiq.billing.domain.statements import Statement


class LambdaStatementDocuments:
    def __init__(self, lambda_client: Any, function_name: str) -> None:
        self._lambda = lambda_client
        self._function = function_name

    def request(self, statements: Sequence[Statement]) -> None:
        payload = {
            "run_id": statements[0].replaces or statements[0].statement_id,
            "billed": [
                {"account_id": s.account_id, "statement_id": s.statement_id} for s in statements
            ],
        }
        self._lambda.invoke(
            FunctionName=self._function, InvocationType="Event", Payload=json.dumps(payload)
        )
