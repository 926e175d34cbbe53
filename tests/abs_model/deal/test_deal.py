"""Deal files and the deal runner: validation with paths, the two bundled examples, invariants."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import abs_model as am
from abs_model.errors import DealError
from abs_model.runs.runner import run_arrays

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
BAITIAO = EXAMPLES / "baitiao_revolving.yaml"
US_AUTO = EXAMPLES / "us_auto_static.yaml"
CENT = 0.005


@functools.cache
def _baitiao() -> am.Deal:
    return am.load_deal(BAITIAO)


@pytest.fixture(scope="module")
def baitiao() -> am.Deal:
    return _baitiao()


@pytest.fixture(scope="module")
def baitiao_result(baitiao: am.Deal) -> am.DealResult:
    return am.run(baitiao)


def edited(tmp_path: Path, edit: object, src: Path = BAITIAO) -> Path:
    doc = yaml.safe_load(src.read_text(encoding="utf-8"))
    edit(doc)  # type: ignore[operator]
    out = tmp_path / "deal.yaml"
    doc["pool"] = {"tape": str(EXAMPLES / "baitiao_tape.csv"), "scale_to": 1.2e9}
    out.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return out


def test_coupon_in_percent_is_refused_with_its_path(tmp_path: Path) -> None:
    def bad(doc: dict) -> None:
        doc["tranches"][1]["coupon"] = 7.3

    with pytest.raises(DealError, match=r"tranches\[1\]\.coupon: must be ≤ 1; got 7.3 — rates are decimals"):
        am.load_deal(edited(tmp_path, bad))


def test_unknown_keys_and_typos_in_tranche_names_are_reported_together(tmp_path: Path) -> None:
    def bad(doc: dict) -> None:
        doc["tranches"][0]["cupon"] = 0.05
        doc["waterfalls"]["amortising"][3] = {"pay_interest": ["Senior A", "Senoir B"]}

    with pytest.raises(DealError) as exc:
        am.load_deal(edited(tmp_path, bad))
    msg = str(exc.value)
    assert "tranches[0]: unknown key(s) ['cupon']" in msg
    assert "waterfalls.amortising[3].pay_interest: unknown tranche 'Senoir B'" in msg
    assert "did you mean 'Senior B'?" in msg


def test_tranches_larger_than_the_pool_are_reported(tmp_path: Path) -> None:
    def bad(doc: dict) -> None:
        doc["tranches"][0]["share"] = 0.95

    with pytest.raises(DealError, match="shares must add up to 1"):
        am.load_deal(edited(tmp_path, bad))


def test_a_share_of_the_pool_is_issued_to_the_cent() -> None:
    # Huabei example: shares 0.80 / 0.08 / 0.12 of a synthetic pool scaled to 1e9, whose scaled
    # balances sum to 999,999,999.9999998 in float64; the notes are 800,000,000.00 etc. (before:
    # Senior A 799,999,999.9999999 in every CSV)
    d = am.load_deal(EXAMPLES / "huabei_style_static.yaml")
    assert [t.balance for t in d.structure.tranches] == [800_000_000.0, 80_000_000.0, 120_000_000.0]
    assert abs(d.pool.balance - 1e9) < 1e-6


def test_yaml_aliases_are_refused(tmp_path: Path) -> None:
    p = tmp_path / "bomb.yaml"
    p.write_text("a: &x [1, 2]\nb: [*x, *x]\n", encoding="utf-8")
    with pytest.raises(DealError, match="aliases"):
        am.load_deal(p)


def test_yaml_tags_that_construct_objects_are_refused(tmp_path: Path) -> None:
    p = tmp_path / "evil.yaml"
    p.write_text("name: !!python/object/apply:os.system ['echo hi']\n", encoding="utf-8")
    with pytest.raises(DealError, match="not valid YAML"):
        am.load_deal(p)


def test_published_schema_matches_the_code() -> None:
    import json

    from abs_model.deal.schema import SCHEMA

    published = Path(am.__file__).parent / "data" / "deal.schema.json"
    assert json.loads(published.read_text(encoding="utf-8")) == json.loads(json.dumps(SCHEMA))


def test_baitiao_example_runs_and_the_books_balance(baitiao: am.Deal, baitiao_result: am.DealResult) -> None:
    r = baitiao_result
    assert all(c.passed for c in r.checks)
    assert sum(t.balance for t in baitiao.structure.tranches) == pytest.approx(baitiao.pool.balance)
    # 75 / 13 / 12 % of RMB 1.2 bn
    assert r.summary()["original_balance"].tolist() == pytest.approx([900e6, 156e6, 144e6])
    # while revolving with unlimited supply, every unit of principal collected buys receivables
    rev = r.revolving["phase"] == "revolving"
    bought = r.pool.loc[rev[rev].index, "purchases"]
    principal = r.pool.loc[rev[rev].index, "principal_collections"]
    assert (bought >= principal - CENT).all()
    # quarterly payment dates while revolving, monthly after until the clean-up call ends the deal
    # (receivables bought must mature by period 24, so the pool falls to 10 % before then)
    assert r.revolving.loc[1:12, "payment_date"].tolist() == [False, False, True] * 4
    called = int(r.revolving.index[r.revolving["called"]][0]) if r.revolving["called"].any() else 24
    assert r.revolving.loc[13:called, "payment_date"].all()
    # no senior principal while revolving
    assert r.tranches["Senior A"].loc[1:12, "principal_paid"].sum() == pytest.approx(0.0, abs=CENT)


def test_us_auto_static_pays_sequentially() -> None:
    r = am.run(am.load_deal(US_AUTO))
    s = r.summary()
    assert list(s["first_principal_period"]) == sorted(s["first_principal_period"])
    # A2 receives no principal before A1 is retired
    a1_done = int(np.flatnonzero(r.tranches["A1"]["balance_end"].to_numpy() < CENT)[0]) + 1
    assert r.tranches["A2"].loc[: a1_done - 1, "principal_paid"].sum() == pytest.approx(0.0, abs=CENT)
    assert all(c.passed for c in r.checks)


def test_stress_batch_equals_single_runs_and_losses_are_junior_first(baitiao: am.Deal) -> None:
    a = baitiao.assumptions
    mult = np.array([1.0, 2.5, 4.0])
    batch = run_arrays(baitiao, a, default_mult=mult).liabilities
    names = baitiao.tranche_names
    for s, m in enumerate(mult):
        one = run_arrays(baitiao, a, default_mult=np.array([m])).liabilities
        for n in names:
            np.testing.assert_allclose(batch.tranche(n).balance_end[s], one.tranche(n).balance_end[0], rtol=1e-9, atol=1e-6)
        losses = [batch.tranche(n).writedown[s].sum() / batch.tranche(n).original_balance for n in names]
        # a senior class only loses once every class below it is wiped out
        for k in range(len(names) - 1):
            if losses[k] > 1e-9:
                assert losses[k + 1] == pytest.approx(1.0)


@settings(max_examples=12, derandomize=True, deadline=None)
@given(st.floats(0.2, 3.0), st.floats(0.0, 6.0))
def test_random_stresses_keep_every_invariant(pm: float, dm: float) -> None:
    r = am.run(_baitiao(), prepay_mult=pm, default_mult=dm)
    assert all(c.passed for c in r.checks)
    for f in r.tranches.values():
        assert (f["balance_end"] >= -1e-6).all()
    subordinated = "Subordinated"
    for name, f in r.tranches.items():
        if name != subordinated:
            assert f["residual_paid"].sum() == pytest.approx(0.0, abs=1e-6)


def test_a_deal_pickles_for_worker_processes() -> None:
    import pickle

    deal = am.load_deal(US_AUTO)
    again = pickle.loads(pickle.dumps(deal))
    a, b = am.run(deal), am.run(again)
    for name in deal.tranche_names:
        np.testing.assert_array_equal(a.tranches[name].to_numpy(), b.tranches[name].to_numpy())


def test_precompressed_lines_are_used_only_when_they_fit(baitiao: am.Deal) -> None:
    import dataclasses

    from abs_model.projection.replines import rep_lines
    from abs_model.runs.runner import _deal_lines

    a = baitiao.assumptions
    assert baitiao.pool_lines is not None
    cached = baitiao.pool_lines.lines
    assert _deal_lines(baitiao, a) is cached
    assert _deal_lines(baitiao, a.stressed(default=2.0)) is cached
    # another pool, or another convention, compresses afresh
    small = am.synthetic_pool(500, seed=3)
    other = dataclasses.replace(baitiao, pool=small)
    fresh = _deal_lines(other, a)
    assert fresh is not cached and fresh.balance.sum() == pytest.approx(small.balance)
    sifma = am.Assumptions.make(cpr=0.2, cdr=0.02)
    assert _deal_lines(baitiao, sifma) is not cached
    # and the results are the same either way
    np.testing.assert_allclose(
        run_arrays(baitiao, a).pool["closing_balance"], run_arrays(baitiao, a, lines=rep_lines(baitiao.pool, a)).pool["closing_balance"]
    )
