"""The surveillance section: actual vs expected and the re-projection, as HTML.

Python builds the context (:func:`build_surveillance_context`); the template
``templates/parts/surveillance.html.j2`` only lays it out (a standalone page wraps it in
``templates/surveillance.html.j2``; the investor report may include the part).
"""

from __future__ import annotations

import os
from typing import Any

import jinja2
import numpy as np
from markupsafe import Markup

from abs_model.output.atomic import atomic_write
from abs_model.output.charts import Series, line_chart
from abs_model.output.template_cache import environment

__all__ = ["SECTION_METRICS", "build_surveillance_context", "render_surveillance"]

#: (metric, heading, kind) of the rows of the comparison table, last reported period.
SECTION_METRICS: tuple[tuple[str, str, str], ...] = (
    ("closing_balance", "Pool balance", "amount"),
    ("pool_factor", "Pool factor", "factor"),
    ("cpr", "CPR", "rate"),
    ("cdr", "CDR", "rate"),
    ("cumulative_net_loss_ratio", "Cumulative net loss ratio", "rate"),
    ("delinquency_30p", "Delinquency 30+ (balance)", "rate"),
    ("payment_rate", "Monthly payment rate", "rate"),
)


def _fmt(v: float, kind: str) -> str:
    if not np.isfinite(v):
        return "–"
    if kind == "amount":
        return f"{v:,.2f}"
    if kind == "factor":
        return f"{v:.7f}"
    return f"{v:.2%}"


def build_surveillance_context(frames: Any, reprojection: Any) -> dict[str, Any]:
    """Context for the template: a statement line, charts (CPR, cumulative net loss and pool
    balance — actual, expected and re-projected) and the table of the last reported period."""
    pool = frames.pool
    k = int(pool.index.max())
    x = pool.index.to_numpy(dtype=np.float64)
    rows = []
    for metric, heading, kind in SECTION_METRICS:
        a, e, v = (float(pool.at[k, f"{metric}_{w}"]) for w in ("actual", "expected", "variance"))
        rows.append([
            {"text": heading, "cls": "txt"},
            {"text": _fmt(a, kind), "cls": "num"},
            {"text": _fmt(e, kind), "cls": "num"},
            {"text": _fmt(v, kind), "cls": "neg" if v < 0 else "num"},
        ])
    rp_pool = reprojection.result.pool
    charts = [
        Markup(line_chart(x, [Series("Actual", pool["cpr_actual"].to_numpy()), Series("Expected", pool["cpr_expected"].to_numpy())],
                          title="CPR: actual vs expected", kind="rate")),
        Markup(line_chart(x, [Series("Actual", pool["cumulative_net_loss_ratio_actual"].to_numpy()),
                              Series("Expected", pool["cumulative_net_loss_ratio_expected"].to_numpy())],
                          title="Cumulative net loss: actual vs expected", kind="rate")),
        Markup(line_chart(rp_pool.index.to_numpy(dtype=np.float64),
                          [Series(f"Re-projected from period {reprojection.period}", rp_pool["closing_balance"].to_numpy())],
                          title="Pool balance: reported, then re-projected", kind="amount")),
    ]
    return {"s": {
        "title": "Surveillance",
        "statement": (
            f"{len(pool)} reported periods; re-projected from period {reprojection.period} with the run-off scaled by "
            f"{reprojection.scale:.6f} (actual / expected pool balance at period {reprojection.period})."
        ),
        "charts": charts,
        "table": {"caption": f"Period {k}: actual vs expected", "header": ["Metric", "Actual", "Expected", "Variance"], "rows": rows},
    }}


def render_surveillance(frames: Any, reprojection: Any, path: str | os.PathLike[str] | None = None) -> str:
    """Render the section as a standalone HTML page (written atomically when ``path`` is given)."""
    env = environment(
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    html = env.get_template("surveillance.html.j2").render(**build_surveillance_context(frames, reprojection))
    if path is not None:
        with atomic_write(path, "w") as fh:
            fh.write(html)
    return html
