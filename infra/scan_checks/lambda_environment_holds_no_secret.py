"""No secret in a function's environment: a variable named for one only says where it is kept.

It stands in for CKV_AWS_173 (a customer managed key for every function's environment), which
template.yaml suppresses because secrets are read from Secrets Manager, never from the
environment. A variable whose name speaks of a secret, a password, a token or a private or
signing key must end in _ARN, _NAME or _ID: the secret's address, not its value.
"""

from __future__ import annotations

import re
from typing import Any

from checkov.cloudformation.checks.resource.base_resource_check import BaseResourceCheck
from checkov.common.models.enums import CheckCategories, CheckResult

SECRET_NAME = re.compile(r"SECRET|PASSWORD|TOKEN|PRIVATE_KEY|SIGNING_KEY|API_KEY")
ADDRESS_SUFFIXES = ("_ARN", "_NAME", "_ID")


class LambdaEnvironmentHoldsNoSecret(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name="Ensure no Lambda environment variable holds a secret value",
            id="CKV_CIVIQ_2",
            categories=(CheckCategories.SECRETS,),
            supported_resources=("AWS::Lambda::Function", "AWS::Serverless::Function"),
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        environment = (conf.get("Properties") or {}).get("Environment") or {}
        variables = environment.get("Variables") or {}
        if not isinstance(variables, dict):
            return CheckResult.UNKNOWN
        for name in variables:
            upper = name.upper()
            if SECRET_NAME.search(upper) and not upper.endswith(ADDRESS_SUFFIXES):
                return CheckResult.FAILED
        return CheckResult.PASSED

    def get_evaluated_keys(self) -> list[str]:
        return ["Properties/Environment/Variables"]


check = LambdaEnvironmentHoldsNoSecret()
