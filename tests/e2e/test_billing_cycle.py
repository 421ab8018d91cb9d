"""A billing cycle end to end in the local stack, as `make run` does it: a demo town's accounts,
meters and reads through the API, the town's rates and a bimonthly cycle; the cycle's latest
ended period runs through Step Functions (Distributed Map) into bilingual statement PDFs in S3,
fetched back through their short-lived links."""

from __future__ import annotations

import io

import pytest
import requests
from pypdf import PdfReader

from civiq.core.clock import SystemClock
from civiq.core.dates import local_today
from civiq.core.staff import Role
from infra.local.demo import load_via_api, municipality
from infra.local.demo_billing import load_billing
from infra.local.run import staff_token
from infra.local.stack import LocalStack
from tests.helpers.stack import http_sender

pytestmark = pytest.mark.e2e


def pdf_text(url: str) -> str:
    answer = requests.get(url, timeout=60)
    assert answer.status_code == 200, answer.text
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(answer.content)).pages)


def test_a_cycle_run_turns_demo_reads_into_bilingual_statement_pdfs(
    stack: LocalStack, api_url: str
) -> None:
    clerk = http_sender(api_url, staff_token(stack, Role.CLERK))
    supervisor = http_sender(api_url, staff_token(stack, Role.SUPERVISOR))
    accounts = load_via_api(municipality(properties=5, seed=4), clerk)  # houses and a building

    billing = load_billing(accounts, supervisor, local_today(SystemClock()))

    run = billing.run
    assert run["status"] == "completed", run
    assert run["failed"] == 0 and set(run["reasons"]) <= {"read-needs-review"}, run
    assert run["billed"] + run["skipped"] == run["selected"] == len(accounts)
    languages = set()
    estimated = 0
    for account in accounts:
        _, page = clerk("GET", f"/api/v1/utility/accounts/{account['id']}/statements", {})
        if not page["items"]:
            continue
        summary = page["items"][0]
        statement_path = f"/api/v1/utility/accounts/{account['id']}/statements/{summary['id']}"
        _, detail = clerk("GET", statement_path, {})
        assert sum(float(line["amount"]) for line in detail["lines"]) == pytest.approx(
            float(detail["subtotal"])
        )
        _, link = clerk("GET", statement_path + "/document", {})
        text = pdf_text(link["url"])
        assert account["account_number_display"] in text
        total = summary["total_due"]
        if account["language"] == "fr":
            assert "Montant dû" in text or "montant dû" in text.lower()
            assert total.replace(".", ",") in text.replace("\u202f", " ").replace("\xa0", " ")
        else:
            assert "Amount due" in text or "amount due" in text.lower()
            assert total in text
        languages.add(account["language"])
        estimated += summary["estimated"]
    assert languages == {"en", "fr"}
    assert estimated >= 1  # one meter's last read is missing: estimated, and marked
