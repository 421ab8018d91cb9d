"""A resident arranges their arrears on the portal, through Chalice's routing over in-process
moto: the instalments the policy allows are offered, the arrangement is made by collections'
use case with the resident as its actor, the account's collection case is paused at once (its
execution stopped), and the account page shows the arrangement in force."""

from __future__ import annotations

import json

import boto3
import pytest
from chalice.test import Client

from civiq.collections.adapters.dynamodb import DynamoArrangements
from civiq.collections.adapters.dynamodb_cases import DynamoCases
from civiq.collections.config import CollectionSettings
from civiq.collections.domain.dunning import CaseStatus
from civiq.collections.wiring import case_services, casework
from civiq.core.events import Actor
from tests.helpers.emulator import COLLECTION_CASE_MACHINE, REGION
from tests.helpers.portal_accounts import NUMBERING, owing_account
from tests.helpers.stores import dynamodb_stores
from tests.helpers.web import Browser

CLERK = Actor("clerk-1", "clerk")


@pytest.fixture
def account(aws: None) -> dict[str, str]:
    """Owing 240.00 on a statement due on 2026-10-20: past due."""
    return owing_account(dynamodb_stores())


@pytest.fixture
def case_machine(aws: None) -> str:
    """A stand-in collection-case workflow: an execution waits (running) until stopped."""
    definition = {
        "StartAt": "Wait",
        "States": {"Wait": {"Type": "Wait", "Seconds": 86400, "End": True}},
    }
    boto3.client("stepfunctions", region_name=REGION).create_state_machine(
        name=COLLECTION_CASE_MACHINE.rsplit(":", 1)[1],
        definition=json.dumps(definition),
        roleArn="arn:aws:iam::123456789012:role/x",
    )
    return COLLECTION_CASE_MACHINE


@pytest.fixture
def resident(portal: Client, account: dict[str, str]) -> Browser:
    return Browser(portal).signed_in(account["number"])


def execution_status(name: str) -> str:
    arn = f"{COLLECTION_CASE_MACHINE.replace(':stateMachine:', ':execution:', 1)}:{name}"
    return str(
        boto3.client("stepfunctions", region_name=REGION).describe_execution(executionArn=arn)[
            "status"
        ]
    )


def test_the_account_page_offers_an_arrangement_when_past_due(resident: Browser) -> None:
    page = resident.get("/portal/account").body.decode()
    assert 'href="/portal/arrangement"' in page


def test_the_instalments_offered_keep_each_above_the_policys_minimum(resident: Browser) -> None:
    page = resident.get("/portal/arrangement").body.decode()
    assert "You owe $240.00 past due" in page
    # 240.00 in instalments of at least 25.00: up to 9
    assert 'value="9"' in page and 'value="10"' not in page
    assert "3 \u00d7 about $80.00" in page


def test_an_arrangement_pauses_the_collection_case_at_once(
    case_machine: str, resident: Browser, account: dict[str, str]
) -> None:
    case = case_services(casework(CollectionSettings())).open(account["account_id"], CLERK, "c")
    assert execution_status(case.execution) == "RUNNING"

    answer = resident.post("/portal/arrangement", {"instalments": "3"})
    assert answer.status_code == 303, answer.body
    assert answer.headers["Location"] == "/portal/account?arranged=1"

    (made,) = DynamoArrangements().of_account(account["account_id"])
    assert made.made_by == "resident" and len(made.instalments) == 3
    assert [i.amount for i in made.instalments] == [made.terms.owed / 3] * 3
    paused = DynamoCases().current(account["account_id"])
    assert paused is not None and paused.status is CaseStatus.PAUSED
    assert paused.paused_by == f"arrangement:{made.arrangement_id}"
    assert execution_status(case.execution) == "ABORTED"

    page = resident.get("/portal/account?arranged=1").body.decode()
    assert "Your payment arrangement is in force" in page
    assert "Your payment arrangement</h2>" in page and "$80.00" in page
    assert 'href="/portal/arrangement"' not in page


def test_the_form_sent_twice_makes_one_arrangement(
    resident: Browser, account: dict[str, str]
) -> None:
    first = resident.post("/portal/arrangement", {"instalments": "2"})
    second = resident.post("/portal/arrangement", {"instalments": "2"})
    assert first.status_code == second.status_code == 303
    assert len(DynamoArrangements().of_account(account["account_id"])) == 1
    page = resident.get("/portal/arrangement").body.decode()
    assert "is in force" in page and 'name="instalments"' not in page


@pytest.mark.parametrize("instalments", ["10", "0", "x", ""])
def test_a_number_not_offered_is_named(
    resident: Browser, account: dict[str, str], instalments: str
) -> None:
    answer = resident.post("/portal/arrangement", {"instalments": instalments})
    assert answer.status_code == 400
    page = answer.body.decode()
    assert 'href="#instalments"' in page and 'aria-invalid="true"' in page
    assert DynamoArrangements().of_account(account["account_id"]) == []


def test_in_french(portal: Client, account: dict[str, str]) -> None:
    resident = Browser(portal, "fr-CA").signed_in(account["number"])
    page = resident.get("/portal/arrangement").body.decode()
    assert "Nombre de versements mensuels" in page and "240,00\u00a0$" in page


def test_without_arrears_nothing_is_offered(portal: Client, aws: None) -> None:
    opened = dynamodb_stores().open("Marc Roy", "19 Rue Laval")
    resident = Browser(portal).signed_in(NUMBERING.display(opened.account_number))
    page = resident.get("/portal/arrangement").body.decode()
    assert (
        "there is nothing to arrange" in page
        and '<form method="post" action="/portal/arrangement"' not in page
    )
