"""The engine's shortcuts change no number, bit for bit.

The engine skips work that cannot change a result: inputs that are 0 in every scenario, masks
that hold for every scenario (every scenario pays, none has been called, every scenario is in a
phase whose waterfall runs), classes without a coupon, fees without a rate; it computes amounts
straight into their ledger rows and runs the steps that every present phase starts or ends with
once. ``Engine._detect = False`` runs every stage in full instead, with every mask applied.
Both must give the same numbers exactly (``assert_array_equal``: no tolerance), and a batch of
scenarios must give each scenario exactly what it gives alone (nothing leaks across the batch).
The reference loop of the differential test checks the numbers themselves.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.tranches.conftest import month_ends
from tests.tranches.random_deals import deals, paths, result_arrays
from tranches import (
    Engine,
    Fee,
    LiabilityResult,
    PeriodInputs,
    ReserveAccount,
    Structure,
    Tax,
    Tranche,
    Trigger,
    Waterfall,
    run_liabilities,
    steps,
)

START = np.datetime64("2025-11-30")


def run(structure: Structure, c: dict[str, np.ndarray], pool0: float, final: bool, rows: slice | None = None) -> LiabilityResult:
    """``run_liabilities`` on the collections ``c`` (the scenarios ``rows`` of them)."""
    sel = {k: v if rows is None else v[rows] for k, v in c.items()}
    T = sel["ic"].shape[1]
    return run_liabilities(
        structure,
        period_end_dates=month_ends(T, start="2025-12"),
        initial_pool_balance=pool0,
        interest_collected=sel["ic"],
        principal_collected=sel["pc"],
        recoveries=sel["rc"],
        new_defaults=sel["nd"],
        pool_balance_begin=sel["pb"],
        pool_balance_end=sel["pe"],
        delinquent_balance=sel["dq"],
        purchase_capacity=sel["cap"],
        late_fees=sel["lf"],
        principal_losses=sel["pl"],
        recoveries_pending=sel["rp"],
        principal_advanced=sel["ap"],
        defaults_counted_only=sel["dc"],
        ends_at_legal_final=final,
        start_date=START,
        n_scenarios=sel["ic"].shape[0],
    )


def assert_same(a: dict[str, np.ndarray], b: dict[str, np.ndarray], scenarios: slice = slice(None)) -> None:
    assert a.keys() == b.keys()
    for key, x in a.items():
        y = b[key]
        if key.startswith("excess spread"):
            np.testing.assert_array_equal(x, y, err_msg=key)
        else:
            np.testing.assert_array_equal(np.asarray(x)[scenarios], np.asarray(y), err_msg=key)


@settings(derandomize=True, max_examples=60, deadline=None)
@given(structure=deals(), seed=st.integers(0, 2**32 - 1), n=st.integers(1, 8), T=st.integers(1, 14), final=st.booleans())
def test_skipping_work_changes_no_number(structure: Structure, seed: int, n: int, T: int, final: bool) -> None:
    """Random structures (every step, trigger, phase, payment frequency, clean-up call and
    revolving period the differential test draws): with and without the shortcuts, equal bit for bit."""
    pool0 = sum(t.balance for t in structure.tranches) * 1.05 + 1_000.0
    c = paths(seed, n, T, pool0)
    fast = result_arrays(run(structure, c, pool0, final))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Engine, "_detect", False)
        full = result_arrays(run(structure, c, pool0, final))
    assert_same(fast, full)


@settings(derandomize=True, max_examples=25, deadline=None)
@given(structure=deals(), seed=st.integers(0, 2**32 - 1), T=st.integers(1, 12), final=st.booleans())
def test_a_batch_gives_each_scenario_what_it_gives_alone(structure: Structure, seed: int, T: int, final: bool) -> None:
    """Scenarios in different phases, some called, some not, in one batch: each scenario's numbers
    equal those of the same scenario run on its own."""
    pool0 = sum(t.balance for t in structure.tranches) * 1.05 + 1_000.0
    n = 5
    c = paths(seed, n, T, pool0)
    batch = result_arrays(run(structure, c, pool0, final))
    for s in range(n):
        alone = result_arrays(run(structure, c, pool0, final, rows=slice(s, s + 1)))
        one = {k: v for k, v in batch.items() if not k.startswith("excess spread")}
        one |= {k.replace(f"excess spread {s} ", "excess spread 0 "): v for k, v in batch.items() if k.startswith(f"excess spread {s} ")}
        assert_same(one, alone, slice(s, s + 1))


def accelerating_deal() -> Structure:
    """Three classes (the subordinated one without coupon), a tax and two fees, a cash reserve, a
    PDL and a cumulative-default trigger switching to an accelerated waterfall: both phases are
    present in most periods and their waterfalls share the leading expenses and the residual."""
    senior = [steps.DrawReserve(), steps.PayTax("vat"), steps.PayFee("trustee"), steps.PayFee("servicer")]
    amortising = Waterfall([*senior, steps.PayInterest(("A",)), steps.PayInterest(("B",)), steps.FundReserve(), steps.CoverPDL(),
                            steps.PayPrincipal(("A", "B", "Sub")), steps.PayInterest(("Sub",)), steps.PayResidual()])  # fmt: skip
    accelerated = Waterfall([*senior, steps.PayInterest(("A",)), steps.PayInterest(("B",)),
                             steps.PayPrincipal(("A", "B"), source="principal_then_interest"),
                             steps.PayPrincipal(("Sub",), source="principal_then_interest"), steps.PayResidual()])  # fmt: skip
    return Structure(
        tranches=(
            Tranche("A", 800_000.0, 0.051),
            Tranche("B", 120_000.0, 0.073, tranche_class="mezzanine"),
            Tranche("Sub", 80_000.0, 0.0, tranche_class="subordinated"),
        ),
        fees=(Tax("vat", 0.0326), Fee("trustee", rate=0.0005), Fee("servicer", rate=0.0, basis="pool_balance")),
        reserve=ReserveAccount(basis="note_balance", rate=0.01, floor=2_000.0, initial=10_000.0),
        triggers=(Trigger("cdr", "cumulative_default_rate", threshold=[0.01] * 6 + [0.03], effect="accelerate"),),
        waterfalls={"amortising": amortising, "accelerated": accelerated},
    )


def engine_run(structure: Structure, per: list[PeriodInputs], n: int) -> dict[str, Any]:
    e = Engine(structure, n_scenarios=n, period_end_dates=month_ends(len(per)), initial_pool_balance=1_000_000.0)
    state = e.start()
    outs = [e.step(state, t, p) for t, p in enumerate(per, start=1)]
    got = result_arrays(e.finish(state))
    for t, o in enumerate(outs):
        for f in ("purchased", "called", "payment_date", "phase"):
            got[f"step {t} {f}"] = getattr(o, f)
    return got


def test_the_accelerating_deal_with_scalar_inputs_is_exact() -> None:
    """The benchmark's kind of deal through ``Engine.step`` with scalar (constant) inputs beside
    arrays, a zero-rate fee and a zero-coupon class: shortcuts on and off agree, and the trigger
    really splits the batch (both phases present)."""
    rng = np.random.default_rng(11)
    n, T = 200, 18
    mdr = rng.uniform(0.0, 0.01, n)
    bal = np.full(n, 1_000_000.0)
    per = []
    for _ in range(T):
        nd = bal * mdr
        pc = (bal - nd) * 0.05
        per.append(
            PeriodInputs(
                interest_collected=bal * 0.01,
                principal_collected=pc,
                new_defaults=nd,
                recoveries=0.0,
                pool_balance_begin=bal.copy(),
                pool_balance_end=bal - nd - pc,
                late_fees=0.0,
            )
        )
        bal = bal - nd - pc
    fast = engine_run(accelerating_deal(), per, n)
    phases = np.asarray(fast["account phase"])
    assert ((phases == 1).any(axis=0) & (phases == 2).any(axis=0)).any()  # (N, T): both in one period
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Engine, "_detect", False)
        full = engine_run(accelerating_deal(), per, n)
    assert_same(fast, full)
