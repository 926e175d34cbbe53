"""Differential test on every example deal: the deal run end to end (projection, revolving
purchases, waterfall), and the plain reference loop of :mod:`tests.tranches.reference_waterfall`
fed with the same collections read off the result's pool frame; every tranche, fee and account
flow agrees to a cent in every period. Run under the base case and two stresses (slow
prepayment; defaults × 4, which trips the acceleration trigger of the Baitiao deal)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import abs_model as am
from tests.tranches.reference_waterfall import Reference, as_dates, compare, note_payment_dates

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
CENT = 0.005


@pytest.fixture(scope="module", params=EXAMPLES, ids=lambda p: p.stem)
def deal(request: pytest.FixtureRequest) -> am.Deal:
    return am.load_deal(request.param)


@pytest.mark.parametrize(("prepay", "default"), [(1.0, 1.0), (0.5, 1.0), (1.0, 4.0)])
def test_engine_equals_reference_on_example_deal(deal: am.Deal, prepay: float, default: float) -> None:
    r = am.run(deal, prepay_mult=prepay, default_mult=default)
    p = r.pool.iloc[1:]
    assert float(p["collection_costs_paid"].abs().sum()) == 0.0  # collections reach the waterfall whole
    restr = r.assumptions.collections.restructuring if r.assumptions.collections is not None else None
    assert restr is None
    ic = (p["fee_interest"] + p["prepayment_fee"]).to_numpy()
    pc = (p["scheduled_principal"] + p["prepayment"]).to_numpy()
    # the engine sees the pool before this period's purchases join it and before a call sells it
    pe = (p["closing_balance"] + p["cleanup_sale"] - p["purchases"]).to_numpy()
    dq = sum(p[f"balance_m{j}"].to_numpy() for j in range(2, 7))
    cap = deal.revolving.capacity if deal.revolving.active else 0.0
    dates = as_dates(r.dates)
    one = as_dates([d for d in (deal.closing_date, deal.first_payment) if d is not None])
    closing = one[0] if deal.closing_date is not None else None
    first = one[-1] if deal.first_payment is not None else None
    notes = note_payment_dates(dates[0], len(dates) - 1, closing=closing, first_payment=first)
    ref = Reference(deal.structure, dates, deal.pool.balance, ends_at_legal_final=True, note_dates=notes)
    for t in range(1, len(p) + 1):
        k = t - 1
        ref.period(
            t,
            ic=float(ic[k]),
            pc=float(pc[k]),
            rec=float(p["recoveries"].iloc[k]),
            nd=float(p["defaults"].iloc[k]),
            pb=float(p["opening_balance"].iloc[k]),
            pe=float(pe[k]),
            dq=float(dq[k]),
            cap=float(cap),
        )
    worst = compare(r.liabilities, ref.out, 0, tol=CENT)
    assert worst <= CENT
    assert not r.failed_checks, [c.name for c in r.failed_checks]
    if default == 4.0 and deal.revolving.active:  # the stress really reaches the accelerated waterfall
        assert (r.revolving["phase"] == "accelerated").any()
    assert np.isfinite(worst)
