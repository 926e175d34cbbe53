"""Validation: every bad input raises LiabilityError (a ValueError) naming path, rule and value."""

from __future__ import annotations

import numpy as np
import pytest

from tests.tranches.support import month_ends
from tranches import (
    CleanupCall,
    Engine,
    Fee,
    LiabilityError,
    ReserveAccount,
    Structure,
    Tax,
    Tranche,
    Trigger,
    Waterfall,
    run_liabilities,
    steps,
)

AMORT = {"amortising": Waterfall([steps.PayInterest(("A",))])}


@pytest.mark.parametrize(
    ("build", "pattern"),
    [
        (lambda: Tranche("A", -1.0), r"tranches\['A'\].balance: must be a finite amount >= 0; got -1.0"),
        (lambda: Tranche("A", 1.0, [0.05, 7.0]), r"coupon\[1\]: must be a decimal in \[0, 1\); got 7.0"),
        (lambda: Tranche("A", 1.0, tranche_class="junior"), r"tranche_class: must be one of"),  # type: ignore[arg-type]
        (lambda: Tranche("A", 1.0, day_count="ACT/360"), r"day_count"),  # type: ignore[arg-type]
        (lambda: Fee("f", rate=1.5), r"fees\['f'\].rate: must be a decimal .* got 1.5 — rates are decimals"),
        (lambda: Fee("f", basis="loans"), r"basis"),  # type: ignore[arg-type]
        (lambda: Fee("f", cap=-2.0), r"fees\['f'\].cap"),
        (lambda: Tax("vat", 3.26), r"fees\['vat'\].rate.*got 3.26"),
        (lambda: ReserveAccount(basis="x"), r"reserve.basis"),  # type: ignore[arg-type]
        (lambda: ReserveAccount(floor=-1.0), r"reserve.floor"),
        (lambda: CleanupCall(threshold=10.0), r"cleanup.threshold: must be a pool factor"),
        (lambda: Trigger("g", "delinquency_ratio", [], "sequential"), r"threshold: must not be empty"),
        (lambda: steps.PayInterest(()), r"PayInterest.tranches: must name at least one"),
        (lambda: steps.PayPrincipal(("A", "A")), r"must not repeat"),
        (lambda: steps.PayPrincipal(("A",), advance_rate=1.5), r"advance_rate"),
        (lambda: steps.PayFee("f", source="cash"), r"PayFee.source: must be one of"),  # type: ignore[arg-type]
        (lambda: steps.BuyReceivables(price=0.0), r"BuyReceivables.price"),
        (lambda: Waterfall(["PayInterest"]), r"waterfall.steps\[0\]: must be a step"),  # type: ignore[list-item]
    ],
)
def test_value_objects(build, pattern) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(LiabilityError, match=pattern):
        build()


def test_structure_rules() -> None:
    a = (Tranche("A", 1.0),)
    with pytest.raises(LiabilityError, match="amortising"):
        Structure(tranches=a, waterfalls={"revolving": Waterfall([])})
    with pytest.raises(LiabilityError, match="keys must be among"):
        Structure(tranches=a, waterfalls={**AMORT, "wind_down": Waterfall([])})
    with pytest.raises(LiabilityError, match="'revolving' when revolving_periods > 0"):
        Structure(tranches=a, waterfalls=AMORT, revolving_periods=12)
    with pytest.raises(LiabilityError, match="names must be unique"):
        Structure(tranches=(Tranche("A", 1.0), Tranche("A", 2.0)), waterfalls=AMORT)
    with pytest.raises(LiabilityError, match="must name a Fee"):
        Structure(tranches=a, waterfalls={"amortising": Waterfall([steps.PayFee("x")])})
    with pytest.raises(LiabilityError, match="must name a Tax"):
        Structure(tranches=a, fees=(Fee("x"),), waterfalls={"amortising": Waterfall([steps.PayTax("x")])})
    with pytest.raises(LiabilityError, match="needs a reserve account"):
        Structure(tranches=a, waterfalls={"amortising": Waterfall([steps.FundReserve()])})
    with pytest.raises(LiabilityError, match="BuyReceivables belongs in the 'revolving'"):
        Structure(tranches=a, waterfalls={"amortising": Waterfall([steps.BuyReceivables()])})
    with pytest.raises(LiabilityError, match=r"payment_every\['revolving'\]"):
        Structure(tranches=a, waterfalls=AMORT, payment_every={"revolving": 0})
    with pytest.raises(LiabilityError, match="collection_account"):
        Structure(tranches=a, waterfalls=AMORT, collection_account="one")  # type: ignore[arg-type]


def test_engine_and_runner_shapes() -> None:
    st = Structure(tranches=(Tranche("A", 1.0),), waterfalls=AMORT)
    with pytest.raises(LiabilityError, match="n_scenarios"):
        Engine(st, n_scenarios=0, period_end_dates=month_ends(2), initial_pool_balance=1.0)
    with pytest.raises(LiabilityError, match=r"initial_pool_balance: must be a scalar or shape \(3,\)"):
        Engine(st, n_scenarios=3, period_end_dates=month_ends(2), initial_pool_balance=np.ones(2))
    with pytest.raises(LiabilityError, match=r"principal_collected: must be a scalar, shape \(2,\)"):
        run_liabilities(
            st,
            period_end_dates=month_ends(2),
            initial_pool_balance=1.0,
            interest_collected=0.0,
            principal_collected=[1.0, 2.0, 3.0],
            pool_balance_end=1.0,
        )
    with pytest.raises(LiabilityError, match=r"pool_balance_end\[0, 1\].*nan"):
        run_liabilities(
            st,
            period_end_dates=month_ends(2),
            initial_pool_balance=1.0,
            interest_collected=0.0,
            principal_collected=0.0,
            pool_balance_end=[1.0, np.nan],
        )
    assert issubclass(LiabilityError, ValueError)
