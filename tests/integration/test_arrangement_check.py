"""The daily arrangement check as deployed (functions/arrangement_check) on in-process moto: an
arrangement whose down payment was not paid by its grace is broken once, with its history entry;
a rerun the same day finds nothing to check."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest

from civiq.collections.adapters.dynamodb import DynamoArrangements
from civiq.collections.domain.arrangements import (
    Arrangement,
    ArrangementPolicy,
    ArrangementStatus,
    ArrangementTerms,
    InstalmentFrequency,
    instalments,
)
from civiq.core.events import Actor, DomainEvent
from civiq.platform.dynamodb.audit import DynamoAuditLog
from infra.local.lambda_runtime import import_isolated
from tests.helpers.emulator import COLLECTION_CASE_MACHINE, function_environment
from tests.helpers.files import REPO
from tests.helpers.handlers import Context
from tests.helpers.workflows import metered_account

TORONTO = ZoneInfo("America/Toronto")


def test_the_scheduled_function_breaks_a_missed_arrangement_once(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    function_environment(monkeypatch, COLLECTION_CASE_STATE_MACHINE_ARN=COLLECTION_CASE_MACHINE)
    account, _ = metered_account("Élise Tremblay", "12 Rue Laurier")
    today = datetime.now(TORONTO).date()  # the function runs on the system clock
    made_on = today - timedelta(days=6)  # its down payment's grace (5 days) ended yesterday
    terms = ArrangementTerms(
        D("300.00"), D("60.00"), 3, InstalmentFrequency.MONTHLY, made_on + timedelta(30), made_on
    )
    made = Arrangement(
        "ARR-1",
        account.account_id,
        terms,
        instalments(terms, ArrangementPolicy()),
        "clerk-1",
        datetime.now(UTC) - timedelta(days=6),
        ledger_head=0,
    )
    created = DomainEvent(
        "E-ARR-1",
        "ArrangementCreated",
        1,
        made.made_at,
        Actor("clerk-1", "clerk"),
        "c",
        f"ACCOUNT#{account.account_id}",
        {},
    )
    DynamoArrangements().make(made, today, created)
    code = REPO / "functions" / "arrangement_check"
    function = import_isolated(code, code / "handler.py", "_arrangement_check_test")
    scheduled = {"id": "sched-1", "detail-type": "Scheduled Event", "source": "aws.events"}

    first = function.handler(scheduled, Context())
    again = function.handler(scheduled, Context())

    assert first == {"kept": 0, "broken": 1, "completed": 0}
    assert again == {"kept": 0, "broken": 0, "completed": 0}
    (broken,) = DynamoArrangements().of_account(account.account_id)
    assert (broken.status, broken.ended_on) == (ArrangementStatus.BROKEN, today)
    history = DynamoAuditLog().entries_for(f"ACCOUNT#{account.account_id}", 50, None).items
    assert [e.action for e in history if e.action.startswith("Arrangement")].count(
        "ArrangementBroken"
    ) == 1
