"""Step Functions workflows run by moto, and the data they work on, made through the services."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal as D
from types import ModuleType, SimpleNamespace
from typing import Any
from unittest.mock import patch

import boto3
import pytest
from moto.awslambda_simple.models import LambdaSimpleBackend
from moto.core.config import default_user_config
from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl

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
from civiq.billing.adapters.dynamodb import DynamoCycles
from civiq.billing.domain.cycles import CycleDefinition, Frequency
from civiq.billing.services.cycles import DefineCycle
from civiq.billing.services.requirements import CycleRequirements
from civiq.core.addresses import Address
from civiq.core.audit import AuditEntry
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
from civiq.rates.adapters.dynamodb import DynamoRateSchedules
from civiq.rates.domain.charges import ChargeType
from civiq.rates.domain.rates import (
    Block,
    FixedCharge,
    RateSchedule,
    RateVersion,
    SewerCharge,
    StormwaterCharge,
    VolumetricRate,
)
from infra.local.lambda_runtime import import_isolated
from tests.helpers.emulator import BUCKET, BUS, LEDGER_TABLE, REGION, TABLE
from tests.helpers.files import REPO
from tests.helpers.handlers import Context
from tests.helpers.polling import wait_for

CLERK = Actor("supervisor-3", "supervisor")
# What a metered account's bills are checked against: 365.00 a year for its 15 mm meter (1.00 a
# day), water at 2.00 a m3, sewer at half the water charge.
FLAT = RateSchedule(
    "flat-2026",
    "Flat 2026",
    (
        RateVersion(
            date(2026, 1, 1),
            None,
            (
                FixedCharge(ChargeType.WATER, {MeterSize.MM15: D("365.00")}),
                VolumetricRate(ChargeType.WATER, (Block(None, D("2.0000")),)),
                SewerCharge(percent=D("50")),
            ),
        ),
    ),
)


def definition(asl: str, **substitutions: str) -> str:
    text = (REPO / "infra" / "statemachines" / asl).read_text()
    for name, value in substitutions.items():
        text = text.replace("${" + name + "}", value)
    assert "${" not in text
    return text


@dataclass
class Harness:
    """The task functions behind moto's Lambda (by function name), with hooks a test sets."""

    handlers: dict[str, ModuleType] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    before: dict[str, Callable[[dict[str, Any]], None]] = field(default_factory=dict)
    lose_first_response: bool = False  # report each task failed once, after it did its work
    lose_first: set[str] = field(default_factory=set)  # the same, for these tasks only
    machines: dict[str, str] = field(default_factory=dict)
    arns: dict[str, str] = field(default_factory=dict)

    def deploy(self, functions: dict[str, str]) -> None:
        """Each function (name: its folder under functions/) in moto's Lambda, its handler
        imported in isolation as the local stack does."""
        role = boto3.client("iam").create_role(
            RoleName=f"tasks-{uuid.uuid4().hex[:8]}", AssumeRolePolicyDocument="{}"
        )
        for name, folder in functions.items():
            code = REPO / "functions" / folder
            self.handlers[name] = import_isolated(
                code, code / "handler.py", f"_{folder}_{uuid.uuid4().hex}"
            )
            self.arns[name] = boto3.client("lambda", region_name=REGION).create_function(
                FunctionName=name,
                Runtime="python3.12",
                Role=role["Role"]["Arn"],
                Handler="handler.handler",
                Code={"ZipFile": zipped({"handler.py": b""})},
            )["FunctionArn"]

    def create_machine(self, machine: str, asl: str, **substitutions: str) -> str:
        role = boto3.client("iam").create_role(
            RoleName=f"machine-{uuid.uuid4().hex[:8]}", AssumeRolePolicyDocument="{}"
        )
        self.machines[machine] = boto3.client(
            "stepfunctions", region_name=REGION
        ).create_state_machine(
            name=f"{machine}-workflow",
            definition=definition(asl, **substitutions),
            roleArn=role["Role"]["Arn"],
        )["stateMachineArn"]
        return self.machines[machine]

    def invoke(
        self,
        function_name: str,
        qualifier: str | None,
        body: Any,
        headers: Any,
        response_headers: Any,
    ) -> bytes:
        event = json.loads(body)
        task = event.get("task") or function_name.rsplit(":", 1)[-1]
        self.calls.append(task)
        if task in self.before:
            self.before[task](event)
        try:
            result = self.handlers[function_name.rsplit(":", 1)[-1]].handler(event, Context())
        except Exception as exc:
            return self._error(response_headers, type(exc).__name__, str(exc))
        lose = self.lose_first_response or task in self.lose_first
        if lose and self.calls.count(task) == 1:
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


@contextmanager
def executing_workflows(
    monkeypatch: pytest.MonkeyPatch, functions: dict[str, str], **environment: str
) -> Iterator[Harness]:
    """moto's Step Functions running ASL for real in this process, its Lambda tasks calling the
    handlers of ``functions`` (name: folder under functions/) deployed in the harness, with
    retry pauses skipped; the functions see the emulator's table, bus and bucket, and
    ``environment``."""
    emulator = {
        "TABLE_NAME": TABLE,
        "LEDGER_TABLE_NAME": LEDGER_TABLE,
        "EVENT_BUS_NAME": BUS,
        "DOCUMENTS_BUCKET": BUCKET,
    }
    for name, value in {**emulator, **environment}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(retrier_decl, "time", SimpleNamespace(sleep=lambda seconds: None))
    executing = {"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}}
    with patch.dict(default_user_config, executing):
        harness = Harness()
        monkeypatch.setattr(
            LambdaSimpleBackend, "invoke", lambda backend, *call: harness.invoke(*call)
        )
        harness.deploy(functions)
        yield harness


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
        CycleRequirements(DynamoCycles(), DynamoRateSchedules(), DynamoMetering()),
    )
    return service(command, Actor("clerk-7", "clerk"), "setup")


def person(name: str) -> NewCustomer:
    return NewCustomer(
        CustomerKind.PERSON, name, Preferences(Language.FR), ContactDetails(email="r@example.ca")
    )


def recorder() -> Recorder:
    return Recorder(SystemClock(), UlidGenerator())


def metered_account(name: str, street: str, route: str = "1") -> tuple[Account, InstalledMeter]:
    """An owner (on ``route``) with water and sewer since September, and a 15 mm meter read 0
    in January."""
    services = tuple(
        Service(kind, date(2026, 9, 1)) for kind in (ServiceType.WATER, ServiceType.SEWER)
    )
    account = open_account(
        OpenAccountCommand(
            customer=person(name),
            property=NewProperty(
                Address(street, "Gatineau", "QC", "J8X 1A1"),
                PropertyType.SINGLE_FAMILY,
                route=route,
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


STORMWATER_ONLY = RateSchedule(
    "stormwater-2026",
    "Stormwater 2026",
    (
        RateVersion(
            date(2026, 1, 1),
            None,
            (StormwaterCharge({kind: D("240.00") for kind in PropertyType}),),
        ),
    ),
)


def define_cycle(
    schedule: RateSchedule,
    first_period_end: date = date(2026, 9, 30),
    routes: tuple[str, ...] = ("1",),
) -> None:
    """``schedule`` and a monthly cycle of ``routes`` whose periods end at month ends."""
    entry = AuditEntry(
        uuid.uuid4().hex,
        f"RATE#{schedule.schedule_id}",
        "Test",
        "s",
        "s",
        datetime.now(UTC),
        "c",
        {},
    )
    DynamoRateSchedules().save(None, schedule, entry)
    cycle = CycleDefinition(
        "residential-a",
        "Residential A",
        Frequency.MONTHLY,
        routes,
        schedule.schedule_id,
        first_period_end,
    )
    DefineCycle(DynamoCycles(), DynamoRateSchedules(), recorder()).create(cycle, CLERK, "setup")
