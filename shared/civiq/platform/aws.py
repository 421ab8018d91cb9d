"""boto3 clients, built lazily and cached per (service, region, endpoint)."""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 5}, connect_timeout=3, read_timeout=10
)


@cache
def client(service: str, region: str, endpoint_url: str | None) -> Any:
    session: Any = boto3.session.Session()  # typed per service; the name is a runtime value
    return session.client(service, region_name=region, endpoint_url=endpoint_url, config=_CONFIG)
