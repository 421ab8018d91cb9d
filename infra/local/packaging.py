"""Package template.yaml for the emulator, as `sam package` + the SAM transform would for AWS.

Every function's CodeUri and layer's ContentUri is zipped into an artifacts bucket, each state
machine's ASL file is inlined (its DefinitionSubstitutions stay for CloudFormation to apply), and
the SAM transform runs offline. The result is the CloudFormation template the emulator receives.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from pathlib import Path
from typing import Any

from cfnlint.decode import cfn_yaml
from samtranslator.translator.transform import transform

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "template.yaml"
SKIPPED = {"__pycache__", ".chalice", ".pytest_cache", ".mypy_cache"}


def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    return json.loads(json.dumps(cfn_yaml.loads(path.read_text(), str(path))))


def zip_directory(directory: Path) -> bytes:
    """Deterministic zip: same files, same bytes (so an unchanged function keeps its hash)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(directory.rglob("*")):
            relative = path.relative_to(directory)
            if path.is_dir() or SKIPPED & set(relative.parts) or path.suffix == ".pyc":
                continue
            info = zipfile.ZipInfo(str(relative), date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes(), zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


class _NoManagedPolicies:
    """The transform asks IAM for managed policy ARNs; the emulator needs none."""

    def load(self) -> dict[str, str]:
        return {}


def package(template: dict[str, Any], s3: Any, bucket: str) -> dict[str, Any]:
    """Upload code to ``bucket`` and return the transformed CloudFormation template."""
    for name, resource in template["Resources"].items():
        properties = resource.get("Properties", {})
        kind = resource["Type"]
        if kind in ("AWS::Serverless::Function", "AWS::Serverless::LayerVersion"):
            field = "CodeUri" if kind == "AWS::Serverless::Function" else "ContentUri"
            body = zip_directory(REPO / properties[field])
            key = f"{name}-{hashlib.sha256(body).hexdigest()[:16]}.zip"
            s3.put_object(Bucket=bucket, Key=key, Body=body)
            properties[field] = f"s3://{bucket}/{key}"
        elif kind == "AWS::Serverless::StateMachine" and "DefinitionUri" in properties:
            properties["Definition"] = json.loads(
                (REPO / properties.pop("DefinitionUri")).read_text()
            )
    os.environ.setdefault("AWS_DEFAULT_REGION", "ca-central-1")
    return transform(template, {}, _NoManagedPolicies())
