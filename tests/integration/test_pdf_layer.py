"""The PdfLayer (infra/pdf): Debian's packages resolved and unpacked, the layer's libraries
closed over what Lambda's runtime provides, and a real render with the layer built for this
machine, mounted at /opt as Lambda mounts it.

The layer is built from deb.debian.org (cached in ~/.cache/civiq-pdf-layer): without that
network these tests fail, saying so."""

from __future__ import annotations

import io
import json
import lzma
import os
import platform
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from infra.pdf.closure import check_closure
from infra.pdf.debian import (
    ArchiveError,
    Package,
    Suite,
    compare_versions,
    parse_relations,
    resolve,
    unpack,
)
from infra.pdf.layer import MANIFEST, LayerError, build
from infra.pdf.smoke import LAMBDA_LD_LIBRARY_PATH, RENDER_SCRIPT, verify
from tests.helpers.files import REPO

ARCHITECTURE = {"x86_64": "x86_64", "aarch64": "arm64"}[platform.machine()]
# Run as `sh -ec MOUNT_AT_OPT LAYER COMMAND...` in a private mount namespace: the layer read-only
# at /opt, as Lambda mounts it (LD_LIBRARY_PATH is COMMAND's alone: `mount` must not load the
# layer's libmount).
MOUNT_AT_OPT = 'mount --bind "$0" /opt; mount -o remount,bind,ro /opt; exec "$@"'


# --- Debian's versions, relations and packages ----------------------------------------------


@pytest.mark.parametrize(
    ("older", "newer"),
    [
        ("2.66.8-1+deb11u4", "2.66.8-1+deb11u8"),
        ("1.0~rc1-1", "1.0-1"),
        ("1.0-1", "1.0-1.1"),
        ("9.9-1", "1:0.1-1"),
        ("1.2.11.dfsg-2", "1.2.11.dfsg-2+deb11u2"),
        ("2.9a-1", "2.10-1"),
    ],
)
def test_versions_are_ordered_as_dpkg_orders_them(older: str, newer: str) -> None:
    assert compare_versions(older, newer) == -1
    assert compare_versions(newer, older) == 1
    assert compare_versions(newer, newer) == 0


def package(name: str, version: str = "1.0-1", depends: str = "") -> Package:
    return Package(
        name=name,
        version=version,
        architecture="arm64",
        depends=parse_relations(depends),
        filename=f"pool/main/{name}_{version}_arm64.deb",
        sha256="0" * 64,
        size=1,
        suite=Suite("debian", "bullseye"),
    )


def test_dependencies_are_followed_apart_from_those_left_out() -> None:
    archive = {
        p.name: p
        for p in [
            package("libpango", depends="libc6 (>= 2.17), libglib (>= 2.60), fontconfig"),
            package("libglib", "2.66-1", depends="libc6, libffi7 | libffi8, zlib1g:any"),
            package("libffi8"),
            package("zlib1g", "1:1.2.11-2"),
        ]
    }

    chosen = resolve(archive, ["libpango"], {"libc6": "glibc", "fontconfig": "tools"})

    assert [p.name for p in chosen] == ["libffi8", "libglib", "libpango", "zlib1g"]


def test_a_dependency_the_archive_cannot_satisfy_fails_the_resolution() -> None:
    archive = {
        "libpangoft2": package("libpangoft2", depends="libpango (= 1.46.2-3)"),
        "libpango": package("libpango", "1.46.2-4"),
    }

    with pytest.raises(ArchiveError, match=r"libpangoft2 needs libpango \(= 1.46.2-3\)"):
        resolve(archive, ["libpangoft2"], {})


def deb(files: dict[str, bytes], links: dict[str, str]) -> bytes:
    """A .deb (an ar archive) whose data.tar.xz holds ``files`` and symbolic ``links``."""
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w:xz") as archive:
        for name, content in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
        for name, target in links.items():
            info = tarfile.TarInfo(name)
            info.type, info.linkname = tarfile.SYMTYPE, target
            archive.addfile(info)

    def member(name: str, content: bytes) -> bytes:
        header = f"{name:<16}{0:<12}{0:<6}{0:<6}{100644:<8}{len(content):<10}`\n".encode()
        return header + content + b"\n" * (len(content) % 2)

    return (
        b"!<arch>\n"
        + member("debian-binary", b"2.0\n")
        + member("control.tar.xz", lzma.compress(b""))
        + member("data.tar.xz", data.getvalue())
    )


def test_a_deb_is_unpacked_without_the_links_that_leave_it(tmp_path: Path) -> None:
    unpack(
        deb(
            {"./usr/lib/libfoo.so.1.2": b"\x7fELF"},
            {
                "./usr/lib/libfoo.so.1": "libfoo.so.1.2",
                "./usr/share/doc/libfoo": "/usr/share/doc/libbar",
            },
        ),
        tmp_path,
    )

    assert (tmp_path / "usr/lib/libfoo.so.1").read_bytes() == b"\x7fELF"
    assert not (tmp_path / "usr/share/doc/libfoo").is_symlink()


# --- the layer built for this machine ---------------------------------------------------------


@pytest.fixture(scope="module")
def layer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pdf-layer") / "layer"
    try:
        build(out, ARCHITECTURE)
    except LayerError as error:
        pytest.fail(f"the PdfLayer could not be built (it needs deb.debian.org): {error}")
    return out


def test_every_library_finds_what_it_needs_in_the_layer_or_in_glibc(layer: Path) -> None:
    assert check_closure(layer / "lib", ARCHITECTURE) == []


def test_the_closure_check_finds_what_would_not_load(layer: Path, tmp_path: Path) -> None:
    libraries = tmp_path / "lib"
    shutil.copytree(layer / "lib", libraries)
    (libraries / "libz.so.1").unlink()
    (libraries / "libpcre.so.3").rename(libraries / "libpcre.so")
    other = "arm64" if ARCHITECTURE == "x86_64" else "x86_64"

    problems = check_closure(libraries, ARCHITECTURE)

    assert "libpng16.so.16: needs libz.so.1, neither in the layer nor in the runtime" in problems
    assert "libpcre.so: its soname is libpcre.so.3" in problems
    assert any(
        p.startswith("libpango-1.0.so.0: built for EM_")
        for p in check_closure(layer / "lib", other)
    )


def test_the_manifest_accounts_for_every_file_and_leaves_glibc_out(layer: Path) -> None:
    manifest = json.loads((layer / MANIFEST).read_text())
    listed = {file for package in manifest["packages"] for file in package["files"]}
    shipped = {
        str(path.relative_to(layer))
        for directory in ("lib", "fonts")
        for path in (layer / directory).iterdir()
    }

    assert listed == shipped
    assert {"libpango-1.0-0", "libharfbuzz0b", "fonts-dejavu-core"} <= {
        package["name"] for package in manifest["packages"]
    }
    assert "libc6" not in {package["name"] for package in manifest["packages"]}
    for package in manifest["packages"]:
        assert (layer / "share/doc" / package["name"] / "copyright").is_file()


def test_weasyprint_renders_with_the_layer_mounted_where_lambda_mounts_it(
    layer: Path, tmp_path: Path
) -> None:
    """The real letter template through civiq.platform.pdf, in a process that sees the layer
    at /opt (a private mount namespace) with Lambda's LD_LIBRARY_PATH and no fontconfig
    setting but the one civiq.platform.pdf makes: the same render and checks as `make pdf-smoke`
    runs in the arm64 Lambda image."""
    pdf = tmp_path / "letter.pdf"
    environment = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "PYTHONPATH": str(REPO / "shared"),
        "TEMPLATES_DIR": str(REPO / "templates"),
    }
    run = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "--",
         "sh", "-ec", MOUNT_AT_OPT, str(layer),
         "env", f"LD_LIBRARY_PATH={LAMBDA_LD_LIBRARY_PATH}",
         sys.executable, "-c", RENDER_SCRIPT, str(pdf)],
        env=environment, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert run.returncode == 0, (
        f"the render in a mount namespace failed (unshare and mount need root): {run.stderr}"
    )
    loaded = json.loads(run.stdout)

    assert verify(loaded, pdf.read_bytes(), platform.machine()) == []
    shipped = {path.name for path in (layer / "lib").iterdir()}
    assert [
        path
        for path in loaded["mapped"]
        if Path(path).name in shipped and Path(path).parent != Path("/opt/lib")
    ] == []
