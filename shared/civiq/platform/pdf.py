"""Bilingual, accessible (tagged PDF/UA-1) documents rendered with Jinja2 and WeasyPrint.

A separate adapter module because WeasyPrint pulls in native libraries (Pango, HarfBuzz):
only the document-rendering functions import it, never the API function.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path

from civiq.core.language import Language
from civiq.platform.catalogs import default_templates_dir as default_templates_dir
from civiq.platform.catalogs import format_date as format_date
from civiq.platform.catalogs import format_money as format_money
from civiq.platform.catalogs import format_number as format_number
from civiq.platform.templating import CatalogTemplates
from civiq.platform.templating import format_percent as format_percent
from civiq.platform.templating import format_short_date as format_short_date
from civiq.platform.templating import format_short_month as format_short_month
from civiq.platform.templating import svg_data_url as svg_data_url

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


class _FontSubsettingNotice(logging.Filter):
    """WeasyPrint warns on every document that it subsets fonts with fontTools where the
    system lacks HarfBuzz-Subset (as on Debian 12 and Lambda): expected here, so not logged."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "HarfBuzz-Subset" not in record.getMessage()


logging.getLogger("weasyprint").addFilter(_FontSubsettingNotice())


# A document's own style sheets: plain ``<style>`` elements, in document order.
STYLE_ELEMENT = re.compile(r"<style>(.*?)</style>", re.DOTALL)

# Distinct style sheets kept parsed per renderer: a few per template.
PARSED_STYLESHEETS = 32


def split_style_elements(html: str) -> tuple[str, tuple[str, ...]]:
    """The document without its plain ``<style>`` elements, and their texts in document order."""
    return STYLE_ELEMENT.sub("", html), tuple(STYLE_ELEMENT.findall(html))


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
        self._templates = CatalogTemplates(templates_dir)
        self._font_config = FontConfiguration()
        self._stylesheet = lru_cache(maxsize=PARSED_STYLESHEETS)(self._parse_stylesheet)

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
        return self._templates.render(template, language, context)
