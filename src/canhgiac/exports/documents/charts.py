"""Report charts drawn with matplotlib (Agg, no pyplot state) as reproducible PNG or SVG bytes."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any, Literal

import matplotlib as mpl
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

__all__ = ["bar_chart", "stacked_bar_chart"]

ChartFormat = Literal["png", "svg"]
# DejaVu Sans ships with matplotlib and covers every Vietnamese letter.
_STYLE: Any = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "svg.hashsalt": "canhgiac",
    "svg.fonttype": "path",
    "path.simplify": True,
}
_BAR_COLOUR = "#1f4e79"
_STACK_COLOURS = ("#2e8b57", "#c0392b", "#95a5a6", "#1f4e79")


def _save(figure: Figure, fmt: ChartFormat) -> bytes:
    # No Software/Date metadata: the same data must give the same bytes.
    metadata: dict[str, str | None] = (
        {"Software": None} if fmt == "png" else {"Date": None, "Creator": None}
    )
    buffer = io.BytesIO()
    FigureCanvasAgg(figure)
    figure.savefig(buffer, format=fmt, dpi=150, metadata=metadata, bbox_inches="tight")
    return buffer.getvalue()


def _height(count: int) -> float:
    return max(2.0, 0.35 * count + 1.0)


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float],
    title: str,
    *,
    xlabel: str = "",
    fmt: ChartFormat = "png",
) -> bytes:
    """Horizontal bars, first label on top, each bar annotated with its value."""
    if len(labels) != len(values):
        raise ValueError(f"labels and values differ in length: {len(labels)} != {len(values)}")
    with mpl.rc_context(_STYLE):
        figure = Figure(figsize=(6.5, _height(len(labels))))
        axes = figure.add_subplot()
        positions = list(range(len(labels)))[::-1]
        bars = axes.barh(positions, values, color=_BAR_COLOUR)
        axes.bar_label(bars, labels=[_short(v) for v in values], padding=3)
        axes.set_yticks(positions, labels=list(labels))
        axes.set_title(title)
        axes.set_xlabel(xlabel)
        axes.spines[["top", "right"]].set_visible(False)
        axes.margins(x=0.12)
        axes.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: _short(v)))
        return _save(figure, fmt)


def stacked_bar_chart(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    title: str,
    *,
    fmt: ChartFormat = "png",
) -> bytes:
    """Horizontal stacked bars: one bar per label, one colour per (name, values) series."""
    for name, values in series:
        if len(values) != len(labels):
            raise ValueError(f"series {name!r} has {len(values)} values for {len(labels)} labels")
    with mpl.rc_context(_STYLE):
        figure = Figure(figsize=(6.5, _height(len(labels)) + 0.4))
        axes = figure.add_subplot()
        positions = list(range(len(labels)))[::-1]
        left = [0.0] * len(labels)
        for index, (name, values) in enumerate(series):
            axes.barh(positions, values, left=left, label=name, color=_STACK_COLOURS[index % 4])
            left = [a + b for a, b in zip(left, values, strict=True)]
        axes.set_yticks(positions, labels=list(labels))
        axes.set_title(title)
        axes.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: _short(v)))
        axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncols=4, frameon=False)
        axes.spines[["top", "right"]].set_visible(False)
        return _save(figure, fmt)


def _short(value: float) -> str:
    return f"{value:,.0f}".replace(",", ".") if float(value).is_integer() else f"{value:.1f}"
