"""Operations and records in the template AWS receives (template.yaml after the SAM transform):
every dead-letter queue, state machine and function is alarmed, every function's log expires,
every asynchronously invoked function keeps its failures, the tables are backed up for years,
issued statements and receipts are written locked, every bucket is versioned, and the stack stays
in Canada. Each check goes over every resource of its kind, so a new queue, function or table
without its alarm, log, destination or backup fails here."""

from __future__ import annotations

from typing import Any

import pytest

from civiq.platform.s3 import RECORD_PREFIXES
from infra.local.packaging import load_template, package
from tests.helpers.template_rules import AWS_ONLY_TYPES, condition_holds, refused_by_rules

# Functions whose code writes issued statements or receipts (IssueStatements, IssueReceipt).
RECORD_WRITERS = {"StatementRendererFunction", "FinalBillFunction", "ReceiptFunction"}
ALARM_ACTIONS = [{"Fn::If": ["HasAlarmTopicArn", {"Ref": "AlarmTopicArn"}, {"Ref": "AlarmTopic"}]}]


class _DiscardedUploads:
    def put_object(self, **_: Any) -> None:
        """The code archives are not needed to read the template."""


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template()


@pytest.fixture(scope="module")
def resources() -> dict[str, Any]:
    transformed: dict[str, Any] = package(load_template(), _DiscardedUploads(), "artifacts")
    return dict(transformed["Resources"])


def of_type(resources: dict[str, Any], kind: str) -> dict[str, Any]:
    return {name: r for name, r in resources.items() if r["Type"] == kind}


def target(value: Any) -> str:
    """The logical id a Ref or a GetAtt names."""
    if "Ref" in value:
        return str(value["Ref"])
    return str(value["Fn::GetAtt"][0])


def alarmed(resources: dict[str, Any]) -> set[tuple[str, str, str]]:
    """(namespace, metric, resource) of every metric an alarm watches, alone or in metric math."""
    watched = set()
    for alarm in of_type(resources, "AWS::CloudWatch::Alarm").values():
        properties = alarm["Properties"]
        metrics = [
            query["MetricStat"]["Metric"]
            for query in properties.get("Metrics", [])
            if "MetricStat" in query
        ]
        if "MetricName" in properties:
            metrics.append(properties)
        for metric in metrics:
            for dimension in metric.get("Dimensions", []):  # an account-wide metric has none
                value = dimension["Value"]
                if isinstance(value, dict):
                    watched.add((metric["Namespace"], metric["MetricName"], target(value)))
    return watched


def dead_letter_queues(resources: dict[str, Any]) -> set[str]:
    queues = of_type(resources, "AWS::SQS::Queue")
    redriven = {
        target(q["Properties"]["RedrivePolicy"]["deadLetterTargetArn"])
        for q in queues.values()
        if "RedrivePolicy" in q["Properties"]
    }
    destinations = {
        target(c["Properties"]["DestinationConfig"]["OnFailure"]["Destination"])
        for c in of_type(resources, "AWS::Lambda::EventInvokeConfig").values()
    }
    named = {name for name in queues if name.endswith("DeadLetterQueue")}
    return redriven | destinations | named


def test_every_dead_letter_queue_alarms_when_a_message_arrives_or_waits(
    resources: dict[str, Any],
) -> None:
    queues = dead_letter_queues(resources)
    assert "ScheduledRunDeadLetterQueue" in queues and len(queues) >= 14
    watched = alarmed(resources)
    for queue in queues:
        assert ("AWS/SQS", "ApproximateNumberOfMessagesVisible", queue) in watched, queue
        # the work-queue function drains dead letters in seconds: arrivals are counted too
        assert ("AWS/SQS", "NumberOfMessagesReceived", queue) in watched, queue


def test_every_state_machine_alarms_when_an_execution_fails_times_out_or_is_aborted(
    resources: dict[str, Any],
) -> None:
    machines = of_type(resources, "AWS::StepFunctions::StateMachine")
    assert machines
    watched = alarmed(resources)
    for machine in machines:
        for metric in ("ExecutionsFailed", "ExecutionsTimedOut", "ExecutionsAborted"):
            assert ("AWS/States", metric, machine) in watched, (machine, metric)


def test_every_function_alarms_on_errors_and_throttles_and_its_log_expires(
    resources: dict[str, Any],
) -> None:
    functions = of_type(resources, "AWS::Lambda::Function")
    assert len(functions) >= 25
    watched = alarmed(resources)
    log_groups = {
        g["Properties"]["LogGroupName"]["Fn::Sub"]: g["Properties"]
        for g in of_type(resources, "AWS::Logs::LogGroup").values()
        if isinstance(g["Properties"].get("LogGroupName"), dict)
    }
    for function in functions:
        assert ("AWS/Lambda", "Errors", function) in watched, function
        assert ("AWS/Lambda", "Throttles", function) in watched, function
        log = log_groups.get(f"/aws/lambda/${{{function}}}")
        assert log is not None, f"{function}: its log group would never expire"
        assert log["RetentionInDays"] == {"Ref": "LogRetentionDays"}


def test_the_api_alarms_on_server_errors_and_its_slowest_requests(
    resources: dict[str, Any], template: dict[str, Any]
) -> None:
    (api,) = of_type(resources, "AWS::ApiGateway::RestApi").values()
    # API Gateway publishes a REST API's metrics under its name: SAM's title unless named
    api_name = api["Properties"].get("Name") or api["Properties"]["Body"]["info"]["title"]
    alarms = {
        a["Properties"]["MetricName"]: a["Properties"]
        for a in of_type(resources, "AWS::CloudWatch::Alarm").values()
        if a["Properties"].get("Namespace") == "AWS/ApiGateway"
    }
    assert set(alarms) == {"5XXError", "Latency"}
    for alarm in alarms.values():
        assert alarm["Dimensions"] == [{"Name": "ApiName", "Value": api_name}]
    assert alarms["5XXError"]["Statistic"] == "Sum" and alarms["5XXError"]["Threshold"] == 0
    assert alarms["Latency"]["ExtendedStatistic"] == "p99"
    assert alarms["Latency"]["Threshold"] == {"Ref": "ApiLatencyP99ThresholdMs"}
    assert template["Parameters"]["ApiLatencyP99ThresholdMs"]["Default"] <= 29000


def test_every_alarm_notifies_the_topic_and_exists_on_aws_only(
    resources: dict[str, Any], template: dict[str, Any]
) -> None:
    for name, alarm in of_type(resources, "AWS::CloudWatch::Alarm").items():
        properties = alarm["Properties"]
        assert properties["AlarmActions"] == ALARM_ACTIONS, name
        assert properties["TreatMissingData"] == "notBreaching", name
        assert properties["ComparisonOperator"] == "GreaterThanThreshold", name
        assert alarm["Condition"] == "OnAws", name
    topic = resources["AlarmTopic"]
    assert topic["Properties"]["KmsMasterKeyId"] == {"Ref": "AlarmTopicKey"}
    key_policy = resources["AlarmTopicKey"]["Properties"]["KeyPolicy"]["Statement"]
    assert any(s["Principal"] == {"Service": "cloudwatch.amazonaws.com"} for s in key_policy)
    given = {"AlarmTopicArn": "arn:aws:sns:ca-central-1:111122223333:on-call"}
    assert condition_holds(topic["Condition"], template, {})
    assert not condition_holds(topic["Condition"], template, given)
    assert not condition_holds(topic["Condition"], template, {"LocalEmulator": "true"})
    email = resources["AlarmEmailSubscription"]
    assert not condition_holds(email["Condition"], template, {})
    assert condition_holds(email["Condition"], template, {"AlarmEmail": "ops@example.ca"})


def asynchronously_invoked(resources: dict[str, Any]) -> set[str]:
    """Functions EventBridge invokes (schedules, rules), and functions another function's code
    invokes (their names are in its environment; the code invokes with InvocationType Event)."""
    functions = of_type(resources, "AWS::Lambda::Function")
    invoked = {
        target(t["Arn"])
        for rule in of_type(resources, "AWS::Events::Rule").values()
        for t in rule["Properties"].get("Targets", [])
        if isinstance(t["Arn"], dict) and target(t["Arn"]) in functions
    }
    for function in functions.values():
        for value in function["Properties"].get("Environment", {}).get("Variables", {}).values():
            referenced = isinstance(value, dict) and ("Ref" in value or "Fn::GetAtt" in value)
            if referenced and target(value) in functions:
                invoked.add(target(value))
    return invoked


def test_every_asynchronously_invoked_function_keeps_its_failed_runs(
    resources: dict[str, Any],
) -> None:
    invoked = asynchronously_invoked(resources)
    assert {"StatementRendererFunction", "BillingSchedulerFunction"} <= invoked
    configs = {
        target(c["Properties"]["FunctionName"]): c["Properties"]
        for c in of_type(resources, "AWS::Lambda::EventInvokeConfig").values()
    }
    read_by_work_queue = {
        target(m["Properties"]["EventSourceArn"])
        for m in of_type(resources, "AWS::Lambda::EventSourceMapping").values()
        if target(m["Properties"]["FunctionName"]) == "WorkQueueFunction"
    }
    for function in invoked:
        assert function in configs, f"{function}: a failed run would only be logged"
        destination = target(configs[function]["DestinationConfig"]["OnFailure"]["Destination"])
        assert destination in read_by_work_queue, function


def test_the_tables_of_records_are_backed_up_for_years(
    resources: dict[str, Any], template: dict[str, Any]
) -> None:
    records = {  # the tables kept when the stack goes (not the idempotency records)
        name
        for name, table in of_type(resources, "AWS::DynamoDB::Table").items()
        if table.get("DeletionPolicy") == "Retain"
    }
    assert {"MainTable", "LedgerTable"} <= records
    (selection,) = of_type(resources, "AWS::Backup::BackupSelection").values()
    selected = {target(r) for r in selection["Properties"]["BackupSelection"]["Resources"]}
    assert selected == records
    (plan,) = of_type(resources, "AWS::Backup::BackupPlan").values()
    lifecycles = {
        rule["RuleName"]: rule["Lifecycle"]
        for rule in plan["Properties"]["BackupPlan"]["BackupPlanRule"]
    }
    assert lifecycles["daily"] == {"DeleteAfterDays": 35}
    monthly = lifecycles["monthly"]
    assert monthly["DeleteAfterDays"] == {"Ref": "BackupRetentionDays"}
    retention = template["Parameters"]["BackupRetentionDays"]
    assert retention["Default"] >= 7 * 365 + 2  # seven years
    # AWS Backup keeps a backup in cold storage at least 90 days
    assert retention["MinValue"] >= monthly["MoveToColdStorageAfterDays"] + 90
    (vault,) = of_type(resources, "AWS::Backup::BackupVault").values()
    assert vault["DeletionPolicy"] == "Retain"
    assert vault["Properties"]["LockConfiguration"]["MinRetentionDays"] == 35


def test_every_bucket_is_versioned(resources: dict[str, Any]) -> None:
    buckets = of_type(resources, "AWS::S3::Bucket")
    assert {"DocumentsBucket", "ReadingsBucket", "LedgerDigestBucket"} <= set(buckets)
    for name, bucket in buckets.items():
        assert bucket["Properties"]["VersioningConfiguration"]["Status"] == "Enabled", name


def test_issued_statements_and_receipts_are_written_locked(
    resources: dict[str, Any], template: dict[str, Any]
) -> None:
    documents = resources["DocumentsBucket"]["Properties"]
    assert documents["ObjectLockEnabled"] is True
    assert "ObjectLockConfiguration" not in documents  # exports and manifests are not locked
    roles = of_type(resources, "AWS::IAM::Role")
    locking = {}
    for name, function in of_type(resources, "AWS::Lambda::Function").items():
        statements = [
            statement
            for policy in roles[target(function["Properties"]["Role"])]["Properties"].get(
                "Policies", []
            )
            for statement in policy["PolicyDocument"]["Statement"]
            if "s3:PutObjectRetention" in statement["Action"]
        ]
        variables = function["Properties"].get("Environment", {}).get("Variables", {})
        if statements or "DOCUMENT_RETENTION_YEARS" in variables:
            locking[name] = (statements, variables)
    assert set(locking) == RECORD_WRITERS
    for name, (statements, variables) in locking.items():
        assert variables["DOCUMENT_RETENTION_YEARS"] == {"Ref": "StatementRetentionYears"}, name
        assert variables["DOCUMENT_LOCK_MODE"] == {"Ref": "DocumentLockMode"}, name
        for statement in statements:
            resource = statement["Resource"]["Fn::Sub"]
            prefix = resource.removeprefix("${DocumentsBucket.Arn}/").removesuffix("*")
            assert prefix in RECORD_PREFIXES, (name, resource)
    assert template["Parameters"]["StatementRetentionYears"]["Default"] >= 7
    assert template["Parameters"]["DocumentLockMode"]["Default"] == "COMPLIANCE"


def test_billing_fan_out_and_api_concurrency_are_reserved_only_when_asked(
    resources: dict[str, Any], template: dict[str, Any]
) -> None:
    reserved = {
        name: f["Properties"]["ReservedConcurrentExecutions"]["Fn::If"]
        for name, f in of_type(resources, "AWS::Lambda::Function").items()
        if "ReservedConcurrentExecutions" in f["Properties"]
    }
    assert reserved == {
        "ApiFunction": [
            "ReserveApiConcurrency",
            {"Ref": "ApiReservedConcurrency"},
            {"Ref": "AWS::NoValue"},
        ],
        "BillingTasksFunction": [
            "ReserveBillingConcurrency",
            {"Ref": "BillingReservedConcurrency"},
            {"Ref": "AWS::NoValue"},
        ],
        "StatementRendererFunction": [
            "ReserveBillingConcurrency",
            {"Ref": "BillingReservedConcurrency"},
            {"Ref": "AWS::NoValue"},
        ],
    }
    # a new account's limit is 10 concurrent executions: by default nothing is reserved
    assert not condition_holds("ReserveBillingConcurrency", template, {})
    assert not condition_holds("ReserveApiConcurrency", template, {})
    assert condition_holds(
        "ReserveBillingConcurrency", template, {"BillingReservedConcurrency": "40"}
    )


def test_what_the_emulator_cannot_create_exists_on_aws_only(
    resources: dict[str, Any], template: dict[str, Any]
) -> None:
    aws_only = {name: r for name, r in resources.items() if r["Type"].startswith(AWS_ONLY_TYPES)}
    assert len(aws_only) > 80
    on_aws = {"AlarmEmail": "ops@example.ca"}
    local = {**on_aws, "LocalEmulator": "true"}
    for name, resource in aws_only.items():
        assert condition_holds(resource["Condition"], template, on_aws), name
        assert not condition_holds(resource["Condition"], template, local), name


@pytest.mark.parametrize(
    ("region", "parameters", "refused"),
    [
        ("ca-central-1", {}, set()),
        ("ca-west-1", {}, set()),
        ("us-east-1", {}, {"CanadianRegion"}),
        ("us-east-1", {"AllowRegionOutsideCanada": "true"}, set()),
        ("ca-central-1", {"AuthMode": "local"}, {"LocalAuthOnlyInSandbox"}),
        ("ca-central-1", {"AuthMode": "local", "SandboxStack": "true"}, set()),
        ("eu-west-1", {"AuthMode": "local"}, {"CanadianRegion", "LocalAuthOnlyInSandbox"}),
    ],
)
def test_the_stack_stays_in_canada_and_local_tokens_stay_in_sandboxes(
    template: dict[str, Any], region: str, parameters: dict[str, str], refused: set[str]
) -> None:
    assert refused_by_rules(template, parameters, region) == refused
