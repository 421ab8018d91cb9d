"""Build the PdfLayer: Pango, HarfBuzz, fontconfig, their libraries and fonts for WeasyPrint on
Lambda, from Debian 11 (bullseye) packages of the target's architecture.

    python -m infra.pdf.layer OUT [--arch arm64|x86_64]

Lambda's python3.12 runtime (Amazon Linux 2023, glibc 2.34) has none of these. Mounted at /opt,
the layer holds:

- ``lib/``: every library WeasyPrint dlopens (weasyprint/text/ffi.py ends each list of names it
  tries with the soname, found through LD_LIBRARY_PATH, which has /opt/lib on Lambda) and all
  they load, glibc's aside (see :mod:`infra.pdf.closure`), each a regular file named by its soname;
- ``fonts/``: DejaVu (Sans, Sans Mono, Serif; regular and bold), the first family of the
  templates' font stack (templates/base.html.j2), with every French letter;
- ``etc/fonts/fonts.conf``: fontconfig reads only these fonts and caches under /tmp (the only
  writable directory); civiq.platform.pdf points FONTCONFIG_PATH here where the layer is mounted;
- ``share/doc/<package>/copyright``: the licences of what it ships;
- ``pdf-layer.json``: every package (version, suite, SHA256) and which file each one gave.

The same package versions come out of the same Debian indexes: the build takes each package's
newest version across bullseye and bullseye-updates. Downloads are verified
(see :mod:`infra.pdf.debian`) and cached in ``$CIVIQ_PDF_LAYER_CACHE`` (default
``~/.cache/civiq-pdf-layer``); ``$CIVIQ_PDF_LAYER_MIRROR`` replaces https://deb.debian.org (for
an archive or snapshot mirror) and ``$CIVIQ_PDF_LAYER_KEYRING`` Debian's archive keyring.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

from infra.pdf.closure import (
    UnresolvedLibrary,
    check_closure,
    is_elf,
    needed_closure,
    read_shared_object,
)
from infra.pdf.debian import (
    BULLSEYE,
    DEFAULT_KEYRING,
    DEFAULT_MIRROR,
    Archive,
    ArchiveError,
    Package,
    resolve,
    unpack,
)

# Lambda's architecture -> (Debian's, the multiarch directory its libraries are in).
ARCHITECTURES = {
    "arm64": ("arm64", "aarch64-linux-gnu"),
    "x86_64": ("amd64", "x86_64-linux-gnu"),
}

# What weasyprint/text/ffi.py loads: GObject, Pango, PangoFT2, HarfBuzz and fontconfig.
# (HarfBuzz-Subset is optional there and used only from HarfBuzz 4.1: bullseye's is 2.7.4, so
# WeasyPrint subsets fonts with fontTools, as on Debian 12.)
WEASYPRINT_LIBRARIES = (
    "libgobject-2.0.so.0",
    "libpango-1.0.so.0",
    "libpangoft2-1.0.so.0",
    "libharfbuzz.so.0",
    "libfontconfig.so.1",
)
LIBRARY_PACKAGES = (
    "libpango-1.0-0",
    "libpangoft2-1.0-0",
    "libharfbuzz0b",
    "libfontconfig1",
    "libfreetype6",
    "libglib2.0-0",
    "libfribidi0",
)
FONT_PACKAGES = ("fonts-dejavu-core",)
# Dependencies not followed, and why. Of the packages followed, only the libraries that
# WEASYPRINT_LIBRARIES load are shipped.
LEFT_OUT = {
    "libc6": "glibc: the runtime's own (infra.pdf.closure.GLIBC_LIBRARIES)",
    "fontconfig": "fc-cache and the other command-line tools, not the library",
    "fontconfig-config": "Debian's /etc/fonts: the layer has its own fonts.conf",
    "libthai-data": "the Thai word-break dictionary, read only to break Thai lines",
}
MANIFEST = "pdf-layer.json"

FONTS_CONF = """\
<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<!-- The PdfLayer's fontconfig, at /opt/etc/fonts on Lambda: the layer's fonts only, and a
     cache in /tmp, the one writable directory there. -->
<fontconfig>
  <dir>/opt/fonts</dir>
  <cachedir>/tmp/fontconfig</cachedir>
  <alias><family>sans-serif</family><prefer><family>DejaVu Sans</family></prefer></alias>
  <alias><family>serif</family><prefer><family>DejaVu Serif</family></prefer></alias>
  <alias><family>monospace</family><prefer><family>DejaVu Sans Mono</family></prefer></alias>
</fontconfig>
"""


class LayerError(RuntimeError):
    """The layer cannot be built, or what was built would not load on Lambda."""


def cache_dir() -> Path:
    if configured := os.environ.get("CIVIQ_PDF_LAYER_CACHE"):
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "civiq-pdf-layer"


def _libraries_of(unpacked: Path, multiarch: str) -> dict[str, Path]:
    """The shared libraries a package installs in the linker's directories, by soname."""
    found = {}
    for directory in (unpacked / "usr" / "lib" / multiarch, unpacked / "lib" / multiarch):
        if not directory.is_dir():
            continue
        for path in sorted(directory.iterdir()):
            real = path.resolve()
            if ".so" not in path.name or not real.is_file() or not real.is_relative_to(unpacked):
                continue
            if is_elf(real) and (soname := read_shared_object(real).soname):
                found[soname] = real
    return found


def _copy(source: Path, destination: Path, mode: int) -> None:
    destination.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, destination)
    destination.chmod(mode)


def build(out: Path, arch: str) -> None:
    """Build the layer for Lambda architecture ``arch`` into ``out`` (absent or empty)."""
    if arch not in ARCHITECTURES:
        raise LayerError(f"architecture {arch!r}: not one of {sorted(ARCHITECTURES)}")
    if out.exists() and any(out.iterdir()):
        raise LayerError(f"{out} is not empty")
    debian_architecture, multiarch = ARCHITECTURES[arch]
    try:
        archive = Archive(
            debian_architecture,
            cache_dir(),
            mirror=os.environ.get("CIVIQ_PDF_LAYER_MIRROR", DEFAULT_MIRROR),
            keyring=Path(os.environ.get("CIVIQ_PDF_LAYER_KEYRING", DEFAULT_KEYRING)),
        )
        packages = resolve(archive.packages, LIBRARY_PACKAGES + FONT_PACKAGES, LEFT_OUT)
        with tempfile.TemporaryDirectory(prefix="pdf-layer-") as staging:
            shipped = _ship(archive, packages, Path(staging), out, arch, multiarch)
    except ArchiveError as error:
        raise LayerError(f"PdfLayer ({arch}): {error}") from error
    (out / "etc" / "fonts").mkdir(parents=True)
    (out / "etc" / "fonts" / "fonts.conf").write_text(FONTS_CONF)
    _write_manifest(out, arch, packages, shipped)
    if problems := check_closure(out / "lib", arch):
        raise LayerError("PdfLayer would not load on Lambda:\n" + "\n".join(problems))


def _ship(
    archive: Archive, packages: list[Package], staging: Path, out: Path, arch: str, multiarch: str
) -> dict[str, list[str]]:
    """Unpack ``packages`` and copy what the layer ships into ``out``: {package: its files}."""
    owners: dict[str, str] = {}
    candidates: dict[str, Path] = {}
    for package in packages:
        unpacked = staging / package.name
        unpack(archive.download(package), unpacked)
        for soname, path in _libraries_of(unpacked, multiarch).items():
            candidates[soname] = path
            owners[soname] = package.name

    shipped: dict[str, list[str]] = {}
    try:
        libraries = needed_closure(WEASYPRINT_LIBRARIES, candidates, arch)
    except UnresolvedLibrary as error:
        raise LayerError(f"PdfLayer ({arch}): {error}") from error
    for soname, path in sorted(libraries.items()):
        _copy(path, out / "lib" / soname, 0o755)
        shipped.setdefault(owners[soname], []).append(f"lib/{soname}")
    for font_package in FONT_PACKAGES:
        fonts = sorted((staging / font_package / "usr" / "share" / "fonts").rglob("*.ttf"))
        if not fonts:
            raise LayerError(f"{font_package} has no TrueType font")
        for font in fonts:
            _copy(font, out / "fonts" / font.name, 0o644)
            shipped.setdefault(font_package, []).append(f"fonts/{font.name}")
    for name in shipped:
        licence = staging / name / "usr" / "share" / "doc" / name / "copyright"
        if not licence.is_file():
            raise LayerError(f"{name} has no copyright file to ship beside its files")
        _copy(licence, out / "share" / "doc" / name / "copyright", 0o644)
    return shipped


def _write_manifest(
    out: Path, arch: str, packages: list[Package], shipped: dict[str, list[str]]
) -> None:
    manifest = {
        "architecture": arch,
        "debian_architecture": ARCHITECTURES[arch][0],
        "suites": [suite.name for suite in BULLSEYE],
        "packages": [
            {
                "name": package.name,
                "version": package.version,
                "suite": package.suite.name,
                "filename": package.filename,
                "sha256": package.sha256,
                "files": sorted(shipped.get(package.name, [])),
            }
            for package in packages
        ],
        "left_out": LEFT_OUT,
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the PdfLayer (WeasyPrint's native side).")
    parser.add_argument("out", type=Path, help="an absent or empty directory")
    parser.add_argument("--arch", choices=sorted(ARCHITECTURES), default="arm64")
    arguments = parser.parse_args(argv)
    try:
        build(arguments.out, arguments.arch)
    except LayerError as error:
        print(error, file=sys.stderr)
        return 1
    manifest = json.loads((arguments.out / MANIFEST).read_text())
    print(f"PdfLayer ({arguments.arch}) built into {arguments.out}:")
    for package in manifest["packages"]:
        files = ", ".join(package["files"]) or "nothing shipped"
        print(f"  {package['name']} {package['version']}: {files}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
