"""Written-down principal over a deal's whole life (``writedown: period``), run from deal files as
a user would: what is written down is repaid before any residual, most senior class first.

US auto at 20 × its default rate (CDR 40 %): the notes are written down each payment date to the
pool, principal cash and recoveries to come; the advance-rate principal step then keeps 5 % of
the pool as over-collateralisation, which reached the residual holder (class C's certificate)
once A3 and B were paid off — 2.35m of residual while A3 had lost 10.5m and B 50m, with every
check passed. Worked here from the ledger and the tranche frames, not from the engine's arrays.
"""

from __future__ import annotations

import dataclasses
import types
from pathlib import Path

import numpy as np
import pytest

import abs_model as am
from abs_model.runs import checks

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
CENT = 0.005


def _run(*, reimburse: bool, mult: float = 20.0) -> am.DealResult:
    deal = am.load_deal(EXAMPLES / "us_auto_static.yaml")
    deal = dataclasses.replace(deal, structure=dataclasses.replace(deal.structure, reimburse_writedowns=reimburse))
    assert deal.assumptions is not None
    return am.run(deal, dataclasses.replace(deal.assumptions, default_multiplier=mult))


def _per_period(r: am.DealResult, step: str, target_end: str) -> np.ndarray:
    led = r.ledger
    pick = (led["step"] == step) & led["target"].astype(str).str.endswith(target_end)
    T = len(r.accounts)
    return led[pick].groupby("period")["amount"].sum().reindex(range(1, T + 1), fill_value=0.0).to_numpy()


def test_no_residual_while_a_class_has_unrepaid_writedowns() -> None:
    r = _run(reimburse=True)
    assert not r.failed_checks, [c.name for c in r.failed_checks]
    names = list(r.tranches)
    T = len(r.accounts)
    # a plain loop over the periods: what is written down and not repaid, class by class
    still_open = dict.fromkeys(names, 0.0)
    residual = _per_period(r, "pay_residual", ":residual")
    for t in range(T):
        for n in names:
            repaid = _per_period(r, "pay_residual", f"{n}:principal")[t]
            assert repaid <= still_open[n] + CENT  # never more than is open
            still_open[n] -= repaid
        if residual[t] > CENT:  # residual only once nothing above it is open
            assert all(v <= CENT for v in still_open.values()), (t + 1, still_open)
        for n in names:
            new = float(r.tranches[n]["writedown"].iloc[t]) + _per_period(r, "pay_residual", f"{n}:principal")[t]
            assert new >= -CENT  # the period's own writedown (net + repaid) is never negative
            still_open[n] += new
    repaid_a3 = _per_period(r, "pay_residual", "A3:principal").sum()
    assert repaid_a3 > 2e6  # the over-collateralisation released at the end now repays A3


def test_the_loss_is_the_net_writedown_and_the_notes_balance() -> None:
    # original = Σ principal paid (repayments included) + Σ writedown (net of them), every class;
    # the loss of A3 is its net writedown, 2.35m smaller than without the repayment
    on, off = _run(reimburse=True), _run(reimburse=False)
    for t in on.deal.structure.tranches:
        f = on.tranches[t.name]
        assert float(f["principal_paid"].sum() + f["writedown"].sum()) == pytest.approx(t.balance, abs=1.0)
    lost_on = sum(float(f["writedown"].sum()) for n, f in on.tranches.items() if n != "C")
    lost_off = sum(float(f["writedown"].sum()) for n, f in off.tranches.items() if n != "C")
    residual_off = float(off.tranches["C"]["residual_paid"].sum())
    assert residual_off > 2e6 and lost_off > lost_on + 2e6
    assert float(on.tranches["C"]["residual_paid"].sum()) == pytest.approx(0.0, abs=CENT)
    # without the repayment the check reads the deal's end only (its writedowns are never repaid)
    assert not any(c.name.startswith("residual:") and c.max_abs_error > 0 for c in off.checks)


def test_the_check_fails_when_a_repayment_is_paid_as_residual() -> None:
    r = _run(reimburse=True)
    (check,) = [c for c in r.checks if c.name.startswith("residual:")]
    assert check.passed
    led = r.ledger.copy()
    moved = (led["step"] == "pay_residual") & (led["target"] == "A3:principal") & (led["amount"] > 1e5)
    assert moved.any()
    led.loc[moved, "target"] = "C:residual"
    tranches = {n: f.copy() for n, f in r.tranches.items()}
    a3 = tranches["A3"]
    back = r.ledger[moved].groupby("period")["amount"].sum().reindex(a3.index, fill_value=0.0)
    a3["principal_paid"] -= back
    a3["writedown"] += back  # as if the cash had gone to the residual holder, A3's loss standing
    fake = types.SimpleNamespace(deal=r.deal, ledger=led, tranches=tranches, accounts=r.accounts, revolving=r.revolving)
    (broken,) = checks._residual_while_owed(fake, check.tolerance)  # type: ignore[arg-type]
    assert not broken.passed and broken.max_abs_error > 1e5


def test_at_legal_final_the_released_reserve_repays_class_c_before_any_residual() -> None:
    # US auto written down at legal final only, 5 × its default rate: in the last period the
    # non-declining reserve (0.5m) is released into the interest account. Before, it went to
    # C's holder as residual (0.50m) while 0.29m of C's principal was written down; now it repays
    # C's principal first (0.38m in that period) and only the rest is residual.
    deal = am.load_deal(EXAMPLES / "us_auto_static.yaml")
    deal = dataclasses.replace(deal, structure=dataclasses.replace(deal.structure, writedown="legal_final"))
    assert deal.assumptions is not None
    r = am.run(deal, dataclasses.replace(deal.assumptions, default_multiplier=5.0))
    assert not r.failed_checks, [c.name for c in r.failed_checks]
    c = r.tranches["C"].iloc[-1]
    released = float(r.accounts["reserve_draw"].iloc[-1])
    assert released > 4e5
    assert c["writedown"] == pytest.approx(0.0, abs=CENT)
    assert c["principal_paid"] > 3e5 and c["residual_paid"] > 0.0
    # every class is paid in full: the residual of the last period is what is left after that
    for t in deal.structure.tranches:
        f = r.tranches[t.name]
        assert float(f["principal_paid"].sum()) == pytest.approx(t.balance, abs=1.0)
    # the check reads it from the ledger: with the repayment booked as residual, C's loss standing, it fails
    (check,) = [x for x in r.checks if x.name.startswith("residual:")]
    led = r.ledger.copy()
    moved = (led["step"] == "pay_residual") & (led["target"] == "C:principal")
    led.loc[moved, "target"] = "C:residual"
    tranches = {n: f.copy() for n, f in r.tranches.items()}
    back = float(r.ledger.loc[moved, "amount"].sum())
    tranches["C"].loc[tranches["C"].index[-1], "writedown"] += back
    fake = types.SimpleNamespace(deal=r.deal, ledger=led, tranches=tranches, accounts=r.accounts, revolving=r.revolving)
    (broken,) = checks._residual_while_owed(fake, check.tolerance)  # type: ignore[arg-type]
    assert not broken.passed and broken.max_abs_error > 1e5
