"""Build every function and layer of template.yaml for Lambda into .aws-sam/build.

    python -m infra.build.package [--template template.yaml] [--build-dir .aws-sam/build]

The layout is `sam build`'s: one directory per function and layer, named by its logical id, and
beside them a copy of the template whose CodeUri/ContentUri name those directories and whose
DefinitionUri paths still reach their files, so `sam deploy` packages and deploys the build as it
is. `sam build` itself is not used: it needs the target's Python (python3.12) on PATH and installs
a layer's requirements for the machine it runs on (x86-64 here), while the functions are arm64.
Here the layer's wheels are chosen for the template's runtime, architecture and glibc by pip's
``--platform``/``--python-version``, from wheels only, so any Python that runs this builds it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from infra.build.target import Target, TargetError, read_stack
from infra.local.packaging import load_template

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "template.yaml"
BUILD_DIR = REPO / ".aws-sam" / "build"
NOT_SHIPPED = shutil.ignore_patterns(
    "__pycache__", "*.pyc", ".chalice", "tests", ".pytest_cache", ".mypy_cache", "*.egg-info"
)

LayerBuilder = Callable[[Path, Path, Target], None]
"""Builds a layer from its ContentUri directory into its (not yet existing) build directory."""


class BuildError(RuntimeError):
    """The template names something this build cannot produce."""


def copy_source(source: Path, out: Path, target: Target) -> None:
    """Code that ships as written: a function's CodeUri, a layer of templates."""
    shutil.copytree(source, out, ignore=NOT_SHIPPED)


def install_requirements(requirements: Path, site: Path, target: Target) -> None:
    """Install ``requirements`` into ``site`` for ``target``, whatever machine runs this.

    Wheels only (nothing is compiled here), for CPython of the target's version and every
    manylinux tag its glibc loads. pip's cache (``PIP_CACHE_DIR``) makes a rebuild quick; no
    bytecode is compiled (it would be this interpreter's, not the runtime's).
    """
    platforms = [arg for tag in target.wheel_platforms() for arg in ("--platform", tag)]
    subprocess.run(
        [
            sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
            "--no-compile", "--no-warn-conflicts", "--only-binary=:all:",
            "--implementation", "cp", "--python-version", target.python_version, *platforms,
            "--target", str(site), "--requirement", str(requirements),
        ],
        check=True,
    )  # fmt: skip


def build_python_layer(source: Path, out: Path, target: Target) -> None:
    """``source``'s requirements.txt installed and its packages copied into ``python/``, the
    directory Lambda puts on sys.path (/opt/python)."""
    site = out / "python"
    site.mkdir(parents=True)
    requirements = source / "requirements.txt"
    if requirements.is_file():
        install_requirements(requirements, site, target)
    for package in sorted(source.iterdir()):
        if (package / "__init__.py").is_file():
            shutil.copytree(package, site / package.name, ignore=NOT_SHIPPED)


def build_pdf_layer(source: Path, out: Path, target: Target) -> None:
    """Pango, HarfBuzz, fontconfig and fonts for WeasyPrint, built by their own module."""
    try:
        from infra.pdf import layer
    except ModuleNotFoundError as missing:
        if missing.name not in ("infra.pdf", "infra.pdf.layer"):
            raise
        raise BuildError(
            "PdfLayer is built by infra.pdf.layer, absent from this checkout"
        ) from missing
    layer.build(out, target.architecture)


# How each layer is built, by logical id; any other layer ships its ContentUri as written.
LAYER_BUILDERS: dict[str, LayerBuilder] = {
    "AppLayer": build_python_layer,
    "PdfLayer": build_pdf_layer,
}


def build(template_path: Path = TEMPLATE, build_dir: Path = BUILD_DIR) -> dict[str, Any]:
    """Build into ``build_dir`` (emptied first) and return the built template written there."""
    template = load_template(template_path)
    stack = read_stack(template)
    sources = template_path.resolve().parent
    if build_dir.exists():
        shutil.rmtree(build_dir)
    build_dir.mkdir(parents=True)
    resources = template["Resources"]

    for function in stack.functions:
        copy_source(sources / function.code_uri, build_dir / function.name, function.target)
        resources[function.name]["Properties"]["CodeUri"] = function.name
    for layer in stack.layers:
        builder = LAYER_BUILDERS.get(layer.name, copy_source)
        print(f"building {layer.name} for {layer.target.runtime} {layer.target.architecture}")
        builder(sources / layer.content_uri, build_dir / layer.name, layer.target)
        resources[layer.name]["Properties"]["ContentUri"] = layer.name
    for resource in resources.values():
        properties = resource.get("Properties", {})
        uri = properties.get("DefinitionUri")
        if isinstance(uri, str) and not uri.startswith("s3://"):
            properties["DefinitionUri"] = os.path.relpath(sources / uri, build_dir.resolve())

    (build_dir / "template.yaml").write_text(yaml.safe_dump(template, sort_keys=False))
    print(f"built {len(stack.functions)} functions and {len(stack.layers)} layers into {build_dir}")
    return template


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build template.yaml for Lambda.")
    parser.add_argument("--template", type=Path, default=TEMPLATE)
    parser.add_argument("--build-dir", type=Path, default=BUILD_DIR)
    arguments = parser.parse_args(argv)
    try:
        build(arguments.template, arguments.build_dir)
    except (BuildError, TargetError) as error:
        print(f"package: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
