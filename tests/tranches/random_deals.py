"""Random structures and collection paths for the liability tests (a plain module shared by
the differential test and the fast-path tests; not a test module), and every number of a result
as named arrays for exact comparisons."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from hypothesis import strategies as st

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
    steps,
)

CLASSES = ("senior", "mezzanine", "subordinated")
SOURCES = ("interest", "principal", "interest_then_principal", "principal_then_interest")


@st.composite
def deals(draw: st.DrawFn) -> Structure:
    k = draw(st.integers(1, 4))
    classes = sorted(draw(st.lists(st.sampled_from(CLASSES), min_size=k, max_size=k)), key=CLASSES.index)
    tranches = tuple(
        Tranche(
            f"T{i}",
            draw(st.floats(0.0, 1_000_000.0)),
            draw(st.one_of(st.floats(0.0, 0.15), st.lists(st.floats(0.0, 0.15), min_size=1, max_size=5))),
            tranche_class=c,  # type: ignore[arg-type]
            day_count=draw(st.sampled_from(("30/360", "ACT/365F"))),
            interest_on_shortfall=draw(st.booleans()),
        )
        for i, c in enumerate(classes)
    )
    names = tuple(t.name for t in tranches)
    fees = (
        Tax("vat", draw(st.floats(0.0, 0.06)), cap=draw(st.one_of(st.none(), st.floats(0.0, 500.0)))),
        Fee(
            "servicer",
            basis=draw(st.sampled_from(("pool_balance", "note_balance", "fixed"))),
            rate=draw(st.floats(0.0, 0.03)),
            amount=draw(st.floats(0.0, 20_000.0)),
            cap=draw(st.one_of(st.none(), st.floats(0.0, 2_000.0))),
            day_count=draw(st.sampled_from(("30/360", "ACT/365F"))),
        ),
    )
    reserve = draw(
        st.one_of(
            st.none(),
            st.builds(
                ReserveAccount,
                basis=st.sampled_from(("fixed", "note_balance", "pool_balance")),
                amount=st.floats(0.0, 50_000.0),
                rate=st.floats(0.0, 0.05),
                floor=st.floats(0.0, 10_000.0),
                initial=st.floats(0.0, 50_000.0),
                step_down=st.booleans(),
            ),
        )
    )
    src = st.sampled_from(SOURCES)
    mode = st.sampled_from(("sequential", "pro_rata"))
    head: list[Any] = [steps.DrawReserve(to=draw(st.sampled_from(("interest", "principal"))))] if reserve is not None and draw(st.booleans()) else []
    head += [steps.PayTax("vat", source=draw(src)), steps.PayFee("servicer", source=draw(src))]
    body: list[Any] = [steps.PayInterest(names, mode=draw(mode), source=draw(src))]
    if reserve is not None:
        body.append(steps.FundReserve(source=draw(src)))
    if draw(st.booleans()):
        body.append(steps.CoverPDL(source=draw(src)))
    body += [
        steps.PayPrincipal(names, mode=draw(mode), source=draw(src), advance_rate=draw(st.one_of(st.none(), st.floats(0.5, 1.0)))),
        steps.PayPrincipal(names[-1:], source=draw(src)),
        steps.PayFee("servicer", capped=False, source=draw(src)),
        steps.PayResidual(source=draw(src)),
    ]
    wfs = {
        "amortising": Waterfall([*head, *body]),
        "accelerated": Waterfall([*head, steps.PayInterest(names), steps.PayPrincipal(names, source="principal_then_interest"), steps.PayResidual()]),
        "default": Waterfall([steps.PayInterest(names[:1], source="interest_then_principal"), steps.PayPrincipal(names, source="interest_then_principal"), steps.PayResidual()]),
    }
    if draw(st.booleans()):
        wfs["cleanup"] = Waterfall([steps.PayInterest(names), steps.PayPrincipal(names, source="principal_then_interest"), steps.PayResidual()])
    revolving = draw(st.integers(0, 4))
    if revolving:
        wfs["revolving"] = Waterfall(
            [*head, steps.PayInterest(names), steps.BuyReceivables(price=draw(st.floats(0.9, 1.1)), source=draw(src)), steps.PayResidual(source="interest")]
        )
    pool = st.sampled_from(
        (
            Trigger("cdr", "cumulative_default_rate", [0.01, 0.03, 0.05], "accelerate"),
            Trigger("cnl", "cumulative_net_loss_rate", [0.005, 0.02], "sequential"),
            Trigger("dq", "delinquency_ratio", 0.08, "sequential", curable=True),
            Trigger("xs", "excess_spread", 0.0, "end_revolving"),
            Trigger("mis", "missed_senior_interest", 0.0, "default"),
            Trigger("stuck", "unable_to_revolve", 2, "end_revolving"),
            Trigger("dq_seq", "delinquency_ratio", 0.05, "sequential", breach_when="at_least"),
        )
    )
    triggers = tuple({g.name: g for g in draw(st.lists(pool, min_size=0, max_size=3))}.values())
    return Structure(
        tranches=tranches,
        fees=fees,
        reserve=reserve,
        triggers=triggers,
        waterfalls=wfs,
        revolving_periods=revolving,
        payment_every={
            "revolving": draw(st.sampled_from((1, 2, 3))),
            "amortising": draw(st.sampled_from((1, 3))),
            "accelerated": draw(st.sampled_from((1, 2))),
        },
        cleanup=draw(st.one_of(st.none(), st.builds(CleanupCall, st.floats(0.0, 0.3), st.floats(0.5, 1.0), redeems=st.sampled_from(("rated", "all", "any"))))),
        collection_account=draw(st.sampled_from(("separate", "combined"))),
        writedown=draw(st.sampled_from(("period", "legal_final"))),
        reimburse_writedowns=draw(st.booleans()),
    )


def paths(seed: int, n: int, T: int, pool0: float) -> dict[str, np.ndarray]:
    """Random but plausible collections: defaults, principal and interest out of the balance; late
    fees (their own line of available funds) in about half the months."""
    rng = np.random.default_rng(seed)
    bal = np.full(n, pool0)
    cols: dict[str, list[np.ndarray]] = {k: [] for k in ("ic", "pc", "rc", "nd", "pb", "pe", "dq", "cap", "lf", "pl")}
    for _ in range(T):
        nd = bal * rng.uniform(0, 0.08, n)
        pc = (bal - nd) * rng.uniform(0, 0.35, n)
        pl = np.where(rng.uniform(size=n) < 0.3, (bal - nd - pc) * rng.uniform(0, 0.01, n), 0.0)  # buy-back discount
        cols["pl"].append(pl)
        cols["pb"].append(bal.copy())
        cols["ic"].append(bal * rng.uniform(0, 0.03, n))
        cols["lf"].append(np.where(rng.uniform(size=n) < 0.5, 0.0, bal * rng.uniform(0, 0.002, n)))  # 违约金, some months none
        cols["pc"].append(pc)
        cols["nd"].append(nd)
        cols["rc"].append(nd * rng.uniform(0, 0.3, n))
        bal = bal - nd - pc - pl
        cols["pe"].append(bal.copy())
        cols["dq"].append(bal * rng.uniform(0, 0.15, n))
        cols["cap"].append(np.where(rng.uniform(size=n) < 0.3, np.inf, rng.uniform(0, pool0 * 0.2, n)))
    out = {k: np.stack(v, axis=1) for k, v in cols.items()}
    # recoveries still to come (collateral in the period writedown test): half of the defaults so
    # far will be recovered in all, less what has come in (no draw: the other paths stay as they were)
    out["rp"] = np.maximum(np.cumsum(0.5 * out["nd"] - out["rc"], axis=1), 0.0)
    # principal advanced on defaulted receivables (P&I advancing), part of the principal collected
    # receivables the deal counts as defaulted without a loss (restructured, counts_as_default)
    out["dc"] = np.where(rng.uniform(size=out["pc"].shape) < 0.3, out["pb"] * rng.uniform(0, 0.003, out["pc"].shape), 0.0)
    out["ap"] = np.where(rng.uniform(size=out["pc"].shape) < 0.3, out["pc"] * rng.uniform(0, 0.1, out["pc"].shape), 0.0)
    return out


def result_arrays(r: LiabilityResult) -> dict[str, npt.NDArray[Any]]:
    """Every number a result reports, by name: each tranche's, fee's and trigger's (N, T) arrays,
    the account arrays, every ledger row and the excess spread of each scenario."""
    out: dict[str, npt.NDArray[Any]] = {}
    for name, tr in r.tranches.items():
        for f in ("balance_begin", "interest_due", "interest_paid", "interest_shortfall", "principal_paid",
                  "writedown", "residual_paid", "balance_end"):  # fmt: skip
            out[f"tranche {name} {f}"] = getattr(tr, f)
    for name, fe in r.fees.items():
        out[f"fee {name} accrued"], out[f"fee {name} paid"], out[f"fee {name} unpaid"] = fe.accrued, fe.paid, fe.unpaid
    for name, g in r.triggers.items():
        out[f"trigger {name} value"], out[f"trigger {name} breached"] = g.value, g.breached
    for key, v in r.arrays.items():
        out[f"account {key}"] = v
    for row in r.ledger_rows:
        out[f"ledger {row}"] = r.flows(lambda key, row=row: key == row)
    for s in range(r.n_scenarios):
        for col, v in r.excess_spread_frame(s).items():
            out[f"excess spread {s} {col}"] = v.to_numpy()
    return out
