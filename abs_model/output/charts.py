"""Static charts for the investor report, written directly as inline SVG.

Why our own writer and not a plotting library: the report needs only three simple kinds (lines
with optional step/dashed threshold lines, stacked areas, grouped bars) on one fixed layout, and
writing those ~100 SVG elements ourselves takes about a millisecond a chart, where matplotlib's
import and its tick and text layout took about a second for the report's eight charts (issue 16).
The output works fully offline (no CDN, no JavaScript), prints sharply as vector output, and keeps
every label as a ``<text>`` element so the browser draws it (Chinese included) with its own fonts.

Layout (a 900 × 320 viewBox, sized by CSS): the title above the plot at its left edge; the plot
from 7.5 % to 66 % of the width with a light grid, left and bottom axes, "nice" ticks (steps of
1, 2, 2.5 or 5 × 10^k, as matplotlib's default locator picks them) and a 5 % margin around the
data (none below zero for areas and bars, which start at the axis); the legend in the right third,
beside the data and never over it. Values that are not finite are left out (a line breaks there).

Safety: every piece of input text (titles, labels, legend entries, category names) passes through
:func:`_esc` (XML escaping of ``& < > " '``, control characters dropped), so a name can never
become markup; the fragment holds no URL, no script and no ``id`` (the same chart can appear
twice on a page).

Every function takes plain arrays and returns the SVG fragment ready to inline into HTML.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from html import escape

import numpy as np

__all__ = ["Series", "area_chart", "bar_chart", "line_chart", "plain_text"]

_PALETTE = ("#1f4e79", "#c0504d", "#9bbb59", "#8064a2", "#f79646", "#4bacc6", "#7f7f7f", "#2c7c3f")
# The browser picks the first font that has each glyph: DejaVu Sans for Latin, a CJK font for 中文.
_CSS_FONTS = "'DejaVu Sans', 'Noto Sans CJK SC', 'Microsoft YaHei', 'PingFang SC', sans-serif"

#: The viewBox and the plot area inside it (the same proportions as the former 9 × 3.2 in figure).
_W, _H = 900.0, 320.0
_LEFT, _RIGHT, _TOP, _BOTTOM = 0.075 * _W, 0.66 * _W, 0.11 * _H, 0.85 * _H
#: Font sizes in viewBox units (11, 9 and 8 pt at this scale).
_TITLE, _LABEL, _TICK = 15.3, 12.5, 11.1
_MARGIN = 0.05  # of the data range, on each side that is not pinned to zero
_STEPS = (1.0, 2.0, 2.5, 5.0, 10.0)
_MAX_TICKS = 9
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


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
    """``text`` as drawn: literally, whatever it holds (``$`` included: there is no mathtext)."""
    return str(text)


def _esc(text: object, *, attr: bool = False) -> str:
    """Input text as SVG character data (or, with ``attr``, a quoted attribute value): escaped,
    never markup."""
    return escape(_CONTROL.sub("", str(text)), quote=attr)


def _amount_zh(v: float, _pos: int | None = None) -> str:
    """Chinese amount units: 亿 (10^8) and 万 (10^4)."""
    a = abs(v)
    if a >= 1e8:
        return f"{v / 1e8:.1f}亿"
    if a >= 1e4:
        return f"{v / 1e4:,.0f}万"
    return f"{v:.0f}"


def _amount(v: float, _pos: int | None = None) -> str:
    a = abs(v)
    if a >= 1e9:
        return f"{v / 1e9:.1f}bn"
    if a >= 1e6:
        return f"{v / 1e6:.1f}m"
    if a >= 1e3:
        return f"{v / 1e3:.0f}k"
    return f"{v:.0f}"


def _formatter(kind: str, lang: str = "en") -> Callable[[float], str]:
    """The y-axis tick label of a value: amounts in k/m/bn (万/亿 in Chinese), rates in %."""
    if kind == "amount" and lang == "zh":
        return _amount_zh
    if kind == "rate":
        return lambda v: f"{v:.1%}"
    if kind == "factor":
        return lambda v: f"{v:.2f}"
    return _amount


def _x_tick_label(v: float) -> str:
    return f"{v:.0f}" if float(v).is_integer() else f"{v:g}"


def nice_ticks(lo: float, hi: float) -> np.ndarray:
    """Tick values for the view ``[lo, hi]``: multiples of the smallest step ``s · 10^k``
    (``s`` in 1, 2, 2.5, 5, 10) giving at most :data:`_MAX_TICKS` ticks inside the view."""
    span = hi - lo
    if not math.isfinite(span) or span <= 0:
        return np.array([lo])
    raw = span / (_MAX_TICKS - 1)
    mag = 10.0 ** math.floor(math.log10(raw))
    step = next(s * mag for s in _STEPS if s * mag >= raw * (1 - 1e-9))
    first = math.ceil(lo / step - 1e-9)
    last = math.floor(hi / step + 1e-9)
    ticks = np.arange(first, last + 1, dtype=np.float64) * step
    ticks[np.abs(ticks) < step * 1e-9] = 0.0  # no "-0"
    return ticks


def _view(lo: float, hi: float, *, pin_zero: bool) -> tuple[float, float]:
    """The axis range holding ``[lo, hi]`` with a 5 % margin; a side at exactly zero stays at
    zero when ``pin_zero`` (areas and bars start at the axis)."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return 0.0, 1.0
    if hi == lo:
        d = abs(lo) * _MARGIN if lo else 1.0
        return (lo if pin_zero and lo == 0 else lo - d), hi + d
    m = (hi - lo) * _MARGIN
    return (lo if pin_zero and lo == 0 else lo - m), (hi if pin_zero and hi == 0 else hi + m)


def _finite_range(arrays: Sequence[np.ndarray]) -> tuple[float, float]:
    vals = [a[np.isfinite(a)] for a in arrays]
    vals = [v for v in vals if v.size]
    if not vals:
        return math.nan, math.nan
    return float(min(v.min() for v in vals)), float(max(v.max() for v in vals))


def _n(v: float) -> str:
    """A coordinate, two decimals, no trailing zeros."""
    s = f"{v:.2f}".rstrip("0").rstrip(".")
    return "0" if s == "-0" else s


def _text_width(text: str, size: float) -> float:
    """Estimated drawn width: a CJK character one em, any other about 0.6 em."""
    return sum(size if ord(c) >= 0x2E80 else 0.6 * size for c in text)


def _wrap(text: str, width: float, size: float) -> list[str]:
    """``text`` in lines no wider than ``width`` (at spaces; CJK text between any two characters)."""
    words = re.findall(r"\S+\s*|\s+", text) if " " in text else list(text) if _text_width(text, size) > width else [text]
    lines: list[str] = []
    cur = ""
    for w in words:
        if cur and _text_width((cur + w).rstrip(), size) > width:
            lines.append(cur.rstrip())
            cur = w.lstrip()
        else:
            cur += w
    if cur.strip() or not lines:
        lines.append(cur.rstrip())
    return lines


@dataclass(frozen=True, slots=True)
class _Frame:
    """The mapping from data to viewBox coordinates."""

    x0: float
    x1: float
    y0: float
    y1: float

    def x(self, v: np.ndarray | float) -> np.ndarray:
        return _LEFT + (np.asarray(v, dtype=np.float64) - self.x0) / (self.x1 - self.x0) * (_RIGHT - _LEFT)

    def y(self, v: np.ndarray | float) -> np.ndarray:
        return _BOTTOM - (np.asarray(v, dtype=np.float64) - self.y0) / (self.y1 - self.y0) * (_BOTTOM - _TOP)


def _text(x: float, y: float, text: str, size: float, *, anchor: str = "start", extra: str = "") -> str:
    return (f'<text x="{_n(x)}" y="{_n(y)}" font-size="{size}" text-anchor="{anchor}"{extra}>'
            f"{_esc(text)}</text>")


def _axes(fr: _Frame, *, title: str, ylabel: str, xlabel: str, kind: str, lang: str,
          xticks: Sequence[tuple[float, str]] | None) -> tuple[list[str], list[str]]:
    """(what goes below the data: grid; what goes above it: axes, ticks, labels, title)."""
    fmt = _formatter(kind, lang)
    below: list[str] = []
    above: list[str] = [f'<path d="M {_n(_LEFT)} {_n(_TOP)} V {_n(_BOTTOM)} H {_n(_RIGHT)}" fill="none" stroke="#000000" stroke-width="1"/>']
    for v in nice_ticks(fr.y0, fr.y1):
        y = float(fr.y(v))
        below.append(f'<path d="M {_n(_LEFT)} {_n(y)} H {_n(_RIGHT)}" stroke="#dddddd" stroke-width="0.8"/>')
        above.append(f'<path d="M {_n(_LEFT - 4.9)} {_n(y)} H {_n(_LEFT)}" stroke="#000000" stroke-width="1"/>')
        above.append(_text(_LEFT - 7.5, y + _TICK * 0.35, fmt(float(v)), _TICK, anchor="end"))
    if xticks is None:
        xticks = [(float(v), _x_tick_label(float(v))) for v in nice_ticks(fr.x0, fr.x1)]
        below += [f'<path d="M {_n(float(fr.x(v)))} {_n(_TOP)} V {_n(_BOTTOM)}" stroke="#dddddd" stroke-width="0.8"/>'
                  for v, _ in xticks]
    slot = (_RIGHT - _LEFT) / max(1, len(xticks)) * 0.95
    for v, lab in xticks:
        x = float(fr.x(v))
        above.append(f'<path d="M {_n(x)} {_n(_BOTTOM)} V {_n(_BOTTOM + 4.9)}" stroke="#000000" stroke-width="1"/>')
        lines = _wrap(lab, slot, _TICK)
        spans = "".join(f'<tspan x="{_n(x)}" dy="{0 if i == 0 else _n(_TICK * 1.15)}">{_esc(t)}</tspan>'
                        for i, t in enumerate(lines))
        above.append(f'<text x="{_n(x)}" y="{_n(_BOTTOM + 7.5 + _TICK)}" font-size="{_TICK}" text-anchor="middle">{spans}</text>')
    if xlabel:
        above.append(_text((_LEFT + _RIGHT) / 2, _BOTTOM + 7.5 + 2.3 * _TICK + _LABEL * 0.2, xlabel, _LABEL, anchor="middle"))
    if ylabel:
        above.append(_text(14.0, (_TOP + _BOTTOM) / 2, ylabel, _LABEL, anchor="middle",
                           extra=f' transform="rotate(-90 14 {_n((_TOP + _BOTTOM) / 2)})"'))
    above.append(_text(_LEFT, _TOP - 0.02 * (_BOTTOM - _TOP) - 4.0, title, _TITLE))
    return below, above


def _legend(entries: Sequence[tuple[str, str, str]]) -> list[str]:
    """Entries (label, colour, how: ``line``, ``dashed`` or ``box``) in a column beside the plot."""
    out: list[str] = []
    x = _RIGHT + 0.01 * (_RIGHT - _LEFT)
    y = _TOP
    width = _W - x - 38.0 - 4.0
    for label, colour, how in entries:
        lines = _wrap(label, width, _TICK)
        mid = y + _TICK * 0.6
        if how == "box":
            out.append(f'<rect x="{_n(x)}" y="{_n(mid - 4.2)}" width="28" height="8.4" fill="{colour}"/>')
        else:
            dash = ' stroke-dasharray="5.2 2.3"' if how == "dashed" else ""
            out.append(f'<path d="M {_n(x)} {_n(mid)} H {_n(x + 28)}" stroke="{colour}" stroke-width="2"{dash}/>')
        spans = "".join(f'<tspan x="{_n(x + 38)}" dy="{0 if i == 0 else _n(_TICK * 1.2)}">{_esc(t)}</tspan>'
                        for i, t in enumerate(lines))
        out.append(f'<text x="{_n(x + 38)}" y="{_n(mid + _TICK * 0.35)}" font-size="{_TICK}">{spans}</text>')
        y += _TICK * (1.2 * len(lines) + 0.55)
    return out


def _svg(title: str, parts: Sequence[str]) -> str:
    return (f'<svg class="chart" role="img" aria-label="{_esc(title, attr=True)}" viewBox="0 0 {_n(_W)} {_n(_H)}" '
            f'version="1.1" font-family="{_CSS_FONTS}" fill="#000000">'
            f'<rect width="{_n(_W)}" height="{_n(_H)}" fill="#ffffff"/>' + "".join(parts) + "</svg>")


def _polyline(xs: np.ndarray, ys: np.ndarray) -> str:
    """Path data through the points, broken where a value is not finite."""
    ok = np.isfinite(xs) & np.isfinite(ys)
    d: list[str] = []
    pen = False
    for x, y, good in zip(xs.tolist(), ys.tolist(), ok.tolist(), strict=True):
        if not good:
            pen = False
            continue
        d.append(f"{'L' if pen else 'M'} {_n(x)} {_n(y)}")
        pen = True
    return " ".join(d)


def _steps(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Step ("post") points: each value held until the next x."""
    if x.size < 2:
        return x, y
    sx = np.repeat(x, 2)[1:]
    sy = np.repeat(y, 2)[:-1]
    return sx, sy


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
    xs = np.asarray(x, dtype=np.float64)
    data = [(xs if s.x is None else np.asarray(s.x, dtype=np.float64), np.asarray(s.y, dtype=np.float64)) for s in series]
    xlo, xhi = _finite_range([d[0] for d in data] or [xs])
    ylo, yhi = _finite_range([d[1] for d in data])
    fr = _Frame(*_view(xlo, xhi, pin_zero=False), *_view(ylo, yhi, pin_zero=False))
    below, above = _axes(fr, title=title, ylabel=ylabel, xlabel=xlabel, kind=kind, lang=lang, xticks=None)
    lines: list[str] = []
    entries: list[tuple[str, str, str]] = []
    for i, (s, (sx, sy)) in enumerate(zip(series, data, strict=True)):
        colour = _PALETTE[i % len(_PALETTE)]
        if s.dashed or s.step:
            sx, sy = _steps(sx, sy)
        dash = ' stroke-dasharray="5.2 2.3"' if s.dashed else ""
        width = "1.9" if s.dashed or s.step else "2.5"
        lines.append(f'<path d="{_polyline(fr.x(sx), fr.y(sy))}" fill="none" stroke="{colour}" stroke-width="{width}" '
                     f'stroke-linejoin="round"{dash}/>')
        entries.append((s.label, colour, "dashed" if s.dashed else "line"))
    return _svg(title, [*below, *lines, *above, *_legend(entries)])


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
    xs = np.asarray(x, dtype=np.float64)
    names = list(stacks)
    ys = [np.nan_to_num(np.asarray(stacks[n], dtype=np.float64)) for n in names]
    tops = np.cumsum(np.vstack(ys), axis=0) if ys else np.zeros((0, xs.size))
    xlo, xhi = _finite_range([xs])
    ylo, yhi = _finite_range([np.zeros(1), *tops]) if ys else (math.nan, math.nan)
    fr = _Frame(*_view(xlo, xhi, pin_zero=False), *_view(ylo, yhi, pin_zero=True))
    below, above = _axes(fr, title=title, ylabel=ylabel, xlabel=xlabel, kind=kind, lang=lang, xticks=None)
    areas: list[str] = []
    entries: list[tuple[str, str, str]] = []
    px = fr.x(xs)
    for i, name in enumerate(names):
        colour = _PALETTE[i % len(_PALETTE)]
        lower = tops[i - 1] if i else np.zeros(xs.size)
        d = _polyline(np.concatenate([px, px[::-1]]), np.concatenate([fr.y(tops[i]), fr.y(lower)[::-1]]))
        areas.append(f'<path d="{d} Z" fill="{colour}" fill-opacity="0.85"/>')
        entries.append((name, colour, "box"))
    return _svg(title, [*below, *areas, *above, *_legend(entries)])


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
    names = list(groups)
    n = len(categories)
    values = [np.nan_to_num(np.asarray(groups[g], dtype=np.float64)) for g in names]
    ylo, yhi = _finite_range([np.zeros(1), *values])
    fr = _Frame(-0.5, n - 0.5 if n else 0.5, *_view(ylo, yhi, pin_zero=True))
    xticks = [(float(i), str(c)) for i, c in enumerate(categories)]
    below, above = _axes(fr, title=title, ylabel=ylabel, xlabel="", kind=kind, lang=lang, xticks=xticks)
    bars: list[str] = []
    entries: list[tuple[str, str, str]] = []
    width = 0.8 / max(1, len(names))
    base = float(fr.y(0.0))
    for i, (name, ys) in enumerate(zip(names, values, strict=True)):
        colour = _PALETTE[i % len(_PALETTE)]
        left = fr.x(np.arange(n) + (i - (len(names) - 1) / 2) * width - width / 2)
        w = float(fr.x(width) - fr.x(0.0))
        for bx, by in zip(left.tolist(), fr.y(ys).tolist(), strict=True):
            bars.append(f'<rect x="{_n(bx)}" y="{_n(min(by, base))}" width="{_n(w)}" height="{_n(abs(base - by))}" fill="{colour}"/>')
        entries.append((name, colour, "box"))
    return _svg(title, [*below, *bars, *above, *_legend(entries)])
