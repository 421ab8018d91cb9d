"""Every library of a layer loads on Lambda: each one is built for the function's machine, is
named by its soname, and finds each library it needs (DT_NEEDED) in the layer or in the runtime.

    python -m infra.pdf.closure LAYER/lib [--arch arm64|x86_64]

Lambda puts /opt/lib (a layer's lib/) on LD_LIBRARY_PATH, and the dynamic linker looks a needed
library up by its soname, so a layer's libraries are regular files named by their sonames (a
layer is a zip: symbolic links are not something to rely on).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from elftools.elf.dynamic import DynamicSection
from elftools.elf.elffile import ELFFile

ELF_MACHINES = {"arm64": "EM_AARCH64", "x86_64": "EM_X86_64"}

# What the layer may rely on the runtime for: glibc's own libraries, nothing else. They come
# with the runtime's dynamic linker and must be its own: Lambda's python3.12 runtime (Amazon
# Linux 2023) has glibc 2.34, which still ships libdl, libpthread and librt as the compatibility
# stubs these sonames name, and libresolv (GIO's DNS lookups). Anything else a library needs
# (zlib, expat, libffi...) is in the layer, even where the runtime happens to have its own copy.
GLIBC_LIBRARIES = frozenset(
    {"libc.so.6", "libm.so.6", "libdl.so.2", "libpthread.so.0", "librt.so.1", "libresolv.so.2"}
)
DYNAMIC_LINKERS = {"arm64": "ld-linux-aarch64.so.1", "x86_64": "ld-linux-x86-64.so.2"}


def runtime_libraries(architecture: str) -> frozenset[str]:
    return GLIBC_LIBRARIES | {DYNAMIC_LINKERS[architecture]}


@dataclass(frozen=True)
class SharedObject:
    path: Path
    machine: str
    soname: str | None
    needed: tuple[str, ...]


def is_elf(path: Path) -> bool:
    with path.open("rb") as stream:
        return stream.read(4) == b"\x7fELF"


def read_shared_object(path: Path) -> SharedObject:
    with path.open("rb") as stream:
        elf = ELFFile(stream)
        soname = None
        needed: list[str] = []
        section = elf.get_section_by_name(".dynamic")
        if isinstance(section, DynamicSection):
            for tag in section.iter_tags():
                if tag.entry.d_tag == "DT_SONAME":
                    soname = tag.soname  # type: ignore[attr-defined]
                elif tag.entry.d_tag == "DT_NEEDED":
                    needed.append(tag.needed)  # type: ignore[attr-defined]
        return SharedObject(path, elf["e_machine"], soname, tuple(needed))


class UnresolvedLibrary(LookupError):
    """A library needs one that neither the candidates nor the runtime provide."""


def needed_closure(
    roots: Iterable[str], candidates: Mapping[str, Path], architecture: str
) -> dict[str, Path]:
    """The libraries (soname -> file) among ``candidates`` that ``roots`` load, transitively."""
    runtime = runtime_libraries(architecture)
    chosen: dict[str, Path] = {}
    pending = [(soname, "requested") for soname in roots]
    while pending:
        soname, needed_by = pending.pop()
        if soname in chosen or soname in runtime:
            continue
        if soname not in candidates:
            raise UnresolvedLibrary(f"{needed_by} needs {soname}: in no package of the layer")
        chosen[soname] = candidates[soname]
        pending.extend((name, soname) for name in read_shared_object(candidates[soname]).needed)
    return chosen


def check_closure(lib_dir: Path, architecture: str) -> list[str]:
    """What would keep a library of ``lib_dir`` from loading on Lambda (empty: nothing)."""
    if not lib_dir.is_dir():
        return [f"{lib_dir}: no such directory"]
    problems = []
    files = sorted(lib_dir.iterdir())
    available = {path.name for path in files} | runtime_libraries(architecture)
    for path in files:
        if path.is_symlink() or not path.is_file() or not is_elf(path):
            problems.append(f"{path.name}: not a regular ELF file")
            continue
        library = read_shared_object(path)
        if library.machine != ELF_MACHINES[architecture]:
            problems.append(f"{path.name}: built for {library.machine}, not {architecture}")
        if library.soname != path.name:
            problems.append(f"{path.name}: its soname is {library.soname}")
        problems.extend(
            f"{path.name}: needs {needed}, neither in the layer nor in the runtime"
            for needed in library.needed
            if needed not in available
        )
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("lib_dir", type=Path)
    parser.add_argument("--arch", choices=sorted(ELF_MACHINES), default="arm64")
    arguments = parser.parse_args(argv)
    problems = check_closure(arguments.lib_dir, arguments.arch)
    for problem in problems:
        print(problem, file=sys.stderr)
    count = len(list(arguments.lib_dir.iterdir())) if arguments.lib_dir.is_dir() else 0
    print(f"{arguments.lib_dir}: {count} libraries, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
