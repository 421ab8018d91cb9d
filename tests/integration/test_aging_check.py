"""`make aging-check` and `make aging-rebuild` (infra/tools/aging_check.py) on in-process moto:
the check passes on the cells the postings kept, names the cells a broken table holds wrong and
the accounts the index lists wrong, and a rebuild (a migration: accounts whose postings kept no
cells) makes it pass again, a second rebuild writing nothing."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import boto3
import pytest

from civiq.ledger.domain.receivable_cells import TYPE_FAMILY
from infra.tools.aging_check import main
from tests.helpers.aging import aging_world, portfolio, stored_cells
from tests.helpers.emulator import REGION, TABLE, function_environment
from tests.helpers.stores import dynamodb_stores


def run(capsys: pytest.CaptureFixture[str], action: str) -> tuple[int, Any]:
    status = main([action])
    return status, json.loads(capsys.readouterr().out)


def test_the_check_finds_what_the_rebuild_repairs(
    aws: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    function_environment(monkeypatch)
    world = aging_world(dynamodb_stores())
    person = portfolio(world).person
    assert run(capsys, "check") == (0, {"off": [], "misindexed": []})
    table = boto3.client("dynamodb", region_name=REGION)
    for cell in stored_cells(
        TYPE_FAMILY
    ):  # as before aging: no cells, and the accounts not in the index
        table.delete_item(TableName=TABLE, Key={"PK": cell["PK"], "SK": cell["SK"]})
    table.update_item(
        TableName=TABLE,
        Key={"PK": {"S": f"ACCOUNT#{person.account_id}"}, "SK": {"S": "ACCOUNT"}},
        UpdateExpression="REMOVE GSI3PK, GSI3SK",
    )

    status, found = run(capsys, "check")

    assert status == 1
    assert found["misindexed"] == [person.account_id]
    off = {(f["group"], f["due_on"]): f["figures"].get("c") for f in found["off"]}
    assert off[("single-family", date(2026, 7, 20).isoformat())] == -3000  # 30.00 missing
    assert run(capsys, "rebuild")[0] == 0
    assert run(capsys, "check") == (0, {"off": [], "misindexed": []})
    assert run(capsys, "rebuild") == (0, {"accounts": 3, "listed": 0, "written": 0})


def test_without_its_tables_it_cannot_check(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("TABLE_NAME", raising=False)

    assert main(["check"]) == 2
    assert "table_name" in capsys.readouterr().err
