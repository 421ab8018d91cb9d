"""Delivering notifications: what each message costs in AWS requests, and how fast the daily print
file renders.

1. Requests per message. In-process moto (``mock_aws``) with the main table from template.yaml,
   SES (the sender's address verified), the links' secret, and accounts opened through the
   services: ``MESSAGES`` customers with consent to email, as many to SMS, as many without
   consent (mail). functions/notification_sender's ``deliver`` handles each channel's
   NotificationRequested events in batches of 10 (the template's BatchSize), once, then once
   again (a redelivery); every AWS call is counted at botocore's entry point (bench/payments.py
   ``AwsCalls``). tests/integration/test_notification_delivery.py checks what goes out; this
   counts what it costs.
2. The print file. ``LETTERS`` letters, half English and half French, rendered by the production
   renderer into PDF parts of ``PART`` letters (the default ``PRINT_PART_LETTERS``): letters per
   second and seconds per part, wall time, median of ``RUNS`` parts. The assembly keeps
   TIME_RESERVE (3 minutes) for a part; a part's time here says how much room that leaves.

moto's timings are not AWS's: quote the request counts for AWS, and the render time (the same
WeasyPrint as in Lambda, on this machine's cores) for a part's size.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from datetime import UTC, date, datetime
from typing import Any

from bench.common import Figure, figure, median, note, quiet_logging, run_benchmark
from bench.payments import AwsCalls, create_tables, load_function

MESSAGES = int(os.environ.get("CIVIQ_BENCH_DELIVERY_MESSAGES", "20"))
LETTERS = int(os.environ.get("CIVIQ_BENCH_DELIVERY_LETTERS", "200"))
RUNS = int(os.environ.get("CIVIQ_BENCH_DELIVERY_RUNS", "3"))
PART = 200  # PrintFileSettings.print_part_letters' default
REGION = "ca-central-1"
TABLE = "civiq-bench-delivery"
SENDER = "avis@example.ca"
LINKS_SIGNING = "civiq-bench-unsubscribe"


class Context:
    function_name = "bench-sender"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:ca-central-1:123456789012:function:bench-sender"
    aws_request_id = "bench"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


def _records(events: list[dict[str, Any]]) -> dict[str, Any]:
    import json

    return {
        "Records": [
            {
                "messageId": f"m-{n}",
                "receiptHandle": f"rh-{n}",
                "body": json.dumps(event),
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:ca-central-1:123456789012:notifications",
                "awsRegion": REGION,
            }
            for n, event in enumerate(events)
        ]
    }


def _request(account: Any, channel: str, notification_id: str) -> dict[str, Any]:
    """The sample NotificationRequested, as EventBridge puts it on the queue, for ``account``."""
    from tests.helpers.files import load_event

    message = load_event("eventbridge/notification_requested.json")
    detail = message["detail"]
    detail |= {"event_id": notification_id, "subject_id": f"ACCOUNT#{account.account_id}"}
    detail["data"] |= {
        "notification_id": notification_id,
        "account_id": account.account_id,
        "account_number": account.account_number,
    }
    detail["data"]["recipient"] |= {
        "customer_id": account.holder.customer_id,
        "channel": channel,
        "email": account.holder.email if channel == "email" else None,
        "phone": account.holder.phone if channel == "sms" else None,
        "postal_address": detail["data"]["recipient"]["postal_address"]
        if channel == "mail"
        else None,
    }
    return message


def _accounts(channel: str, consent: bool) -> list[Any]:
    from civiq.accounts.domain.customers import (
        ConsentChange,
        ConsentChanges,
        ConsentSource,
        ContactDetails,
        ContactMethod,
        CustomerKind,
        Preferences,
    )
    from civiq.accounts.domain.properties import PropertyType
    from civiq.accounts.services.customers import NewCustomer
    from civiq.accounts.services.open_account import OpenAccountCommand
    from civiq.accounts.services.properties import NewProperty
    from civiq.core.addresses import Address
    from civiq.core.language import Language
    from tests.helpers.workflows import open_account

    given = ConsentChange(True, ConsentSource.PAPER_FORM)
    consents = ConsentChanges(email=given, sms=given) if consent else ConsentChanges()
    return [
        open_account(
            OpenAccountCommand(
                customer=NewCustomer(
                    CustomerKind.PERSON,
                    f"Client {channel} {n}",
                    Preferences(Language.FR, ContactMethod(channel)),
                    ContactDetails(f"{channel}{n}@example.ca", f"613-555-{1000 + n:04d}"),
                    consents,
                ),
                property=NewProperty(
                    Address(f"{n + 1} Rue {channel}", "Gatineau", "QC", "J8X 1A1"),
                    PropertyType.SINGLE_FAMILY,
                ),
            )
        )
        for n in range(MESSAGES)
    ]


def _requests_per_message() -> list[Figure]:
    import boto3
    from moto import mock_aws

    from civiq.platform.dynamodb.table import configure_models
    from tests.helpers import workflows  # noqa: F401  (its models, before they are pointed)

    os.environ.pop("AWS_ENDPOINT_URL", None)
    spy = AwsCalls()
    with mock_aws():
        create_tables(TABLE)
        configure_models(TABLE, f"{TABLE}-ledger", REGION, None)
        boto3.client("events", region_name=REGION).create_event_bus(Name="bench-bus")
        boto3.client("ses", region_name=REGION).verify_email_identity(EmailAddress=SENDER)
        boto3.client("secretsmanager", region_name=REGION).create_secret(
            Name=LINKS_SIGNING, SecretString="bench-unsubscribe-key-0123456789"
        )
        os.environ.update(
            {
                "TABLE_NAME": TABLE,
                "LEDGER_TABLE_NAME": f"{TABLE}-ledger",
                "EVENT_BUS_NAME": "bench-bus",
                "NOTIFICATION_SENDER_ADDRESS": SENDER,
                "UNSUBSCRIBE_URL": "https://api.example.ca/api/v1/notices/unsubscribe",
                "UNSUBSCRIBE_SECRET_ID": LINKS_SIGNING,
            }
        )
        cases = {
            "email": ("email", _accounts("email", consent=True)),
            "sms": ("sms", _accounts("sms", consent=True)),
            "mail_fallback": ("email", _accounts("mail", consent=False)),
        }
        sender = load_function("notification_sender")
        figures: list[Figure] = []
        with spy.installed():
            for name, (channel, accounts) in cases.items():
                events = [
                    _request(account, channel, f"3N3XCC9998AX8C4QV1TX{name[:2].upper()}{n:04d}")
                    for n, account in enumerate(accounts)
                ]
                for attempt in ("first", "again"):
                    mark = len(spy.calls)
                    for start in range(0, len(events), 10):
                        result = sender.deliver(_records(events[start : start + 10]), Context())
                        if result["batchItemFailures"]:
                            raise RuntimeError(f"{name}: {result}")
                    used = Counter(f"{c.service}:{c.operation}" for c in spy.calls[mark:])
                    note(f"{name} ({attempt}): {dict(used)}")
                    per = sum(used.values()) / len(events)
                    figures.append(
                        figure(f"{name}_requests_per_message_{attempt}", per, "requests")
                    )
                    dynamodb = sum(v for k, v in used.items() if k.startswith("dynamodb:"))
                    figures.append(
                        figure(
                            f"{name}_dynamodb_requests_per_message_{attempt}",
                            dynamodb / len(events),
                            "requests",
                        )
                    )
        return figures


def _print_file() -> list[Figure]:
    from civiq.accounts.domain.account_numbers import AccountNumberScheme
    from civiq.core.addresses import Address
    from civiq.core.language import Language
    from civiq.core.letterhead import Letterhead
    from civiq.notices.domain.print_files import Letter
    from civiq.notices.services.assemble_print_file import TEMPLATE, letter_context
    from civiq.platform.pdf import WeasyPrintRenderer, default_templates_dir
    from tests.helpers.files import load_event

    message = load_event("eventbridge/notification_requested.json")["detail"]["data"]["message"]
    letterhead = Letterhead(
        "Ville de Pointe-aux-Érables",
        phone="613-555-0100",
        email="facturation@example.ca",
        office_address=("1 Rue Principale", "Pointe-aux-Érables ON K0A 1A0"),
    )
    renderer = WeasyPrintRenderer(default_templates_dir())
    documents = [
        (
            language,
            letter_context(
                Letter(
                    f"N{n}",
                    "A1",
                    f"UB{n:08d}",
                    "high-consumption",
                    language,
                    f"Client {n}",
                    Address(f"{n + 1} Rue Principale", "Gatineau", "QC", "J8X 1A1"),
                    message["subject"],
                    message["body"],
                    datetime.now(UTC),
                    date(2026, 11, 26),
                ),
                AccountNumberScheme(),
                letterhead,
            ),
        )
        for n in range(LETTERS)
        for language in [Language.FR if n % 2 else Language.EN]
    ]
    renderer.render_bundle(TEMPLATE, documents[:2])  # warm: fonts, style sheets
    seconds, pages = [], 0
    for _ in range(RUNS):
        started = time.perf_counter()
        _, counts = renderer.render_bundle(TEMPLATE, documents[:PART])
        seconds.append(time.perf_counter() - started)
        pages = sum(counts)
    part = median(seconds)
    note(f"a part of {min(PART, LETTERS)} letters ({pages} pages): {seconds} s")
    return [
        figure("print_file_seconds_per_part_median", part, "s"),
        figure("print_file_letters_per_s", min(PART, LETTERS) / part, "letters/s"),
        figure("print_file_pages_per_part", pages, "pages"),
        figure("print_file_letters_per_part", min(PART, LETTERS), "letters"),
    ]


def run() -> list[Figure]:
    quiet_logging()
    os.environ.update(
        {
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "POWERTOOLS_LOG_LEVEL": "WARNING",
        }
    )
    return _requests_per_message() + _print_file()


def main() -> None:
    run_benchmark("delivery", run)


if __name__ == "__main__":
    main()
