"""Result layers: DataFrames, summary, shapes; and the package's dependency rule."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from tests.tranches.support import month_ends, worked_example_structure
from tranches import LiabilityError, run_liabilities

CENT = 0.005


@pytest.fixture(scope="module")
def result():  # type: ignore[no-untyped-def]
    # two scenarios: the worked example, and the same with no interest at all
    ic = np.array([[8_000.0, 4_500.0, 6_000.0], [0.0, 0.0, 0.0]])
    return run_liabilities(
        worked_example_structure(),
        period_end_dates=month_ends(3),
        initial_pool_balance=1_000_000.0,
        interest_collected=ic,
        principal_collected=[100_000.0, 90_000.0, 80_000.0],
        pool_balance_end=[900_000.0, 800_000.0, 720_000.0],
    )


def test_shapes_and_frames(result) -> None:  # type: ignore[no-untyped-def]
    assert (result.n_scenarios, result.n_periods) == (2, 3)
    a = result.tranche("A")
    assert a.interest_paid.shape == (2, 3)
    f = result.tranche_frame("A", scenario=1)
    assert list(f.columns) == [
        "balance_begin",
        "interest_due",
        "interest_paid",
        "interest_shortfall",
        "principal_paid",
        "writedown",
        "residual_paid",
        "balance_end",
        "factor",
    ]
    assert f.index.tolist() == [1, 2, 3]
    # scenario 1: no interest → A's shortfall grows 4,500, 4,500 + 4,000 + 22.5, ...
    assert f["interest_shortfall"].iloc[1] == pytest.approx(4_500.0 + 4_000.0 + 4_500.0 * 0.005)
    assert list(result.fee_frame("servicer").columns) == ["accrued", "paid", "unpaid"]
    acc = result.account_frame(0)
    assert "reserve_end" in acc.columns and "pdl_end" in acc.columns
    rev = result.revolving_frame(0)
    assert rev["phase"].tolist() == ["amortising"] * 3


def test_wide_frame(result) -> None:  # type: ignore[no-untyped-def]
    f = result.frame(0)
    # principal 100,000, 90,000, 80,000 (no recoveries in this fixture)
    assert f["A_balance_end"].tolist() == pytest.approx([800_000.0, 710_000.0, 630_000.0])
    assert f["servicer_paid"].tolist() == pytest.approx([1_000.0, 900.0, 800.0])
    assert f["phase"].tolist() == ["amortising"] * 3


def test_ledger_frame_columns(result) -> None:  # type: ignore[no-untyped-def]
    led = result.ledger_frame(0)
    assert list(led.columns) == ["period", "source", "step", "target", "amount"]
    assert (led["amount"] > 0).all()


def test_summary(result) -> None:  # type: ignore[no-untyped-def]
    s = result.summary()
    assert s.index.tolist() == ["A", "B"]
    # A's principal is 100,000 + 90,000 + 80,000 = 270,000 in both scenarios (no recoveries)
    assert s.loc["A", "principal_paid"] == pytest.approx(270_000.0, abs=CENT)


def test_bad_names_and_scenarios(result) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(LiabilityError, match="must be a tranche"):
        result.tranche_frame("Z")
    with pytest.raises(LiabilityError, match="scenario"):
        result.tranche_frame("A", scenario=2)
    with pytest.raises(LiabilityError, match="fee"):
        result.fee_frame("trustee")


def test_tranches_never_imports_abs_model() -> None:
    code = "import sys, tranches; print('abs_model' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
