"""Every key prefix of the single table, built in one place.

item                   PK                    SK                       GSI1PK / GSI2PK
account                ACCOUNT#<id>          ACCOUNT                  ACCOUNTNO#<number> /
                                                                      ACCOUNTS#<status>
account-number claim   ACCOUNTNO#<number>    CLAIM
property               PROPERTY#<id>         PROPERTY                 ROLL#<roll number>
roll-number claim      ROLL#<roll number>    CLAIM
customer               CUSTOMER#<id>         CUSTOMER
account link           PROPERTY#<id> or      ACCOUNT#<account id>
                       CUSTOMER#<id>
search entry           SEARCH#<term[:2]>     <term>#<account id>
sequence counter       COUNTER#<name>        COUNTER
history (audit) entry  <subject id>          AUDIT#<occurred_at>#<id>
outbox event           OUTBOX#<shard>        <occurred_at>#<event_id>

GSI1SK is the item kind (ACCOUNT, PROPERTY); GSI2SK is the account number (lists in number
order).

A subject id is the partition key of the entity (``ACCOUNT#<id>``): its history entries live in
that partition, so history is one Query, and a property's or customer's accounts are one Query
of the links in theirs. Search entries are spread over partitions by a term's first two
characters; the outbox over OUTBOX_SHARDS partitions, so a 300,000-account cycle never heats one
key.
"""

from __future__ import annotations

import zlib
from datetime import datetime

OUTBOX_SHARDS = 8
ACCOUNT_SK = "ACCOUNT"
PROPERTY_SK = "PROPERTY"
CUSTOMER_SK = "CUSTOMER"
CLAIM_SK = "CLAIM"
COUNTER_SK = "COUNTER"
LINK_PREFIX = "ACCOUNT#"
AUDIT_PREFIX = "AUDIT#"


def account_pk(account_id: str) -> str:
    return f"ACCOUNT#{account_id}"


def account_number_key(number: str) -> str:
    return f"ACCOUNTNO#{number}"


def accounts_with_status(status: str) -> str:
    return f"ACCOUNTS#{status}"


def property_pk(property_id: str) -> str:
    return f"PROPERTY#{property_id}"


def roll_number_key(roll_number: str) -> str:
    return f"ROLL#{roll_number}"


def customer_pk(customer_id: str) -> str:
    return f"CUSTOMER#{customer_id}"


def link_sk(account_id: str) -> str:
    return f"{LINK_PREFIX}{account_id}"


def search_pk(shard: str) -> str:
    return f"SEARCH#{shard}"


def search_sk(term: str, account_id: str) -> str:
    return f"{term}#{account_id}"


def counter_pk(name: str) -> str:
    return f"COUNTER#{name}"


def audit_sk(occurred_at: datetime, entry_id: str) -> str:
    return f"{AUDIT_PREFIX}{occurred_at.isoformat()}#{entry_id}"


def outbox_pk(event_id: str) -> str:
    return f"OUTBOX#{zlib.crc32(event_id.encode()) % OUTBOX_SHARDS}"


def outbox_sk(occurred_at: datetime, event_id: str) -> str:
    return f"{occurred_at.isoformat()}#{event_id}"
