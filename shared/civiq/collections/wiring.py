"""Collections wired to DynamoDB from settings: the one place its services are built (the API's
arrangements routes, the daily arrangement check)."""

from __future__ import annotations

from dataclasses import dataclass

from civiq.accounts.adapters.dynamodb_accounts import DynamoAccountRepository
from civiq.accounts.services.recording import Recorder
from civiq.collections.adapters.dynamodb import DynamoArrangements
from civiq.collections.config import ArrangementSettings
from civiq.collections.domain.arrangements import ArrangementPolicy
from civiq.collections.services.arrangement_check import CheckArrangements
from civiq.collections.services.arrangements import AccountArrangements, MakeArrangement
from civiq.core.settings import CommonSettings
from civiq.ledger.adapters.dynamodb_journal import DynamoJournal
from civiq.platform.runtime import configure_table, time_zone


@dataclass(frozen=True)
class ArrangementServices:
    make: MakeArrangement
    of_account: AccountArrangements


def arrangement_services(
    settings: CommonSettings, policy: ArrangementPolicy
) -> ArrangementServices:
    configure_table(settings)
    accounts = DynamoAccountRepository()
    arrangements = DynamoArrangements()
    recorder = Recorder.system(time_zone(settings))
    return ArrangementServices(
        MakeArrangement(accounts, arrangements, DynamoJournal(), policy, recorder),
        AccountArrangements(accounts, arrangements),
    )


def check_arrangements(settings: ArrangementSettings) -> CheckArrangements:
    configure_table(settings)
    return CheckArrangements(
        DynamoArrangements(),
        DynamoJournal(),
        settings.arrangement_policy(),
        Recorder.system(time_zone(settings)),
    )
