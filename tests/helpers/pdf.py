"""Reading rendered PDFs back: text, structure and the templates they come from."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

from pypdf import PdfReader
from pypdf.generic import DictionaryObject

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def lookup(node: DictionaryObject, *path: str) -> object:
    """The value at ``path`` below ``node``, following indirect references."""
    value: object = node
    for name in path:
        assert isinstance(value, DictionaryObject)
        value = value[name]
    return value


def structure_types(node: DictionaryObject) -> Iterator[str]:
    """Every structure element type (/S) under ``node``, depth first."""
    kids = node.get("/K", [])
    for kid in kids if isinstance(kids, list) else [kids]:
        element = kid.get_object()
        if isinstance(element, DictionaryObject) and "/S" in element:
            yield str(element["/S"])
            yield from structure_types(element)


def text_of(pdf: bytes) -> str:
    """The PDF's text with runs of spaces, non-breaking ones included, collapsed."""
    pages = PdfReader(io.BytesIO(pdf)).pages
    text = " ".join(page.extract_text() for page in pages).replace("\u00a0", " ")
    return " ".join(text.split())


def text_placed(pdf: bytes, page: int) -> list[tuple[str, float, float]]:
    """Each run of text on ``page`` (0-based) with where it starts: inches from the page's left
    edge and from its top edge (the text matrix through the current transformation)."""
    reader = PdfReader(io.BytesIO(pdf))
    height = float(reader.pages[page].mediabox.height)
    placed: list[tuple[str, float, float]] = []

    def visit(text: str, cm: list[float], tm: list[float], *_: object) -> None:
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            placed.append((text.strip(), x / 72, (height - y) / 72))

    reader.pages[page].extract_text(visitor_text=visit)
    return placed
