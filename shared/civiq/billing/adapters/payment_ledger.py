"""The ledger the posting services share (:class:`PaymentLedger`), on DynamoDB: postings whose
transaction also settles billing's statements and totals (:func:`post_to_statements`).

Built here, beside ``post_to_statements``, so that every wiring posting to the ledger (the
payments', and billing's final bills, which charge the final-read fee) builds it alike.
"""

from __future__ import annotations

from civiq.accounts.adapters.dynamodb_accounts import DynamoAccountRepository
from civiq.billing.adapters.dynamodb import post_to_statements
from civiq.core.clock import SystemClock
from civiq.core.ids import UlidGenerator
from civiq.core.settings import CommonSettings
from civiq.ledger.adapters.dynamodb_postings import DynamoLedger, DynamoPayments
from civiq.ledger.services.posting import Announcer, PaymentLedger
from civiq.platform.runtime import configure_table, publish_events, time_zone


def dynamo_payment_ledger(settings: CommonSettings) -> PaymentLedger:
    """The ledger's shared dependencies (models configured for ``settings``' tables)."""
    configure_table(settings)
    return PaymentLedger(
        DynamoLedger(post_to_statements),
        DynamoPayments(),
        DynamoAccountRepository(),
        Announcer(SystemClock(), UlidGenerator()),
        publish_events(settings),
        time_zone(settings),
    )
