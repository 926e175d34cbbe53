"""Static charts for the investor report, drawn with matplotlib as inline SVG.

Why matplotlib: it is mature and already a dependency, it works fully offline (no CDN, no
JavaScript runtime in the report), and its SVG backend writes vector output that prints sharply
to PDF. ``svg.fonttype = "none"`` keeps text as ``<text>`` elements, so the browser renders the
labels (Chinese included) with its own fonts and the file stays small.

Every function takes plain arrays and returns an SVG fragment ready to inline into HTML: the XML
prolog, DOCTYPE, RDF metadata and namespace URLs are removed so the report holds no URL at all.
Figures are built with the object API (:class:`matplotlib.figure.Figure` + the Agg canvas), never
``pyplot``, so no global figure state is touched.
"""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

__all__ = ["Series", "area_chart", "bar_chart", "line_chart", "plain_text"]

_PALETTE = ("#1f4e79", "#c0504d", "#9bbb59", "#8064a2", "#f79646", "#4bacc6", "#7f7f7f", "#2c7c3f")
# Fallbacks the browser uses for glyphs DejaVu Sans lacks (CJK); matplotlib itself only lays out.
_CSS_FONTS = "'DejaVu Sans', 'Noto Sans CJK SC', 'Microsoft YaHei', 'PingFang SC', sans-serif"
_STRIP = (
    re.compile(r"<\?xml[^>]*\?>\s*"),
    re.compile(r"<!DOCTYPE[^>]*>\s*"),
    re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL),
    re.compile(r'\s+xmlns(:\w+)?="[^"]*"'),
)


@dataclass(frozen=True, slots=True)
class Series:
    """One line of a chart: its legend label, y values, optional own x (else the chart's) and
    style (``dashed`` for thresholds, drawn as steps)."""

    label: str
    y: np.ndarray
    dashed: bool = False
    step: bool = False
    x: np.ndarray | None = None


def plain_text(text: str) -> str:
    """``text`` as matplotlib must be given it to draw it literally: a ``$`` would otherwise start
    mathtext (``"Class $A$"`` drawn as italic math, an odd number of ``$`` an error)."""
    return str(text).replace("$", r"\$")


def _amount_zh(v: float, _pos: int | None) -> str:
    """Chinese amount units: 亿 (10^8) and 万 (10^4)."""
    a = abs(v)
    if a >= 1e8:
        return f"{v / 1e8:.1f}亿"
    if a >= 1e4:
        return f"{v / 1e4:,.0f}万"
    return f"{v:.0f}"


def _formatter(kind: str, lang: str = "en") -> FuncFormatter:
    if kind == "amount" and lang == "zh":
        return FuncFormatter(_amount_zh)
    if kind == "rate":
        return FuncFormatter(lambda v, _pos: f"{v:.1%}")
    if kind == "factor":
        return FuncFormatter(lambda v, _pos: f"{v:.2f}")

    def amount(v: float, _pos: int | None) -> str:
        a = abs(v)
        if a >= 1e9:
            return f"{v / 1e9:.1f}bn"
        if a >= 1e6:
            return f"{v / 1e6:.1f}m"
        if a >= 1e3:
            return f"{v / 1e3:.0f}k"
        return f"{v:.0f}"

    return FuncFormatter(amount)


def _to_svg(fig: Figure, *, title: str) -> str:
    buf = io.StringIO()
    FigureCanvasAgg(fig)
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": title}), warnings.catch_warnings():
        # Glyphs missing from the layout font (e.g. CJK) only affect text metrics; the browser draws them.
        warnings.simplefilter("ignore", UserWarning)
        fig.savefig(buf, format="svg", metadata={"Creator": None, "Date": None, "Format": None, "Type": None})
    svg = buf.getvalue()
    for rx in _STRIP:
        svg = rx.sub("", svg)
    svg = re.sub(r"font-family: ?'?DejaVu Sans'?", f"font-family: {_CSS_FONTS}", svg)
    # Responsive: keep the viewBox, let CSS size it; label for screen readers.
    svg = re.sub(r'<svg\s+width="[^"]*"\s+height="[^"]*"', '<svg class="chart" role="img"', svg, count=1)
    return svg.strip()


def _figure(title: str, *, ylabel: str, kind: str, lang: str = "en") -> tuple[Figure, Axes]:
    # Fixed margins, not constrained layout (which draws every figure twice): the right quarter
    # holds the legend, beside the data and never over it.
    fig = Figure(figsize=(9.0, 3.2), dpi=100)
    fig.subplots_adjust(left=0.075, right=0.66, top=0.89, bottom=0.15)
    ax = fig.add_subplot()
    ax.set_title(plain_text(title), fontsize=11, loc="left", y=1.02)  # a fixed y: no tight-bbox search
    ax.set_ylabel(plain_text(ylabel), fontsize=9)
    ax.yaxis.set_major_formatter(_formatter(kind, lang))
    ax.grid(True, color="#dddddd", linewidth=0.6)
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=8)
    return fig, ax


def _legend(ax: Axes) -> None:
    """The legend beside the plot, never over the data."""
    ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)


def line_chart(
    x: Sequence[float] | np.ndarray,
    series: Sequence[Series],
    *,
    title: str,
    ylabel: str = "",
    kind: str = "amount",
    xlabel: str = "Period",
    lang: str = "en",
) -> str:
    """Lines of ``series`` against ``x`` (periods); ``kind`` (``amount``/``rate``/``factor``) formats
    the y axis. Dashed series (trigger thresholds) are drawn as step lines. Returns inline SVG."""
    fig, ax = _figure(title, ylabel=ylabel, kind=kind, lang=lang)
    ax.set_xlabel(plain_text(xlabel), fontsize=9)
    xs = np.asarray(x, dtype=np.float64)
    for i, s in enumerate(series):
        y = np.asarray(s.y, dtype=np.float64)
        sx = xs if s.x is None else np.asarray(s.x, dtype=np.float64)
        colour = _PALETTE[i % len(_PALETTE)]
        if s.dashed or s.step:
            ax.step(
                sx,
                y,
                where="post",
                color=colour,
                linestyle="--" if s.dashed else "-",
                linewidth=1.4,
                label=plain_text(s.label),
            )
        else:
            ax.plot(sx, y, color=colour, linewidth=1.8, label=plain_text(s.label))
    if series:
        _legend(ax)
    return _to_svg(fig, title=title)


def area_chart(
    x: Sequence[float] | np.ndarray,
    stacks: Mapping[str, np.ndarray],
    *,
    title: str,
    ylabel: str = "",
    kind: str = "amount",
    xlabel: str = "Period",
    lang: str = "en",
) -> str:
    """Stacked areas (e.g. tranche balances, junior on top of senior). Returns inline SVG."""
    fig, ax = _figure(title, ylabel=ylabel, kind=kind, lang=lang)
    ax.set_xlabel(plain_text(xlabel), fontsize=9)
    xs = np.asarray(x, dtype=np.float64)
    names = list(stacks)
    if names:
        ys = [np.nan_to_num(np.asarray(stacks[n], dtype=np.float64)) for n in names]
        colours = [_PALETTE[i % len(_PALETTE)] for i in range(len(names))]
        ax.stackplot(xs, *ys, labels=[plain_text(n) for n in names], colors=colours, alpha=0.85)
        _legend(ax)
    return _to_svg(fig, title=title)


def bar_chart(
    categories: Sequence[str],
    groups: Mapping[str, Sequence[float] | np.ndarray],
    *,
    title: str,
    ylabel: str = "",
    kind: str = "amount",
    lang: str = "en",
) -> str:
    """Grouped bars: one group of bars per category (e.g. a collection strategy), one bar per
    entry of ``groups`` (e.g. net loss rate, cost rate). Returns inline SVG."""
    fig, ax = _figure(title, ylabel=ylabel, kind=kind, lang=lang)
    names = list(groups)
    xs = np.arange(len(categories), dtype=np.float64)
    width = 0.8 / max(1, len(names))
    for i, name in enumerate(names):
        ys = np.nan_to_num(np.asarray(groups[name], dtype=np.float64))
        ax.bar(xs + (i - (len(names) - 1) / 2) * width, ys, width=width, label=plain_text(name), color=_PALETTE[i % len(_PALETTE)])
    ax.set_xticks(xs, [plain_text(str(c)) for c in categories])
    if names:
        _legend(ax)
    return _to_svg(fig, title=title)
