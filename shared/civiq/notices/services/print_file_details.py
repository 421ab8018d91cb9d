"""One day's print file for staff: its parts with short-lived links to their PDFs and to the
manifest, and every letter in it (part, pages, to whom)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from civiq.core.errors import NotFound
from civiq.notices.domain.print_files import ManifestLine, PrintFile
from civiq.notices.ports import DocumentLinks, PrintFiles


@dataclass(frozen=True)
class PrintFileDetails:
    file: PrintFile
    links: dict[str, str]  # stored key -> presigned GET
    lines: tuple[ManifestLine, ...]


@dataclass(frozen=True)
class ShowPrintFile:
    files: PrintFiles
    links: DocumentLinks
    link_seconds: int

    def __call__(self, day: date) -> PrintFileDetails:
        """Raises NotFound when no letter was printed for ``day``."""
        file = self.files.get(day)
        if file is None:
            raise NotFound(f"no print file for {day.isoformat()}", "day")
        parts = self.files.parts(day)
        keys = [part.key for part in parts] + list(file.manifest_keys)
        return PrintFileDetails(
            file,
            {key: self.links.url_for(key, self.link_seconds) for key in keys},
            tuple(line for part in parts for line in part.lines),
        )
