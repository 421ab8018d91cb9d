"""The tables' map, and the keys every feature shares, built here.

Two tables share one key schema (PK, SK). The main table holds every item but the ledger's
records; the ledger table holds those (entries, posting guards, payments, refunds: the last
rows below), because IAM grants by table and by partition key only, and the ledger's items
share the account's partition. Only the functions that post may write the ledger table, and only
by PutItem (template.yaml, tests/integration/test_iam_least_privilege.py). No data predates the
split: nothing was migrated.

Built here (several features read them): accounts, properties, customers, their claims, links
and search entries, counters, account counts, history, the outbox, meters, reads, reading
imports and rate schedules. An item that one feature alone writes and reads has its keys built
beside its model in that feature's DynamoDB adapter (the last column), listed here too so that
this table is the whole map and no two prefixes collide.

item                   PK                    SK                       GSI1PK / GSI2PK
account                ACCOUNT#<id>          ACCOUNT                  ACCOUNTNO#<number> /
                                                                      ACCOUNTS#<status>
account-number claim   ACCOUNTNO#<number>    CLAIM
property               PROPERTY#<id>         PROPERTY                 ROLL#<roll number>
roll-number claim      ROLL#<roll number>    CLAIM
customer               CUSTOMER#<id>         CUSTOMER
account link           PROPERTY#<id>,        ACCOUNT#<account id>
                       CUSTOMER#<id> or
                       ROUTE#<route>
search entry           SEARCH#<term[:2]>     <term>#<account id>
sequence counter       COUNTER#<name>        COUNTER
account counts         TOTALS                ACCOUNTS#<shard>         (billing totals share
                                                                      the partition)
history (audit) entry  <subject id>          AUDIT#<occurred_at>#<id>
outbox event           OUTBOX#<shard>        <occurred_at>#<event_id>
meter                  METER#<id>            METER
meter serial claim     SERIAL#<serial>       CLAIM
meter link             PROPERTY#<id>         METER#<meter id>
meter slot claim       PROPERTY#<id>         METERSLOT#<unit or *>    (the meter in service)
meter read             METER#<id>            READ#<yyyy-mm-dd>        READS#pending-review (GSI2,
                                                                      sparse: while pending)
reading import         IMPORT#<id>           IMPORT
import row outcome     IMPORT#<id>           ROW#<line, 7 digits>
import row error       IMPORT#<id>           ERROR#<line, 7 digits>
rate schedule          RATE#<id>             SCHEDULE                 RATES (GSI1; GSI1SK: <id>)

Built in a feature's adapter (module under ``civiq.``):
item                   PK                    SK                       where
billing cycle          CYCLES                <cycle id>               billing.adapters.dynamodb
billing run            CYCLE#<cycle id>      RUN#<period end>         (same)
run batch              RUN#<run id>          BATCH#<batch, 6 digits>  (same)
statement              ACCOUNT#<id>          STATEMENT#<statement id> (same); GSI1PK STATEMENTS#
                                                                      <run, or kind-month>; GSI2PK
                                                                      OPEN#<shard> while owed
billing totals         TOTALS                MONTH#<yyyy-mm>#<shard>, (same)
                                             OUTSTANDING#<shard>
processor event        PROCESSOR#<payment>   EVENT#<event id>         payments.adapters.
                                                                      dynamodb_processor_events
payment assignment     PROCESSOR#<payment>   ASSIGNED                 payments.adapters.dynamodb_
processor exception    PROCESSOREXCEPTION#   EXCEPTION                processor_exceptions; GSI2PK
                       <event id>                                     PROCESSOREXCEPTIONS#<status>
remittance file, line  REMITTANCE#<id>       FILE, LINE#<line, 7>     payments.adapters.
                                                                      dynamodb_remittances
remittance exception   REMITTANCE#EXCEPTIONS <paid on>#<file>#<line>  (same)
transfer               TRANSFER#<id>         TRANSFER                 accounts.adapters.
                                                                      dynamodb_workflows; GSI2PK
                                                                      TRANSFERS#<status>
open-transfer claim    PROPERTY#<id>         TRANSFER#OPEN            (same)
workflow milestone     <subject id>          MILESTONE#<name>         (same)
report export          EXPORT#<id>           EXPORT                   reporting.adapters.
                                                                      dynamodb_exports
work item              WORKITEM#<id>         WORKITEM                 operations.adapters.
                                                                      dynamodb; GSI1PK
                                                                      WORKQUEUE#<status>
fee catalogue          FEES                  CATALOGUE                ledger.adapters.
                                                                      dynamodb_fees
aging cell             AGING#TYPE,           <type>#<due>#<shard>,    ledger.adapters.
                       AGING#ROUTE           <route>#<type>#<due>#    dynamodb_receivables
                                             <shard> (due or CREDIT)
aging summary          AGING-SUMMARY         TYPE, ROUTE#<route>      collections.adapters.
aging snapshot         AGING-SNAPSHOTS       <yyyy-mm-dd>             dynamodb_aging
risk model             RISK-MODEL            VERSION#<version>        collections.adapters.
risk score             ACCOUNT#<id>          RISK-SCORE               dynamodb_risk; GSI2PK
                                                                      RISK-SCORES
delivery               NOTIFICATION#<id>     DELIVERY                 notices.adapters.dynamodb_
                                                                      deliveries; GSI1PK
                                                                      CORRESPONDENCE#<account>
queued letter          PRINTQUEUE#<day>      LETTER#<notification>    (same)
print file, part       PRINTFILES,           <day>, PART#<part, 3>    (same)
                       PRINTFILE#<day>
email suppression      SUPPRESSION#<address> SUPPRESSION              (same)

In the ledger table (no index; every item is put once and never updated or deleted, but a
payment's record, put again whole by each posting that changes it):
ledger entry           ACCOUNT#<id>          LEDGER#<sequence, 10>    ledger.adapters.
posting guard          ACCOUNT#<id>          POSTED#<guard>           dynamodb_journal
payment                ACCOUNT#<id>          PAYMENT#<payment id>     ledger.adapters.
refund                 ACCOUNT#<id>          REFUND#<payment>#<id>    dynamodb_postings

An account that owes or is in credit also has GSI3PK ``RECEIVABLES#<shard>`` / GSI3SK its id
(the receivables index: ledger.adapters.dynamodb_receivables).

GSI1SK is the item kind (ACCOUNT, PROPERTY) unless said otherwise; GSI2SK is the account number
(lists in number order), ``<read date>#<meter id>`` for reads pending review (oldest first),
``<due date>#<statement id>`` for open statements, ``<submitted at>#<transfer id>`` for the
transfers of a status (oldest first), ``<received or decided at>#<event id>`` for processor
exceptions, ``<recorded at>#<item id>`` (GSI1SK) for the work items of a status,
``<requested at>#<notification id>`` (GSI1SK) for an account's deliveries (latest first), or
``<10000 - score in ten-thousandths>#<account id>`` for the risk scores (highest first).

A subject id is the partition key of the entity (``ACCOUNT#<id>``): its history entries live in
that partition, so history is one Query, and a property's or customer's accounts are one Query
of the links in theirs. Search entries are spread over partitions by a term's first two
characters; the outbox over OUTBOX_SHARDS partitions, so a 300,000-account cycle never heats one
key.
"""

from __future__ import annotations

import zlib
from datetime import date, datetime

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


def account_id_of(pk: str) -> str:
    """The account id of an item in an account's partition."""
    return pk.removeprefix(account_pk(""))


def account_number_key(number: str) -> str:
    return f"ACCOUNTNO#{number}"


def accounts_with_status(status: str) -> str:
    return f"ACCOUNTS#{status}"


def property_pk(property_id: str) -> str:
    return f"PROPERTY#{property_id}"


def route_pk(route: str) -> str:
    return f"ROUTE#{route}"


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


ACCOUNT_COUNT_SHARDS = 8
TOTALS_PK = "TOTALS"  # maintained aggregates the dashboard reads: one partition, one Query
SHUTOFF_WARNED_PREFIX = "SHUTOFF-WARNED#"  # accounts under a shutoff warning, sharded


def account_counts_key(account_id: str) -> tuple[str, str]:
    shard = zlib.crc32(account_id.encode()) % ACCOUNT_COUNT_SHARDS
    return TOTALS_PK, f"ACCOUNTS#{shard}"


def shutoff_warned_key(account_id: str) -> tuple[str, str]:
    shard = zlib.crc32(account_id.encode()) % ACCOUNT_COUNT_SHARDS
    return TOTALS_PK, f"{SHUTOFF_WARNED_PREFIX}{shard}"


def counter_pk(name: str) -> str:
    return f"COUNTER#{name}"


def audit_sk(occurred_at: datetime, entry_id: str) -> str:
    return f"{AUDIT_PREFIX}{occurred_at.isoformat()}#{entry_id}"


def outbox_pk(event_id: str) -> str:
    return f"OUTBOX#{zlib.crc32(event_id.encode()) % OUTBOX_SHARDS}"


def outbox_sk(occurred_at: datetime, event_id: str) -> str:
    return f"{occurred_at.isoformat()}#{event_id}"


# meters and readings (civiq.metering.adapters.dynamodb)
METER_SK = "METER"
METER_LINK_PREFIX = "METER#"
READ_PREFIX = "READ#"
READS_PENDING_REVIEW = "READS#pending-review"
IMPORT_SK = "IMPORT"
ROW_PREFIX = "ROW#"
ERROR_PREFIX = "ERROR#"


def meter_pk(meter_id: str) -> str:
    return f"METER#{meter_id}"


def serial_key(serial: str) -> str:
    return f"SERIAL#{serial}"


def meter_link_sk(meter_id: str) -> str:
    return f"{METER_LINK_PREFIX}{meter_id}"


def meter_slot_sk(slot: str) -> str:
    return f"METERSLOT#{slot}"


def read_sk(read_on: date) -> str:
    return f"{READ_PREFIX}{read_on.isoformat()}"


def pending_review_sk(read_on: date, meter_id: str) -> str:
    return f"{read_on.isoformat()}#{meter_id}"


def import_pk(import_id: str) -> str:
    return f"IMPORT#{import_id}"


def import_row_sk(line: int) -> str:
    return f"{ROW_PREFIX}{line:07d}"


def import_error_sk(line: int) -> str:
    return f"{ERROR_PREFIX}{line:07d}"


# rate schedules (civiq.rates.adapters.dynamodb)
RATE_SCHEDULE_SK = "SCHEDULE"
RATE_SCHEDULES = "RATES"  # every schedule's GSI1PK: listing them is one Query


def rate_pk(schedule_id: str) -> str:
    return f"RATE#{schedule_id}"
