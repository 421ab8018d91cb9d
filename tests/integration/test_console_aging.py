"""The console's delinquencies page with the receivables' aging (Chalice routing over in-process
moto): the buckets' figures are the JSON aging route's, charted as an image whose alt text names
the table of the same figures, in English and in French; and a console page whose service
fails answers an HTML 500 page in the reader's language, logged with its correlation id."""

from __future__ import annotations

import base64
import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from chalice.test import Client

from civiq.core.dates import MUNICIPAL_TIME_ZONE
from tests.helpers.api import call, ok, open_account
from tests.helpers.logs import api_log_lines
from tests.helpers.owing_books import owe_on
from tests.helpers.web import console_session

DELINQUENCIES = "/dashboard/utilities/delinquencies"


@pytest.fixture
def client(chalice_app: Any) -> Any:
    with Client(chalice_app) as test_client:
        yield test_client


@pytest.fixture
def owing(client: Client) -> None:
    """One account owing 240.00 due 20 days ago (1-30), another 75.50 due 100 days ago
    (91-120)."""
    today = datetime.now(MUNICIPAL_TIME_ZONE).date()
    owe_on(open_account(client, "3 Rue du Retard"), today - timedelta(days=20))
    owe_on(open_account(client, "5 Rue du Retard"), today - timedelta(days=100), "75.50")


def aging_rows(page: str) -> dict[str, tuple[str, str, str]]:
    """The aging table's rows: label -> (items, accounts, owed)."""
    table = page[page.index('<section aria-labelledby="aging">') :]
    table = table[: table.index("</section>")]
    rows = re.findall(
        r'<tr><th scope="row">([^<]+)</th><td class="num">(\d*)</td>'
        r'<td class="num">(\d+)</td><td class="num">([^<]+)</td></tr>',
        table,
    )
    return {label: (items, accounts, owed) for label, items, accounts, owed in rows}


def chart_of(page: str) -> tuple[str, str]:
    """The aging chart's alt text and its SVG."""
    match = re.search(
        r'<img class="chart" src="data:image/svg\+xml;base64,([^"]+)" alt="([^"]+)"', page
    )
    assert match, page
    return match.group(2), base64.b64decode(match.group(1)).decode()


def test_the_aging_is_the_json_routes_charted_and_tabled(client: Client, owing: None) -> None:
    report = ok(call(client, "GET", "/api/v1/ar/aging", None), 200)
    page = console_session(client, "clerk").get(DELINQUENCIES)
    assert page.status_code == 200
    html = page.body.decode()
    assert html.index("Receivables aging") < html.index("Past-due statements")

    rows = aging_rows(html)
    labels = ("Current", "1 to 30 days", "31 to 60 days", "61 to 90 days", "91 to 120 days")
    for label, bucket in zip((*labels, "Over 120 days"), report["buckets"], strict=True):
        items, accounts, owed = rows[label]
        assert (int(items), int(accounts)) == (bucket["items"], bucket["accounts"]), label
        assert owed == f"${bucket['amount']}", label
    assert rows["1 to 30 days"] == ("1", "1", "$240.00")
    assert rows["91 to 120 days"] == ("1", "1", "$75.50")
    assert rows["Total owed"] == ("2", "2", "$315.50") and report["total"]["amount"] == "315.50"
    assert rows["Accounts in credit"] == ("", "0", "$0.00")

    alt, svg = chart_of(html)
    assert "“Receivables aging”" in alt and f"<title>{alt}</title>" in svg
    heights = [float(h) for h in re.findall(r'<rect [^>]*height="([\d.]+)"', svg)]
    assert len(heights) == 6  # one bar per bucket, the tallest the largest amount
    assert heights[1] == max(heights) and 0 < heights[4] < heights[1]
    assert heights[0] == heights[2] == heights[3] == heights[5] == 0
    assert "$240.00" in svg  # the scale's top


def test_the_aging_speaks_french(client: Client, owing: None) -> None:
    html = console_session(client, "clerk", "fr-CA").get(DELINQUENCIES).body.decode()
    rows = aging_rows(html)
    assert rows["1 à 30 jours"] == ("1", "1", "240,00\u00a0$")
    assert rows["Total dû"] == ("2", "2", "315,50\u00a0$")
    alt, _ = chart_of(html)
    assert "Classement chronologique des comptes clients" in alt and "Graphique" in alt


class BrokenAging:
    def report(self, *_: Any, **__: Any) -> Any:
        raise RuntimeError("the aging cells could not be read")


@pytest.mark.parametrize(
    ("language", "heading"),
    [("en-CA", "Something went wrong"), ("fr-CA", "Une erreur est survenue")],
)
def test_a_failing_page_answers_a_logged_html_500(
    client: Client, monkeypatch: pytest.MonkeyPatch, language: str, heading: str
) -> None:
    import chalicelib.console.utilities

    monkeypatch.setattr(chalicelib.console.utilities, "aging", BrokenAging)
    browser = console_session(client, "clerk", language)
    browser.headers["X-Correlation-Id"] = "console-fails-0001"
    with api_log_lines() as logged:
        answer = browser.get(DELINQUENCIES)
    assert answer.status_code == 500
    assert answer.headers["Content-Type"].startswith("text/html")
    assert "script-src 'self'" in answer.headers["Content-Security-Policy"]
    assert answer.headers["X-Correlation-Id"] == "console-fails-0001"
    html = answer.body.decode()
    assert f"<h1>{heading}</h1>" in html and "could not be read" not in html
    assert '"error"' not in html  # not the JSON routes' 500

    failures = [line for line in logged.lines if line["message"] == "unhandled error"]
    assert len(failures) == 1, logged.lines
    assert failures[0]["correlation_id"] == "console-fails-0001"
    assert failures[0]["staff"].startswith("local-clerk-")
    assert "the aging cells could not be read" in failures[0]["exception"]
    (request,) = logged.requests()
    assert request["status"] == 500 and request["correlation_id"] == "console-fails-0001"


def test_a_domain_refusal_is_still_its_own_page(client: Client) -> None:
    answer = console_session(client, "clerk").get(DELINQUENCIES + "?limit=0")
    assert answer.status_code == 400 and "Something went wrong" not in answer.body.decode()
