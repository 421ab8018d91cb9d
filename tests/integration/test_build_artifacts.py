"""The Lambda build (infra.build): its layout is what `sam deploy` expects, and its check finds
what would keep a function from starting: native code for another machine or a newer glibc,
extension modules for another Python, a package over Lambda's size limit.

`make package` builds and checks the real thing (pip downloads the layer's wheels); here the
layer's requirements are not installed, and the check is shown real and hand-made ELF files."""

from __future__ import annotations

import shutil
import struct
import sys
import sysconfig
import types
from pathlib import Path

import pydantic_core
import pytest
import yaml

from infra.build import package
from infra.build.check import LAMBDA_UNZIPPED_BYTES, check
from infra.build.target import Target, TargetError, read_stack
from infra.local.packaging import load_template
from tests.helpers.files import REPO

ELF_MACHINE_CODES = {"aarch64": 183, "x86_64": 62}


def elf_needing(machine: str, *glibc_versions: str) -> bytes:
    """A minimal 64-bit shared object for ``machine`` that needs these GLIBC_x.y versions."""
    strings = b"\0libc.so.6\0" + b"".join(f"GLIBC_{v}".encode() + b"\0" for v in glibc_versions)
    needed = struct.pack("<HHIII", 1, len(glibc_versions), 1, 16, 0)
    name_offset = len(b"\0libc.so.6\0")
    for index, version in enumerate(glibc_versions):
        last = index == len(glibc_versions) - 1
        needed += struct.pack("<IHHII", 0, 0, index + 2, name_offset, 0 if last else 16)
        name_offset += len(f"GLIBC_{version}") + 1
    section_names = b"\0.dynstr\0.gnu.version_r\0.shstrtab\0"
    body = strings + needed + section_names
    header_size, section_header_size = 64, 64
    sections_at = header_size + len(body)
    strings_at, needed_at = header_size, header_size + len(strings)
    names_at = needed_at + len(needed)

    def section(
        name: int, kind: int, offset: int, size: int, link: int = 0, info: int = 0
    ) -> bytes:
        return struct.pack("<IIQQQQIIQQ", name, kind, 0, 0, offset, size, link, info, 1, 0)

    identification = b"\x7fELF" + bytes([2, 1, 1]) + bytes(9)
    header = identification + struct.pack(
        "<HHIQQQIHHHHHH",
        3,  # a shared object
        ELF_MACHINE_CODES[machine],
        1,
        0,
        0,
        sections_at,
        0,
        header_size,
        0,
        0,
        section_header_size,
        4,
        3,
    )
    return (
        header
        + body
        + section(0, 0, 0, 0)
        + section(1, 3, strings_at, len(strings))
        + section(9, 0x6FFFFFFE, needed_at, len(needed), link=1, info=1)
        + section(24, 3, names_at, len(section_names))
    )


def write_build(
    build_dir: Path,
    architecture: str = "arm64",
    runtime: str = "python3.12",
    layer_files: dict[str, bytes] | None = None,
    function_layers: int = 1,
) -> Path:
    """A build as infra.build.package lays it out: one function ``Fn`` using layer ``Lib``."""
    (build_dir / "Fn").mkdir(parents=True)
    (build_dir / "Fn" / "handler.py").write_text("def handler(event, context):\n    return None\n")
    (build_dir / "Lib" / "python").mkdir(parents=True)
    for name, content in (layer_files or {}).items():
        path = build_dir / "Lib" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    template = {
        "Transform": "AWS::Serverless-2016-10-31",
        "Globals": {"Function": {"Runtime": runtime, "Architectures": [architecture]}},
        "Resources": {
            "Fn": {
                "Type": "AWS::Serverless::Function",
                "Properties": {
                    "CodeUri": "Fn",
                    "Handler": "handler.handler",
                    "Layers": [{"Ref": "Lib"}] * function_layers,
                },
            },
            "Lib": {"Type": "AWS::Serverless::LayerVersion", "Properties": {"ContentUri": "Lib"}},
        },
    }
    (build_dir / "template.yaml").write_text(yaml.safe_dump(template))
    return build_dir


def this_machines_extension_module() -> Path:
    """pydantic_core's compiled module, as installed here (x86-64, this CPython)."""
    (module,) = Path(pydantic_core.__file__).parent.glob("_pydantic_core.*.so")
    return module


def test_native_code_for_another_machine_or_python_is_reported(tmp_path: Path) -> None:
    module = this_machines_extension_module()
    build = write_build(
        tmp_path, "arm64", layer_files={f"python/pydantic_core/{module.name}": module.read_bytes()}
    )

    violations = check(build).violations

    shown = f"Lib/python/pydantic_core/{module.name}"
    python_tag = f"cpython-{sys.version_info.major}{sys.version_info.minor}"
    assert f"{shown}: EM_X86_64, not EM_AARCH64 (arm64)" in violations
    assert f"{shown}: extension module for {python_tag}, not cpython-312" in violations


def test_native_code_for_the_functions_target_passes(tmp_path: Path) -> None:
    module = this_machines_extension_module()
    runtime = f"python{sys.version_info.major}.{sys.version_info.minor}"
    build = write_build(
        tmp_path, "x86_64", runtime, {f"python/pydantic_core/{module.name}": module.read_bytes()}
    )

    report = check(build)

    assert report.violations == []
    assert report.layer_bytes["Lib"] == module.stat().st_size
    assert 0 < report.layer_zipped_bytes["Lib"] < module.stat().st_size


def test_a_glibc_symbol_newer_than_the_runtimes_is_reported_and_2_34_is_not(
    tmp_path: Path,
) -> None:
    build = write_build(
        tmp_path,
        "arm64",
        layer_files={
            "lib/libfits.so.1": elf_needing("aarch64", "2.17", "2.34"),
            "lib/libtoonew.so.1": elf_needing("aarch64", "2.17", "2.35"),
            "bin/tool": elf_needing("aarch64", "2.2.5", "2.36"),
        },
    )

    assert sorted(check(build).violations) == [
        "Lib/bin/tool: needs GLIBC_2.36, newer than python3.12's glibc 2.34",
        "Lib/lib/libtoonew.so.1: needs GLIBC_2.35, newer than python3.12's glibc 2.34",
    ]


def test_a_system_library_of_a_newer_glibc_is_reported(tmp_path: Path) -> None:
    """Debian 12's libexpat, on a Debian 12 machine, needs glibc 2.36."""
    libexpat = Path("/usr/lib", sysconfig.get_config_var("MULTIARCH") or "", "libexpat.so.1")
    if not libexpat.exists():
        pytest.skip(f"no {libexpat} on this machine")
    build = write_build(
        tmp_path, "x86_64", layer_files={"lib/libexpat.so.1": libexpat.read_bytes()}
    )

    (violation,) = check(build).violations

    assert violation.startswith("Lib/lib/libexpat.so.1: needs GLIBC_2.")
    assert violation.endswith(", newer than python3.12's glibc 2.34")


def test_a_function_over_lambdas_size_or_layer_limit_is_reported(tmp_path: Path) -> None:
    build = write_build(tmp_path, function_layers=6)
    with (build / "Fn" / "data.bin").open("wb") as big:
        big.truncate(LAMBDA_UNZIPPED_BYTES)  # sparse: its size, none of its disk

    violations = check(build).violations

    assert len(violations) == 2
    assert violations[0].startswith("Fn: 262,144,0")
    assert violations[0].endswith("bytes unzipped with its layers, over Lambda's 262,144,000")
    assert violations[1] == "Fn: 6 layers, over Lambda's 5"


def test_missing_build_directories_are_reported(tmp_path: Path) -> None:
    build = write_build(tmp_path)
    shutil.rmtree(build / "Fn")
    shutil.rmtree(build / "Lib")

    assert check(build).violations == [
        "Lib: ContentUri Lib is not built",
        "Fn: CodeUri Fn is not built",
    ]
    assert (
        check(tmp_path / "nothing")
        .violations[0]
        .endswith("no built template (run python -m infra.build.package)")
    )


def test_a_layer_serving_two_architectures_cannot_be_built(tmp_path: Path) -> None:
    template = load_template(write_build(tmp_path) / "template.yaml")
    template["Resources"]["Other"] = {
        "Type": "AWS::Serverless::Function",
        "Properties": {"CodeUri": "Fn", "Architectures": ["x86_64"], "Layers": [{"Ref": "Lib"}]},
    }

    with pytest.raises(TargetError, match="Lib serves functions of different targets"):
        read_stack(template)


@pytest.fixture
def installed(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Path, Path, Target]]:
    """Every requirements install the build asks for, recorded instead of run."""
    calls: list[tuple[Path, Path, Target]] = []

    def record(requirements: Path, site: Path, target: Target) -> None:
        calls.append((requirements, site, target))
        (site / "installed.txt").write_text(requirements.read_text())

    monkeypatch.setattr(package, "install_requirements", record)
    monkeypatch.setitem(package.LAYER_BUILDERS, "PdfLayer", lambda source, out, target: out.mkdir())
    return calls


def test_the_built_template_points_at_what_was_built(
    tmp_path: Path, installed: list[tuple[Path, Path, Target]]
) -> None:
    build_dir = tmp_path / "build"
    package.build(REPO / "template.yaml", build_dir)

    built = load_template(build_dir / "template.yaml")
    source = load_template(REPO / "template.yaml")
    assert built["Resources"].keys() == source["Resources"].keys()
    code = {
        name: resource["Properties"].get("CodeUri", resource["Properties"].get("ContentUri"))
        for name, resource in built["Resources"].items()
        if resource["Type"] in ("AWS::Serverless::Function", "AWS::Serverless::LayerVersion")
    }
    assert code == {name: name for name in code}
    assert all((build_dir / name).is_dir() for name in code)
    definitions = [
        resource["Properties"]["DefinitionUri"]
        for resource in built["Resources"].values()
        if "DefinitionUri" in resource.get("Properties", {})
    ]
    assert definitions
    assert all((build_dir / uri).resolve().is_file() for uri in definitions)

    layer = build_dir / "AppLayer" / "python"
    assert (layer / "civiq" / "__init__.py").is_file()
    assert (layer / "installed.txt").read_text() == (REPO / "shared/requirements.txt").read_text()
    assert not list(build_dir.rglob("__pycache__"))
    assert not (build_dir / "ApiFunction" / ".chalice").exists()
    assert (build_dir / "ApiFunction" / "chalicelib").is_dir()

    ((_, site, target),) = installed
    assert site == layer
    assert target == Target("python3.12", "arm64")
    assert "manylinux_2_34_aarch64" in target.wheel_platforms()
    assert not any("2_35" in tag or "x86_64" in tag for tag in target.wheel_platforms())
    assert check(build_dir).violations == []


def test_pdf_layer_is_built_by_its_own_module_for_the_functions_architecture(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[Path, str]] = []

    def build_pdf_layer(out: Path, arch: str) -> None:
        calls.append((out, arch))
        out.mkdir()

    builder = types.SimpleNamespace(build=build_pdf_layer)
    monkeypatch.setitem(sys.modules, "infra.pdf", types.SimpleNamespace(layer=builder))
    monkeypatch.setitem(sys.modules, "infra.pdf.layer", builder)

    built = package.build(pdf_template(tmp_path), tmp_path / "build")

    assert calls == [(tmp_path / "build" / "PdfLayer", "arm64")]
    assert built["Resources"]["PdfLayer"]["Properties"]["ContentUri"] == "PdfLayer"


def test_pdf_layer_without_its_builder_stops_the_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "infra.pdf", None)

    with pytest.raises(package.BuildError, match=r"infra\.pdf\.layer"):
        package.build(pdf_template(tmp_path), tmp_path / "build")


def pdf_template(root: Path) -> Path:
    (root / "renderer").mkdir()
    (root / "renderer" / "handler.py").write_text("")
    template = {
        "Transform": "AWS::Serverless-2016-10-31",
        "Globals": {"Function": {"Runtime": "python3.12", "Architectures": ["arm64"]}},
        "Resources": {
            "Renderer": {
                "Type": "AWS::Serverless::Function",
                "Properties": {"CodeUri": "renderer/", "Layers": [{"Ref": "PdfLayer"}]},
            },
            "PdfLayer": {
                "Type": "AWS::Serverless::LayerVersion",
                "Properties": {"ContentUri": "pdf/"},
            },
        },
    }
    (root / "template.yaml").write_text(yaml.safe_dump(template))
    return root / "template.yaml"
