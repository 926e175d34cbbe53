"""The report's SVG charts (abs_model.output.charts), read back from the SVG they write: the data
drawn is the data given (recovered through the axis's own tick labels), ticks are "nice", text
is escaped and never markup, and nothing in a chart is a URL or an id."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from abs_model.output.charts import Series, area_chart, bar_chart, line_chart, nice_ticks

PX = 0.006  # coordinates are written with two decimals: half a unit of the last place, and a bit


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # well-formed XML, or this raises


def texts(root: ET.Element) -> list[tuple[float, float, str]]:
    """(x, y, text) of every <text>, tspans joined with a space."""
    out = []
    for t in root.iter("text"):
        s = " ".join(x for x in t.itertext() if x)
        out.append((float(t.get("x", "nan")), float(t.get("y", "nan")), s))
    return out


def path_points(d: str) -> list[list[tuple[float, float]]]:
    """Sub-paths of ``d`` (``M x y L x y …``) as lists of points."""
    subs: list[list[tuple[float, float]]] = []
    for cmd, x, y in re.findall(r"([ML]) (-?[\d.]+) (-?[\d.]+)", d):
        if cmd == "M":
            subs.append([])
        subs[-1].append((float(x), float(y)))
    return subs


def y_axis(root: ET.Element, parse_label: dict[str, float]) -> tuple[float, float]:
    """(value per unit, value at y = 0) from two y tick labels: y-axis labels are right-aligned
    (``text-anchor="end"``); their baseline sits 0.35 of the font size below the tick."""
    ticks = []
    for t in root.iter("text"):
        if t.get("text-anchor") == "end" and t.text in parse_label:
            ticks.append((float(t.get("y", "nan")) - 0.35 * float(t.get("font-size", "nan")), parse_label[t.text]))
    (p0, v0), (p1, v1) = ticks[0], ticks[-1]
    slope = (v1 - v0) / (p1 - p0)
    return slope, v0 - slope * p0


def test_nice_ticks_by_hand() -> None:
    # span 2.3 over at most 8 intervals: 0.2875 → the next nice step is 0.5
    assert nice_ticks(-0.1, 2.2).tolist() == [0.0, 0.5, 1.0, 1.5, 2.0]
    # 0 … 1.26e9: 1.26e9 / 8 = 1.575e8 → 2e8
    assert nice_ticks(0.0, 1.26e9).tolist() == [0.0, 2e8, 4e8, 6e8, 8e8, 1e9, 1.2e9]
    # periods -1.3 … 27.3: 28.6 / 8 = 3.575 → 5
    assert nice_ticks(-1.3, 27.3).tolist() == [0.0, 5.0, 10.0, 15.0, 20.0, 25.0]
    assert nice_ticks(-0.02, 0.02).tolist() == [-0.02, -0.015, -0.01, -0.005, 0.0, 0.005, 0.01, 0.015, 0.02]


def test_line_chart_draws_the_values_given() -> None:
    """Each point of the line, mapped back through the y axis's own tick labels, is the value given."""
    y = np.array([0.0, 0.004, 0.0066, 0.021, 0.0])
    svg = line_chart(np.arange(5.0), [Series("Delinquent 30+", y)], title="Delinquency", kind="rate")
    root = parse(svg)
    labels = {f"{v:.1%}": v for v in np.arange(0, 0.03, 0.005)}
    slope, at0 = y_axis(root, labels)
    (line,) = [p for p in root.iter("path") if p.get("stroke") == "#1f4e79" and p.get("fill") == "none"]
    (points,) = path_points(line.get("d", ""))
    got = np.array([at0 + slope * py for _, py in points])
    np.testing.assert_allclose(got, y, rtol=0, atol=abs(slope) * PX * 2)
    xs = [px for px, _ in points]
    assert np.allclose(np.diff(xs), xs[1] - xs[0], atol=PX * 2), "equally spaced periods"
    shown = [t for _, _, t in texts(root)]
    assert {"Delinquency", "Delinquent 30+", "Period"} <= set(shown), "title, legend and x-axis label"


def test_steps_dashes_and_gaps() -> None:
    """A threshold is a dashed step line (each value held to the next period: 2n − 1 points); a
    value that is not finite breaks the line."""
    svg = line_chart(
        [1, 2, 3, 4],
        [Series("value", np.array([1.0, np.nan, 3.0, 4.0])), Series("threshold", np.array([2.0, 2.0, 5.0, 5.0]), dashed=True)],
        title="t",
        kind="factor",
    )
    root = parse(svg)
    plotted = [p for p in root.iter("path") if p.get("fill") == "none"]
    gap = path_points(plotted[0].get("d", ""))
    assert [len(s) for s in gap] == [1, 2], "the NaN splits the line"
    (steps,) = path_points(plotted[1].get("d", ""))
    assert len(steps) == 7 and plotted[1].get("stroke-dasharray")
    assert [round(py, 2) for _, py in steps[:3]] == [round(steps[0][1], 2)] * 3  # held flat, then up
    # the legend: a dashed sample for the threshold
    samples = [p for p in root.iter("path") if p.get("stroke") == "#c0504d" and "fill" not in p.attrib]
    assert samples and samples[0].get("stroke-dasharray")


def test_stacked_areas_add_up() -> None:
    """Junior on top of senior: the second area's top edge is at senior + junior."""
    senior, junior = np.array([900.0, 900.0, 300.0, 0.0]), np.array([300.0, 300.0, 300.0, 100.0])
    svg = area_chart([0, 1, 2, 3], {"Senior": senior, "Junior": junior}, title="Note balances")
    root = parse(svg)
    labels = {f"{v:.0f}": v for v in range(0, 1400, 100)}
    slope, at0 = y_axis(root, labels)
    areas = [p for p in root.iter("path") if p.get("fill-opacity")]
    assert len(areas) == 2
    (outline,) = path_points(areas[1].get("d", ""))
    top = np.array([at0 + slope * py for _, py in outline[:4]])
    np.testing.assert_allclose(top, senior + junior, atol=abs(slope) * PX * 2)
    (outline,) = path_points(areas[0].get("d", ""))
    np.testing.assert_allclose([at0 + slope * py for _, py in outline[4:]], 0.0, atol=abs(slope) * PX * 2)


def test_bars_start_at_zero_and_have_the_values() -> None:
    svg = bar_chart(["as run", "baseline"], {"Net loss": [0.029, 0.034], "Peak 30+": [0.021, 0.024]},
                    title="Collection strategies", kind="rate")
    root = parse(svg)
    labels = {f"{v:.1%}": v for v in np.arange(0, 0.05, 0.005)}
    slope, at0 = y_axis(root, labels)
    bars = [r for r in root.iter("rect") if r.get("fill") in ("#1f4e79", "#c0504d") and r.get("width") != "28"]
    tops = [at0 + slope * float(r.get("y", "nan")) for r in bars]
    bottoms = [at0 + slope * (float(r.get("y", "nan")) + float(r.get("height", "nan"))) for r in bars]
    np.testing.assert_allclose(tops, [0.029, 0.034, 0.021, 0.024], atol=abs(slope) * PX * 3)
    np.testing.assert_allclose(bottoms, 0.0, atol=abs(slope) * PX * 3)
    assert {"as run", "baseline"} <= {t for _, _, t in texts(root)}


def test_chinese_amount_axis_in_yi() -> None:
    svg = line_chart([0, 1], [Series("资产池余额", np.array([1.2e9, 0.0]))], title="资产池余额", xlabel="期间", lang="zh")
    shown = [t for _, _, t in texts(parse(svg))]
    assert "12.0亿" in shown and "期间" in shown and "资产池余额" in shown


@pytest.mark.parametrize("chart", ["line", "area", "bar"])
def test_input_text_is_escaped_never_markup(chart: str) -> None:
    evil = '<script>alert(1)</script> & "quoted" $A$ =SUM(A1) <a href="javascript:x">'
    if chart == "line":
        svg = line_chart([1, 2], [Series(evil, np.array([1.0, 2.0]))], title=evil, xlabel=evil, ylabel=evil)
    elif chart == "area":
        svg = area_chart([1, 2], {evil: np.array([1.0, 2.0])}, title=evil, xlabel=evil)
    else:
        svg = bar_chart([evil], {evil: [1.0]}, title=evil)
    root = parse(svg)  # still well-formed
    assert "<script" not in svg and "<a " not in svg
    assert {e.tag for e in root.iter()} <= {"svg", "rect", "path", "text", "tspan"}
    assert not any("href" in k for e in root.iter() for k in e.attrib)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp;" in svg
    joined = "".join(t for _, _, t in texts(root)).replace(" ", "")
    assert evil.replace(" ", "") in joined, "the text is drawn literally (possibly wrapped)"
    assert " id=" not in svg and "url(" not in svg and "http" not in svg
