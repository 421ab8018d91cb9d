"""Each request's log lines name its own caller and correlation id: nothing of the previous
request (its staff member, its correlation id) leaks into the next, even when requests of
different callers run at the same time (the local stack serves them on threads)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from chalice.test import Client

from civiq.core.staff import Role
from tests.helpers.api import API, bearer, headers
from tests.helpers.logs import Lines, api_log_lines

ACCOUNTS = f"{API}/accounts"


@pytest.fixture
def logged(chalice_app: Any) -> Iterator[Lines]:
    with api_log_lines() as lines:
        yield lines


def test_a_request_without_a_token_is_not_logged_as_the_previous_caller(
    chalice_app: Any, logged: Lines
) -> None:
    with Client(chalice_app) as client:
        staff = client.http.get(
            ACCOUNTS, headers={**bearer(Role.CLERK), "X-Correlation-Id": "first-call-0001"}
        )
        assert staff.status_code == 200
        anonymous = client.http.get(ACCOUNTS, headers=headers())
        assert anonymous.status_code == 401

    first, second = logged.requests()
    assert first["staff"] == "staff-7" and first["correlation_id"] == "first-call-0001"
    assert "staff" not in second and "role" not in second
    assert second["correlation_id"] != "first-call-0001"
    assert second["status"] == 401


def test_concurrent_requests_keep_their_own_correlation_ids(
    chalice_app: Any, logged: Lines
) -> None:
    calls = 12
    barrier = threading.Barrier(calls)
    answers: dict[str, str] = {}

    def one(n: int) -> None:
        cid = f"concurrent-{n:04d}"
        barrier.wait()
        with Client(chalice_app) as client:
            response = client.http.get(ACCOUNTS, headers={**bearer(), "X-Correlation-Id": cid})
        answers[cid] = response.headers["X-Correlation-Id"]

    threads = [threading.Thread(target=one, args=(n,)) for n in range(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert answers == {cid: cid for cid in answers} and len(answers) == calls
    logged_ids = sorted(line["correlation_id"] for line in logged.requests())
    assert logged_ids == sorted(answers)
