"""Monte Carlo over a one-factor systematic shock: ``monte_carlo(deal, n_paths=..., seed=...)``.

Model (one path ``p``; ``Z``, ``ε_P``, ``ε_R`` independent standard normals):

- default multiple ``D = exp(σ_D Z − σ_D² / 2)`` — lognormal with mean 1 (``E[D] = 1``,
  ``CV[D] = √(exp(σ_D²) − 1)``); it scales the default rate (CDR, cumulative default, or the
  roll-forward rates of the roll-rate matrix), as :func:`abs_model.runs.runner.run_arrays` does;
- prepayment multiple ``P = exp(σ_P X_P − σ_P² / 2)`` with ``X_P = ρ_P Z + √(1 − ρ_P²) ε_P``
  (correlation ``ρ_P`` with the default factor; negative: prepayments slow when defaults rise);
- recovery multiple ``R = exp(σ_R X_R − σ_R² / 2)`` with ``X_R = ρ_R Z + √(1 − ρ_R²) ε_R``
  (``σ_R = 0`` by default: recoveries fixed at the assumption). The recovery rate is capped,
  ``min(1, R × rate)``: paths with ``R > 1 / rate`` recover alike and the mean recovery falls
  below the assumption; :func:`monte_carlo` counts them (``recovery_capped_paths``) and warns.

Reproducibility: all ``n_paths × 3`` normals are drawn up front from
``np.random.default_rng(seed)`` (columns ``Z, ε_P, ε_R``), then cut into chunks; each chunk is
one vectorised :func:`~abs_model.runs.runner.run_arrays` call. The draws, hence the results, do not
depend on the chunk size, on the executor or on the number of workers.

Per-path measures (class ``c`` with original balance ``B_c``, ``PP_{c,t}`` principal paid in
period ``t``, ``T`` the deal's periods):

- principal loss ``L_c = max(0, B_c − Σ_t PP_{c,t})`` (written down, or still unpaid at the end);
  loss rate ``L_c / B_c``; a class "has a loss" on a path when ``L_c > LOSS_TOLERANCE`` (a cent);
- interest shortfall at the end ``IS_{c,T}``;
- WAL in years ``Σ_t t·PP_{c,t} / Σ_t PP_{c,t} / 12`` (periods are monthly; NaN without principal);
- pool cumulative default rate ``Σ_t defaults_t / (pool₀ + Σ_t purchases_t)`` and cumulative
  net loss rate ``Σ_t net_loss_t / (pool₀ + Σ_t purchases_t)`` (the trigger's denominator:
  the initial pool plus receivables bought while revolving), both over the deal's periods.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from abs_model.analytics.executors import ChunkRun, map_chunks
from abs_model.assumptions.assumptions import Assumptions
from abs_model.core.metrics import wal_years
from abs_model.deal.model import Deal
from abs_model.errors import AssumptionError, DealError
from abs_model.runs.runner import run_arrays

__all__ = ["LOSS_TOLERANCE", "MonteCarloResult", "ShockModel", "monte_carlo", "run_paths"]

#: A class has a loss on a path when its principal loss exceeds this amount (a cent).
LOSS_TOLERANCE = 0.005
#: Quantiles reported by :meth:`MonteCarloResult.summary` and friends.
QUANTILES: tuple[float, ...] = (0.01, 0.05, 0.5, 0.95, 0.99)


@dataclass(frozen=True, slots=True)
class ShockModel:
    """The one-factor shock model's parameters (see module doc for the formulas)."""

    sigma: float = 0.4
    sigma_prepay: float = 0.2
    rho_prepay: float = -0.3
    sigma_recovery: float = 0.0
    rho_recovery: float = -0.5

    def __post_init__(self) -> None:
        for name in ("sigma", "sigma_prepay", "sigma_recovery"):
            v = getattr(self, name)
            if isinstance(v, bool) or not np.isfinite(v) or v < 0 or v > 3:  # sigma=True ran as 1.0
                raise AssumptionError(f"{name}: must be a volatility in [0, 3] (log scale); got {v!r}")
        for name in ("rho_prepay", "rho_recovery"):
            v = getattr(self, name)
            if isinstance(v, bool) or not np.isfinite(v) or abs(v) > 1:
                raise AssumptionError(f"{name}: must be a correlation in [−1, 1]; got {v!r}")

    def multipliers(self, normals: np.ndarray) -> np.ndarray:
        """(n, 3) standard normals ``[Z, ε_P, ε_R]`` → (n, 3) multiples ``[D, P, R]``.

        Defined as ``D = exp(σ_D Z − σ_D²/2)``, ``P = exp(σ_P X_P − σ_P²/2)``,
        ``R = exp(σ_R X_R − σ_R²/2)``, ``X = ρ Z + √(1 − ρ²) ε``.
        """
        z, ep, er = normals[:, 0], normals[:, 1], normals[:, 2]
        xp = self.rho_prepay * z + np.sqrt(1.0 - self.rho_prepay**2) * ep
        xr = self.rho_recovery * z + np.sqrt(1.0 - self.rho_recovery**2) * er
        d = np.exp(self.sigma * z - 0.5 * self.sigma**2)
        p = np.exp(self.sigma_prepay * xp - 0.5 * self.sigma_prepay**2)
        r = np.exp(self.sigma_recovery * xr - 0.5 * self.sigma_recovery**2)
        return np.column_stack([d, p, r])


def run_paths(deal: Deal, assumptions: Assumptions, mults: np.ndarray) -> dict[str, np.ndarray]:
    """One chunk: run the deal for the (k, 3) multiples ``[default, prepay, recovery]`` in one
    vectorised pass and reduce each path to the measures of the module doc.

    Pure and top-level (picklable), so a cluster can run it. Returns arrays of length k
    (pool measures) or shape (k, C) (per class, C classes, most senior first).
    """
    m = np.asarray(mults, dtype=np.float64)
    ra = run_arrays(deal, assumptions, default_mult=m[:, 0], prepay_mult=m[:, 1], recovery_mult=m[:, 2])
    arrays, purchases, liab = ra.pool, ra.purchases, ra.liabilities
    denom = liab.initial_pool_balance + purchases[:, 1:].sum(axis=1)
    names = liab.tranche_names
    k = m.shape[0]
    loss = np.empty((k, len(names)))
    loss_rate = np.empty((k, len(names)))
    wal = np.empty((k, len(names)))
    shortfall = np.empty((k, len(names)))
    for c, name in enumerate(names):
        t = liab.tranche(name)
        pp = t.principal_paid
        paid = pp.sum(axis=1)
        loss[:, c] = np.maximum(0.0, t.original_balance - paid)
        loss_rate[:, c] = loss[:, c] / t.original_balance if t.original_balance > 0 else 0.0
        wal[:, c] = wal_years(pp)
        shortfall[:, c] = t.interest_shortfall[:, -1]
    return {
        "pool_cumulative_default": arrays["defaults"][:, 1:].sum(axis=1) / denom,
        "pool_cumulative_net_loss": arrays["net_loss"][:, 1:].sum(axis=1) / denom,
        "principal_loss": loss,
        "loss_rate": loss_rate,
        "wal": wal,
        "interest_shortfall_end": shortfall,
    }


@dataclass(frozen=True)
class MonteCarloResult:
    """Per-path measures and their distribution (see module doc for every definition).

    ``paths`` has one row per completed path (index ``path``): the normals ``z``, ``eps_prepay``,
    ``eps_recovery``, the multiples ``default_mult``, ``prepay_mult``, ``recovery_mult`` and the
    pool measures. ``frame`` is tidy: one row per path and class. When a distributed run lost
    chunks, ``complete`` is ``False``, ``missing_chunks`` lists them and every statistic is over
    the completed paths only (``n_completed`` of ``n_paths``). ``lost_workers`` names workers
    that left the cluster during the run (their chunks were re-run, or are missing).
    """

    paths: pd.DataFrame
    frame: pd.DataFrame
    tranche_names: tuple[str, ...]
    n_paths: int
    seed: int
    chunk: int
    shocks: ShockModel
    complete: bool = True
    missing_chunks: tuple[int, ...] = ()
    errors: dict[int, str] = field(default_factory=dict)
    lost_workers: tuple[str, ...] = ()
    recovery_capped_paths: int = 0

    @property
    def n_completed(self) -> int:
        return len(self.paths)

    def _by_class(self, column: str) -> pd.DataFrame:
        """(paths × classes) table of one per-class measure."""
        return self.frame.pivot(index="path", columns="tranche", values=column)[list(self.tranche_names)]

    @property
    def expected_loss(self) -> pd.Series:
        """Per class: ``E[L_c / B_c]``, the mean principal loss rate."""
        return self._by_class("loss_rate").mean().rename("expected_loss")

    @property
    def probability_of_loss(self) -> pd.Series:
        """Per class: ``P(L_c > LOSS_TOLERANCE)``."""
        return (self._by_class("principal_loss") > LOSS_TOLERANCE).mean().rename("probability_of_loss")

    def loss_quantiles(self, q: Sequence[float] = QUANTILES) -> pd.DataFrame:
        """Per class (rows): quantiles of the loss rate (columns ``p1``, ``p5``, …)."""
        tab = self._by_class("loss_rate").quantile(list(q)).T
        tab.columns = [_qname(x) for x in q]
        return tab

    def wal_distribution(self, q: Sequence[float] = QUANTILES) -> pd.DataFrame:
        """Per class: mean, standard deviation and quantiles of the WAL (years); paths without
        principal are left out and counted in ``no_principal``."""
        w = self._by_class("wal")
        tab = w.quantile(list(q)).T
        tab.columns = [_qname(x) for x in q]
        tab.insert(0, "std", w.std())
        tab.insert(0, "mean", w.mean())
        tab["no_principal"] = w.isna().sum()
        return tab

    def pool_loss_distribution(self, q: Sequence[float] = QUANTILES) -> pd.DataFrame:
        """Rows ``pool_cumulative_default`` and ``pool_cumulative_net_loss``: mean, std and
        quantiles over paths."""
        cols = ["pool_cumulative_default", "pool_cumulative_net_loss"]
        d = self.paths[cols]
        tab = d.quantile(list(q)).T
        tab.columns = [_qname(x) for x in q]
        tab.insert(0, "std", d.std())
        tab.insert(0, "mean", d.mean())
        return tab

    def summary(self) -> pd.DataFrame:
        """One row per class and one for the pool's cumulative net loss rate: expected loss,
        probability of loss, loss-rate quantiles (p50, p95, p99) and WAL mean / p5 / p50 / p95.
        ``attrs`` carries ``n_paths``, ``n_completed``, ``complete``, ``missing_chunks`` and ``seed``."""
        lq = self.loss_quantiles((0.5, 0.95, 0.99))
        wd = self.wal_distribution((0.05, 0.5, 0.95))
        out = pd.DataFrame(
            {
                "expected_loss": self.expected_loss,
                "probability_of_loss": self.probability_of_loss,
                "loss_p50": lq["p50"],
                "loss_p95": lq["p95"],
                "loss_p99": lq["p99"],
                "wal_mean": wd["mean"],
                "wal_p5": wd["p5"],
                "wal_p50": wd["p50"],
                "wal_p95": wd["p95"],
            }
        )
        cnl = self.paths["pool_cumulative_net_loss"]
        pool_row = {
            "expected_loss": cnl.mean(),
            "probability_of_loss": float((cnl > 0).mean()),
            "loss_p50": cnl.quantile(0.5),
            "loss_p95": cnl.quantile(0.95),
            "loss_p99": cnl.quantile(0.99),
        }
        out.loc["pool (cumulative net loss)"] = pd.Series(pool_row)
        out.index.name = "tranche"
        out.attrs.update(
            n_paths=self.n_paths,
            n_completed=self.n_completed,
            complete=self.complete,
            missing_chunks=list(self.missing_chunks),
            seed=self.seed,
        )
        return out


def _qname(q: float) -> str:
    return f"p{100 * q:g}"


def recovery_capped(a: Assumptions, recovery_mult: np.ndarray) -> int:
    """Paths whose recovery multiple takes a recovery rate (the pool's or a segment override's)
    above 100 %, where the projection caps it, ``min(1, multiple × rate)``; warns naming how many,
    the rate and the multiple the cap starts at."""
    rates = [a.recovery_rate, *(o.recovery_rate for o in a.segment_overrides if o.recovery_rate is not None)]
    top = max(rates)
    n = int((np.asarray(recovery_mult) * top > 1.0).sum()) if top > 0.0 else 0
    if n:
        warnings.warn(
            f"monte_carlo: {n} of {len(recovery_mult)} paths draw a recovery multiple above {1.0 / top:.4g}, which "
            f"takes the recovery rate {top:.2%} above 100 %; it is capped at 100 %, so those paths recover alike "
            "and the mean recovery is below the assumption",
            stacklevel=3,
        )
    return n


def draw_normals(n_paths: int, seed: int) -> np.ndarray:
    """The (n_paths, 3) standard normals ``[Z, ε_P, ε_R]`` of every path, from
    ``np.random.default_rng(seed)`` in one call (hence independent of chunking)."""
    return np.random.default_rng(seed).standard_normal((n_paths, 3))


def monte_carlo(
    deal: Deal,
    *,
    n_paths: int = 10_000,
    seed: int = 0,
    assumptions: Assumptions | None = None,
    sigma: float = 0.4,
    sigma_prepay: float = 0.2,
    rho_prepay: float = -0.3,
    sigma_recovery: float = 0.0,
    rho_recovery: float = -0.5,
    chunk: int = 1000,
    executor: Any = None,
    progress: bool | None = None,
    timeout: float | None = None,
) -> MonteCarloResult:
    """Run ``n_paths`` shocked scenarios of ``deal`` (see module doc for the model).

    ``assumptions`` defaults to the deal's own. ``chunk`` paths run per vectorised call;
    ``executor`` is ``None`` (in-process), a ``distributed.Client`` or a scheduler address (see
    :mod:`abs_model.analytics.executors`); ``timeout`` bounds a distributed run. Results are identical for
    any ``chunk`` and executor given the same ``seed``.
    """
    if not isinstance(deal, Deal):
        raise DealError(f"deal: must be an abs_model.Deal (use load_deal(path)); got {type(deal).__name__}")
    a = assumptions if assumptions is not None else (deal.assumptions or Assumptions.make())
    if not isinstance(a, Assumptions):
        raise AssumptionError(f"assumptions: must be an abs_model.Assumptions; got {type(a).__name__}")
    _whole("n_paths", n_paths)
    _whole("chunk", chunk)
    number = isinstance(seed, int | float | np.integer | np.floating) and not isinstance(seed, bool)
    if not number or not np.isfinite(seed) or int(seed) != seed or seed < 0:  # nan: int() failed unnamed; True ran as 1
        raise AssumptionError(f"seed: must be a whole number ≥ 0; got {seed!r}")
    shocks = ShockModel(
        sigma=sigma,
        sigma_prepay=sigma_prepay,
        rho_prepay=rho_prepay,
        sigma_recovery=sigma_recovery,
        rho_recovery=rho_recovery,
    )
    normals = draw_normals(int(n_paths), int(seed))
    mults = shocks.multipliers(normals)
    capped = recovery_capped(a, mults[:, 2])
    starts = list(range(0, int(n_paths), int(chunk)))
    pieces = [mults[s : s + int(chunk)] for s in starts]
    run: ChunkRun[dict[str, np.ndarray]] = map_chunks(
        run_paths,
        pieces,
        shared=(deal, a),
        executor=executor,
        progress=progress,
        timeout=timeout,
        desc="Monte Carlo",
    )
    names = tuple(t.name for t in deal.structure.tranches)
    paths, frame = _frames(run, starts, pieces, normals, mults, names)
    return MonteCarloResult(
        paths=paths,
        frame=frame,
        tranche_names=names,
        n_paths=int(n_paths),
        seed=int(seed),
        chunk=int(chunk),
        shocks=shocks,
        complete=run.complete,
        missing_chunks=run.missing,
        errors=dict(run.errors),
        lost_workers=run.lost_workers,
        recovery_capped_paths=capped,
    )


def _frames(
    run: ChunkRun[dict[str, np.ndarray]],
    starts: list[int],
    pieces: list[np.ndarray],
    normals: np.ndarray,
    mults: np.ndarray,
    names: tuple[str, ...],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:class:`MonteCarloResult`'s ``paths`` and ``frame`` from the chunks that returned."""
    done = run.done()
    idx = (
        np.concatenate([np.arange(starts[i], starts[i] + len(pieces[i])) for i, _ in done])
        if done
        else np.zeros(0, int)
    )

    def cat(key: str, width: int | None = None) -> np.ndarray:
        if done:
            return np.concatenate([r[key] for _, r in done])
        return np.zeros((0,) if width is None else (0, width))

    paths = pd.DataFrame(
        {
            "z": normals[idx, 0],
            "eps_prepay": normals[idx, 1],
            "eps_recovery": normals[idx, 2],
            "default_mult": mults[idx, 0],
            "prepay_mult": mults[idx, 1],
            "recovery_mult": mults[idx, 2],
            "pool_cumulative_default": cat("pool_cumulative_default"),
            "pool_cumulative_net_loss": cat("pool_cumulative_net_loss"),
        },
        index=pd.Index(idx, name="path"),
    )
    C = len(names)
    per_class = {key: cat(key, C) for key in ("principal_loss", "loss_rate", "wal", "interest_shortfall_end")}
    frame = pd.DataFrame(
        {
            "path": np.repeat(idx, C),
            "tranche": pd.Categorical(np.tile(np.array(names, dtype=object), len(idx)), categories=list(names)),
            "default_mult": np.repeat(mults[idx, 0], C),
            "prepay_mult": np.repeat(mults[idx, 1], C),
            "recovery_mult": np.repeat(mults[idx, 2], C),
            "pool_cumulative_net_loss": np.repeat(paths["pool_cumulative_net_loss"].to_numpy(), C),
            **{key: v.reshape(-1) for key, v in per_class.items()},
        }
    )
    return paths, frame


def _whole(name: str, v: Any) -> None:
    if isinstance(v, bool) or int(v) != v or v < 1:
        raise AssumptionError(f"{name}: must be a whole number ≥ 1; got {v!r}")
