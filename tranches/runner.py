"""Run a structure on hand-written collection vectors (static deals, tests)."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from tranches.engine import Engine
from tranches.errors import must
from tranches.period import PeriodInputs
from tranches.results import LiabilityResult
from tranches.structure import Structure

FloatArray = npt.NDArray[np.float64]


def _periodic(path: str, value: npt.ArrayLike, n: int, T: int, *, allow_inf: bool = False) -> FloatArray:
    """Scalar, (T,) (same for every scenario) or (N, T) as an (N, T) array."""
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 0 or arr.shape == (T,):
        arr = np.broadcast_to(arr, (n, T))
    elif arr.shape != (n, T):
        raise must(path, f"must be a scalar, shape ({T},) or ({n}, {T})", arr.shape)
    bad = np.isnan(arr) | (arr < 0.0) | (np.isinf(arr) if not allow_inf else False)
    if np.any(bad):
        i, j = np.argwhere(bad)[0]
        raise must(f"{path}[{i}, {j}]", "must be a finite amount >= 0", float(arr[i, j]))
    return arr


def _n_scenarios(inputs: tuple[npt.ArrayLike | None, ...], initial_pool_balance: npt.ArrayLike) -> int:
    """N from the 2-D inputs (N, T) or the initial pool balance, whichever is largest."""
    ns = [np.shape(x)[0] for x in inputs if x is not None and len(np.shape(x)) == 2]
    return max([*ns, int(np.size(initial_pool_balance))])


def _buckets(delinquent_by_bucket: npt.ArrayLike | None, n: int, T: int) -> np.ndarray | None:
    """Balances by delinquency bucket as (N, B, T), from (B, T) for every scenario or (N, B, T)."""
    if delinquent_by_bucket is None:
        return None
    buckets = np.asarray(delinquent_by_bucket, dtype=np.float64)
    if buckets.ndim == 2:
        buckets = np.broadcast_to(buckets, (n, *buckets.shape))
    if buckets.ndim != 3 or buckets.shape[0] != n or buckets.shape[2] != T:
        raise must("delinquent_by_bucket", f"must be (B, {T}) or ({n}, B, {T})", buckets.shape)
    return buckets


def run_liabilities(
    structure: Structure,
    *,
    period_end_dates: npt.ArrayLike,
    initial_pool_balance: npt.ArrayLike,
    interest_collected: npt.ArrayLike,
    principal_collected: npt.ArrayLike,
    pool_balance_end: npt.ArrayLike,
    recoveries: npt.ArrayLike = 0.0,
    new_defaults: npt.ArrayLike = 0.0,
    pool_balance_begin: npt.ArrayLike | None = None,
    delinquent_balance: npt.ArrayLike = 0.0,
    purchase_capacity: npt.ArrayLike = np.inf,
    n_scenarios: int | None = None,
    start_date: npt.ArrayLike | None = None,
    delinquent_by_bucket: npt.ArrayLike | None = None,
    ends_at_legal_final: bool = False,
    late_fees: npt.ArrayLike = 0.0,
    principal_losses: npt.ArrayLike = 0.0,
    recoveries_pending: npt.ArrayLike = 0.0,
    principal_advanced: npt.ArrayLike = 0.0,
    defaults_counted_only: npt.ArrayLike = 0.0,
) -> LiabilityResult:
    """Run a structure on given collection vectors (static deals, tests).

    Each collection argument is a scalar, a (T,) vector (every scenario) or an (N, T) array.
    ``pool_balance_begin`` defaults to the previous period's ``pool_balance_end`` (the initial pool
    balance for period 1). N is taken from the 2-D inputs or ``initial_pool_balance`` unless given.
    Purchases are reported, not added to the pool (the caller's pool vectors are used as given).
    ``delinquent_by_bucket`` (bucket-window triggers): (B, T) for every scenario or (N, B, T).
    ``ends_at_legal_final``: see :class:`~tranches.engine.Engine`. ``late_fees`` (违约金), ``principal_losses``
    (a PDL debit), ``recoveries_pending`` (writedown collateral), ``principal_advanced`` (a PDL
    credit), ``defaults_counted_only`` (cumulative defaults, no PDL debit): see :class:`~tranches.period.PeriodInputs`.
    """
    T = int(np.asarray(period_end_dates).size)
    inputs = (interest_collected, principal_collected, pool_balance_end, recoveries, new_defaults,
              delinquent_balance, purchase_capacity, pool_balance_begin, late_fees, principal_losses, recoveries_pending, principal_advanced, defaults_counted_only)  # fmt: skip
    n = n_scenarios if n_scenarios is not None else _n_scenarios(inputs, initial_pool_balance)
    engine = Engine(
        structure,
        n_scenarios=n,
        period_end_dates=period_end_dates,
        initial_pool_balance=initial_pool_balance,
        start_date=start_date,
        ends_at_legal_final=ends_at_legal_final,
    )
    ic = _periodic("interest_collected", interest_collected, n, T)
    pc = _periodic("principal_collected", principal_collected, n, T)
    pe = _periodic("pool_balance_end", pool_balance_end, n, T)
    rc = _periodic("recoveries", recoveries, n, T)
    nd = _periodic("new_defaults", new_defaults, n, T)
    dq = _periodic("delinquent_balance", delinquent_balance, n, T)
    cp = _periodic("purchase_capacity", purchase_capacity, n, T, allow_inf=True)
    lf = _periodic("late_fees", late_fees, n, T)
    pl = _periodic("principal_losses", principal_losses, n, T)
    rp = _periodic("recoveries_pending", recoveries_pending, n, T)
    ap = _periodic("principal_advanced", principal_advanced, n, T)
    dc = _periodic("defaults_counted_only", defaults_counted_only, n, T)
    if pool_balance_begin is None:
        pb = np.concatenate([engine.pool0[:, None], pe[:, :-1]], axis=1)
    else:
        pb = _periodic("pool_balance_begin", pool_balance_begin, n, T)
    buckets = _buckets(delinquent_by_bucket, n, T)
    return _run_periods(engine, T, ic, pc, rc, nd, pb, pe, dq, cp, buckets, lf, pl, rp, ap, dc)


def _run_periods(engine: Engine, T: int, *cols: Any) -> LiabilityResult:
    """Step ``engine`` through periods 1..T on (N, T) collection arrays, in the order
    ``interest, principal, recoveries, new defaults, pool begin, pool end, delinquent, capacity,
    buckets (N, B, T or None), late fees, principal losses, recoveries pending, principal advanced,
    defaults counted only``."""
    ic, pc, rc, nd, pb, pe, dq, cp, buckets, lf, pl, rp, ap, dc = cols
    state = engine.start()
    for t in range(1, T + 1):
        c = t - 1
        engine.step(
            state,
            t,
            PeriodInputs(
                interest_collected=ic[:, c],
                principal_collected=pc[:, c],
                recoveries=rc[:, c],
                new_defaults=nd[:, c],
                pool_balance_begin=pb[:, c],
                pool_balance_end=pe[:, c],
                delinquent_balance=dq[:, c],
                purchase_capacity=cp[:, c],
                delinquent_by_bucket=None if buckets is None else buckets[:, :, c].T,
                late_fees=lf[:, c],
                principal_losses=pl[:, c],
                recoveries_pending=rp[:, c],
                principal_advanced=ap[:, c],
                defaults_counted_only=dc[:, c],
            ),
        )
    return engine.finish(state)
