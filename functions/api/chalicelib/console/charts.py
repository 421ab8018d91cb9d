"""The console's bar charts, drawn on the server as SVG images (``web/console_bars.svg.j2``)
that each page shows next to the table of the same figures (the table is what a screen reader
reads; the image's alt text says so)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

WIDTH, HEIGHT, AXIS, LABELS = 640, 240, 64, 20
# Fills at least 3:1 against white (WCAG 1.4.11), told apart by the legend and the table.
FILLS = ("#0b3d63", "#b35900", "#007a5a", "#a3357d", "#2f6fad", "#5a5a5a")


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    fill: str


@dataclass(frozen=True)
class Group:
    label: str
    x: float  # the label's middle
    bars: tuple[Bar, ...]


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    axis_width: int
    top: Decimal
    groups: tuple[Group, ...]
    legend: tuple[tuple[str, str], ...]  # (fill, series name)


def grouped_bars(series: Sequence[str], groups: Sequence[tuple[str, Sequence[Decimal]]]) -> Chart:
    """One group of bars per label (a month), one bar per series (billed, collected), on a
    scale from zero to the largest value."""
    top = max((v for _, values in groups for v in values), default=Decimal(0))
    scale = Decimal(HEIGHT - LABELS - 8) / top if top > 0 else Decimal(0)
    slot = (WIDTH - AXIS) / max(1, len(groups))
    bar_width = slot * 0.8 / max(1, len(series))
    drawn = []
    for index, (label, values) in enumerate(groups):
        left = AXIS + index * slot + slot * 0.1
        bars = []
        for position, value in enumerate(values):
            height = float(max(value, Decimal(0)) * scale)
            bars.append(
                Bar(
                    round(left + position * bar_width, 1),
                    round(HEIGHT - LABELS - height, 1),
                    round(bar_width, 1),
                    round(height, 1),
                    FILLS[position % len(FILLS)],
                )
            )
        drawn.append(Group(label, round(AXIS + index * slot + slot / 2, 1), tuple(bars)))
    legend = tuple((FILLS[i % len(FILLS)], name) for i, name in enumerate(series))
    return Chart(WIDTH, HEIGHT, AXIS, top, tuple(drawn), legend)
