"""The first staff user of a deployed stack, created in its user pool (moto's Cognito)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from civiq.core.staff import Role
from infra.tools import staff_user

REGION = "ca-central-1"
# moto's CloudFormation cannot create a user pool: the stack names one made beside it.
STACK = {
    "AWSTemplateFormatVersion": "2010-09-09",
    "Parameters": {"Pool": {"Type": "String"}},
    "Resources": {"Queue": {"Type": "AWS::SQS::Queue"}},
    "Outputs": {"StaffUserPoolId": {"Value": {"Ref": "Pool"}}},
}


@pytest.fixture
def stack(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        cognito = boto3.client("cognito-idp", region_name=REGION)
        created = cognito.create_user_pool(PoolName="civiq-test-staff")["UserPool"]["Id"]
        cloudformation = boto3.client("cloudformation", region_name=REGION)
        cloudformation.create_stack(
            StackName="civiq-test",
            TemplateBody=json.dumps(STACK),
            Parameters=[{"ParameterKey": "Pool", "ParameterValue": created}],
        )
        pool = staff_user.pool_id(cloudformation, "civiq-test")
        for role in Role:
            cognito.create_group(UserPoolId=pool, GroupName=role.value)
        yield pool


def groups(pool: str, username: str) -> list[str]:
    cognito: Any = boto3.client("cognito-idp", region_name=REGION)
    found = cognito.admin_list_groups_for_user(UserPoolId=pool, Username=username)["Groups"]
    return [group["GroupName"] for group in found]


def test_the_first_supervisor_is_created_in_the_stacks_pool_with_their_role(
    stack: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = staff_user.main(
        ["--stack", "civiq-test", "--email", "tresorier@example.ca", "--role", "supervisor"]
    )

    printed = json.loads(capsys.readouterr().out)
    assert code == 0
    assert printed["created"] is True
    assert groups(stack, printed["username"]) == ["supervisor"]
    cognito: Any = boto3.client("cognito-idp", region_name=REGION)
    user = cognito.admin_get_user(UserPoolId=stack, Username=printed["username"])
    attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    assert attributes["email"] == "tresorier@example.ca"
    assert user["UserStatus"] == "FORCE_CHANGE_PASSWORD"


def test_running_it_again_changes_only_the_role(stack: str) -> None:
    cognito: Any = boto3.client("cognito-idp", region_name=REGION)
    first = staff_user.create_staff_user(cognito, stack, "clerk@example.ca", Role.CLERK)
    again = staff_user.create_staff_user(cognito, stack, "clerk@example.ca", Role.ADMIN)

    assert again["created"] is False
    assert again["username"] == first["username"]
    assert groups(stack, first["username"]) == ["admin"]
    assert len(cognito.list_users(UserPoolId=stack)["Users"]) == 1


def test_a_stack_without_a_user_pool_is_refused_clearly(
    stack: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = staff_user.main(["--stack", "no-such-stack", "--email", "a@b.ca", "--role", "clerk"])

    assert code == 2
    assert "cannot find the user pool" in capsys.readouterr().err
