"""Inspect a build (.aws-sam/build) for what would fail on Lambda before a line of it runs.

    python -m infra.build.check [--build-dir .aws-sam/build]

It reads the built template there and checks, for each function and layer, against the runtime
and architecture it is deployed with:

- every ELF file (shared objects, executables) is for that architecture's machine;
- none needs a GLIBC_x.y symbol version newer than the runtime's glibc;
- every CPython extension module is for the runtime's Python version;
- each function's code plus its layers stays, unzipped, within Lambda's limit, with at most five
  layers.

It reports each layer's size unzipped and zipped, and exits 1 listing every violation.
"""

from __future__ import annotations

import argparse
import re
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile
from elftools.elf.gnuversions import GNUVerNeedSection

from infra.build.package import BUILD_DIR
from infra.build.target import Target, TargetError, read_stack
from infra.local.packaging import load_template

# Lambda's limit on a function's deployment package and all its layers, unzipped (250 MiB).
LAMBDA_UNZIPPED_BYTES = 262_144_000
LAMBDA_LAYERS_PER_FUNCTION = 5
ELF_MAGIC = b"\x7fELF"
GLIBC_SYMBOL_VERSION = re.compile(r"GLIBC_(\d+)\.(\d+)(?:\.\d+)?")
EXTENSION_MODULE_TAG = re.compile(r"\.(cpython-\d+)-")
MB = 1_000_000


@dataclass
class Report:
    violations: list[str] = field(default_factory=list)
    layer_bytes: dict[str, int] = field(default_factory=dict)
    layer_zipped_bytes: dict[str, int] = field(default_factory=dict)
    function_bytes: dict[str, int] = field(default_factory=dict)
    """Each function's code plus its layers, unzipped."""


def needed_glibc_versions(elf: ELFFile) -> Iterator[tuple[int, int]]:
    for section in elf.iter_sections():
        if isinstance(section, GNUVerNeedSection):
            for _needed, versions in section.iter_versions():
                for version in versions:
                    match = GLIBC_SYMBOL_VERSION.fullmatch(version.name)
                    if match:
                        yield int(match[1]), int(match[2])


def elf_violations(path: Path, target: Target, shown: str) -> list[str]:
    """What keeps the file at ``path`` from loading on ``target`` (nothing if it is no ELF)."""
    with path.open("rb") as stream:
        if stream.read(len(ELF_MAGIC)) != ELF_MAGIC:
            return []
        stream.seek(0)
        try:
            elf = ELFFile(stream)
            machine = elf["e_machine"]
            newest = max(needed_glibc_versions(elf), default=None)
        except ELFError as error:
            return [f"{shown}: unreadable ELF file ({error})"]
    found = []
    if machine != target.elf_machine:
        found.append(f"{shown}: {machine}, not {target.elf_machine} ({target.architecture})")
    if newest is not None and newest > target.glibc:
        found.append(
            f"{shown}: needs GLIBC_{newest[0]}.{newest[1]}, "
            f"newer than {target.runtime}'s glibc {target.glibc[0]}.{target.glibc[1]}"
        )
    return found


def extension_violation(path: Path, target: Target, shown: str) -> list[str]:
    match = EXTENSION_MODULE_TAG.search(path.name)
    if match and match[1] != target.extension_tag:
        return [f"{shown}: extension module for {match[1]}, not {target.extension_tag}"]
    return []


def inspect_directory(directory: Path, target: Target, name: str) -> tuple[int, list[str]]:
    """The unzipped size of ``directory`` and every violation in it, for ``target``."""
    size, violations = 0, []
    for path in sorted(directory.rglob("*")):
        if not path.is_file():
            continue
        size += path.stat().st_size
        shown = f"{name}/{path.relative_to(directory)}"
        violations += elf_violations(path, target, shown)
        violations += extension_violation(path, target, shown)
    return size, violations


class _ByteCounter:
    """A write-only stream that keeps only how much was written to it."""

    def __init__(self) -> None:
        self.count = 0

    def write(self, data: bytes) -> int:
        self.count += len(data)
        return len(data)

    def flush(self) -> None:
        pass


def zipped_size(directory: Path) -> int:
    """The size of ``directory`` deflated into a zip, as `sam deploy` uploads it."""
    counter = _ByteCounter()
    with zipfile.ZipFile(counter, "w", zipfile.ZIP_DEFLATED) as archive:  # type: ignore[call-overload]
        for path in sorted(directory.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(directory))
    return counter.count


def check(build_dir: Path = BUILD_DIR) -> Report:
    report = Report()
    template = build_dir / "template.yaml"
    if not template.is_file():
        report.violations.append(
            f"{template}: no built template (run python -m infra.build.package)"
        )
        return report
    try:
        stack = read_stack(load_template(template))
    except TargetError as error:
        report.violations.append(f"{template}: {error}")
        return report

    for layer in stack.layers:
        directory = build_dir / layer.content_uri
        if not directory.is_dir():
            report.violations.append(f"{layer.name}: ContentUri {layer.content_uri} is not built")
            continue
        report.layer_bytes[layer.name], violations = inspect_directory(
            directory, layer.target, layer.name
        )
        report.violations += violations
        report.layer_zipped_bytes[layer.name] = zipped_size(directory)

    for function in stack.functions:
        directory = build_dir / function.code_uri
        if not directory.is_dir():
            report.violations.append(f"{function.name}: CodeUri {function.code_uri} is not built")
            continue
        code_bytes, violations = inspect_directory(directory, function.target, function.name)
        report.violations += violations
        total = code_bytes + sum(report.layer_bytes.get(layer, 0) for layer in function.layers)
        report.function_bytes[function.name] = total
        if total > LAMBDA_UNZIPPED_BYTES:
            report.violations.append(
                f"{function.name}: {total:,} bytes unzipped with its layers, "
                f"over Lambda's {LAMBDA_UNZIPPED_BYTES:,}"
            )
        if len(function.layers) > LAMBDA_LAYERS_PER_FUNCTION:
            report.violations.append(
                f"{function.name}: {len(function.layers)} layers, "
                f"over Lambda's {LAMBDA_LAYERS_PER_FUNCTION}"
            )
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Inspect a Lambda build for what would not run.")
    parser.add_argument("--build-dir", type=Path, default=BUILD_DIR)
    report = check(parser.parse_args(argv).build_dir)
    for name, size in report.layer_bytes.items():
        zipped = report.layer_zipped_bytes[name]
        print(f"layer {name}: {size / MB:.1f} MB unzipped, {zipped / MB:.1f} MB zipped")
    if report.function_bytes:
        largest = max(report.function_bytes, key=report.function_bytes.__getitem__)
        print(
            f"largest function with its layers: {largest}, "
            f"{report.function_bytes[largest] / MB:.1f} MB of {LAMBDA_UNZIPPED_BYTES / MB:.1f} MB"
        )
    for violation in report.violations:
        print(f"VIOLATION {violation}", file=sys.stderr)
    if report.violations:
        print(f"{len(report.violations)} violations", file=sys.stderr)
        return 1
    print("build check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
