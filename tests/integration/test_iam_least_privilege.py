"""Least privilege, read from the template as AWS receives it: template.yaml through the SAM
transform (offline), so SAM's policy templates (DynamoDBCrudPolicy and the like) are checked as
the IAM statements they expand to, in every role the stack creates.

- The ledger table: only the ledger's writers may write it, and only by PutItem; nobody may
  update, delete or batch-write its items (nor by PartiQL), and its resource policy refuses
  those writes to every principal.
- The renderers put objects under their own prefixes only, and change no bucket configuration.
- Each state machine may do what its ASL's tasks do, and nothing else.
- Each queue consumer's role may poll the queues of its event-source mappings, and no other
  queue; no role has the managed policy of SAM's SQS event, which polls every queue.
- No action is a wildcard; no resource is, except for the actions that take none.
"""

from __future__ import annotations

import copy
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

import pytest
from samtranslator.translator.transform import transform

from infra.local.packaging import REPO, load_template

# The functions that post to the ledger: payments, refunds, reversals, adjustments and rebills
# (the API), statements (the billing-cycle tasks), final bills, processor events, remittances,
# late penalties, new-account fees, arrears transferred to the tax roll (its task), and
# write-offs (their reinstatements, the daily small balances).
LEDGER_WRITERS = {
    "ApiFunction",
    "BillingTasksFunction",
    "FinalBillFunction",
    "ProcessorEventFunction",
    "RemittanceFunction",
    "LatePenaltiesFunction",
    "FeeChargerFunction",
    "TaxRollTaskFunction",
    "WriteOffReinstatementFunction",
    "SmallBalanceWriteOffFunction",
}
# The ledger's other readers: the digest job (heads and journals), the arrangement check (the
# payments since each arrangement was made), the collection cases' functions, the risk scoring
# run (each account's journal).
LEDGER_READERS = {
    "LedgerDigestFunction",
    "ArrangementCheckFunction",
    "CollectionCaseTaskFunction",
    "CasePaymentsFunction",
    "CaseOpeningFunction",
    "RiskScoringSchedulerFunction",
    "RiskScoringFunction",
    "PortalFunction",  # a resident's balance and payments
}
# What a writer may do to the ledger table besides reading: add an item (a condition on it is a
# read). Entries, guards and refunds are put on condition they do not exist.
LEDGER_WRITES = {"dynamodb:PutItem"}
DYNAMODB_READS = {
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:Scan",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DescribeTable",
    "dynamodb:PartiQLSelect",
}
# Every DynamoDB action that changes an item or a table: what a wildcard would be checked against.
DYNAMODB_WRITES = {
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:PartiQLInsert",
    "dynamodb:PartiQLUpdate",
    "dynamodb:PartiQLDelete",
    "dynamodb:DeleteTable",
    "dynamodb:UpdateTable",
    "dynamodb:DeleteBackup",
    "dynamodb:RestoreTableFromBackup",
    "dynamodb:RestoreTableToPointInTime",
    "dynamodb:PutResourcePolicy",
    "dynamodb:DeleteResourcePolicy",
    "dynamodb:UpdateTimeToLive",
    "dynamodb:UpdateContinuousBackups",
}
NEVER_ON_THE_LEDGER = {
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:PartiQLInsert",
    "dynamodb:PartiQLUpdate",
    "dynamodb:PartiQLDelete",
}
# The renderers and the documents they write (prefixes of the documents bucket). The statement
# writers may also lock what they write (s3:PutObjectRetention, S3 Object Lock).
RENDERERS = {
    "WelcomeLetterFunction": {"letters/welcome/"},
    "StatementRendererFunction": {"statements/"},
    "FinalBillFunction": {"statements/"},
    "ReceiptFunction": {"receipts/"},
    "ReportExportFunction": {"exports/"},
    "RateSimulationFunction": {"rate-simulations/"},
    "PrintFileFunction": {"print-files/"},
    "AgencyFilesFunction": {"agency-files/"},
}
RENDERER_OBJECT_WRITES = {
    "s3:PutObject",
    "s3:PutObjectRetention",
    "s3:AbortMultipartUpload",
}
# Actions that take no resource-level permission: their Resource must be "*" (AWS's Service
# Authorization Reference lists no resource type for them). Task tokens name no execution.
WILDCARD_ONLY = {
    "states:SendTaskSuccess",
    "states:SendTaskFailure",
    "states:SendTaskHeartbeat",
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "cloudwatch:PutMetricData",
    "sns:CheckIfPhoneNumberIsOptedOut",
}
# An SMS is published to a phone number, which IAM cannot name: the notification sender alone may
# publish to every resource but a topic (NotResource), its one statement without a Resource.
SMS_SENDERS = {"NotificationSenderFunction"}
NOT_A_TOPIC = "arn:<AWS::Partition>:sns:*:*:*"
PHONE_NUMBERS = "<phone numbers>"
# The AWS managed policies a role may have. AWSLambdaBasicExecutionRole: SAM attaches it to
# every function role it creates, and its logs actions take every log group ("*"), an accepted
# exception: each function's log group is an explicit resource of the template (its retention).
# The X-Ray ones, for active tracing (X-Ray takes no resource-level permission). The service
# roles' of AWS Backup and of API Gateway's logging.
MANAGED_POLICIES = {
    "service-role/AWSLambdaBasicExecutionRole",
    "AWSXrayWriteOnlyAccess",
    "AWSXRayDaemonWriteAccess",
    "service-role/AWSBackupServiceRolePolicyForBackup",
    "service-role/AWSBackupServiceRolePolicyForRestores",
    "service-role/AmazonAPIGatewayPushToCloudWatchLogs",
}
# The managed policy a SAM `Type: SQS` event attaches to its function's role: it may receive and
# delete the messages of every queue of the account. The template's consumers are explicit
# event-source mappings instead, their roles allowed these actions on their own queues.
SAM_SQS_POLLER_POLICY = "service-role/AWSLambdaSQSQueueExecutionRole"
SQS_POLL = {
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    "sqs:ChangeMessageVisibility",
}
# What each ASL task resource needs, as IAM actions (``lambda:invoke`` also by
# ``.waitForTaskToken``); a Distributed Map also starts, watches and stops its child executions.
TASK_ACTIONS = {
    "arn:aws:states:::lambda:invoke": {"lambda:InvokeFunction"},
    "arn:aws:states:::dynamodb:updateItem": {"dynamodb:UpdateItem"},
    "arn:aws:states:::s3:getObject": {"s3:GetObject"},
}
DISTRIBUTED_MAP_ACTIONS = {
    "states:StartExecution",
    "states:DescribeExecution",
    "states:StopExecution",
}


class _NoManagedPolicies:
    """The transform may ask IAM for managed policies' ARNs: offline, it is told of none."""

    def load(self) -> dict[str, str]:
        return {}


def transform_offline(template: dict[str, Any]) -> dict[str, Any]:
    """``template`` as CloudFormation receives it: code locations as `sam package` writes them,
    each state machine's ASL inlined, then the SAM transform."""
    template = copy.deepcopy(template)
    for name, resource in template["Resources"].items():
        properties = resource.get("Properties", {})
        if resource["Type"] == "AWS::Serverless::Function":
            properties["CodeUri"] = f"s3://artifacts/{name}.zip"
        elif resource["Type"] == "AWS::Serverless::LayerVersion":
            properties["ContentUri"] = f"s3://artifacts/{name}.zip"
        elif resource["Type"] == "AWS::Serverless::StateMachine" and "DefinitionUri" in properties:
            properties["Definition"] = asl_of(properties.pop("DefinitionUri"))
    os.environ.setdefault("AWS_DEFAULT_REGION", "ca-central-1")
    result: dict[str, Any] = transform(template, {}, _NoManagedPolicies())
    return result


def asl_of(path: str) -> dict[str, Any]:
    definition: dict[str, Any] = json.loads((REPO / path).read_text())
    return definition


@pytest.fixture(scope="module")
def transformed() -> dict[str, Any]:
    return transform_offline(load_template())


@dataclass(frozen=True)
class Grant:
    """One action of one Allow statement, on one resource (rendered: see ``render``)."""

    role: str
    owner: str  # the function or state machine that assumes the role
    action: str
    resource: str


def render(value: Any, names: dict[str, str] | None = None) -> str:
    """A resource as text: ``<Ref:X>`` and ``<Arn:X>`` for the stack's resources, ``<AWS::...>``
    for pseudo parameters, the rest as written (wildcards stay wildcards)."""
    names = names or {}
    if isinstance(value, str):
        return value
    if "Ref" in value:
        return f"<Ref:{value['Ref']}>"
    if "Fn::GetAtt" in value:
        target, attribute = value["Fn::GetAtt"]
        return f"<{attribute}:{target}>"
    if "Fn::Sub" in value:
        text, variables = (
            value["Fn::Sub"] if isinstance(value["Fn::Sub"], list) else (value["Fn::Sub"], {})
        )
        rendered = {name: render(v) for name, v in variables.items()}

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in rendered:
                return rendered[name]
            if name.startswith("AWS::"):
                return f"<{name}>"
            target, _, attribute = name.partition(".")
            return f"<{attribute}:{target}>" if attribute else f"<Ref:{target}>"

        return re.sub(r"\$\{([^}]+)\}", substitute, text)
    if "Fn::Select" in value:
        index, items = value["Fn::Select"]
        return f"<item {index} of {render(items)}>"
    if "Fn::Split" in value:
        separator, text = value["Fn::Split"]
        return f"<{render(text)} split at {separator}>"
    if "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return str(separator).join(render(p) for p in parts)
    if "Fn::If" in value:
        return " | ".join(render(v) for v in value["Fn::If"][1:])
    raise AssertionError(f"unexpected resource {value}")


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def owners(resources: dict[str, Any]) -> dict[str, str]:
    """Each role's function or state machine."""
    found = {}
    for name, resource in resources.items():
        properties = resource.get("Properties", {})
        role = properties.get("Role") or properties.get("RoleArn")
        if resource["Type"] in ("AWS::Lambda::Function", "AWS::StepFunctions::StateMachine"):
            assert isinstance(role, dict) and "Fn::GetAtt" in role, name
            found[role["Fn::GetAtt"][0]] = name
    return found


def grants(resources: dict[str, Any]) -> Iterator[Grant]:
    owner_of = owners(resources)
    for role, resource in resources.items():
        if resource["Type"] != "AWS::IAM::Role":
            continue
        for policy in resource["Properties"].get("Policies", []):
            for statement in as_list(policy["PolicyDocument"]["Statement"]):
                assert statement["Effect"] == "Allow", (role, statement)
                assert "NotAction" not in statement, role
                if "NotResource" in statement:
                    sms = (statement["Action"], render(statement["NotResource"]))
                    assert sms == ("sns:Publish", NOT_A_TOPIC), (role, statement)
                    assert owner_of.get(role) in SMS_SENDERS, role
                    yield Grant(role, owner_of[role], "sns:Publish", PHONE_NUMBERS)
                    continue
                for action in as_list(statement["Action"]):
                    for target in as_list(statement["Resource"]):
                        yield Grant(role, owner_of.get(role, role), action, render(target))


def matches(action: str, known: set[str]) -> set[str]:
    """The known actions ``action`` (which may hold wildcards) allows."""
    return {a for a in known if fnmatchcase(a.lower(), action.lower())}


def on_ledger_table(grant: Grant) -> bool:
    """A DynamoDB grant that reaches the ledger table: it names it, or any table by a wildcard."""
    if not grant.action.lower().startswith("dynamodb:") and grant.action != "*":
        return False
    table = grant.resource.split("/index/")[0]
    return "LedgerTable>" in table or "*" in table


@pytest.fixture(scope="module")
def all_grants(transformed: dict[str, Any]) -> list[Grant]:
    return list(grants(transformed["Resources"]))


def test_every_function_and_state_machine_role_is_read(
    transformed: dict[str, Any], all_grants: list[Grant]
) -> None:
    resources = transformed["Resources"]
    roles = {n for n, r in resources.items() if r["Type"] == "AWS::IAM::Role"}
    assert set(owners(resources)) <= roles
    assert {g.owner for g in all_grants} >= LEDGER_WRITERS | set(RENDERERS)
    assert "WelcomeLetterStateMachine" in {g.owner for g in all_grants}


def test_only_the_ledger_writers_write_the_ledger_table_and_only_by_put(
    all_grants: list[Grant],
) -> None:
    reaching = [g for g in all_grants if on_ledger_table(g)]
    for grant in reaching:
        writes = matches(grant.action, DYNAMODB_WRITES)
        assert not writes & NEVER_ON_THE_LEDGER, grant
        if grant.owner in LEDGER_WRITERS:
            assert writes <= LEDGER_WRITES, grant
        else:
            assert not writes, grant
    writers = {g.owner for g in reaching if matches(g.action, LEDGER_WRITES)}
    assert writers == LEDGER_WRITERS  # each of them can post, nobody else
    readers = {g.owner for g in reaching}
    assert readers == LEDGER_WRITERS | LEDGER_READERS


def test_crud_on_the_ledger_table_for_a_new_function_would_be_refused() -> None:
    """The check above, on a template where one more function has the SAM CRUD template on the
    ledger table: it finds it."""
    template = copy.deepcopy(load_template())
    policies = template["Resources"]["AuditWriterFunction"]["Properties"]["Policies"]
    policies.append({"DynamoDBCrudPolicy": {"TableName": {"Ref": "LedgerTable"}}})
    widened = transform_offline(template)
    with pytest.raises(AssertionError):
        test_only_the_ledger_writers_write_the_ledger_table_and_only_by_put(
            list(grants(widened["Resources"]))
        )


def test_the_ledger_table_refuses_every_change_to_its_items(transformed: dict[str, Any]) -> None:
    table = transformed["Resources"]["LedgerTable"]
    assert (table["DeletionPolicy"], table["UpdateReplacePolicy"]) == ("Retain", "Retain")
    properties = table["Properties"]
    assert properties["DeletionProtectionEnabled"] is True
    assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert (
        properties["KeySchema"] == transformed["Resources"]["MainTable"]["Properties"]["KeySchema"]
    )
    [deny] = properties["ResourcePolicy"]["PolicyDocument"]["Statement"]
    assert (deny["Effect"], deny["Principal"], deny["Resource"]) == ("Deny", "*", "*")
    assert set(deny["Action"]) == NEVER_ON_THE_LEDGER
    assert "Condition" not in deny


def test_renderers_put_objects_under_their_own_prefixes_only(all_grants: list[Grant]) -> None:
    for owner, prefixes in RENDERERS.items():
        s3 = [g for g in all_grants if g.owner == owner and g.action.startswith("s3:")]
        assert s3, owner
        for grant in s3:
            assert "*" not in grant.action, grant
            if grant.action in RENDERER_OBJECT_WRITES:
                assert any(
                    grant.resource == f"<Arn:DocumentsBucket>/{prefix}*" for prefix in prefixes
                ), grant
            else:  # reading back what it wrote (a receipt is not rendered twice)
                assert grant.action in {"s3:GetObject", "s3:ListBucket"}, grant
        puts = {g.resource for g in s3 if g.action == "s3:PutObject"}
        assert puts == {f"<Arn:DocumentsBucket>/{prefix}*" for prefix in prefixes}, owner


def test_no_role_may_reconfigure_a_bucket(all_grants: list[Grant]) -> None:
    configuring = {
        "s3:PutLifecycleConfiguration",
        "s3:PutBucketPolicy",
        "s3:DeleteBucketPolicy",
        "s3:PutBucketVersioning",
        "s3:PutBucketObjectLockConfiguration",
        "s3:PutEncryptionConfiguration",
        "s3:PutBucketPublicAccessBlock",
        "s3:DeleteBucket",
    }
    assert [g for g in all_grants if matches(g.action, configuring)] == []


def asl_actions(definition: dict[str, Any]) -> set[str]:
    found: set[str] = set()
    for state in definition["States"].values():
        if state["Type"] == "Task":
            resource = re.sub(r"\.(waitForTaskToken|sync)$", "", state["Resource"])
            found |= TASK_ACTIONS[resource]
        if state["Type"] == "Map":
            processor = state.get("ItemProcessor") or state["Iterator"]
            if processor.get("ProcessorConfig", {}).get("Mode") == "DISTRIBUTED":
                found |= DISTRIBUTED_MAP_ACTIONS
            if "ItemReader" in state:
                found |= TASK_ACTIONS[state["ItemReader"]["Resource"]]
            found |= asl_actions(processor)
        if state["Type"] == "Parallel":
            for branch in state["Branches"]:
                found |= asl_actions(branch)
    return found


def test_state_machines_may_do_what_their_tasks_do_and_nothing_else(
    all_grants: list[Grant],
) -> None:
    machines = {
        name: resource["Properties"]["DefinitionUri"]
        for name, resource in load_template()["Resources"].items()
        if resource["Type"] == "AWS::Serverless::StateMachine"
    }
    assert machines
    for name, path in machines.items():
        granted = {g.action for g in all_grants if g.owner == name}
        assert granted == asl_actions(asl_of(path)), name
    [record] = [
        g for g in all_grants if g.owner == "WelcomeLetterStateMachine" and "dynamodb" in g.action
    ]
    assert record.resource == "<Arn:MainTable>"


def managed_policies(resources: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """Each role's AWS managed policies, by name (``service-role/...``)."""
    for name, resource in resources.items():
        if resource["Type"] == "AWS::IAM::Role":
            for arn in resource["Properties"].get("ManagedPolicyArns", []):
                yield name, render(arn).split(":policy/")[-1]


def test_no_wildcard_action_and_no_wildcard_resource_but_where_none_can_be_named(
    transformed: dict[str, Any], all_grants: list[Grant]
) -> None:
    for grant in all_grants:
        assert grant.action != "*" and not grant.action.endswith(":*"), grant
        if grant.resource == "*":
            assert grant.action in WILDCARD_ONLY, grant
    for name, policy in managed_policies(transformed["Resources"]):
        assert policy in MANAGED_POLICIES, (name, policy)


def test_each_queue_consumer_polls_its_own_queues_only(
    transformed: dict[str, Any], all_grants: list[Grant]
) -> None:
    resources = transformed["Resources"]
    assert [r for r in managed_policies(resources) if r[1] == SAM_SQS_POLLER_POLICY] == []
    every_queue = [  # "*" or any queue of an account ("<this stack>-*" names a prefix)
        g for g in all_grants if g.action.startswith("sqs:") and g.resource.split(":")[-1] == "*"
    ]
    assert every_queue == []
    polled: dict[str, set[str]] = {}
    for resource in resources.values():
        if resource["Type"] == "AWS::Lambda::EventSourceMapping":
            mapping = resource["Properties"]
            queue = render(mapping["EventSourceArn"])
            polled.setdefault(mapping["FunctionName"]["Ref"], set()).add(queue)
    assert "WorkQueueFunction" in polled
    pollers = {g.owner for g in all_grants if matches(g.action, SQS_POLL)}
    for owner in pollers | set(polled):
        granted = {
            (action, g.resource)
            for g in all_grants
            if g.owner == owner
            for action in matches(g.action, SQS_POLL)
        }
        needed = {(action, queue) for action in SQS_POLL for queue in polled.get(owner, set())}
        assert granted == needed, owner


def test_a_sam_sqs_event_would_be_refused() -> None:
    """The check above, on a template where one consumer reads its queue by a SAM SQS event (as
    the template once did): the managed policy the event attaches is found."""
    template = copy.deepcopy(load_template())
    del template["Resources"]["AuditWriterFunctionDomainEvents"]
    function = template["Resources"]["AuditWriterFunction"]["Properties"]
    function["Events"] = {
        "DomainEvents": {
            "Type": "SQS",
            "Properties": {"Queue": {"Fn::GetAtt": ["AuditQueue", "Arn"]}, "BatchSize": 10},
        }
    }
    widened = transform_offline(template)
    with pytest.raises(AssertionError, match=SAM_SQS_POLLER_POLICY):
        test_each_queue_consumer_polls_its_own_queues_only(
            widened, list(grants(widened["Resources"]))
        )


def test_only_the_sender_publishes_sms_and_to_no_topic(all_grants: list[Grant]) -> None:
    sms = [g for g in all_grants if g.resource == PHONE_NUMBERS]
    assert {(g.owner, g.action) for g in sms} == {("NotificationSenderFunction", "sns:Publish")}
    topics = [g for g in all_grants if g.action == "sns:Publish" and g.owner in SMS_SENDERS]
    assert topics == sms
