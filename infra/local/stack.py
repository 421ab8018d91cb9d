"""Start moto in server mode on 127.0.0.1 and provision template.yaml into it.

Usage (from code): ``with LocalStack.start() as stack: stack.outputs[...]``. The same template that
`sam deploy` sends to AWS is packaged, transformed and created here through moto's own
CloudFormation; nothing about the infrastructure is restated in Python.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3
import requests
from botocore.config import Config
from moto.server import ThreadedMotoServer

from infra.local import cfn_patches, dynamodb_transactions, lambda_runtime, packaging
from infra.local.schedule_expressions import next_fire

log = logging.getLogger("civiq.local.schedules")

REGION = "ca-central-1"
STACK_NAME = "civiq-local"
ARTIFACTS_BUCKET = "civiq-local-artifacts"
MOTO_CONFIG = {
    "stepfunctions": {"execute_state_machine": True},
    "lambda": {"use_docker": False},
}


class DriftError(RuntimeError):
    """The emulator's stack does not hold every resource of template.yaml."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _condition_holds(name: str, template: dict[str, Any], parameters: dict[str, str]) -> bool:
    def evaluate(node: Any) -> Any:
        if isinstance(node, dict):
            ((fn, args),) = node.items()
            if fn == "Ref":
                return parameters.get(args, template["Parameters"].get(args, {}).get("Default"))
            if fn == "Condition":
                return evaluate(template["Conditions"][args])
            values = [evaluate(a) for a in args]
            operators = {
                "Fn::Equals": lambda: values[0] == values[1],
                "Fn::Not": lambda: not values[0],
                "Fn::And": lambda: all(values),
                "Fn::Or": lambda: any(values),
            }
            return operators[fn]()
        return node

    return bool(evaluate(template["Conditions"][name]))


@dataclass
class LocalStack:
    endpoint: str
    parameters: dict[str, str]
    server: ThreadedMotoServer | None = None
    outputs: dict[str, str] = field(default_factory=dict)
    physical_ids: dict[str, str] = field(default_factory=dict)
    template: dict[str, Any] = field(default_factory=dict)
    _stop_schedules: threading.Event = field(default_factory=threading.Event)

    # ------------------------------------------------------------------ lifecycle
    @classmethod
    @contextmanager
    def start(
        cls, port: int | None = None, parameters: dict[str, str] | None = None
    ) -> Iterator[LocalStack]:
        stack = cls.launch(port, parameters)
        try:
            yield stack
        finally:
            stack.stop()

    @classmethod
    def launch(
        cls, port: int | None = None, parameters: dict[str, str] | None = None
    ) -> LocalStack:
        port = port or free_port()
        endpoint = f"http://127.0.0.1:{port}"
        # Step Functions tasks call back into moto on MOTO_PORT; handlers find it via the endpoint.
        os.environ.update(
            MOTO_PORT=str(port),
            AWS_ENDPOINT_URL=endpoint,
            AWS_ACCESS_KEY_ID="local",
            AWS_SECRET_ACCESS_KEY="local",  # noqa: S106 - moto accepts any credentials
            AWS_DEFAULT_REGION=REGION,
            AWS_REGION=REGION,
        )
        cfn_patches.install()
        lambda_runtime.install()
        dynamodb_transactions.install()
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        server.start()
        requests.post(
            f"{endpoint}/moto-api/config", json=MOTO_CONFIG, timeout=10
        ).raise_for_status()
        defaults = {
            # moto cannot create alarms or backups (left out by the OnAws condition); a local
            # stack holds no residents' data, so it may sign staff tokens with a local key
            "LocalEmulator": "true",
            "SandboxStack": "true",
            "AuthMode": "local",
            "PortalUrl": "http://127.0.0.1:8000/portal",
            # the emails' unsubscribe links open on the local gateway
            "PublicApiUrl": "http://127.0.0.1:8000",
            "OutboxGraceSeconds": "60",
        }
        stack = cls(endpoint=endpoint, parameters={**defaults, **(parameters or {})}, server=server)
        stack.provision()
        return stack

    def stop(self) -> None:
        self._stop_schedules.set()
        if self.server is not None:
            self.server.stop()

    def client(self, service: str, config: Config | None = None) -> Any:
        session: Any = boto3.session.Session()
        return session.client(
            service, region_name=REGION, endpoint_url=self.endpoint, config=config
        )

    def secret(self, logical_id: str) -> str:
        """The current value of one of the stack's Secrets Manager secrets (the template
        generates them: the webhook's secret, the local token key)."""
        secret_arn = self.physical_ids[logical_id]
        value: str = self.client("secretsmanager").get_secret_value(SecretId=secret_arn)[
            "SecretString"
        ]
        return value

    # ------------------------------------------------------------------ provisioning
    def provision(self) -> None:
        s3 = self.client("s3")
        s3.create_bucket(
            Bucket=ARTIFACTS_BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        self.template = packaging.load_template()
        transformed = packaging.package(self.template, s3, ARTIFACTS_BUCKET)
        cloudformation = self.client("cloudformation")
        cloudformation.create_stack(
            StackName=STACK_NAME,
            TemplateBody=json.dumps(transformed),
            Parameters=[
                {"ParameterKey": k, "ParameterValue": v} for k, v in self.parameters.items()
            ],
            Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"],
        )
        stack = cloudformation.describe_stacks(StackName=STACK_NAME)["Stacks"][0]
        if stack["StackStatus"] != "CREATE_COMPLETE":
            raise DriftError(f"stack is {stack['StackStatus']}: {stack.get('StackStatusReason')}")
        self.outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
        self.check_drift(transformed)
        self.verify_email_sender()

    def verify_email_sender(self) -> None:
        """SES sends only from a verified identity. In AWS the template's identity (the sender's
        domain) is verified by its DKIM records in DNS; the emulator has none (the template's
        SES resources are AWS only), so the sender's address is verified here. The emulator
        keeps every email it accepts (moto's ``ses_backends[...].sent_messages``)."""
        sender = self.parameters.get(
            "NotificationSenderAddress",
            self.template["Parameters"]["NotificationSenderAddress"]["Default"],
        )
        self.client("ses").verify_email_identity(EmailAddress=sender)

    def expected_resources(self, transformed: dict[str, Any]) -> dict[str, str]:
        """Logical id -> type of every resource the template creates with these parameters."""
        conditions = {
            "Conditions": transformed.get("Conditions", {}),
            "Parameters": transformed.get("Parameters", {}),
        }
        return {
            name: resource["Type"]
            for name, resource in transformed["Resources"].items()
            if "Condition" not in resource
            or _condition_holds(resource["Condition"], conditions, self.parameters)
        }

    def check_drift(self, transformed: dict[str, Any]) -> None:
        paginator = self.client("cloudformation").get_paginator("list_stack_resources")
        actual = {
            r["LogicalResourceId"]: r
            for page in paginator.paginate(StackName=STACK_NAME)
            for r in page["StackResourceSummaries"]
            if r.get("LogicalResourceId")  # moto lists resources whose Condition is false as blanks
        }
        problems = []
        for name, kind in self.expected_resources(transformed).items():
            row = actual.get(name)
            if row is None:
                problems.append(f"{name} ({kind}) is missing")
            elif not row.get("PhysicalResourceId") or not row.get("ResourceType"):
                problems.append(f"{name} ({kind}) was skipped by the emulator")
        self.physical_ids = {
            name: row.get("PhysicalResourceId", "") for name, row in actual.items()
        }
        if problems:
            raise DriftError("local stack drifted from template.yaml: " + "; ".join(problems))

    # ------------------------------------------------------------------ schedules
    def scheduled_targets(self) -> list[tuple[str, str, str]]:
        """(rule name, schedule expression, target ARN) of every scheduled rule of the stack."""
        events = self.client("events")
        found = []
        for rule in events.list_rules()["Rules"]:
            expression = rule.get("ScheduleExpression")
            if not expression:
                continue
            for target in events.list_targets_by_rule(Rule=rule["Name"])["Targets"]:
                found.append((rule["Name"], expression, target["Arn"]))
        return found

    def fire_schedule(
        self, rule_name: str, target_arn: str, at: datetime | None = None
    ) -> dict[str, Any]:
        """Deliver the event EventBridge would send to a scheduled rule's target for the instant
        ``at`` (now by default): invoke a Lambda function (its answer), or send it to an SQS
        queue (its consumer runs inside the send; the message id)."""
        event = {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "time": (at or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": REGION,
            "resources": [rule_name],
            "detail": {},
        }
        if target_arn.split(":")[2] == "sqs":
            sqs = self.client("sqs")
            queue_url = sqs.get_queue_url(QueueName=target_arn.rsplit(":", 1)[-1])["QueueUrl"]
            sent = sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(event))
            return {"MessageId": sent["MessageId"]}
        response = self.client("lambda").invoke(FunctionName=target_arn, Payload=json.dumps(event))
        payload: dict[str, Any] = json.loads(response["Payload"].read() or b"{}")
        return payload

    def upcoming(self, after: datetime) -> list[tuple[datetime, str, str, str]]:
        """(next fire, rule, expression, target) of every scheduled rule, soonest first; a
        rate() counts from ``after`` (the runner's start, standing for the rule's creation)."""
        due = []
        for rule, expression, target in self.scheduled_targets():
            at = next_fire(expression, after, created=after)
            if at is not None:
                due.append((at, rule, expression, target))
        return sorted(due)

    def run_schedules(
        self, tick: float = 1.0, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> threading.Thread:
        """Fire every scheduled rule when it is due, rate() and cron() alike (moto stores
        schedules but never fires them), until :meth:`stop`. A target that fails is logged and
        fired again at its next instant (in AWS its retries end in the scheduled-run DLQ); instants
        missed while the machine slept are not caught up."""
        started = clock()
        due = {
            (rule, target): (at, expression)
            for at, rule, expression, target in self.upcoming(started)
        }

        def loop() -> None:
            while not self._stop_schedules.wait(tick):
                now = clock()
                for (rule, target), (at, expression) in list(due.items()):
                    if now < at:
                        continue
                    try:
                        self.fire_schedule(rule, target, at)
                    except Exception:
                        log.exception("scheduled rule %s failed for %s", rule, target)
                    following = next_fire(expression, now, created=started)
                    if following is None:
                        del due[(rule, target)]
                    else:
                        due[(rule, target)] = (following, expression)

        thread = threading.Thread(target=loop, name="local-schedules", daemon=True)
        thread.start()
        return thread
