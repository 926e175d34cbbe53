"""Property tests: random structures and random collection vectors.

Invariants: conservation every period (the engine raises otherwise, and the ledger re-adds up
here), no negative balances, losses written down junior first, residual only to the most junior
class, and a vectorised batch equals each scenario run alone (batch of 1) to 1e-9.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import event, given, settings
from hypothesis import strategies as st

from tests.tranches.support import month_ends
from tranches import (
    CleanupCall,
    Fee,
    LiabilityResult,
    ReserveAccount,
    Structure,
    Tax,
    Tranche,
    Trigger,
    Waterfall,
    run_liabilities,
    steps,
)

TOL = 1e-9
MONEY_TOL = 1e-6
CLASSES = ("senior", "mezzanine", "subordinated")
POTS = {"interest_account", "principal_account", "collection_account"}


@st.composite
def structures(draw: st.DrawFn) -> Structure:
    k = draw(st.integers(1, 4))
    classes = sorted(draw(st.lists(st.sampled_from(CLASSES), min_size=k, max_size=k)), key=CLASSES.index)
    tranches = tuple(
        Tranche(
            f"T{i}",
            draw(st.floats(0.0, 1_000.0)),
            draw(st.one_of(st.floats(0.0, 0.2), st.lists(st.floats(0.0, 0.2), min_size=1, max_size=4))),
            tranche_class=c,  # type: ignore[arg-type]
            day_count=draw(st.sampled_from(("30/360", "ACT/365F"))),
            interest_on_shortfall=draw(st.booleans()),
        )
        for i, c in enumerate(classes)
    )
    names = [t.name for t in tranches]
    fees = (
        Tax("vat", 0.0326),
        Fee(
            "trustee",
            rate=draw(st.floats(0.0, 0.05)),
            basis=draw(st.sampled_from(("pool_balance", "note_balance", "fixed"))),
            amount=draw(st.floats(0.0, 50.0)),
            cap=draw(st.one_of(st.none(), st.floats(0.0, 5.0))),
        ),
    )
    reserve = draw(
        st.one_of(
            st.none(),
            st.builds(
                ReserveAccount,
                basis=st.sampled_from(("fixed", "note_balance", "pool_balance")),
                amount=st.floats(0.0, 50.0),
                rate=st.floats(0.0, 0.1),
                floor=st.floats(0.0, 10.0),
                initial=st.floats(0.0, 50.0),
                step_down=st.booleans(),
            ),
        )
    )
    src = st.sampled_from(("interest", "principal", "interest_then_principal", "principal_then_interest"))
    mode = st.sampled_from(("sequential", "pro_rata"))
    head: list[Any] = [steps.DrawReserve()] if reserve is not None else []
    head += [steps.PayTax("vat"), steps.PayFee("trustee")]
    amort = [*head, steps.PayInterest(tuple(names), mode=draw(mode))]
    if reserve is not None:
        amort.append(steps.FundReserve(source=draw(src)))
    if draw(st.booleans()):
        amort.append(steps.CoverPDL())
    amort += [
        steps.PayPrincipal(
            tuple(names),
            mode=draw(mode),
            source=draw(src),
            advance_rate=draw(st.one_of(st.none(), st.floats(0.5, 1.0))),
        ),
        steps.PayPrincipal(tuple(names)),
        steps.PayFee("trustee", capped=False),
        steps.PayResidual(source=draw(src)),
    ]
    wfs = {
        "amortising": Waterfall(amort),
        "accelerated": Waterfall(
            [*head, steps.PayInterest(tuple(names)), steps.PayPrincipal(tuple(names), source="principal_then_interest")]
        ),
    }
    revolving = draw(st.integers(0, 3))
    if revolving:
        wfs["revolving"] = Waterfall(
            [
                *head,
                steps.PayInterest(tuple(names)),
                steps.BuyReceivables(price=draw(st.floats(0.9, 1.1)), source=draw(src)),
                steps.PayResidual(source="interest"),
            ]
        )
    trigger = draw(
        st.sampled_from(
            (
                Trigger("cdr", "cumulative_default_rate", [0.01, 0.02, 0.05], "accelerate"),
                Trigger("dq", "delinquency_ratio", 0.1, "sequential", curable=True),
                Trigger("xs", "excess_spread", 0.0, "end_revolving"),
                Trigger("mis", "missed_senior_interest", 0.0, "accelerate"),
                Trigger("stuck", "unable_to_revolve", 2, "end_revolving"),
            )
        )
    )
    return Structure(
        tranches=tranches,
        fees=fees,
        reserve=reserve,
        triggers=(trigger,),
        waterfalls=wfs,
        revolving_periods=revolving,
        payment_every={"revolving": draw(st.sampled_from((1, 2, 3))), "amortising": draw(st.sampled_from((1, 3)))},
        cleanup=draw(st.one_of(st.none(), st.sampled_from([CleanupCall(0.2, 0.9, redeems=r) for r in ("rated", "all", "any")]))),
        collection_account=draw(st.sampled_from(("separate", "combined"))),
        writedown=draw(st.sampled_from(("period", "legal_final"))),
    )


def collections(seed: int, n: int, T: int, pool0: float) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    bal = np.full(n, pool0)
    out: dict[str, list[Any]] = {k: [] for k in ("ic", "pc", "rc", "nd", "pe", "dq", "cap")}
    for _ in range(T):
        nd = bal * rng.uniform(0, 0.1, n)
        pc = (bal - nd) * rng.uniform(0, 0.4, n)
        out["ic"].append(bal * rng.uniform(0, 0.03, n))
        out["pc"].append(pc)
        out["nd"].append(nd)
        out["rc"].append(nd * rng.uniform(0, 0.3, n))
        bal = bal - nd - pc
        out["pe"].append(bal.copy())
        out["dq"].append(bal * rng.uniform(0, 0.2, n))
        out["cap"].append(np.where(rng.uniform(size=n) < 0.3, np.inf, rng.uniform(0, 50, n)))
    return {k: np.stack(v, axis=1) for k, v in out.items()}


def run(structure: Structure, c: dict[str, Any], T: int, pool0: float) -> LiabilityResult:
    return run_liabilities(
        structure,
        period_end_dates=month_ends(T),
        initial_pool_balance=pool0,
        interest_collected=c["ic"],
        principal_collected=c["pc"],
        recoveries=c["rc"],
        new_defaults=c["nd"],
        pool_balance_end=c["pe"],
        delinquent_balance=c["dq"],
        purchase_capacity=c["cap"],
    )


@settings(derandomize=True, max_examples=100, deadline=None)
@given(structure=structures(), seed=st.integers(0, 2**32 - 1), n=st.integers(1, 5), T=st.integers(2, 9))
def test_invariants_and_batch_equals_single(structure: Structure, seed: int, n: int, T: int) -> None:
    pool0 = sum(t.balance for t in structure.tranches) * 1.05 + 1.0
    c = collections(seed, n, T, pool0)
    r = run(structure, c, T, pool0)  # raises ConservationError on any period that fails
    trs = [r.tranche(nm) for nm in r.tranche_names]
    for label, hit in (
        ("writedown", any(tr.writedown.max() > 0 for tr in trs)),
        ("shortfall", any(tr.interest_shortfall.max() > 0 for tr in trs)),
        ("trigger breached", bool(r.trigger(r.trigger_names[0]).breached.any())),
        ("purchases", bool(r.purchased.max() > 0)),
        ("clean-up call", bool(r.called.any())),
    ):
        event(f"{label}: {hit}")

    # conservation re-added from the ledger: cash carried(t) = carried(t-1) + in − out
    acc_cash = r.arrays["cash_int"] + r.arrays["cash_prin"]
    for s in range(n):
        led = r.ledger_frame(s)
        is_pot = led["source"].map(lambda x: all(p in POTS for p in x.split("+")))
        into = led["target"].isin(POTS) & ~is_pot
        out = is_pot & ~led["target"].isin(POTS)
        net = (
            (led["amount"].where(into, 0.0) - led["amount"].where(out, 0.0))
            .groupby(led["period"])
            .sum()
            .reindex(range(1, T + 1), fill_value=0.0)
            .to_numpy()
        )
        carried = np.concatenate([[0.0], acc_cash[s, :-1]])
        assert np.allclose(acc_cash[s], carried + net, atol=MONEY_TOL, rtol=0)

    # no negative balances or payments
    for tr in trs:
        assert tr.balance_end.min() >= -MONEY_TOL
        assert tr.principal_paid.min() >= -MONEY_TOL
        assert tr.interest_paid.min() >= -MONEY_TOL
    assert r.arrays["res_end"].min() >= -MONEY_TOL
    assert r.arrays["pdl_end"].min() >= -MONEY_TOL
    # the PDL rolls forward every period: begin + debit − credit = end (every credit booked)
    a = r.arrays
    assert np.allclose(a["pdl_begin"] + a["pdl_debit"] - a["pdl_credit"], a["pdl_end"], atol=MONEY_TOL, rtol=0)

    # losses junior first: a class written down ⇒ every junior class is at zero afterwards
    for i, tr in enumerate(trs):
        hit = tr.writedown > MONEY_TOL
        for junior in trs[i + 1 :]:
            assert np.all(junior.balance_end[hit] <= MONEY_TOL)

    # residual only to the most junior class
    for tr in trs[:-1]:
        assert tr.residual_paid.max() == 0.0

    # balances roll forward: begin − principal − writedown = end
    for tr in trs:
        assert np.allclose(tr.balance_begin - tr.principal_paid - tr.writedown, tr.balance_end, atol=MONEY_TOL, rtol=0)

    # batch == each scenario alone
    for s in range(n):
        one = run(structure, {k: v[s : s + 1] for k, v in c.items()}, T, pool0)
        for nm in r.tranche_names:
            a, b = r.tranche(nm), one.tranche(nm)
            for field in (
                "interest_paid",
                "principal_paid",
                "writedown",
                "residual_paid",
                "balance_end",
                "interest_shortfall",
            ):
                assert np.allclose(getattr(a, field)[s], getattr(b, field)[0], rtol=TOL, atol=TOL), (nm, field)
        for key in ("cash_int", "cash_prin", "res_end", "purchased", "phase"):
            assert np.allclose(r.arrays[key][s], one.arrays[key][0], rtol=TOL, atol=TOL), key
