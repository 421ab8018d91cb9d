"""Rendering one statement to a tagged PDF, against a bare WeasyPrint page of the same text.

The statement is the test suite's realistic bill (tests/helpers/statement_builders.py), built
into its context once and rendered by the real renderer (Jinja2 template, catalogs, WeasyPrint
PDF/UA-1) in English and French alternately. The baseline is the same words, as plain paragraphs
with no template, no tables and no chart, rendered by WeasyPrint with the same PDF variant on
one page: the ratio is what the statement's layout (tables, SVG chart, floated columns, and any
font face beyond the one regular face both use) costs over the unavoidable PDF writing. Both
run warm (one untimed render each first), RUNS times, alternating. The statement goes through
the production renderer, which keeps its parsed style sheets and its font configuration for the
container's life; the baseline is a bare WeasyPrint call. Each render is timed in CPU time (the
issue's measure, and steadier on a shared machine) and in wall time.
"""

from __future__ import annotations

import html
import io
import re
import time
from collections.abc import Callable

from pypdf import PdfReader
from weasyprint import HTML

from bench.common import Figure, figure, median, note, quiet_logging, run_benchmark
from civiq.accounts.domain.account_numbers import AccountNumberScheme
from civiq.billing.services.statement_document import statement_context
from civiq.core.language import Language
from civiq.platform.pdf import WeasyPrintRenderer, default_templates_dir
from tests.helpers.statement_builders import statement

RUNS = 15
PARAGRAPH_CHARS = 400

PLAIN_PAGE = """<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>Plain page</title>
<style>@page {{ size: Letter; margin: 0.4in 0.5in; }}
html {{ font-family: "DejaVu Sans"; font-size: 10pt; line-height: 1.2; }}</style></head>
<body>{paragraphs}</body></html>"""


def plain_page(statement_html: str, language: Language) -> str:
    """The statement's words as plain paragraphs: the same text volume, none of the layout."""
    body = statement_html[statement_html.index("<body>") :]
    words = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())
    chunks = [words[i : i + PARAGRAPH_CHARS] for i in range(0, len(words), PARAGRAPH_CHARS)]
    paragraphs = "".join(f"<p>{html.escape(chunk)}</p>" for chunk in chunks)
    return PLAIN_PAGE.format(lang=language.value, paragraphs=paragraphs)


def timed_ms(action: Callable[[], object]) -> tuple[float, float]:
    """CPU and wall milliseconds of ``action``."""
    cpu, wall = time.process_time(), time.perf_counter()
    action()
    return (time.process_time() - cpu) * 1000, (time.perf_counter() - wall) * 1000


def medians(timings: list[tuple[float, float]]) -> tuple[float, float]:
    """The median CPU and the median wall milliseconds."""
    return median([cpu for cpu, _ in timings]), median([wall for _, wall in timings])


def pages(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def run() -> list[Figure]:
    quiet_logging()
    templates = default_templates_dir()
    renderer = WeasyPrintRenderer(templates)
    context = statement_context(
        statement(),
        "Ville de Sainte-Anne",
        "https://portal.example.ca/lookup",
        numbering=AccountNumberScheme(),
    )
    plain = {
        language: plain_page(renderer.render_html("statement", language, context), language)
        for language in Language
    }

    def render_statement(language: Language) -> bytes:
        return renderer.render_pdf("statement", language, context)

    def render_plain(language: Language) -> bytes:
        return HTML(string=plain[language], base_url=str(templates)).write_pdf(
            pdf_variant="pdf/ua-1"
        )

    # Warm: fonts loaded, templates compiled, once per language.
    samples = {language: render_statement(language) for language in Language}
    baselines = {language: render_plain(language) for language in Language}
    statement_ms: list[tuple[float, float]] = []
    html_ms: list[tuple[float, float]] = []
    plain_ms: list[tuple[float, float]] = []
    for run_index in range(RUNS):
        for language in Language if run_index % 2 == 0 else reversed(Language):
            statement_ms.append(timed_ms(lambda: render_statement(language)))  # noqa: B023
            html_ms.append(
                timed_ms(lambda: renderer.render_html("statement", language, context))  # noqa: B023
            )
            plain_ms.append(timed_ms(lambda: render_plain(language)))  # noqa: B023
    statement_cpu, statement_wall = medians(statement_ms)
    plain_cpu, plain_wall = medians(plain_ms)
    _, template_wall = medians(html_ms)
    note(
        f"statement {statement_wall:.0f} ms, plain page of the same text {plain_wall:.0f} ms "
        f"({statement_wall / plain_wall:.3f}x; CPU {statement_cpu:.0f} and {plain_cpu:.0f} ms, "
        f"{statement_cpu / plain_cpu:.3f}x), template alone {template_wall:.1f} ms "
        f"({len(statement_ms)} renders each)"
    )
    return [
        figure("statement_render_median_ms", statement_wall, "ms"),
        figure("statement_template_median_ms", template_wall, "ms"),
        figure("plain_page_render_median_ms", plain_wall, "ms"),
        figure("statement_vs_plain_page_ratio", statement_wall / plain_wall, "ratio"),
        figure("statement_render_cpu_median_ms", statement_cpu, "ms"),
        figure("plain_page_render_cpu_median_ms", plain_cpu, "ms"),
        figure("statement_vs_plain_page_cpu_ratio", statement_cpu / plain_cpu, "ratio"),
        figure("statement_pages", max(pages(pdf) for pdf in samples.values()), "pages"),
        figure("plain_page_pages", max(pages(pdf) for pdf in baselines.values()), "pages"),
        figure("statement_pdf_kib", max(len(pdf) for pdf in samples.values()) / 1024, "KiB"),
        figure("statement_render_runs", len(statement_ms), "runs"),
    ]


def main() -> None:
    run_benchmark("statement_render", run, quiet=False)


if __name__ == "__main__":
    main()
