"""Step Functions workflows run by moto, and the data they work on, made through the services."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal as D
from types import ModuleType
from typing import Any

import boto3

from civiq.accounts.adapters.dynamodb_accounts import DynamoAccountRepository
from civiq.accounts.adapters.dynamodb_changes import DynamoChanges
from civiq.accounts.adapters.dynamodb_customers import DynamoCustomerRepository
from civiq.accounts.adapters.dynamodb_properties import DynamoPropertyRepository
from civiq.accounts.domain.account_numbers import AccountNumberScheme
from civiq.accounts.domain.accounts import Account, Service, ServiceType
from civiq.accounts.domain.customers import ContactDetails, CustomerKind, Preferences
from civiq.accounts.domain.properties import PropertyType
from civiq.accounts.services.customers import NewCustomer
from civiq.accounts.services.open_account import OpenAccount, OpenAccountCommand
from civiq.accounts.services.properties import NewProperty
from civiq.accounts.services.recording import Recorder
from civiq.core.addresses import Address
from civiq.core.clock import SystemClock
from civiq.core.events import Actor
from civiq.core.ids import UlidGenerator
from civiq.core.language import Language
from civiq.core.publishing import PublishEvents
from civiq.metering.adapters.dynamodb import DynamoMetering
from civiq.metering.domain.metering import InstalledMeter
from civiq.metering.domain.meters import MeterSize, MeterType
from civiq.metering.services.meters import InstallCommand, InstallMeter, MeterSpec
from civiq.metering.services.readings import ReadingCommand, RecordReading
from civiq.platform.dynamodb.outbox import DynamoOutbox
from civiq.platform.eventbridge import EventBridgePublisher
from tests.helpers.emulator import BUS, REGION
from tests.helpers.files import REPO
from tests.helpers.handlers import Context
from tests.helpers.polling import wait_for

CLERK = Actor("supervisor-3", "supervisor")


def definition(asl: str, **substitutions: str) -> str:
    text = (REPO / "infra" / "statemachines" / asl).read_text()
    for name, value in substitutions.items():
        text = text.replace("${" + name + "}", value)
    assert "${" not in text
    return text


@dataclass
class Harness:
    """The task function behind moto's Lambda, with hooks a test sets."""

    handler: ModuleType
    calls: list[str] = field(default_factory=list)
    before: dict[str, Callable[[dict[str, Any]], None]] = field(default_factory=dict)
    lose_first_response: bool = False  # report each task failed once, after it did its work
    machines: dict[str, str] = field(default_factory=dict)

    def invoke(
        self,
        function_name: str,
        qualifier: str | None,
        body: Any,
        headers: Any,
        response_headers: Any,
    ) -> bytes:
        event = json.loads(body)
        task = event["task"]
        self.calls.append(task)
        if task in self.before:
            self.before[task](event)
        try:
            result = self.handler.handler(event, Context())
        except Exception as exc:
            return self._error(response_headers, type(exc).__name__, str(exc))
        if self.lose_first_response and self.calls.count(task) == 1:
            return self._error(response_headers, "TransactWriteError", "response lost")
        return json.dumps(result).encode()

    @staticmethod
    def _error(headers: Any, error_type: str, message: str) -> bytes:
        headers["x-amz-function-error"] = "Unhandled"
        return json.dumps({"errorType": error_type, "errorMessage": message}).encode()

    def run(self, machine: str, name: str, payload: dict[str, Any]) -> str:
        sfn = boto3.client("stepfunctions", region_name=REGION)
        return str(
            sfn.start_execution(
                stateMachineArn=self.machines[machine], name=name, input=json.dumps(payload)
            )["executionArn"]
        )

    @staticmethod
    def finished(execution_arn: str, timeout: float = 120) -> dict[str, Any]:
        """The execution once it ends; ``timeout`` only guards against a hang (how long an
        execution takes is a figure of bench/workflow_times.py, never a test's assertion)."""
        sfn = boto3.client("stepfunctions", region_name=REGION)

        def done() -> dict[str, Any] | None:
            found = sfn.describe_execution(executionArn=execution_arn)
            return None if found["status"] == "RUNNING" else dict(found)

        result: dict[str, Any] = wait_for(done, timeout=timeout, interval=0.05)
        return result

    @staticmethod
    def states(execution_arn: str) -> list[str]:
        sfn = boto3.client("stepfunctions", region_name=REGION)
        events = sfn.get_execution_history(executionArn=execution_arn)["events"]
        return [
            e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e
        ]


def zipped(files: dict[str, bytes]) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, body in files.items():
            archive.writestr(name, body)
    return buffer.getvalue()


def events() -> PublishEvents:
    client = boto3.client("events", region_name=REGION)
    return PublishEvents(DynamoOutbox(), EventBridgePublisher(client, BUS))


def open_account(command: OpenAccountCommand) -> Account:
    service = OpenAccount(
        DynamoAccountRepository(),
        DynamoPropertyRepository(),
        DynamoCustomerRepository(),
        DynamoChanges(),
        events(),
        Recorder(SystemClock(), UlidGenerator()),
        AccountNumberScheme(),
    )
    return service(command, Actor("clerk-7", "clerk"), "setup")


def person(name: str) -> NewCustomer:
    return NewCustomer(
        CustomerKind.PERSON, name, Preferences(Language.FR), ContactDetails(email="r@example.ca")
    )


def recorder() -> Recorder:
    return Recorder(SystemClock(), UlidGenerator())


def metered_account(name: str, street: str) -> tuple[Account, InstalledMeter]:
    """An owner with water and sewer since September, and a 15 mm meter read 0 in January."""
    services = tuple(
        Service(kind, date(2026, 9, 1)) for kind in (ServiceType.WATER, ServiceType.SEWER)
    )
    account = open_account(
        OpenAccountCommand(
            customer=person(name),
            property=NewProperty(
                Address(street, "Gatineau", "QC", "J8X 1A1"), PropertyType.SINGLE_FAMILY
            ),
            services=services,
        )
    )
    metering = DynamoMetering()
    install = InstallMeter(metering, DynamoPropertyRepository(), metering, recorder())
    spec = MeterSpec(f"SN-{uuid.uuid4().hex[:8]}", MeterSize.MM15, MeterType.DISPLACEMENT)
    command = InstallCommand(account.property_id, None, date(2026, 1, 1), spec, D(0))
    return account, install(command, CLERK, "setup")[0]


def read(meter: InstalledMeter, on: str, value: str) -> None:
    metering = DynamoMetering()
    record = RecordReading(metering, metering, metering, events(), recorder())
    record(ReadingCommand(meter.meter_id, date.fromisoformat(on), D(value)), CLERK, "setup")
