"""Every queue encrypted at rest, by SQS's own keys (SSE-SQS) or by KMS.

It stands in for CKV_AWS_27, which knows only KMS (KmsMasterKeyId) and so fails every queue here;
template.yaml says why the queues use SSE-SQS.
"""

from __future__ import annotations

from typing import Any

from checkov.cloudformation.checks.resource.base_resource_check import BaseResourceCheck
from checkov.common.models.enums import CheckCategories, CheckResult


class SqsEncryptedAtRest(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name="Ensure the SQS queue is encrypted at rest (SSE-SQS or KMS)",
            id="CKV_CIVIQ_1",
            categories=(CheckCategories.ENCRYPTION,),
            supported_resources=("AWS::SQS::Queue",),
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        properties = conf.get("Properties") or {}
        if properties.get("SqsManagedSseEnabled") is True or properties.get("KmsMasterKeyId"):
            return CheckResult.PASSED
        return CheckResult.FAILED

    def get_evaluated_keys(self) -> list[str]:
        return ["Properties/SqsManagedSseEnabled", "Properties/KmsMasterKeyId"]


check = SqsEncryptedAtRest()
