"""Fixes to moto 5.2.5's CloudFormation so that template.yaml provisions as it would in AWS.

Each patch names the gap it closes (see ../shared/notes/local-aws.md). The end-to-end tests
provision template.yaml through them (tests/e2e), and tests/integration/
test_bucket_notifications_patch.py pins the notification patch, so a moto upgrade that changes
these internals fails there.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from moto.apigateway.models import Deployment, RestAPI, apigateway_backends
from moto.awslambda.models import LambdaFunction, LayerVersion, Permission
from moto.awslambda.utils import get_backend as lambda_backend
from moto.core.common_models import CloudFormationModel
from moto.events.models import EventBus
from moto.kms.models import Key, kms_backends
from moto.s3.models import FakeBucket, s3_backends
from moto.secretsmanager.models import secretsmanager_backends
from moto.sqs.models import sqs_backends
from moto.stepfunctions import responses as sfn_responses
from moto.stepfunctions.models import StateMachine


class _PatchedResource:
    """A resource type moto skips silently; each subclass applies it to moto's backend.

    moto finds types among CloudFormationModel's *direct* subclasses, so each patch lists
    CloudFormationModel itself as a base.
    """

    def __init__(self, physical_id: str) -> None:
        self._physical_id = physical_id

    @property
    def physical_resource_id(self) -> str:
        return self._physical_id

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""


class BucketPolicy(_PatchedResource, CloudFormationModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::S3::BucketPolicy"

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> BucketPolicy:
        properties = cloudformation_json["Properties"]
        policy = json.dumps(properties["PolicyDocument"]).encode()
        s3_backends[account_id]["aws"].put_bucket_policy(properties["Bucket"], policy)
        return cls(f"{properties['Bucket']}-policy")


class QueuePolicy(_PatchedResource, CloudFormationModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::SQS::QueuePolicy"

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> QueuePolicy:
        properties = cloudformation_json["Properties"]
        backend = sqs_backends[account_id][region_name]
        policy = json.dumps(properties["PolicyDocument"])
        for queue_url in properties["Queues"]:
            backend.set_queue_attributes(queue_url.rsplit("/", 1)[-1], {"Policy": policy})
        return cls(resource_name)


class ApiStage(_PatchedResource, CloudFormationModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ApiGateway::Stage"

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> ApiStage:
        properties = cloudformation_json["Properties"]
        apigateway_backends[account_id][region_name].create_stage(
            properties["RestApiId"],
            properties["StageName"],
            properties["DeploymentId"],
            tracing_enabled=properties.get("TracingEnabled"),
        )
        return cls(properties["StageName"])


class EventInvokeConfig(_PatchedResource, CloudFormationModel):
    """Where a function's failed asynchronous invocations go (its OnFailure destination)."""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Lambda::EventInvokeConfig"

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> EventInvokeConfig:
        properties = dict(cloudformation_json["Properties"])
        function = properties.pop("FunctionName")
        properties.pop("Qualifier", None)
        # the backend the functions are in: moto's "simple" one when Docker is off
        lambda_backend(account_id, region_name).put_function_event_invoke_config(
            function, properties
        )
        return cls(f"{function}-event-invoke-config")


class Secret(_PatchedResource, CloudFormationModel):
    """A Secrets Manager secret (moto has no CloudFormation model for it): its SecretString, or
    one generated as GenerateSecretString asks; Ref gives its ARN, as in AWS."""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::SecretsManager::Secret"

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> Secret:
        properties = cloudformation_json["Properties"]
        backend = secretsmanager_backends[account_id][region_name]
        value = properties.get("SecretString")
        if value is None:
            generate = properties.get("GenerateSecretString", {})
            if "SecretStringTemplate" in generate or "GenerateStringKey" in generate:
                raise NotImplementedError("a generated JSON secret locally")
            value = json.loads(
                backend.get_random_password(
                    password_length=int(generate.get("PasswordLength", 32)),
                    exclude_characters=generate.get("ExcludeCharacters", ""),
                    exclude_numbers=bool(generate.get("ExcludeNumbers", False)),
                    exclude_punctuation=bool(generate.get("ExcludePunctuation", False)),
                    exclude_uppercase=bool(generate.get("ExcludeUppercase", False)),
                    exclude_lowercase=bool(generate.get("ExcludeLowercase", False)),
                    include_space=bool(generate.get("IncludeSpace", False)),
                    require_each_included_type=bool(generate.get("RequireEachIncludedType", True)),
                )
            )["RandomPassword"]
        created = backend.create_secret(
            name=properties.get("Name") or resource_name,
            secret_string=value,
            secret_binary=None,
            description=properties.get("Description"),
            tags=properties.get("Tags", []),
            kms_key_id=properties.get("KmsKeyId"),
            client_request_token=None,
            replica_regions=[],
            force_overwrite=False,
        )
        return cls(json.loads(created)["ARN"])


# moto looks CloudFormation types up among CloudFormationModel's subclasses under its own package.
PATCHED_TYPES = (BucketPolicy, QueuePolicy, ApiStage, EventInvokeConfig, Secret)
for _model in PATCHED_TYPES:
    _model.__module__ = "moto.local_patches"


def _create_state_machine(
    cls: type[StateMachine],
    resource_name: str,
    cloudformation_json: Any,
    account_id: str,
    region_name: str,
    **kwargs: Any,
) -> StateMachine:
    """Create in the backend that executes (not the one that fakes success), with
    DefinitionSubstitutions applied as AWS applies them."""
    properties = cloudformation_json["Properties"]
    definition = properties.get("DefinitionString", "")
    for name, value in (properties.get("DefinitionSubstitutions") or {}).items():
        definition = definition.replace("${" + name + "}", str(value))
    backend = sfn_responses.get_backend(account_id, region_name)
    return backend.create_state_machine(
        properties.get("StateMachineName", resource_name),
        definition,
        properties.get("RoleArn", ""),
        tags=[{"key": t["Key"], "value": t["Value"]} for t in properties.get("Tags", [])],
        sm_type=properties.get("StateMachineType", "STANDARD"),
    )


def _create_key(
    cls: type[Key],
    resource_name: str,
    cloudformation_json: Any,
    account_id: str,
    region_name: str,
    **kwargs: Any,
) -> Key:
    """moto creates every key as a symmetric encryption key: honour KeyUsage and KeySpec (the
    ledger digests are signed with an RSA key)."""
    properties = cloudformation_json["Properties"]
    key = kms_backends[account_id][region_name].create_key(
        policy=json.dumps(properties["KeyPolicy"]),
        key_usage=properties.get("KeyUsage", "ENCRYPT_DECRYPT"),
        key_spec=properties.get("KeySpec", "SYMMETRIC_DEFAULT"),
        description=properties.get("Description", ""),
        tags=properties.get("Tags", []),
    )
    key.enabled = properties.get("Enabled", True)
    return key


Adjust = Callable[[Any, str, dict[str, Any], str, str], None]


def _wrap_create(model: type[CloudFormationModel], before: Adjust | None, after: Adjust) -> None:
    """Wrap moto's create_from_cloudformation_json: ``before`` sees the properties, ``after``
    the created resource, each with (resource, logical name, properties, account, region)."""
    original = model.create_from_cloudformation_json.__func__

    def create(
        cls: type[CloudFormationModel],
        resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> Any:
        properties = cloudformation_json["Properties"]
        if before is not None:
            before(None, resource_name, properties, account_id, region_name)
        resource = original(
            cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
        )
        after(resource, resource_name, properties, account_id, region_name)
        return resource

    model.create_from_cloudformation_json = classmethod(create)


def _name_rest_api(_: None, name: str, properties: dict[str, Any], *__: str) -> None:
    """SAM gives a REST API a Swagger 2.0 Body and no Name; AWS names it from the title."""
    properties.setdefault("Name", properties.get("Body", {}).get("info", {}).get("title") or name)


def _apply_rest_api_body(
    api: RestAPI, _: str, properties: dict[str, Any], account_id: str, region_name: str
) -> None:
    """moto ignores the Body: create its resources, methods and Lambda proxy integrations."""
    backend = apigateway_backends[account_id][region_name]
    for path, operations in properties.get("Body", {}).get("paths", {}).items():
        resource = api.default
        for part in path.strip("/").split("/"):
            children = [r for r in api.resources.values() if r.parent_id == resource.id]
            existing = next((r for r in children if r.path_part == part), None)
            resource = existing or backend.create_resource(api.id, resource.id, part)
        for verb, operation in operations.items():
            backend.put_method(api.id, resource.id, verb.upper(), authorization_type="NONE")
            integration = operation.get("x-amazon-apigateway-integration")
            if integration:
                backend.put_integration(
                    api.id,
                    resource.id,
                    verb.upper(),
                    integration["type"].upper(),
                    integration["uri"],
                    integration.get("httpMethod", "POST"),
                )


def _name_permission(permission: Permission, name: str, *_: Any) -> None:
    """moto applies the statement but keeps no id, so the stack would show a blank row."""
    permission.statement_id = name


def _attach_layers(function: LambdaFunction, _: str, properties: dict[str, Any], *__: str) -> None:
    """moto's CloudFormation drops a function's Layers."""
    function.layers = function._get_layers_data(properties.get("Layers", []))


def _apply_bucket_notifications(
    bucket: FakeBucket, _: str, properties: dict[str, Any], *__: str
) -> None:
    """moto's CloudFormation drops a bucket's NotificationConfiguration: apply its queue
    configurations (S3 -> SQS, how template.yaml routes uploads) as PutBucketNotification would.
    Lambda and topic destinations are not used by the template, so they are refused here."""
    configuration = properties.get("NotificationConfiguration") or {}
    unsupported = set(configuration) - {"QueueConfigurations"}
    if unsupported:
        raise NotImplementedError(f"bucket notifications locally: {sorted(unsupported)}")
    queues = [
        {
            "Id": f"queue-{index}",
            "Queue": queue["Queue"],
            "Event": [queue["Event"]],
            "Filter": {"S3Key": {"FilterRule": queue["Filter"]["S3Key"]["Rules"]}}
            if "Filter" in queue
            else None,
        }
        for index, queue in enumerate(configuration.get("QueueConfigurations", []))
    ]
    if queues:
        bucket.set_notification_configuration({"QueueConfiguration": queues})


def _apply_object_lock(
    bucket: FakeBucket, _: str, properties: dict[str, Any], account_id: str, *__: str
) -> None:
    """moto's CloudFormation drops ObjectLockEnabled and ObjectLockConfiguration (and the
    versioning Object Lock needs): apply them as the S3 API would, so that the ledger digests
    are locked (compliance mode) locally too."""
    if not properties.get("ObjectLockEnabled"):
        return
    backend = s3_backends[account_id]["aws"]
    backend.put_bucket_versioning(bucket.name, "Enabled")
    configuration = properties.get("ObjectLockConfiguration") or {}
    retention = configuration.get("Rule", {}).get("DefaultRetention", {})
    backend.put_object_lock_configuration(
        bucket.name,
        lock_enabled=True,
        mode=retention.get("Mode"),
        days=int(retention.get("Days", 0)),
        years=int(retention.get("Years", 0)),
    )


def _bucket_permission_without_conditions(bucket: FakeBucket, action: str, resource: str) -> Any:
    """moto evaluates bucket policies but ignores Condition, so the TLS-only Deny would deny
    every request. Conditional statements are left out locally (moto speaks plain HTTP)."""
    from moto.iam.access_control import IAMPolicy, PermissionResult

    if bucket.policy is None:
        return PermissionResult.NEUTRAL
    document = json.loads(bucket.policy)
    document["Statement"] = [s for s in document["Statement"] if "Condition" not in s]
    return IAMPolicy(json.dumps(document)).is_action_permitted(action, resource)


_installed = False


def install() -> None:
    """Apply every patch once per process."""
    global _installed
    if _installed:
        return
    _installed = True
    from moto.cloudformation import parsing

    _wrap_create(LambdaFunction, None, _attach_layers)
    _wrap_create(RestAPI, _name_rest_api, _apply_rest_api_body)
    _wrap_create(Permission, None, _name_permission)
    _wrap_create(FakeBucket, None, _apply_bucket_notifications)
    _wrap_create(FakeBucket, None, _apply_object_lock)
    StateMachine.create_from_cloudformation_json = classmethod(_create_state_machine)
    Key.create_from_cloudformation_json = classmethod(_create_key)
    # A Ref must give the bus name and the deployment id (moto returns the Python objects).
    EventBus.physical_resource_id = property(lambda self: self.name)
    Deployment.physical_resource_id = property(lambda self: self.id)
    LayerVersion.physical_resource_id = property(lambda self: self.arn)
    Permission.physical_resource_id = property(lambda self: self.statement_id)
    FakeBucket.get_permission = _bucket_permission_without_conditions
    parsing.get_model_list.cache_clear()
    parsing.get_model_map.cache_clear()
    parsing.get_name_type_map.cache_clear()
