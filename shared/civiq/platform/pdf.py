"""Bilingual, accessible (tagged PDF/UA-1) documents rendered with Jinja2 and WeasyPrint.

A separate adapter module because WeasyPrint pulls in native libraries (Pango, HarfBuzz):
only the document-rendering functions import it, never the API function.
"""

from __future__ import annotations

import base64
import logging
import os
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

from civiq.core.language import Language
from civiq.platform.catalogs import NBSP, Catalogs, format_date, format_money, format_number
from civiq.platform.catalogs import default_templates_dir as default_templates_dir

# Where Lambda mounts the PdfLayer's fontconfig configuration (infra/pdf/layer.py).
LAYER_FONTCONFIG_DIR = Path("/opt/etc/fonts")


def use_layer_fontconfig(config_dir: Path = LAYER_FONTCONFIG_DIR) -> None:
    """Have fontconfig read the PdfLayer's configuration (its fonts, a cache in /tmp) where the
    layer is mounted: Lambda's runtime has no fonts.conf. Elsewhere the system's stays in use.

    WeasyPrint loads fontconfig's configuration as it is imported: this runs first.
    """
    if "FONTCONFIG_PATH" not in os.environ and (config_dir / "fonts.conf").is_file():
        os.environ["FONTCONFIG_PATH"] = str(config_dir)


use_layer_fontconfig()

from weasyprint import CSS, HTML  # noqa: E402 (fontconfig must be configured before)
from weasyprint.text.fonts import FontConfiguration  # noqa: E402

# Abbreviations for tables and chart labels (the Canadian Press / OQLF forms).
SHORT_MONTHS: Mapping[Language, tuple[str, ...]] = {
    Language.EN: (
        "Jan.", "Feb.", "March", "April", "May", "June",
        "July", "Aug.", "Sept.", "Oct.", "Nov.", "Dec.",
    ),
    Language.FR: (
        "janv.", "févr.", "mars", "avr.", "mai", "juin",
        "juill.", "août", "sept.", "oct.", "nov.", "déc.",
    ),
}  # fmt: skip


class _FontSubsettingNotice(logging.Filter):
    """WeasyPrint warns on every document that it subsets fonts with fontTools where the
    system lacks HarfBuzz-Subset (as on Debian 12 and Lambda): expected here, so not logged."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "HarfBuzz-Subset" not in record.getMessage()


logging.getLogger("weasyprint").addFilter(_FontSubsettingNotice())


def format_short_date(day: date, language: Language) -> str:
    """A date in a table: "Oct. 31, 2026" / "31 oct. 2026"."""
    month = SHORT_MONTHS[language][day.month - 1]
    if language is Language.FR:
        return f"{'1er' if day.day == 1 else day.day}{NBSP}{month}{NBSP}{day.year}"
    return f"{month}{NBSP}{day.day}, {day.year}"


def format_short_month(day: date, language: Language) -> str:
    """The month a period ends in, for a narrow column: "Sept. 2026" / "sept. 2026"."""
    return f"{SHORT_MONTHS[language][day.month - 1]} {day.year}"


def format_percent(rate: Decimal, language: Language) -> str:
    """A rate given as a fraction: 0.13 is "13%" / "13 %"."""
    digits = format_number((rate * 100).normalize(), language)
    return f"{digits}{NBSP}%" if language is Language.FR else f"{digits}%"


def _language_filter(format_value: Callable[..., str]) -> Callable[..., str]:
    """A Jinja filter applying ``format_value`` in the language being rendered."""

    @pass_context
    def in_language(context: Context, value: object, *arguments: object) -> str:
        return format_value(value, Language(context["lang"]), *arguments)

    return in_language


# A document's own style sheets: plain ``<style>`` elements, in document order.
STYLE_ELEMENT = re.compile(r"<style>(.*?)</style>", re.DOTALL)

# Distinct style sheets kept parsed per renderer: a few per template.
PARSED_STYLESHEETS = 32


def split_style_elements(html: str) -> tuple[str, tuple[str, ...]]:
    """The document without its plain ``<style>`` elements, and their texts in document order."""
    return STYLE_ELEMENT.sub("", html), tuple(STYLE_ELEMENT.findall(html))


def svg_data_url(svg: str) -> str:
    """An SVG document as a ``data:`` URL, for an ``<img>``."""
    return "data:image/svg+xml;base64," + base64.b64encode(str(svg).encode()).decode("ascii")


FILTERS: Mapping[str, Callable[..., str]] = {
    "format_date": _language_filter(format_date),
    "short_date": _language_filter(format_short_date),
    "short_month": _language_filter(format_short_month),
    "number": _language_filter(format_number),
    "money": _language_filter(format_money),
    "percent": _language_filter(format_percent),
    "svg_data_url": svg_data_url,
}


class WeasyPrintRenderer:
    """Renders ``templates/<name>.html.j2`` with the language's message catalog to a tagged PDF.

    The Jinja environment, the catalogs, the font configuration (Pango's font map and its
    caches) and the parsed style sheets are built once per renderer (once per Lambda
    container), not per document: a template's ``<style>`` elements are taken out of the HTML
    and handed to WeasyPrint already parsed, in the same order. WeasyPrint gives style sheets
    passed that way the user origin, below the author origin: the documents' only other author
    styles are ``style`` attributes, which win over both anyway.
    """

    def __init__(self, templates_dir: Path) -> None:
        self._base_url = str(templates_dir)
        self._catalogs = Catalogs(templates_dir)
        self._font_config = FontConfiguration()
        self._stylesheet = lru_cache(maxsize=PARSED_STYLESHEETS)(self._parse_stylesheet)
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
            return self._catalogs.message(Language(context["lang"]), key, arguments)

        @pass_context
        def t_or(context: Context, key: str, configured: str, /) -> str:
            """The catalog's wording for a name that comes from configuration (a season, a tax),
            or the name as configured where the catalog has none."""
            return self._catalogs.get(Language(context["lang"]), key, configured)

        @pass_context
        def label(context: Context, key: str, /) -> Markup:
            """A label in the language rendered and, on a document whose ``letterhead`` is
            bilingual, after it in the other official language, tagged with that language."""
            language = Language(context["lang"])
            text = escape(self._catalogs.message(language, key, {}))
            letterhead = context.get("letterhead")
            if letterhead is None or not letterhead.bilingual:
                return text
            other = Language.FR if language is Language.EN else Language.EN
            return Markup('{} <span lang="{}">/ {}</span>').format(
                text, other.value, self._catalogs.message(other, key, {})
            )

        self._env.globals["t"] = t
        self._env.globals["t_or"] = t_or
        self._env.globals["label"] = label
        self._env.filters.update(FILTERS)

    def render_pdf(self, template: str, language: Language, context: Mapping[str, object]) -> bytes:
        """PDF/UA-1 output: WeasyPrint tags the structure and writes /Lang and the title."""
        html, styles = split_style_elements(self.render_html(template, language, context))
        return HTML(string=html, base_url=self._base_url).write_pdf(
            pdf_variant="pdf/ua-1",
            stylesheets=[self._stylesheet(style) for style in styles],
            font_config=self._font_config,
        )

    def render_bundle(
        self, template: str, documents: Sequence[tuple[Language, Mapping[str, object]]]
    ) -> tuple[bytes, tuple[int, ...]]:
        """Many documents of one template as one PDF (a print file's part), each starting on a
        page of its own, and each one's page count. Each is laid out alone, in its own language;
        their pages are then written together once."""
        laid_out = []
        for language, context in documents:
            html, styles = split_style_elements(self.render_html(template, language, context))
            laid_out.append(
                HTML(string=html, base_url=self._base_url).render(
                    stylesheets=[self._stylesheet(style) for style in styles],
                    font_config=self._font_config,
                )
            )
        pages = [page for document in laid_out for page in document.pages]
        pdf = laid_out[0].copy(pages).write_pdf(pdf_variant="pdf/ua-1")
        return pdf, tuple(len(document.pages) for document in laid_out)

    def _parse_stylesheet(self, text: str) -> CSS:
        return CSS(string=text, base_url=self._base_url, font_config=self._font_config)

    def render_html(self, template: str, language: Language, context: Mapping[str, object]) -> str:
        """The HTML that :meth:`render_pdf` lays out: what the document says, for tests."""
        return self._env.get_template(f"{template}.html.j2").render(
            {**context, "lang": language.value}
        )
