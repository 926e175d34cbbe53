"""Restructured receivables the deal counts as delinquent (``delinquent: true``) count in every
delinquency ratio: the 30+ one (``delinquency_ratio``) and each bucket window of a serious-
delinquency trigger (严重拖欠率). Before, the bucket windows left them out while the pool balance
below kept them: restructuring a delinquent receivable lowered the serious-delinquency ratio as
if it had cured."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import yaml

import abs_model as am
from abs_model.deal.build import deal_from_document

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
RATIO_TOL = 1e-12


def _run(*, delinquent: bool) -> am.DealResult:
    # the Baitiao example on a small pool; half of M2 and of M3 enter a spread-arrears plan every
    # month; two triggers that never act (threshold 100 %) state the two ratios
    doc = yaml.safe_load((EXAMPLES / "baitiao_revolving.yaml").read_text(encoding="utf-8"))
    doc["pool"]["synthetic"]["n"] = 20_000
    plan = doc["assumptions"]["collections"]["restructuring"][0]
    plan.update({"take_up": {2: 0.5, 3: 0.5}, "delinquent": delinquent})
    doc["triggers"] += [
        {"name": "30+ ratio", "metric": "delinquency_ratio", "threshold": 1.0, "effect": "end_revolving"},
        {
            "name": "M2-M6 window",
            "metric": "serious_delinquency",
            "buckets": [2, 6],
            "average_periods": 1,
            "threshold": 1.0,
            "effect": "end_revolving",
        },
        {
            "name": "M2-M3 window",
            "metric": "serious_delinquency",
            "buckets": [2, 3],
            "average_periods": 1,
            "threshold": 1.0,
            "effect": "end_revolving",
        },
    ]
    return am.run(deal_from_document(doc, base_dir=EXAMPLES, source="test"))


def test_a_bucket_window_counts_restructured_plans_the_deal_calls_delinquent() -> None:
    res = _run(delinquent=True)
    p = res.pool.iloc[1:]
    # the pool balance the triggers are tested on: the end of the period, before its purchases
    pool_end = p["closing_balance"].to_numpy() - res.revolving["purchased"].to_numpy()
    restructured = p["balance_restructured"].to_numpy()
    m23 = p["balance_m2"].to_numpy() + p["balance_m3"].to_numpy()
    live = np.flatnonzero(pool_end > 0)
    assert restructured[live].max() > 0.01 * pool_end[live].max()  # plans worth counting
    got = res.triggers["M2-M3 window"]["value"].to_numpy()[live]
    want = (m23 + restructured)[live] / pool_end[live]
    assert np.allclose(got, want, rtol=0, atol=RATIO_TOL)
    assert (got - m23[live] / pool_end[live]).max() > 0.005  # the plans moved the ratio by > 0.5 %


def test_the_m2_to_m6_window_equals_the_30_plus_ratio() -> None:
    # the same quantity described two ways: a serious-delinquency window M2–M6 averaged over one
    # period is the delinquency ratio (30+ dpd, M2…M6, plus the plans the deal calls delinquent)
    for delinquent in (True, False):
        res = _run(delinquent=delinquent)
        a = res.triggers["30+ ratio"]["value"].to_numpy()
        b = res.triggers["M2-M6 window"]["value"].to_numpy()
        assert np.allclose(a, b, rtol=0, atol=RATIO_TOL), delinquent
        check = next(c for c in res.checks if c.name.startswith("triggers: values recomputed"))
        assert "serious delinquency" in check.name and check.passed
