"""Render a one-page PDF inside Lambda's own Python 3.12 arm64 image, with the built layers
mounted at /opt as Lambda mounts them (``make pdf-smoke``, after ``make package``).

    python -m infra.pdf.smoke [--build-dir .aws-sam/build]

Needs a Docker engine; on an x86-64 host also QEMU's arm64 emulation registered with binfmt_misc
(Docker Desktop has it; on Linux: ``docker run --privileged --rm tonistiigi/binfmt --install
arm64``). Without an engine it says so and fails: it never passes without having rendered.

The render runs the real welcome letter (French) through civiq.platform.pdf, with the runtime's
LD_LIBRARY_PATH and no fontconfig setting but the one civiq.platform.pdf makes. It passes when
WeasyPrint's libraries were loaded from /opt/lib, the text was set in the layer's fonts, and the
PDF reads back with its accents. tests/build/test_pdf_layer.py runs the same render and checks on
this machine's architecture, the layer mounted at /opt in a private mount namespace.
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from pypdf import PdfReader
from pypdf.generic import DictionaryObject

REPO = Path(__file__).resolve().parents[2]
BUILD_DIR = REPO / ".aws-sam" / "build"
IMAGE = "public.ecr.aws/lambda/python:3.12-arm64"
PLATFORM = "linux/arm64"
# The layers of a rendering function, in the order Lambda extracts them into /opt (Globals'
# AppLayer, then the function's own).
LAYERS = ("AppLayer", "TemplatesLayer", "PdfLayer")
# Lambda's value for its Python runtimes: the runtime's own directories come before /opt/lib.
LAMBDA_LD_LIBRARY_PATH = (
    "/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib"
)
# What WeasyPrint dlopens, and GLib under GObject (the two must be one version): from the layer.
FROM_LAYER = (
    "libgobject-2.0.so.0",
    "libglib-2.0.so.0",
    "libpango-1.0.so.0",
    "libpangoft2-1.0.so.0",
    "libharfbuzz.so.0",
    "libfontconfig.so.1",
)
EXPECTED_TEXT = ("Ville de Montréal", "Élise Tremblay", "Bienvenue à votre compte", "Saint-Édouard")

# Run by the target's Python with only the AppLayer's packages: prints what it loaded, as JSON.
RENDER_SCRIPT = """\
import json, os, platform, sys
from datetime import date
from pathlib import Path

from civiq.core.language import Language
from civiq.platform.catalogs import default_templates_dir
from civiq.platform.pdf import WeasyPrintRenderer

context = {
    "account_number_display": "UB-0000001-8",
    "customer_name": "Élise Tremblay",
    "recipient_name": "Élise Tremblay",
    "copy_to_owner": False,
    "service_address": "12-100 rue Saint-Édouard, Montréal QC H2X 1Y4",
    "opened_on": date(2026, 11, 26),
    "municipality_name": "Ville de Montréal",
    "portal_url": "https://portal.example.ca/lookup",
}
renderer = WeasyPrintRenderer(default_templates_dir())
Path(sys.argv[1]).write_bytes(renderer.render_pdf("welcome_letter", Language.FR, context))
with open("/proc/self/maps") as maps:
    mapped = sorted({line.split()[5] for line in maps if len(line.split()) == 6})
json.dump({
    "machine": platform.machine(),
    "glibc": os.confstr("CS_GNU_LIBC_VERSION"),
    "fontconfig_path": os.environ.get("FONTCONFIG_PATH"),
    "mapped": [path for path in mapped if path.startswith("/")],
}, sys.stdout)
"""


def pdf_text(pdf: bytes) -> tuple[int, str]:
    """The page count and the text, non-breaking spaces as spaces."""
    pages = PdfReader(io.BytesIO(pdf)).pages
    return len(pages), " ".join(page.extract_text() for page in pages).replace("\u00a0", " ")


def embedded_fonts(pdf: bytes) -> set[str]:
    """The PostScript names of the fonts the pages use ("ABCDEF+DejaVu-Sans": subsets)."""
    names: set[str] = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        resources = page["/Resources"].get_object()
        if isinstance(resources, DictionaryObject) and "/Font" in resources:
            fonts = resources["/Font"].get_object()
            if isinstance(fonts, DictionaryObject):
                names.update(str(font["/BaseFont"]).lstrip("/") for font in fonts.values())
    return names


def verify(loaded: dict[str, Any], pdf: bytes, machine: str) -> list[str]:
    """What went wrong in a render by :data:`RENDER_SCRIPT` (empty: it rendered with the layer)."""
    problems = []
    if loaded["machine"] != machine:
        problems.append(f"ran on {loaded['machine']}, not {machine}")
    if loaded["fontconfig_path"] != "/opt/etc/fonts":
        problems.append(f"FONTCONFIG_PATH was {loaded['fontconfig_path']}, not /opt/etc/fonts")
    mapped: list[str] = loaded["mapped"]
    for soname in FROM_LAYER:
        stem = soname.split(".so")[0] + ".so"
        paths = sorted({path for path in mapped if Path(path).name.startswith(stem)})
        if paths != [f"/opt/lib/{soname}"]:
            problems.append(f"{soname} loaded from {paths or 'nowhere'}, not /opt/lib")
    fonts = [path for path in mapped if path.endswith((".ttf", ".otf"))]
    if not fonts or any(not path.startswith("/opt/fonts/") for path in fonts):
        problems.append(f"fonts read: {fonts or 'none'}, not only the layer's /opt/fonts")
    embedded = {name.partition("+")[2] for name in embedded_fonts(pdf)}
    if not {"DejaVu-Sans", "DejaVu-Sans-Bold"} <= embedded:
        problems.append(f"fonts embedded: {sorted(embedded)}, not DejaVu Sans and its bold")
    pages, text = pdf_text(pdf)
    if pages != 1:
        problems.append(f"{pages} pages, not one")
    problems.extend(
        f"the PDF lacks {expected!r}" for expected in EXPECTED_TEXT if expected not in text
    )
    return problems


def merge_layers(build_dir: Path, opt: Path) -> None:
    for layer in LAYERS:
        if not (build_dir / layer).is_dir():
            raise FileNotFoundError(f"{build_dir / layer} is missing: run `make package` first")
        shutil.copytree(build_dir / layer, opt, dirs_exist_ok=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Render a PDF in the arm64 Lambda image.")
    parser.add_argument("--build-dir", type=Path, default=BUILD_DIR)
    parser.add_argument("--image", default=IMAGE)
    arguments = parser.parse_args(argv)
    docker = shutil.which("docker")
    if docker is None or subprocess.run([docker, "info"], capture_output=True).returncode != 0:
        print(
            "pdf-smoke: no Docker engine here (`docker info` failed), so no PDF was rendered in "
            f"{arguments.image}. Run it where Docker runs (on x86-64, with arm64 binfmt).",
            file=sys.stderr,
        )
        return 2
    with tempfile.TemporaryDirectory(prefix="pdf-smoke-") as scratch:
        opt, out = Path(scratch) / "opt", Path(scratch) / "out"
        out.mkdir()
        try:
            merge_layers(arguments.build_dir, opt)
        except FileNotFoundError as missing:
            print(f"pdf-smoke: {missing}", file=sys.stderr)
            return 1
        run = subprocess.run(
            [
                docker, "run", "--rm", "--platform", PLATFORM,
                "--volume", f"{opt}:/opt:ro", "--volume", f"{out}:/out",
                "--env", f"LD_LIBRARY_PATH={LAMBDA_LD_LIBRARY_PATH}",
                "--env", "PYTHONPATH=/opt/python", "--env", "TEMPLATES_DIR=/opt",
                "--entrypoint", "/var/lang/bin/python3.12",
                arguments.image, "-c", RENDER_SCRIPT, "/out/smoke.pdf",
            ],
            capture_output=True, text=True, check=False, timeout=900,
        )  # fmt: skip
        if run.returncode != 0:
            print(
                f"pdf-smoke: the render failed in {arguments.image}:\n{run.stderr}", file=sys.stderr
            )
            return 1
        pdf = (out / "smoke.pdf").read_bytes()
    written = arguments.build_dir.parent / "pdf-smoke.pdf"
    written.write_bytes(pdf)
    loaded = json.loads(run.stdout)
    problems = verify(loaded, pdf, machine="aarch64")
    for problem in problems:
        print(f"pdf-smoke: {problem}", file=sys.stderr)
    if problems:
        return 1
    print(
        f"pdf-smoke: one page rendered in {arguments.image} ({loaded['glibc']}) with the "
        f"PdfLayer: {written}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
