"""Bilingual, accessible (tagged PDF/UA-1) documents rendered with Jinja2 and WeasyPrint.

A separate adapter module because WeasyPrint pulls in native libraries (Pango, HarfBuzz):
only the document-rendering functions import it, never the API function.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from datetime import date
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from jinja2.runtime import Context
from weasyprint import HTML

from civiq.domain.language import Language

# Own month names rather than the locale module: a Lambda image need not have fr_CA, and
# setlocale is process-wide, so it is unsafe while several documents render.
MONTHS: Mapping[Language, tuple[str, ...]] = {
    Language.EN: (
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ),
    Language.FR: (
        "janvier", "février", "mars", "avril", "mai", "juin",
        "juillet", "août", "septembre", "octobre", "novembre", "décembre",
    ),
}  # fmt: skip


class _FontSubsettingNotice(logging.Filter):
    """WeasyPrint warns on every document that it subsets fonts with fontTools where the
    system lacks HarfBuzz-Subset (as on Debian 12 and Lambda): expected here, so not logged."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "HarfBuzz-Subset" not in record.getMessage()


logging.getLogger("weasyprint").addFilter(_FontSubsettingNotice())


def default_templates_dir() -> Path:
    """``TEMPLATES_DIR`` where the Lambda package puts templates elsewhere; else the repo's."""
    if configured := os.environ.get("TEMPLATES_DIR"):
        return Path(configured)
    return Path(__file__).resolve().parents[3] / "templates"


def format_date(day: date, language: Language) -> str:
    """A date as written in running text: "November 26, 2026" / "26 novembre 2026"."""
    month = MONTHS[language][day.month - 1]
    if language is Language.FR:
        # French writes the first of the month as an ordinal: « 1er novembre ».
        return f"{'1er' if day.day == 1 else day.day} {month} {day.year}"
    return f"{month} {day.day}, {day.year}"


@pass_context
def _format_date_filter(context: Context, day: date) -> str:
    return format_date(day, Language(context["lang"]))


class WeasyPrintRenderer:
    """Renders ``templates/<name>.html.j2`` with the language's message catalog to a tagged PDF.

    The Jinja environment and the catalogs are built once per renderer (once per Lambda
    container), not per document.
    """

    def __init__(self, templates_dir: Path) -> None:
        self._base_url = str(templates_dir)
        self._catalogs: dict[Language, dict[str, str]] = {
            language: json.loads(
                (templates_dir / "messages" / f"{language.value}.json").read_text("utf-8")
            )
            for language in Language
        }
        # Templates never change inside a deployed package: skip the per-render mtime checks.
        self._env = Environment(
            loader=FileSystemLoader(templates_dir),
            autoescape=True,
            undefined=StrictUndefined,
            auto_reload=False,
        )

        @pass_context
        def t(context: Context, key: str, /, **arguments: object) -> str:
            """The catalog message in the language being rendered."""
            return self._message(Language(context["lang"]), key, arguments)

        self._env.globals["t"] = t
        self._env.filters["format_date"] = _format_date_filter

    def render_pdf(self, template: str, language: Language, context: Mapping[str, object]) -> bytes:
        """PDF/UA-1 output: WeasyPrint tags the structure and writes /Lang and the title."""
        html = self._env.get_template(f"{template}.html.j2").render(
            {**context, "lang": language.value}
        )
        return HTML(string=html, base_url=self._base_url).write_pdf(pdf_variant="pdf/ua-1")

    def _message(self, language: Language, key: str, arguments: Mapping[str, object]) -> str:
        """A catalog message; a gap raises, because a blank would go out in a resident's mail."""
        try:
            message = self._catalogs[language][key]
        except KeyError:
            raise KeyError(
                f"message {key!r} is missing from the {language.value!r} catalog"
            ) from None
        try:
            return message.format_map(arguments)
        except KeyError as missing:
            raise KeyError(
                f"message {key!r} ({language.value}) needs the argument {missing}"
            ) from None
