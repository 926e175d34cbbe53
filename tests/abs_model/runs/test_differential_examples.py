"""Differential test on every example deal: the deal run end to end (projection, revolving
purchases, waterfall), and the plain reference loop of :mod:`tests.tranches.reference_waterfall`
fed with the collections the engine was handed (recorded, and checked against the result's pool
frame: the pool's collections less the collection costs paid); every tranche, fee and account
flow agrees to a cent in every period. Run under the base case and two stresses (slow
prepayment; defaults × 4, which trips the acceleration trigger of the Baitiao deal), and with
the originator buying 2 % a month back at 60 % of par (the discount is principal lost: a PDL
debit the reference books by hand)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

import abs_model as am
import tranches as tr
from tests.tranches.reference_waterfall import Reference, as_dates, compare, note_payment_dates

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
CENT = 0.005


@pytest.fixture(scope="module", params=EXAMPLES, ids=lambda p: p.stem)
def deal(request: pytest.FixtureRequest) -> am.Deal:
    return am.load_deal(request.param)


@pytest.mark.parametrize(("prepay", "default", "buy_back"), [(1.0, 1.0, None), (0.5, 1.0, None), (1.0, 4.0, None), (1.0, 1.0, 0.6)])
def test_engine_equals_reference_on_example_deal(
    deal: am.Deal, prepay: float, default: float, buy_back: float | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tr.PeriodInputs] = []  # what the engine is handed each period (collections net of costs)
    step = tr.Engine.step

    def recording(self: tr.Engine, state: tr.EngineState, t: int, inputs: tr.PeriodInputs) -> tr.StepOutput:
        # a copy: the runner's inputs are views of pool arrays that its purchases change afterwards
        seen.append(dataclasses.replace(inputs, **{f.name: np.array(getattr(inputs, f.name), copy=True) for f in dataclasses.fields(inputs)}))
        return step(self, state, t, inputs)

    monkeypatch.setattr(tr.Engine, "step", recording)
    a = deal.assumptions
    if buy_back is not None:
        assert a is not None
        a = dataclasses.replace(a, buy_back=am.BuyBack(ineligible_rate=0.02, price=buy_back))
    r = am.run(deal, a, prepay_mult=prepay, default_mult=default)
    p = r.pool.iloc[1:]
    assert len(seen) == len(p)

    def one(x: object) -> float:
        return float(np.asarray(x, dtype=np.float64).reshape(-1)[0])

    # the engine's collections are the pool frame's, less the collection costs paid; late fees (违约金)
    # the trust receives are a line of their own, never inside interest collections
    lf = r.assumptions.late_fees
    late = p["late_fees"] if lf is not None and lf.to_trust else 0.0  # 违约金 the trust receives
    gross = (p["fee_interest"] + p["prepayment_fee"] + late + p["principal_collections"] + p["recoveries"]).to_numpy()
    fed = np.array([one(i.interest_collected) + one(i.late_fees) + one(i.principal_collected) + one(i.recoveries) for i in seen])
    costs = p["collection_costs_paid"].to_numpy()
    late_fed = np.array([one(i.late_fees) for i in seen])
    late_trust = np.broadcast_to(np.asarray(late, dtype=np.float64), late_fed.shape)
    assert np.allclose(late_fed[costs == 0.0], late_trust[costs == 0.0], rtol=0.0, atol=CENT)  # no cost to net: all of them
    assert np.allclose(fed + p["collection_costs_paid"].to_numpy(), gross, rtol=0.0, atol=CENT)
    # the engine sees the pool before this period's purchases join it and before a call sells it
    pe = (p["closing_balance"] + p["cleanup_sale"] - p["purchases"]).to_numpy()
    restr = r.assumptions.collections.rules if r.assumptions.collections is not None else None
    if restr is None or restr.eligible:
        assert np.allclose([one(i.pool_balance_end) for i in seen], pe, atol=CENT)
    dates = as_dates(r.dates)
    one_date = as_dates([d for d in (deal.closing_date, deal.first_payment) if d is not None])
    closing = one_date[0] if deal.closing_date is not None else None
    first = one_date[-1] if deal.first_payment is not None else None
    notes = note_payment_dates(dates[0], len(dates) - 1, closing=closing, first_payment=first)
    ref = Reference(deal.structure, dates, deal.pool.balance, ends_at_legal_final=True, note_dates=notes)
    for t, i in enumerate(seen, start=1):
        by_bucket = np.asarray(i.delinquent_by_bucket, dtype=np.float64)
        ref.period(
            t,
            ic=one(i.interest_collected),
            pc=one(i.principal_collected),
            rec=one(i.recoveries),
            nd=one(i.new_defaults),
            pb=one(i.pool_balance_begin),
            pe=one(i.pool_balance_end),
            dq=one(i.delinquent_balance),
            cap=one(i.purchase_capacity),
            buckets=[float(b.reshape(-1)[0]) for b in by_bucket],
            lf=one(i.late_fees),
            pl=one(i.principal_losses),
            rp=one(i.recoveries_pending),
        )
    worst = compare(r.liabilities, ref.out, 0, tol=CENT)
    assert worst <= CENT
    assert not r.failed_checks, [c.name for c in r.failed_checks]
    # recoveries still to come (collateral in the period writedown test): what the defaults so far
    # will eventually recover (defaults − net loss, net loss booked at default) less what came in
    pending = np.array([one(i.recoveries_pending) for i in seen])
    nl = (p["net_loss"] - p["recoveries_forgone"]).to_numpy()  # before the call's forgone recoveries join it
    advanced = p["advanced_principal"].to_numpy() if "advanced_principal" in p else 0.0  # P&I advancing: on defaulted loans
    want = np.maximum(np.cumsum((p["defaults"] - p["recoveries"]).to_numpy() - nl - advanced), 0.0)
    assert np.allclose(pending, want, rtol=1e-12, atol=CENT)
    lost = np.array([one(i.principal_losses) for i in seen])  # the buy-back discount, handed as a PDL debit
    assert np.allclose(lost, p["repurchase_loss"].to_numpy(), rtol=0.0, atol=CENT)
    if buy_back is not None:  # (1 − price) × balance bought back, every period
        assert lost.sum() > 0 and np.allclose(lost, (1 - buy_back) * p["repurchases_ineligible"].to_numpy(), rtol=1e-12, atol=CENT)
    if default == 4.0 and deal.revolving.active:  # the stress really reaches the accelerated waterfall
        assert (r.revolving["phase"] == "accelerated").any()
    assert np.isfinite(worst)
