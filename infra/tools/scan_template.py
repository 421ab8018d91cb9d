"""Write the CloudFormation that template.yaml deploys, for the security scanner (`make scan`).

The scanner reads the transformed template, not template.yaml: only the SAM transform shows what
CloudFormation creates from a function, an API or a state machine (its IAM role and policies, the
API's stage, the permissions and event source mappings). It is packaged as for the local stack,
with the code zipped but uploaded nowhere.

Suppressions stay in template.yaml, each with its reason, as checkov reads them
(`Metadata: checkov: skip: [{id, comment}]`), and this carries them where checkov looks:
- On a SAM resource: the transform copies its Metadata to the resource of the same name only;
  here it also goes to every resource SAM generated from it (their logical ids begin with its
  own: ApiFunctionRole, StaffApiv1Stage).
- At the top of template.yaml: a check that is wrong for every resource of its type in this
  stack (stated there, with the reason); it goes to every resource.
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path
from typing import Any

from infra.local.packaging import load_template, package

Skip = dict[str, str]


class _DiscardingS3:
    """Packaging uploads each function's zip; the scanner needs only the template."""

    def put_object(self, **_: Any) -> None:
        return None


class UnexplainedSuppression(ValueError):
    """A checkov suppression without its reason (a comment)."""


def checkov_skips(node: dict[str, Any], where: str) -> list[Skip]:
    """The checkov suppressions in a resource's (or the template's) Metadata, each with a reason."""
    skips: list[Skip] = node.get("Metadata", {}).get("checkov", {}).get("skip", [])
    unexplained = [skip.get("id") for skip in skips if not str(skip.get("comment", "")).strip()]
    if unexplained:
        raise UnexplainedSuppression(f"{where}: checkov skips without a comment: {unexplained}")
    return skips


def scannable_template(source: dict[str, Any]) -> dict[str, Any]:
    """The transformed template, each resource carrying every suppression that applies to it."""
    stack_skips = checkov_skips(source, "template.yaml")
    sam_skips = {
        name: checkov_skips(resource, name)
        for name, resource in source["Resources"].items()
        if resource["Type"].startswith("AWS::Serverless::")
    }
    transformed = package(copy.deepcopy(source), _DiscardingS3(), "scan")
    for name, resource in transformed["Resources"].items():
        origin = max((sam for sam in sam_skips if name.startswith(sam)), key=len, default="")
        skips: dict[str, Skip] = {}
        for skip in [*checkov_skips(resource, name), *sam_skips.get(origin, []), *stack_skips]:
            skips.setdefault(skip["id"], skip)
        if skips:
            resource.setdefault("Metadata", {}).setdefault("checkov", {})["skip"] = [
                *skips.values()
            ]
    return transformed


def main(output: str) -> None:
    try:
        template = scannable_template(load_template())
    except UnexplainedSuppression as error:
        raise SystemExit(str(error)) from error
    Path(output).write_text(json.dumps(template, indent=1) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
