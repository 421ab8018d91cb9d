"""Debian binary packages, fetched and checked as apt does, and unpacked without installing them.

The chain of trust is apt's: each suite's InRelease is verified with ``gpgv`` against Debian's
archive keyring; it gives the SHA256 of the suite's Packages index, and the index gives the SHA256
of every .deb. Downloads are cached by their SHA256, so a rebuild from unchanged indexes fetches
only the three small InRelease files.
"""

from __future__ import annotations

import hashlib
import io
import lzma
import re
import subprocess
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cmp_to_key
from itertools import zip_longest
from pathlib import Path

DEFAULT_MIRROR = "https://deb.debian.org"
DEFAULT_KEYRING = Path("/usr/share/keyrings/debian-archive-keyring.gpg")
DOWNLOAD_ATTEMPTS = 3


class ArchiveError(RuntimeError):
    """A download failed, a signature or checksum did not verify, or a dependency is missing."""


@dataclass(frozen=True)
class Suite:
    """One apt source: ``<mirror>/<archive>/dists/<name>``, its ``main`` component."""

    archive: str
    name: str


# Debian 11: its libraries need glibc 2.31 at most, below Lambda's 2.34 (Debian 12's need 2.36).
# A package in both suites is taken at its newest version. bullseye-security is not among them:
# its long-term support ended in August 2026 and deb.debian.org, as reached from the project's
# machines and CI, answers 404 for its packages (not for its index); the final point release
# (11.11) carries the security fixes made until then.
BULLSEYE = (
    Suite("debian", "bullseye"),
    Suite("debian", "bullseye-updates"),
)


@dataclass(frozen=True)
class Relation:
    """One alternative of a Depends entry: ``name (op version)``."""

    name: str
    operator: str | None = None
    version: str | None = None

    def satisfied_by(self, version: str) -> bool:
        if self.operator is None or self.version is None:
            return True
        order = compare_versions(version, self.version)
        return {
            "<<": order < 0,
            "<=": order <= 0,
            "=": order == 0,
            ">=": order >= 0,
            ">>": order > 0,
        }[self.operator]

    def __str__(self) -> str:
        return f"{self.name} ({self.operator} {self.version})" if self.operator else self.name


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    architecture: str
    depends: tuple[tuple[Relation, ...], ...]
    """Depends and Pre-Depends: each entry a choice of alternatives."""
    filename: str
    sha256: str
    size: int
    suite: Suite

    def url(self, mirror: str) -> str:
        return f"{mirror}/{self.suite.archive}/{self.filename}"


# --- versions and relations -----------------------------------------------------------------


def _character_order(character: str) -> int:
    """dpkg's order of non-digit characters: ``~`` before the end, letters before the rest."""
    if character == "~":
        return -1
    if not character:
        return 0
    if character.isalpha():
        return ord(character)
    return ord(character) + 256


_NON_DIGITS = re.compile(r"\D*")
_DIGITS = re.compile(r"\d*")


def _leading(run: re.Pattern[str], text: str) -> str:
    match = run.match(text)
    return match.group() if match else ""


def _compare_fragment(left: str, right: str) -> int:
    """dpkg's ``verrevcmp``: alternating non-digit runs (by character) and digit runs (by value)."""
    while left or right:
        left_text, right_text = _leading(_NON_DIGITS, left), _leading(_NON_DIGITS, right)
        for a, b in zip_longest(left_text, right_text, fillvalue=""):
            if _character_order(a) != _character_order(b):
                return -1 if _character_order(a) < _character_order(b) else 1
        left, right = left[len(left_text) :], right[len(right_text) :]
        left_digits, right_digits = _leading(_DIGITS, left), _leading(_DIGITS, right)
        if int(left_digits or 0) != int(right_digits or 0):
            return -1 if int(left_digits or 0) < int(right_digits or 0) else 1
        left, right = left[len(left_digits) :], right[len(right_digits) :]
    return 0


def _split_version(version: str) -> tuple[int, str, str]:
    epoch, _, rest = version.partition(":") if ":" in version else ("0", "", version)
    upstream, _, revision = rest.rpartition("-") if "-" in rest else (rest, "", "0")
    return int(epoch), upstream, revision


def compare_versions(left: str, right: str) -> int:
    """-1, 0 or 1 as ``left`` is older than, equal to or newer than ``right`` (dpkg's order)."""
    left_epoch, left_upstream, left_revision = _split_version(left)
    right_epoch, right_upstream, right_revision = _split_version(right)
    if left_epoch != right_epoch:
        return -1 if left_epoch < right_epoch else 1
    return _compare_fragment(left_upstream, right_upstream) or _compare_fragment(
        left_revision, right_revision
    )


_RELATION = re.compile(
    r"^(?P<name>[a-z0-9][a-z0-9+.-]*)(?::[a-z0-9-]+)?"
    r"(?:\s*\(\s*(?P<operator><<|<=|=|>=|>>)\s*(?P<version>[^)\s]+)\s*\))?$"
)


def parse_relations(field: str) -> tuple[tuple[Relation, ...], ...]:
    """``a (>= 1), b | c`` -> ((a >= 1,), (b, c))."""
    entries = []
    for entry in filter(None, (part.strip() for part in field.split(","))):
        alternatives = []
        for alternative in entry.split("|"):
            match = _RELATION.match(alternative.strip())
            if match is None:
                raise ArchiveError(f"unreadable dependency {alternative.strip()!r}")
            alternatives.append(Relation(**match.groupdict()))
        entries.append(tuple(alternatives))
    return tuple(entries)


def _fields(stanza: str) -> dict[str, str]:
    """A stanza's single-line fields (continuation lines, such as descriptions', are dropped)."""
    fields = {}
    for line in stanza.splitlines():
        if line and not line[0].isspace():
            name, _, value = line.partition(":")
            fields[name] = value.strip()
    return fields


class PackageIndex(Mapping[str, Package]):
    """A suite's Packages index. Its tens of thousands of stanzas are only split apart; the
    few a build looks up are parsed then."""

    def __init__(self, text: str, suite: Suite) -> None:
        self._suite = suite
        self._stanzas = {
            stanza[len("Package: ") : stanza.find("\n")]: stanza
            for stanza in (part.strip("\n") for part in text.split("\n\n"))
            if stanza.startswith("Package: ")
        }

    def __getitem__(self, name: str) -> Package:
        fields = _fields(self._stanzas[name])
        relations = ", ".join(filter(None, (fields.get("Pre-Depends"), fields.get("Depends"))))
        return Package(
            name=fields["Package"],
            version=fields["Version"],
            architecture=fields["Architecture"],
            depends=parse_relations(relations),
            filename=fields["Filename"],
            sha256=fields["SHA256"],
            size=int(fields["Size"]),
            suite=self._suite,
        )

    def __iter__(self) -> Iterator[str]:
        return iter(self._stanzas)

    def __len__(self) -> int:
        return len(self._stanzas)


def _compare_packages(left: Package, right: Package) -> int:
    return compare_versions(left.version, right.version)


_by_version = cmp_to_key(_compare_packages)


class NewestOf(Mapping[str, Package]):
    """Each package at its newest version among several indexes."""

    def __init__(self, indexes: Iterable[Mapping[str, Package]]) -> None:
        self._indexes = list(indexes)

    def __getitem__(self, name: str) -> Package:
        found = [index[name] for index in self._indexes if name in index]
        if not found:
            raise KeyError(name)
        return max(found, key=_by_version)

    def __iter__(self) -> Iterator[str]:
        return iter({name for index in self._indexes for name in index})

    def __len__(self) -> int:
        return len({name for index in self._indexes for name in index})


def resolve(
    packages: Mapping[str, Package], roots: Iterable[str], left_out: Mapping[str, str]
) -> list[Package]:
    """``roots`` and everything they depend on among ``packages``, apart from ``left_out``
    (name -> why), sorted by name.

    An entry one of whose alternatives is left out is left out; otherwise its first alternative
    available at a satisfying version is taken.
    """
    chosen: dict[str, Package] = {}
    pending = [(Relation(name), "requested") for name in roots]
    while pending:
        relation, wanted_by = pending.pop()
        package = packages.get(relation.name)
        if package is None or not relation.satisfied_by(package.version):
            found = package.version if package else "none"
            raise ArchiveError(f"{wanted_by} needs {relation}; the archive has {found}")
        if package.name in chosen:
            continue
        chosen[package.name] = package
        for alternatives in package.depends:
            if any(alternative.name in left_out for alternative in alternatives):
                continue
            satisfiable = (
                alternative
                for alternative in alternatives
                if alternative.name in packages
                and alternative.satisfied_by(packages[alternative.name].version)
            )
            pending.append((next(satisfiable, alternatives[0]), package.name))
    return sorted(chosen.values(), key=lambda package: package.name)


# --- the archive ----------------------------------------------------------------------------


def _download(url: str) -> bytes:
    failure: Exception | None = None
    for attempt in range(DOWNLOAD_ATTEMPTS):
        try:
            with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 (https mirror)
                body: bytes = response.read()
                return body
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            failure = error
            time.sleep(2**attempt)
    raise ArchiveError(f"could not download {url}: {failure}")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Archive:
    """The packages of ``suites`` for one Debian architecture, newest version of each."""

    def __init__(
        self,
        architecture: str,
        cache: Path,
        suites: Iterable[Suite] = BULLSEYE,
        mirror: str = DEFAULT_MIRROR,
        keyring: Path = DEFAULT_KEYRING,
    ) -> None:
        self.architecture = architecture
        self.mirror = mirror.rstrip("/")
        self._cache = cache
        self._keyring = keyring
        self.packages = NewestOf(self._index(suite) for suite in suites)

    def _cached(self, sha256: str, url: str) -> bytes:
        """The file at ``url`` whose SHA256 must be ``sha256``, from the cache when it is there."""
        path = self._cache / sha256
        if path.is_file():
            data = path.read_bytes()
            if _sha256(data) == sha256:
                return data
        data = _download(url)
        if _sha256(data) != sha256:
            raise ArchiveError(f"{url}: SHA256 {_sha256(data)}, expected {sha256}")
        self._cache.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=self._cache, delete=False) as partial:
            partial.write(data)
        Path(partial.name).replace(path)
        return data

    def _release(self, suite: Suite) -> str:
        """The suite's InRelease, as signed: what gpgv verified and wrote out."""
        if not self._keyring.is_file():
            raise ArchiveError(f"Debian's archive keyring {self._keyring} is missing")
        signed = _download(f"{self.mirror}/{suite.archive}/dists/{suite.name}/InRelease")
        verified = subprocess.run(
            ["gpgv", "--quiet", "--keyring", str(self._keyring), "--output", "-", "-"],
            input=signed,
            capture_output=True,
            check=False,
        )
        if verified.returncode != 0:
            raise ArchiveError(
                f"{suite.name}: InRelease signature did not verify: {verified.stderr.decode()}"
            )
        release = verified.stdout.decode()
        if _fields(release).get("Codename") != suite.name:
            raise ArchiveError(f"{suite.name}: InRelease is for {_fields(release).get('Codename')}")
        return release

    def _index(self, suite: Suite) -> Mapping[str, Package]:
        release = self._release(suite)
        path = rf"main/binary-{re.escape(self.architecture)}/Packages\.xz"
        match = re.search(rf"^ ([0-9a-f]{{64}})\s+\d+\s+{path}$", release, re.MULTILINE)
        if match is None:
            raise ArchiveError(f"{suite.name}: no main/binary-{self.architecture} index")
        url = (
            f"{self.mirror}/{suite.archive}/dists/{suite.name}/main/"
            f"binary-{self.architecture}/Packages.xz"
        )
        index = lzma.decompress(self._cached(match.group(1), url)).decode()
        return PackageIndex(index, suite)

    def download(self, package: Package) -> bytes:
        return self._cached(package.sha256, package.url(self.mirror))


# --- unpacking ------------------------------------------------------------------------------


def _data_member(deb: bytes) -> tuple[str, bytes]:
    """The ``data.tar.*`` member of a .deb (an ar archive)."""
    if not deb.startswith(b"!<arch>\n"):
        raise ArchiveError("not a .deb (ar) archive")
    offset = 8
    while offset + 60 <= len(deb):
        header = deb[offset : offset + 60]
        name = header[:16].decode().strip().rstrip("/")
        size = int(header[48:58].decode())
        if name.startswith("data.tar"):
            return name, deb[offset + 60 : offset + 60 + size]
        offset += 60 + size + size % 2
    raise ArchiveError("a .deb without a data.tar member")


def _inside_package(member: tarfile.TarInfo, destination: str) -> tarfile.TarInfo | None:
    """tarfile's ``data`` filter, skipping (not failing on) a link that leaves the package,
    such as a documentation directory linked to another package's."""
    try:
        return tarfile.data_filter(member, destination)
    except tarfile.FilterError:
        return None


def unpack(deb: bytes, destination: Path) -> None:
    """Extract a .deb's files (as ``dpkg-deb -x`` does, without its maintainer scripts)."""
    name, data = _data_member(deb)
    if not name.endswith((".tar", ".tar.gz", ".tar.xz", ".tar.bz2")):
        raise ArchiveError(f"unsupported .deb member {name}")
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as archive:
        archive.extractall(destination, filter=_inside_package)  # noqa: S202 (filtered)
