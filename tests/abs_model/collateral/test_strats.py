"""Pool statistics and stratification tables, pinned on a five-loan pool you can count by hand.

The pool (current balances add to 4,000):

====  ===============  ========  =======  ====  =========  ======  ======  ======
loan  product          original  current  term  remaining  rate    bucket  region
====  ===============  ========  =======  ====  =========  ======  ======  ======
L1    flat_fee            1,200    1,000    12         10  0.5 %   M0      华东
L2    flat_fee              600      600     6          6  0 %     M0      华南
L3    bullet                300      300     1          1  0 %     M0      华东
L4    level_payment       2,000    1,500    24         18  12 %    M2      华北
L5    equal_principal     1,200      600    12          6  12 %    M1      华东
====  ===============  ========  =======  ====  =========  ======  ======  ======
"""

from __future__ import annotations

import dataclasses

import numpy as np
import numpy_financial as npf
import pandas as pd
import pytest

from abs_model.collateral.pool import Pool
from abs_model.collateral.strats import STRAT_COLUMNS, summarise
from abs_model.collateral.synthetic import synthetic_pool
from abs_model.core.pricing import flat_fee_apr
from abs_model.errors import AssumptionError

CENT = 0.005
TIGHT = 1e-12


@pytest.fixture
def five() -> Pool:
    return Pool.from_arrays(
        loan_id=["L1", "L2", "L3", "L4", "L5"],
        original_principal=[1200, 600, 300, 2000, 1200],
        current_principal=[1000, 600, 300, 1500, 600],
        original_term=[12, 6, 1, 24, 12],
        remaining_term=[10, 6, 1, 18, 6],
        product=["flat_fee", "flat_fee", "bullet", "level_payment", "equal_principal"],
        rate=[0.005, 0.0, 0.0, 0.12, 0.12],
        bucket=[0, 0, 0, 2, 1],
        segments={"region": ["华东", "华南", "华东", "华北", "华东"]},
    )


def test_stats_of_the_five_loan_pool(five: Pool) -> None:
    s = summarise(five).stats
    assert s["count"] == 5
    assert s["original_balance"] == pytest.approx(5300, abs=CENT)
    assert s["balance"] == pytest.approx(4000, abs=CENT)
    assert s["average_balance"] == pytest.approx(800, abs=CENT)
    # Fee-bearing loans L1–L3 hold 1,900; only L1 (1,000) pays 0.5 %.
    assert s["wa_fee_rate"] == pytest.approx(1000 * 0.005 / 1900, abs=TIGHT)
    # Interest-bearing loans L4, L5 both at 12 %.
    assert s["wa_interest_rate"] == pytest.approx(0.12, abs=TIGHT)
    # APR: L1 by IRR (≈ 10.90 %), L2 and L3 zero, L4 and L5 their nominal 12 %.
    assert s["wa_apr"] == pytest.approx((1000 * flat_fee_apr(12, 0.005) + 2100 * 0.12) / 4000, abs=TIGHT)
    # (1000·12 + 600·6 + 300·1 + 1500·24 + 600·12) / 4000 = 59,100 / 4,000
    assert s["wa_original_term"] == pytest.approx(14.775, abs=TIGHT)
    # (1000·10 + 600·6 + 300·1 + 1500·18 + 600·6) / 4000 = 44,500 / 4,000
    assert s["wa_remaining_term"] == pytest.approx(11.125, abs=TIGHT)
    assert s["wa_age"] == pytest.approx(14.775 - 11.125, abs=TIGHT)
    assert s["zero_fee_share"] == pytest.approx(900 / 4000, abs=TIGHT)
    # L4 (M2) and L5 (M1): 2,100 of 4,000 by balance, 2 of 5 by count.
    assert s["delinquent_share"] == pytest.approx(0.525, abs=TIGHT)
    assert s["delinquent_count_share"] == pytest.approx(0.4, abs=TIGHT)


def test_strat_by_original_term(five: Pool) -> None:
    t = summarise(five).strats["term"]
    assert list(t.columns) == list(STRAT_COLUMNS)
    assert list(t.index) == [1, 6, 12, 24, "total"]
    assert list(t["count"]) == [1, 1, 2, 1, 5]
    assert list(t["balance"]) == pytest.approx([300, 600, 1600, 1500, 4000])
    assert list(t["share"]) == pytest.approx([0.075, 0.15, 0.4, 0.375, 1.0])
    # term 12 holds L1 (flat fee 0.5 % a period) and L5 (12 % a year): never averaged together.
    assert t.loc[12, "wa_fee_rate"] == pytest.approx(0.005, abs=TIGHT)
    assert t.loc[12, "wa_interest_rate"] == pytest.approx(0.12, abs=TIGHT)
    # APR by IRR: (1000·APR(L1) + 600·12 %) / 1600; remaining (1000·10 + 600·6) / 1600
    assert t.loc[12, "wa_apr"] == pytest.approx((1000 * 12 * npf.rate(12, 1 / 12 + 0.005, -1, 0) + 72) / 1600, abs=1e-9)
    assert np.isnan(t.loc[24, "wa_fee_rate"])  # L4 alone: no fee-charging loan, no fee average
    assert t.loc[12, "wa_remaining_term"] == pytest.approx(13600 / 1600, abs=TIGHT)
    assert t.loc["total", "wa_remaining_term"] == pytest.approx(11.125, abs=TIGHT)


def test_strat_by_product_lists_every_product(five: Pool) -> None:
    t = summarise(five).strats["product"]
    assert list(t.index) == ["flat_fee", "level_payment", "equal_principal", "bullet", "total"]
    assert list(t["count"]) == [2, 1, 1, 1, 5]
    assert list(t["balance"]) == pytest.approx([1600, 1500, 600, 300, 4000])


def test_balance_bands_have_inclusive_upper_edges(five: Pool) -> None:
    t = summarise(five).strats["balance_band"]
    # 300 → 0–500; 600, 600 and exactly 1,000 → 500–1,000; 1,500 → 1,000–3,000.
    assert list(t.index) == ["0–500", "500–1,000", "1,000–3,000", "total"]
    assert list(t["count"]) == [1, 3, 1, 5]
    assert list(t["balance"]) == pytest.approx([300, 2200, 1500, 4000])


def test_fee_bands_hold_only_fee_charging_loans(five: Pool) -> None:
    t = summarise(five).strats["fee_band"]
    # L2 and L3 charge no fee (900), L1 0.5 % a period (1,000); L4 and L5 are not in this table.
    assert list(t.index) == ["0.00%", "0.30%–0.50%", "total"]
    assert list(t["count"]) == [2, 1, 3]
    assert list(t["balance"]) == pytest.approx([900, 1000, 1900])
    assert t.loc["total", "share"] == pytest.approx(1900 / 4000, abs=TIGHT)
    assert t.loc["total", "wa_fee_rate"] == pytest.approx(1000 * 0.005 / 1900, abs=TIGHT)
    assert np.isnan(t.loc["total", "wa_interest_rate"])


def test_interest_bands_hold_only_rate_based_loans(five: Pool) -> None:
    t = summarise(five).strats["interest_band"]
    assert list(t.index) == ["10.00%–15.00%", "total"]
    assert list(t["count"]) == [2, 2]
    assert list(t["balance"]) == pytest.approx([2100, 2100])
    assert t.loc["total", "wa_interest_rate"] == pytest.approx(0.12, abs=TIGHT)
    assert np.isnan(t.loc["total", "wa_fee_rate"])


def test_apr_bands_cover_every_loan_on_one_annual_scale(five: Pool) -> None:
    t = summarise(five).strats["apr_band"]
    # APR: L2, L3 0; L1 12 × IRR ≈ 10.90 %; L4, L5 12 % → three loans in 10–15 %.
    assert list(t.index) == ["0.00%", "10.00%–15.00%", "total"]
    assert list(t["count"]) == [2, 3, 5]
    assert list(t["balance"]) == pytest.approx([900, 3100, 4000])


def test_a_flat_fee_receivable_at_0_6_percent_a_period() -> None:
    """12 periods of 等本等费 at 0.6 % a period on P = 12,000: the borrower gets P and pays
    12 × (P/12 + 0.6 % P) = 12 × 1,072. The fee column is the fee itself (0.6 %); the APR is
    12 × the IRR of those flows (numpy-financial ``rate``), about 13.0 % — not 12 × 0.6 % = 7.2 %."""
    p = 12_000.0
    pool = Pool.from_arrays(
        loan_id=["F"],
        original_principal=[p],
        current_principal=[p],
        original_term=[12],
        remaining_term=[12],
        product=["flat_fee"],
        rate=[0.006],
    )
    apr = 12 * npf.rate(12, p / 12 + 0.006 * p, -p, 0)
    summary = summarise(pool)
    for t in summary.strats.values():
        row = t.loc["total"]
        assert row["wa_fee_rate"] == pytest.approx(0.006, abs=TIGHT)
        assert np.isnan(row["wa_interest_rate"])
        assert row["wa_apr"] == pytest.approx(apr, abs=1e-9)
    assert summary.stats["wa_fee_rate"] == pytest.approx(0.006, abs=TIGHT)
    assert summary.stats["wa_apr"] == pytest.approx(apr, abs=1e-9)
    assert "interest_band" not in summary.strats  # no rate-based loan, no annual-rate bands
    assert list(summary.strats["apr_band"].index) == ["10.00%–15.00%", "total"]


def test_no_table_averages_a_fee_with_an_annual_rate() -> None:
    pool = synthetic_pool(5_000, seed=11)
    df = pool.to_frame()
    fee = df["product"].isin(["flat_fee", "bullet"])
    for name, t in summarise(pool).strats.items():
        body = t.drop(index="total")
        assert (body["wa_fee_rate"].dropna() < 0.05).all(), name  # a per-period fee, never 10 %+
        if name == "fee_band":
            assert body["count"].sum() == int(fee.sum())
        if name == "interest_band":
            assert body["count"].sum() == int((~fee).sum())


def test_bucket_table_shows_m0_to_m6(five: Pool) -> None:
    t = summarise(five).strats["bucket"]
    assert list(t.index) == ["M0", "M1", "M2", "M3", "M4", "M5", "M6", "total"]
    assert list(t["count"]) == [3, 1, 1, 0, 0, 0, 0, 5]
    assert list(t["balance"]) == pytest.approx([1900, 600, 1500, 0, 0, 0, 0, 4000])
    assert np.isnan(t.loc["M3", "wa_apr"])  # no balance, no average


def test_segment_table(five: Pool) -> None:
    t = five.summary().strats["region"]  # Pool.summary() is summarise()
    assert dict(zip(t.index, t["balance"], strict=True)) == {
        "华东": 1900,
        "华北": 1500,
        "华南": 600,
        "total": 4000,
    }


def test_strats_equal_a_pandas_groupby_on_a_synthetic_pool() -> None:
    pool = synthetic_pool(20_000, seed=3)
    summary = summarise(pool)
    df = pool.to_frame()
    df["apr"] = pool.apr()
    cp = df["current_principal"]
    for name, col in [("term", "original_term"), ("region", "region"), ("score_band", "score_band")]:
        g = df.groupby(col, observed=True)
        want = pd.DataFrame(
            {
                "count": g.size(),
                "balance": g["current_principal"].sum(),
                "wa_apr": (df["apr"] * cp).groupby(df[col]).sum() / g["current_principal"].sum(),
            }
        )
        got = summary.strats[name].drop(index="total")
        assert list(got.index) == list(want.index)
        assert list(got["count"]) == list(want["count"])
        np.testing.assert_allclose(got["balance"], want["balance"], rtol=1e-12)
        np.testing.assert_allclose(got["wa_apr"], want["wa_apr"], rtol=1e-12)
    for name, t in summary.strats.items():
        assert t["balance"].drop("total").sum() == pytest.approx(t.loc["total", "balance"], rel=1e-12)
        if name not in ("fee_band", "interest_band"):  # these two hold one kind of product each
            assert t.loc["total", "balance"] == pytest.approx(pool.balance, rel=1e-12)
            assert t.loc["total", "count"] == pool.n
    bands = summary.strats["fee_band"].loc["total"], summary.strats["interest_band"].loc["total"]
    assert sum(b["balance"] for b in bands) == pytest.approx(pool.balance, rel=1e-12)
    assert sum(b["count"] for b in bands) == pool.n


def test_empty_pool_gives_nan_averages_not_errors() -> None:
    empty = synthetic_pool(0)
    s = summarise(empty).stats
    assert s["count"] == 0 and s["balance"] == 0
    assert np.isnan(s["wa_apr"])


def test_apr_of_every_loan_is_its_own_flat_fee_apr() -> None:
    """:meth:`Pool.apr` groups the loans by (term, rate) to price each pair once; the grouping
    must not matter: every fee-charging loan's APR is ``flat_fee_apr(term, rate)`` of its own
    term and rate (a plain loop, bit for bit), a bullet's ``12 × fee``, an interest-bearing loan's
    its annual rate — on a synthetic pool and on rates that differ in the last bit or are -0.0."""
    pool = synthetic_pool(30_000, seed=8)
    extra = Pool.from_arrays(
        loan_id=["a", "b", "c", "d", "e"],
        original_principal=[100.0] * 5,
        current_principal=[100.0] * 5,
        original_term=[6, 6, 12, 6, 3],
        remaining_term=[6, 6, 12, 6, 3],
        product=["flat_fee", "flat_fee", "flat_fee", "flat_fee", "bullet"],
        rate=[0.006, np.nextafter(0.006, 1.0), -0.0, 0.0, 0.004],
    )
    priced: dict[tuple[int, str], float] = {}  # by the exact bits of the rate (-0.0 apart from 0.0)
    for p in (pool, extra):
        got = p.apr()
        for i in range(p.n):
            prod, rate, term = int(p.product[i]), float(p.rate[i]), int(p.original_term[i])
            if prod == 0:  # flat_fee
                key = (term, rate.hex())
                if key not in priced:
                    priced[key] = flat_fee_apr(term, rate)
                want = priced[key]
            elif prod == 3:  # bullet
                want = 12.0 * rate
            else:
                want = rate
            assert got[i] == want, (i, prod, term, rate, got[i], want)


def test_a_nan_fee_rate_is_refused_by_name_not_priced_as_another_loans() -> None:
    """A hand-built pool (no tape validation) with a NaN fee: pricing it must fail as
    ``flat_fee_apr(term, nan)`` fails, not borrow the APR of another (term, rate) group — a hash
    grouping that gives NaN the sentinel code -1 would index the last distinct rate."""
    pool = synthetic_pool(2_000, seed=3)
    flat = np.flatnonzero(pool.product == 0)
    rate = pool.rate.copy()
    rate[flat[:2]] = np.nan
    hostile = dataclasses.replace(pool, rate=rate)
    with pytest.raises(AssumptionError, match="fee: must be a decimal fee per period ≥ 0; got nan"):
        hostile.apr()
