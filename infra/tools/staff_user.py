"""Create a staff user in the stack's Cognito user pool and put them in their role's group.

    python -m infra.tools.staff_user --stack civiq --email treasurer@example.ca --role supervisor

The user pool lets only administrators create users; Cognito emails the new user a temporary
password, which they replace at first sign-in. The stack's output `StaffUserPoolId` names the
pool. Running it again for the same address changes nothing but the group (a user has one role).
Exit codes: 0 done, 2 the stack or its pool cannot be found.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

import boto3
from botocore.exceptions import ClientError

from civiq.core.staff import Role

POOL_OUTPUT = "StaffUserPoolId"


def pool_id(cloudformation: Any, stack: str) -> str:
    """The stack's user pool (its `StaffUserPoolId` output)."""
    outputs = cloudformation.describe_stacks(StackName=stack)["Stacks"][0].get("Outputs", [])
    for output in outputs:
        if output["OutputKey"] == POOL_OUTPUT:
            return str(output["OutputValue"])
    raise LookupError(f"stack {stack} has no {POOL_OUTPUT} output")


def create_staff_user(cognito: Any, pool: str, email: str, role: Role) -> dict[str, Any]:
    """Create ``email`` (Cognito emails the invitation) unless it exists; ``role`` becomes its
    only group."""
    try:
        user = cognito.admin_get_user(UserPoolId=pool, Username=email)
        created = False
        username = user["Username"]
    except cognito.exceptions.UserNotFoundException:
        user = cognito.admin_create_user(
            UserPoolId=pool,
            Username=email,
            UserAttributes=[
                {"Name": "email", "Value": email},
                {"Name": "email_verified", "Value": "true"},
            ],
            DesiredDeliveryMediums=["EMAIL"],
        )["User"]
        created = True
        username = user["Username"]
    groups = cognito.admin_list_groups_for_user(UserPoolId=pool, Username=username)["Groups"]
    for group in groups:
        if group["GroupName"] != role.value:
            cognito.admin_remove_user_from_group(
                UserPoolId=pool, Username=username, GroupName=group["GroupName"]
            )
    cognito.admin_add_user_to_group(UserPoolId=pool, Username=username, GroupName=role.value)
    return {"username": username, "email": email, "role": role.value, "created": created}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--stack", required=True, help="the CloudFormation stack name")
    parser.add_argument("--email", required=True, help="the staff member's email address")
    parser.add_argument("--role", required=True, choices=[role.value for role in Role])
    parser.add_argument("--region", default=None, help="default: the AWS CLI's region")
    args = parser.parse_args(argv)
    session = boto3.session.Session(region_name=args.region)
    try:
        pool = pool_id(session.client("cloudformation"), args.stack)
    except (LookupError, ClientError) as error:
        print(f"cannot find the user pool: {error}", file=sys.stderr)
        return 2
    result = create_staff_user(session.client("cognito-idp"), pool, args.email, Role(args.role))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
