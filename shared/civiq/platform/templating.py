"""Jinja2 templates worded from the en/fr message catalogs: one environment for the PDFs
(:mod:`civiq.platform.pdf`) and the web pages (:mod:`civiq.platform.web`), so a statement and
the page explaining it say the same thing in the same words.

Free of WeasyPrint: a function that only serves pages imports this, never the PDF renderer.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from datetime import UTC, date, tzinfo
from decimal import Decimal
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

from civiq.core.language import Language
from civiq.platform.catalogs import NBSP, Catalogs, format_date, format_money, format_number

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


class CatalogTemplates:
    """``templates/<name>.html.j2`` rendered in one language, every label worded from that
    language's catalog (``t``, ``t_or``, ``label``) and every number and date written the way
    it writes them (the :data:`FILTERS`). Built once per Lambda container."""

    def __init__(self, templates_dir: Path, time_zone: tzinfo = UTC) -> None:
        self.catalogs = Catalogs(templates_dir)
        # Templates never change inside a deployed package: skip the per-render mtime checks.
        self.environment = Environment(
            loader=FileSystemLoader(templates_dir),
            autoescape=True,
            undefined=StrictUndefined,
            auto_reload=False,
        )
        catalogs = self.catalogs

        @pass_context
        def t(context: Context, key: str, /, **arguments: object) -> str:
            """The catalog message in the language being rendered."""
            return catalogs.message(Language(context["lang"]), key, arguments)

        @pass_context
        def t_or(context: Context, key: str, configured: str, /) -> str:
            """The catalog's wording for a name that comes from configuration (a season, a tax),
            or the name as configured where the catalog has none."""
            return catalogs.get(Language(context["lang"]), key, configured)

        @pass_context
        def label(context: Context, key: str, /) -> Markup:
            """A label in the language rendered and, on a document whose ``letterhead`` is
            bilingual, after it in the other official language, tagged with that language."""
            language = Language(context["lang"])
            text = escape(catalogs.message(language, key, {}))
            letterhead = context.get("letterhead")
            if letterhead is None or not letterhead.bilingual:
                return text
            other = Language.FR if language is Language.EN else Language.EN
            return Markup('{} <span lang="{}">/ {}</span>').format(
                text, other.value, catalogs.message(other, key, {})
            )

        self.environment.globals["t"] = t
        self.environment.globals["t_or"] = t_or
        self.environment.globals["label"] = label
        self.environment.filters.update(FILTERS)
        # An instant as the municipality's calendar date (``time_zone``'s).
        self.environment.filters["local_date"] = lambda at: at.astimezone(time_zone).date()

    def render(self, name: str, language: Language, context: Mapping[str, object]) -> str:
        """``templates/<name>.html.j2`` in ``language``."""
        return self.environment.get_template(f"{name}.html.j2").render(
            {**context, "lang": language.value}
        )
