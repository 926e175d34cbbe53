"""The deal's whole life balances (issue 10, defects 1–3; issue 17, item 5).

Worked on the Baitiao example with a small synthetic pool (2,000 receivables, scaled to the
deal's RMB 1.2bn): every yuan collected ends in a note, a fee, a purchase or the residual; no
account holds cash after the last period; principal still owed at the end is a loss everywhere a
loss is reported; a clean-up call never fires while the deal is revolving.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

import abs_model as am
import tranches as tr
from abs_model.deal.compressed import CompressedPool
from abs_model.runs.runner import horizon, run_arrays

ROOT = Path(__file__).resolve().parents[3]
BAITIAO = ROOT / "examples" / "baitiao_revolving.yaml"
CENT = 0.005


@pytest.fixture(scope="module")
def deal() -> am.Deal:
    pool = am.synthetic_pool(2_000, seed=11)
    return am.load_deal(BAITIAO, pool=pool, scale_pool=True)


def _scaled(pool: am.Pool, target: float) -> am.Pool:
    k = target / pool.balance
    return dataclasses.replace(
        pool, original_principal=pool.original_principal * k, current_principal=pool.current_principal * k
    )


# ---------------------------------------------------------------- defect 1: stale rep-lines
def test_replaced_pool_of_same_count_and_balance_is_projected_afresh(deal: am.Deal) -> None:
    # another pool with the same loan count and the same balance: the old code matched on
    # (count, balance) and silently projected the deal's own pool instead
    other = _scaled(am.synthetic_pool(deal.pool.n, seed=99), deal.pool.balance)
    assert other.n == deal.pool.n and other.balance == pytest.approx(deal.pool.balance, rel=1e-12)
    replaced = dataclasses.replace(deal, pool=other)
    got = am.run(replaced).pool["closing_balance"].to_numpy()
    fresh = am.run(dataclasses.replace(replaced, pool_lines=None)).pool["closing_balance"].to_numpy()
    own = am.run(deal).pool["closing_balance"].to_numpy()
    np.testing.assert_allclose(got, fresh, rtol=1e-12)
    assert np.abs(got - own).max() > 1.0  # the two pools really differ


def test_cache_is_keyed_on_the_compression_keys(deal: am.Deal) -> None:
    cache = deal.pool_lines
    assert isinstance(cache, CompressedPool)
    a = deal.assumptions
    assert a is not None
    assert cache.lines_for(deal.pool, a) is cache.lines
    assert cache.lines_for(deal.pool, a.stressed(default=2.0)) is cache.lines  # same compression
    assert cache.lines_for(deal.pool, am.Assumptions.make(cpr=0.2, cdr=0.02)) is None  # SIFMA: no missed instalments
    copy = dataclasses.replace(deal.pool)
    assert cache.lines_for(copy, a) is None  # another object: never trusted


# ---------------------------------------------------------------- defect 2: cash left in accounts
def test_reserve_is_funded_then_released_and_no_account_holds_cash_at_the_end(deal: am.Deal) -> None:
    r = am.run(deal)
    acc = r.accounts
    # the example's liquidity reserve (流动性储备) is funded up to its target (the next payment
    # date's taxes, senior fees and senior interest) while the seniors are outstanding ...
    assert acc["reserve_end"].max() > 0.0
    assert acc["reserve_end"].max() == pytest.approx(acc["reserve_target"].max(), rel=1e-9)
    # ... and released through the waterfall by the end (the old engine kept the 12m for ever)
    last = acc.iloc[-1]
    assert last["reserve_end"] == pytest.approx(0.0, abs=CENT)
    assert last["interest_account_end"] + last["principal_account_end"] == pytest.approx(0.0, abs=CENT)
    assert not r.failed_checks, [c.name for c in r.failed_checks]
    names = [c.name for c in r.checks]
    for expected in ("ledger:", "accounts:", "notes: original", "notes: beginning", "triggers:", "clean-up:", "purchases:"):
        assert any(n.startswith(expected) for n in names), expected


def test_cash_left_in_an_account_is_a_failed_named_check(deal: am.Deal) -> None:
    # drop every pay_residual step: the excess spread stays in the interest account
    st = deal.structure
    wfs = {p: tr.Waterfall([s for s in wf.steps if not isinstance(s, tr.steps.PayResidual)]) for p, wf in st.waterfalls.items()}
    broken = dataclasses.replace(deal, structure=dataclasses.replace(st, waterfalls=wfs))
    r = am.run(broken)  # does not raise: reported
    failed = {c.name: c.max_abs_error for c in r.failed_checks}
    left = r.accounts.iloc[-1][["interest_account_end", "principal_account_end", "reserve_end"]].sum()
    assert left > 1_000.0
    assert failed == {"accounts: no cash left in any account at the end": pytest.approx(left)}
    with pytest.raises(am.errors.ConservationError, match="no cash left"):
        r.raise_on_failed_checks()


# ---------------------------------------------------------------- defect 3: unpaid notes
def test_horizon_reaches_legal_final() -> None:
    # cut-off 2026-06-30, legal final 2028-09-26: the last collection period ends 2028-08-31
    d = am.load_deal(BAITIAO, pool=am.synthetic_pool(200, seed=1), scale_pool=True)
    assert horizon(d, collateral_periods=0) == 26
    ra = run_arrays(d, d.assumptions or am.Assumptions.make())
    assert ra.n_periods == 26 and str(ra.period_end_dates[-1]) == "2028-08-31"
    assert horizon(dataclasses.replace(d, legal_final=None), collateral_periods=40) == 40
    assert horizon(dataclasses.replace(d, legal_final=None), collateral_periods=3) == 24  # never below periods
    assert horizon(dataclasses.replace(d, legal_final=np.datetime64("2027-01-26")), collateral_periods=0) == 24
    with pytest.raises(am.errors.DealError, match=r"dates.legal_final: the run would cover 1\d{4} monthly periods"):
        horizon(dataclasses.replace(d, legal_final=np.datetime64("3026-01-01")), collateral_periods=0)


def test_principal_owed_at_legal_final_is_a_loss_everywhere(deal: am.Deal) -> None:
    # legal final after 8 months: the pool cannot have repaid the notes; the old code showed 0 %
    early = dataclasses.replace(deal, legal_final=np.datetime64("2027-03-20"), periods=6)
    r = am.run(early, prepay_mult=0.5)
    s = r.summary()
    assert len(r.pool) - 1 == 8  # periods ending 2026-07-31 … 2027-02-28
    for name, f in r.tranches.items():
        orig = float(f["balance_begin"].iloc[0])
        owed = orig - float(f["principal_paid"].sum())
        assert s.loc[name, "loss"] == pytest.approx(owed, abs=CENT)
        assert s.loc[name, "ending_balance"] == pytest.approx(0.0, abs=CENT)
        assert bool(s.loc[name, "paid_in_full"]) == (owed <= CENT)
    assert s.loc["Subordinated", "loss_pct"] > 0.5 and not s.loc["Subordinated", "paid_in_full"]
    # the sweep reports the same loss for the same scenario
    sw = am.sweep(early, {"prepay": [0.5]}, progress=False).set_index("tranche")
    for name in r.tranches:
        assert sw.loc[name, "loss"] == pytest.approx(s.loc[name, "loss"], rel=1e-9, abs=CENT)
        assert bool(sw.loc[name, "paid_in_full"]) == bool(s.loc[name, "paid_in_full"])


def test_slow_prepayment_is_run_to_legal_final_not_cut_at_period_24(deal: am.Deal) -> None:
    r = am.run(deal, prepay_mult=0.5)
    s = r.summary()
    # every class ends paid or written down: loss = original − principal paid, nothing left owing
    for name, f in r.tranches.items():
        assert s.loc[name, "loss"] == pytest.approx(float(f["balance_begin"].iloc[0] - f["principal_paid"].sum()), abs=CENT)
    assert "paid_in_full" in s.columns
    assert not r.failed_checks


# ---------------------------------------------------------------- issue 17.5: clean-up while revolving
def test_pool_paid_down_while_revolving_is_replenished_not_called(deal: am.Deal) -> None:
    # CPR 20 % × 5 = 100 %: every current receivable prepays in period 1, a few delinquent ones
    # stay (pool factor ≈ 2 %, below the 10 % clean-up threshold). The old engine called the pool
    # there, bought RMB 1.2bn of receivables with the collections, sold them all for the price of
    # the delinquent remainder and wrote every class down 100 %.
    r = am.run(deal, prepay_mult=5.0)
    rev = r.revolving
    assert not rev.loc[rev["phase"] == "revolving", "called"].any()
    assert r.pool["purchases"].iloc[1] > 0.9 * deal.pool.balance  # collections bought new receivables
    assert r.tranches["Senior A"]["writedown"].iloc[0] == 0.0
    assert r.summary().loc["Senior A", "loss"] == pytest.approx(0.0, abs=CENT)
    assert not r.failed_checks, [c.name for c in r.failed_checks]


def test_no_loss_cliff_between_nearby_prepayment_speeds(deal: am.Deal) -> None:
    sw = am.sweep(deal, {"prepay": [4.99, 5.0]}, progress=False)
    senior = sw[sw["tranche"] == "Senior A"]["loss_pct"].to_numpy()
    assert senior == pytest.approx([0.0, 0.0], abs=1e-12)


def test_cleanup_price_is_paid_on_the_pool_balance_sold(deal: am.Deal) -> None:
    r = am.run(deal)
    called = r.revolving.index[r.revolving["called"]]
    assert called.size == 1
    t = int(called[0])
    assert r.revolving.loc[t, "phase"] != "revolving" and bool(r.revolving.loc[t, "payment_date"])
    sold = float(r.pool.loc[t, "cleanup_sale"])
    assert r.accounts.loc[t, "cleanup_proceeds"] == pytest.approx(1.0 * sold, abs=CENT)


# ---------------------------------------------------------------- issue 11 §1: the late-fee line
def test_late_fees_are_a_line_of_available_funds_of_their_own(deal: am.Deal) -> None:
    """The Baitiao example's trust receives 违约金: the ledger carries them on their own line
    (pool → interest account), equal to the pool frame's late fees less any collection costs
    that reached them; interest collections carry none; the named check passes. With
    ``to_trust: false`` the line is absent and the cash goes to the originator."""
    r = am.run(deal, default_mult=2.0)
    p = r.pool.iloc[1:]
    led = r.ledger
    late = led[led["step"] == "collect_late_fees"]
    assert set(late["source"]) == {"pool"} and set(late["target"]) == {"interest_account"}
    by_period = late.groupby("period")["amount"].sum().reindex(p.index, fill_value=0.0)
    no_costs = p["collection_costs_paid"].to_numpy() == 0.0
    assert float(p["late_fees"].sum()) > 0.0
    np.testing.assert_allclose(by_period.to_numpy()[no_costs], p["late_fees"].to_numpy()[no_costs], atol=CENT)
    interest = led[led["step"] == "collect_interest"].groupby("period")["amount"].sum().reindex(p.index, fill_value=0.0)
    income = (p["fee_interest"] + p["prepayment_fee"]).to_numpy()
    np.testing.assert_allclose(interest.to_numpy()[no_costs], income[no_costs], atol=CENT)
    check = [c for c in r.checks if c.name.startswith("late fees:")]
    assert len(check) == 1 and check[0].passed
    assert r.liabilities.late_fees_collected[0].sum() == pytest.approx(float(by_period.sum()), abs=CENT)
    kept = dataclasses.replace(r.assumptions, late_fees=dataclasses.replace(r.assumptions.late_fees, to_trust=False))
    r2 = am.run(deal, kept, default_mult=2.0)
    assert "collect_late_fees" not in set(r2.ledger["step"])
    assert not r2.failed_checks, [c.name for c in r2.failed_checks]


# ---------------------------------------------------------------- issue 12: originator buy-back
def test_buy_back_proceeds_are_principal_collections_and_the_deal_balances(deal: am.Deal) -> None:
    """0.5 % a month of the performing balance found ineligible, bought back at 97 %: the pool
    frame states the balance bought back, the proceeds (price × balance) and the discount; the
    waterfall's principal collections carry the proceeds; every deal-life check passes; the
    notes are paid less than without it (the discount is a loss to the pool)."""
    from abs_model.assumptions.buyback import BuyBack

    base = am.run(deal)
    a = dataclasses.replace(base.assumptions, buy_back=BuyBack(ineligible_rate=0.005, price=0.97))
    r = am.run(deal, a)
    assert not r.failed_checks, [c.name for c in r.failed_checks]
    p = r.pool.iloc[1:]
    assert float(p["repurchases_ineligible"].sum()) > 0.0
    np.testing.assert_allclose(p["repurchase_proceeds"], 0.97 * p["repurchases"], atol=1e-9)
    np.testing.assert_allclose(p["repurchase_loss"], 0.03 * p["repurchases"], atol=1e-9)
    led = r.ledger
    into = led[led["step"] == "collect_principal"].groupby("period")["amount"].sum().reindex(p.index, fill_value=0.0)
    want = p["scheduled_principal"] + p["prepayment"] + p["repurchase_proceeds"]
    no_costs = (p["collection_costs_paid"] == 0.0).to_numpy()
    np.testing.assert_allclose(into.to_numpy()[no_costs], want.to_numpy()[no_costs], atol=CENT)
    sub = deal.structure.tranches[-1].name
    got_sub = float(r.tranches[sub]["residual_paid"].sum() + r.tranches[sub]["principal_paid"].sum())
    base_sub = float(base.tranches[sub]["residual_paid"].sum() + base.tranches[sub]["principal_paid"].sum())
    assert got_sub < base_sub


def test_recoveries_still_to_come_at_the_call_are_reported_as_forgone(deal: am.Deal) -> None:
    """At the clean-up call the defaulted receivables go with the pool sold: the recoveries still
    to come on them never reach the trust. The example recovers everything 6 periods after default
    (``recovery_lag: 6``), so what is pending at the end of the call period t is exactly what the
    same deal without a call receives in periods t+1 … t+6 (those come from defaults up to t; the
    two runs are the same up to t)."""
    r = am.run(deal, default_mult=2.0)
    called = r.revolving.index[r.revolving["called"]]
    assert called.size == 1
    t = int(called[0])
    uncalled = dataclasses.replace(deal, structure=dataclasses.replace(deal.structure, cleanup=None))
    u = am.run(uncalled, default_mult=2.0)
    assert len(u.pool) > t + 6
    np.testing.assert_allclose(u.pool["recoveries"].iloc[: t + 1], r.pool["recoveries"].iloc[: t + 1], rtol=1e-12)
    expected = float(u.pool["recoveries"].iloc[t + 1 : t + 7].sum())
    assert expected > 1_000.0  # a real amount, not a rounding
    forgone = r.pool["recoveries_forgone"]
    assert float(forgone.loc[t]) == pytest.approx(expected, rel=1e-9)
    assert float(forgone.drop(index=t).abs().sum()) == 0.0  # only in the call period
    assert float(r.pool["recoveries"].iloc[t + 1 :].abs().sum()) == 0.0  # none received after the sale
    # net loss is booked at default (defaults − eventual recoveries); at the call the forgone part
    # joins it, so over the life the trust's net loss is its defaults less what it did recover
    p = r.pool.iloc[1:]
    assert float(p["net_loss"].sum()) == pytest.approx(float((p["defaults"] - p["recoveries"]).sum()), rel=1e-12)
    np.testing.assert_allclose(r.pool["net_loss"].iloc[:t], u.pool["net_loss"].iloc[:t], rtol=1e-12)
    cnl = float(r.pool["cumulative_net_loss_rate"].iloc[-1])
    assert cnl == pytest.approx(float((p["defaults"] - p["recoveries"]).sum()) / deal.pool.balance, rel=1e-12)
