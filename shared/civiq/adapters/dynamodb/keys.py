"""Every key prefix of the single table, built in one place.

item                   PK                   SK                        GSI1PK / GSI2PK
account                ACCOUNT#<id>         ACCOUNT                   ACCOUNTNO#<number> /
                                                                      ACCOUNTS#<status>
account-number claim   ACCOUNTNO#<number>   CLAIM
sequence counter       COUNTER#<name>       COUNTER
audit entry            <subject id>         AUDIT#<occurred_at>#<id>
outbox event           OUTBOX#<shard>       <occurred_at>#<event_id>

GSI1SK is ACCOUNT (lookup by number); GSI2SK is the account number (lists in number order).

An event's subject id is its subject's partition key (``ACCOUNT#<id>``), and audit entries live
in that partition so an account's history is one Query. The
outbox is spread over OUTBOX_SHARDS partitions so a 300,000-account cycle never heats one key.
"""

from __future__ import annotations

import zlib
from datetime import datetime

OUTBOX_SHARDS = 8
ACCOUNT_SK = "ACCOUNT"
CLAIM_SK = "CLAIM"
COUNTER_SK = "COUNTER"


def account_pk(account_id: str) -> str:
    return f"ACCOUNT#{account_id}"


def account_number_key(number: str) -> str:
    return f"ACCOUNTNO#{number}"


def accounts_with_status(status: str) -> str:
    return f"ACCOUNTS#{status}"


def counter_pk(name: str) -> str:
    return f"COUNTER#{name}"


def audit_sk(occurred_at: datetime, entry_id: str) -> str:
    return f"AUDIT#{occurred_at.isoformat()}#{entry_id}"


def outbox_pk(event_id: str) -> str:
    return f"OUTBOX#{zlib.crc32(event_id.encode()) % OUTBOX_SHARDS}"


def outbox_sk(occurred_at: datetime, event_id: str) -> str:
    return f"{occurred_at.isoformat()}#{event_id}"
