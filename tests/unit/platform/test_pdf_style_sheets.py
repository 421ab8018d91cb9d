"""The renderer hands a template's ``<style>`` elements to WeasyPrint already parsed, once per
renderer: the PDF is styled as the template says, in the template's order, every time."""

from __future__ import annotations

import base64
import io
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from civiq.core.language import Language
from civiq.platform.pdf import (
    WeasyPrintRenderer,
    default_templates_dir,
    split_style_elements,
    svg_data_url,
)

# Two sheets for the same rule: the later one wins, as it would inside the document.
PAGE_SIZES = """<!DOCTYPE html>
<html lang="{{ lang }}"><head><title>Sizes</title>
<style>@page { size: Letter; }</style>
<style>@page { size: A5; }</style>
</head><body><p>{{ text }}</p></body></html>"""

A5_POINTS = (420, 595)


def page_size(pdf: bytes) -> tuple[int, int]:
    box = PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    return round(float(box.width)), round(float(box.height))


@pytest.fixture
def renderer(tmp_path: Path) -> WeasyPrintRenderer:
    shutil.copytree(default_templates_dir() / "messages", tmp_path / "messages")
    (tmp_path / "sizes.html.j2").write_text(PAGE_SIZES, "utf-8")
    return WeasyPrintRenderer(tmp_path)


def test_the_templates_style_sheets_apply_in_their_order_on_every_render(
    renderer: WeasyPrintRenderer,
) -> None:
    first = renderer.render_pdf("sizes", Language.EN, {"text": "Once"})
    again = renderer.render_pdf("sizes", Language.FR, {"text": "Encore"})

    assert page_size(first) == A5_POINTS
    assert page_size(again) == A5_POINTS


def test_only_plain_style_elements_leave_the_document() -> None:
    html = (
        "<head><style>p { color: red }</style><style media='screen'>p { color: blue }</style>"
        "</head><body><style>\nh1 { margin: 0 }\n</style><p>Text</p></body>"
    )

    document, sheets = split_style_elements(html)

    assert sheets == ("p { color: red }", "\nh1 { margin: 0 }\n")
    assert document == (
        "<head><style media='screen'>p { color: blue }</style></head><body><p>Text</p></body>"
    )


def test_an_svg_document_becomes_a_data_url_of_its_exact_text() -> None:
    svg = '<svg xmlns="http://www.w3.org/2000/svg"><text>50 m³</text></svg>'

    url = svg_data_url(svg)

    prefix = "data:image/svg+xml;base64,"
    assert url.startswith(prefix)
    assert base64.b64decode(url.removeprefix(prefix)).decode() == svg
