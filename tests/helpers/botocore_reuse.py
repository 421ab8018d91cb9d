"""Reuse what botocore builds, across the tests of one process.

Every botocore ``Session`` builds its own data loader, which reads and parses the service models
(JSON of hundreds of kilobytes each) and the endpoint rules again, and registers every built-in
event handler again. moto's ``mock_aws`` starts each test with a fresh boto3 default session,
PyNamoDB opens a session per model connection (rebuilt by ``configure_models`` on every cold
start), and moto's Step Functions builds a client per task: without reuse the integration tests
spent about half of their time parsing the same JSON and building the same sessions.

Nothing observable changes: the loader's caches are read-only data that one session already
shares between all of its clients, and a PyNamoDB connection still gets a session of its own
thread (botocore's client creation is not thread-safe), with the region and endpoint it asks for.
"""

from __future__ import annotations

import functools
import threading

import botocore.loaders
import botocore.session
import pynamodb.connection.base

_local = threading.local()
_shared_loader = functools.cache(botocore.loaders.create_loader)


def _thread_session() -> botocore.session.Session:
    session: botocore.session.Session | None = getattr(_local, "session", None)
    if session is None:
        session = _local.session = botocore.session.get_session()
    return session


def reuse_botocore() -> None:
    """One data loader per search path for every new botocore session, and one session per
    thread for PyNamoDB's connections (idempotent)."""
    botocore.session.create_loader = _shared_loader
    pynamodb.connection.base.get_session = _thread_session
