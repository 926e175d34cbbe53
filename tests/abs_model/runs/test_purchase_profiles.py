"""The unit profiles of the replenishment lines (the eligibility purchase plan) are cached by
content: a run served from the cache gives the same frames as the plain per-line projection, and
a change to anything a profile depends on (assumptions, the line, T, the scenario multiples)
gives a fresh profile, never a stale one."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import abs_model as am
import abs_model.runs.runner as runner
from abs_model.deal.eligibility import purchase_plan
from tests.abs_model.runs.reference_runner import (
    reference_line_profile,
    reference_line_profiles,
    reference_plan,
    reference_purchase_unit,
)

ROOT = Path(__file__).resolve().parents[3]
BAITIAO = ROOT / "examples" / "baitiao_revolving.yaml"
RTOL = 1e-12


def _as_before(m: pytest.MonkeyPatch) -> None:
    m.setattr(runner, "_line_profiles", reference_line_profiles)
    m.setattr(runner, "purchase_plan_of", reference_plan)
    m.setattr(runner, "_purchase_unit", reference_purchase_unit)


@pytest.fixture(scope="module")
def deal() -> am.Deal:
    d = am.load_deal(BAITIAO, pool=am.synthetic_pool(2_000, seed=5), scale_pool=True)
    assert d.eligibility is not None and len(d.revolving.replenishment) == 4
    return d


def _frames(r: Any) -> dict[str, pd.DataFrame]:
    out = {"pool": r.pool, "accounts": r.accounts, "revolving": r.revolving, "ledger": r.ledger}
    out.update({f"tranche {k}": v for k, v in r.tranches.items()})
    return out


def test_cached_run_frames_equal_the_per_line_reference(deal: am.Deal, monkeypatch: pytest.MonkeyPatch) -> None:
    runner._PROFILES.clear()
    runner._MIX_PERIODS.clear()
    first = runner.run(deal)
    cached = runner.run(deal)  # every profile from the cache now
    # three lines are bought: the 24-period line never is (term within maturity: 24 > 24 − t for
    # every revolving period t ≥ 1), so its profile is never projected
    assert [ln.term for ln in deal.revolving.replenishment] == [3, 6, 12, 24]
    assert len(runner._PROFILES) == 3
    with monkeypatch.context() as m:
        _as_before(m)
        ref = runner.run(deal)
    for name, frame in _frames(ref).items():
        for got in (first, cached):
            pd.testing.assert_frame_equal(_frames(got)[name], frame, check_exact=False, rtol=RTOL, atol=0.0, obj=name)


def test_cached_stressed_batch_equals_the_per_line_reference(deal: am.Deal, monkeypatch: pytest.MonkeyPatch) -> None:
    a = deal.assumptions
    assert a is not None
    mults = {"prepay_mult": np.array([0.5, 1.0, 1.5]), "default_mult": np.array([1.0, 2.5, 4.0]), "recovery_mult": np.array([1.0, 0.5, 0.8])}
    runner._PROFILES.clear()
    got = [runner.run_arrays(deal, a, **mults) for _ in range(2)]  # the second from the cache
    with monkeypatch.context() as m:
        _as_before(m)
        ref = runner.run_arrays(deal, a, **mults)
    for g in got:
        for f, v in ref.pool.items():
            np.testing.assert_allclose(g.pool[f], v, rtol=RTOL, atol=0.0, err_msg=f)
        np.testing.assert_allclose(g.purchases, ref.purchases, rtol=RTOL, atol=0.0)
        for nm in deal.tranche_names:
            t, tr_ = g.liabilities.tranche(nm), ref.liabilities.tranche(nm)
            for arr in ("principal_paid", "interest_paid", "writedown", "balance_end"):
                np.testing.assert_allclose(getattr(t, arr), getattr(tr_, arr), rtol=RTOL, atol=0.0, err_msg=f"{nm} {arr}")


def test_a_changed_input_never_gets_a_stale_profile(deal: am.Deal) -> None:
    a = deal.assumptions
    assert a is not None
    T, fields = 30, {"recoveries": np.zeros(1), "closing_balance": np.zeros(1), "defaults": np.zeros(1)}
    line = deal.revolving.replenishment[0]
    runner._PROFILES.clear()
    base = runner._line_profile(line, deal, a, T, {}, fields)
    # the assumptions: half the recovery rate halves nothing else but must give new recoveries
    a2 = dataclasses.replace(a, recovery_rate=a.recovery_rate / 2)
    cases = {
        "assumptions": (line, deal, a2, T, {}),
        "the line (mix)": (dataclasses.replace(line, rate=line.rate + 0.01, term=line.term + 3), deal, a, T, {}),
        "T": (line, deal, a, T + 6, {}),
        "multiples": (line, deal, a, T, {"default_mult": np.array([2.0])}),
    }
    for what, (ln, d, aa, tt, mm) in cases.items():
        got = runner._line_profile(ln, d, aa, tt, mm, fields)
        want = reference_line_profile(ln, d, aa, tt, mm, fields)
        for f in fields:
            np.testing.assert_allclose(got[f], want[f], rtol=RTOL, atol=0.0, err_msg=f"{what}: {f}")
        assert any(got[f].shape != base[f].shape or not np.allclose(got[f], base[f], rtol=1e-9, atol=0.0) for f in fields), what
    # equal content in new objects: the same entry (keyed on content, not identity)
    n = len(runner._PROFILES)
    again = runner._line_profile(dataclasses.replace(line), deal, dataclasses.replace(a), T, {"prepay_mult": None}, dict(fields))
    assert len(runner._PROFILES) == n
    for f in fields:
        np.testing.assert_array_equal(again[f], base[f])
        assert not again[f].flags.writeable  # a caller cannot change what the cache holds


def test_the_cache_is_bounded_in_bytes() -> None:
    cache = runner._ProfileCache(16_000)
    for i in range(30):
        cache.put(bytes([i]), {"x": np.zeros(100)})  # 800 bytes each: 20 fit
    assert len(cache) == 20 and cache.get(bytes([9])) is None and cache.get(bytes([10])) is not None
    cache.put(b"big", {"x": np.zeros(126)})  # over a sixteenth of the budget (1,000 bytes): not kept
    assert cache.get(b"big") is None


def test_the_plan_profile_of_a_period_is_its_weighted_sum_of_line_profiles(deal: am.Deal) -> None:
    """``PurchasePlan.profile(t)`` = Σ_l weights[t, l] · profile_l, every period, also when
    periods with equal weights share one computed profile."""
    a = deal.assumptions
    assert a is not None
    T = 40
    fields = {"closing_balance": np.zeros(1), "recoveries": np.zeros(1)}
    plan = purchase_plan(deal, lambda ln: reference_line_profile(ln, deal, a, T, {}, fields), periods=T)
    rows = {plan.weights[t].tobytes() for t in range(1, T + 1)}
    assert 1 < len(rows) < T  # some periods share weights, and the mix changes (lines drop out)
    for t in range(1, T + 1):
        got = plan.profile(t)
        for f, p in plan.profiles.items():
            want = sum(plan.weights[t, i] * p[i] for i in range(p.shape[0]))
            np.testing.assert_allclose(got[f], want, rtol=RTOL, atol=0.0, err_msg=f"period {t}: {f}")


def test_the_mix_periods_do_not_depend_on_the_multiples_and_follow_the_assumptions(deal: am.Deal) -> None:
    """The run's horizon takes the mix's periods without projecting it under the multiples: they
    equal the projection's under every stress, and a change to the assumptions is seen."""
    a = deal.assumptions
    assert a is not None
    runner._MIX_PERIODS.clear()
    stresses = [{}, {"prepay_mult": np.array([0.0, 3.0]), "default_mult": np.array([0.0, 8.0]), "recovery_mult": np.array([0.0, 1.5])}]
    longer = dataclasses.replace(a, horizon=77)
    for aa in (a, longer):
        for mults in stresses:
            got = runner._purchase_unit(deal, aa, mults)
            assert got[0] is None
            assert got[1] == reference_purchase_unit(deal, aa, mults)[1]
    assert runner._purchase_unit(deal, longer, {})[1] != runner._purchase_unit(deal, a, {})[1]
