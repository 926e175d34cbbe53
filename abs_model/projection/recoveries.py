"""Recoveries and net loss: money from each period's defaults, paid over the recovery timing.

- Recoverable money of period ``s``: ``Σ_g defaults_g(s) × min(1, recovery_rate_g × m)`` (``m`` the
  scenario's recovery multiple; re-defaulted plans at the pool-wide rate), received by the
  recovery timing vector: ``recoveries(t) = Σ_lag timing[lag] × recoverable(t − lag)``.
- With a charge-off path (debt sale, legal action), the path's recovery vector replaces the
  timing and the rate: ``recoverable(s) = defaults(s) × min(1 / Σ v, m)`` spread by ``v``, and
  legal costs ``legal_share × legal_cost_per_case × defaulted accounts`` are collection costs.
- Net loss ``= defaults − eventual recoveries``, booked at default.

The projection extends past the horizon by the recovery lag; stock columns (balances, count)
carry their last value into those rows.
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np

from abs_model.assumptions.servicing import ChargeOffPath
from abs_model.projection.cashflows import FIELDS, STOCK_FIELDS
from abs_model.projection.groups import PartSums


def recoverable(default_bal: np.ndarray, rate_g: np.ndarray, rm: np.ndarray, plan_defaults: np.ndarray | float, plan_rate: float) -> np.ndarray:
    """Money eventually recovered on the period's defaults, per scenario (S,): the module doc's
    formula, group rates ``rate_g`` (G,) and multiples ``rm`` (S,), capped at the balance."""
    return (default_bal * np.minimum(1.0, rate_g[None, :] * rm[:, None])).sum(-1) + plan_defaults * np.minimum(
        1.0, plan_rate * rm
    )


class Recoverable:
    """:func:`recoverable` for one run, its caps made once: ``group`` = ``min(1, rate_g × m)``
    (S, G) and ``plan`` = ``min(1, plan_rate × m)`` (S,), the same numbers as every call of
    :func:`recoverable` computes. (The engine makes none under a charge-off path, whose money
    :func:`with_recoveries` computes from the defaults.)"""

    __slots__ = ("group", "plan")

    def __init__(self, rate_g: np.ndarray, rm: np.ndarray, plan_rate: float) -> None:
        self.group = np.minimum(1.0, rate_g[None, :] * rm[:, None])
        self.plan = np.minimum(1.0, plan_rate * rm)

    def periods(
        self, default_bal: np.ndarray, plan_defaults: np.ndarray | None, take: np.ndarray | None, *, parts: PartSums | None = None
    ) -> np.ndarray:
        """(S, P): :func:`recoverable` of every period at once, from the loop's defaults by period
        ``default_bal`` (P, S_loop, G) and the plans' ``plan_defaults`` (P, S_loop) (None: no plans,
        they add nothing), ``take`` the loop row of each final row (None: the same rows).
        Each element is the same product and the same sum over groups (the last axis) as period
        by period. With ``parts`` along the group axis (:class:`~abs_model.projection.groups.PartSums`:
        ``default_bal`` holds the ``U`` state rows, ``plan_defaults`` and ``take`` the part-major
        rows), final row ``k·S + s`` sums part ``k``'s groups alone — the block rows'
        sums without their zeros."""
        if parts is not None and parts.starts is not None and take is not None:
            return self._by_part(default_bal, plan_defaults, take, parts.starts, parts.U)
        if take is not None:
            default_bal = default_bal[:, take]
            plan_defaults = None if plan_defaults is None else plan_defaults[:, take]
        out = (default_bal * self.group).sum(-1)  # (P, S)
        if plan_defaults is not None:
            out += plan_defaults * self.plan
        return out.T

    def _by_part(self, default_bal: np.ndarray, plan_defaults: np.ndarray | None, take: np.ndarray, starts: np.ndarray, U: int) -> np.ndarray:
        """:meth:`periods` with the parts along the group axis (part ``k``'s groups from ``starts[k]``)."""
        ends = [*starts[1:].tolist(), default_bal.shape[2]]
        S = take.size // starts.size
        out = np.empty((default_bal.shape[0], take.size))
        for k, (a, b) in enumerate(zip(starts.tolist(), ends, strict=True)):
            rows = slice(k * S, (k + 1) * S)
            out[:, rows] = (default_bal[:, take[rows] - k * U, a:b] * self.group[rows, a:b]).sum(-1)
        if plan_defaults is not None:
            out += plan_defaults[:, take] * self.plan
        return out.T


def with_recoveries(
    tot: dict[str, np.ndarray],
    recoverable: np.ndarray,
    *,
    timing: np.ndarray,
    charge_off: ChargeOffPath | None,
    rm: np.ndarray,
    take: np.ndarray | None = None,
    fields: Collection[str] | None = None,
    expand: bool = True,
) -> dict[str, np.ndarray]:
    """The totals (S, T + 1) extended by the recovery tail, with ``recoveries`` and ``net_loss``.

    ``tot`` is updated in place with the charge-off path's legal costs. ``take``: final row ``i``
    is row ``take[i]`` of ``tot`` (:meth:`~abs_model.projection.rows.ScenarioRows.expand`; None:
    the same rows) — the columns are extended on ``tot``'s rows and copied out once;
    ``recoverable`` and ``rm`` are per final row. ``fields`` (None: every one of
    :data:`~abs_model.projection.cashflows.FIELDS`): the columns wanted, in the order of ``FIELDS``
    (``defaults`` and the opening and closing balances always come too); the columns left out are
    never extended nor copied to the final rows, and those returned are the same numbers.
    ``expand=False``: every column but ``recoveries`` and ``net_loss`` (which depend on each final
    row's recovery multiple) stays on ``tot``'s rows — the caller expands them by ``take`` where
    it needs them (the same numbers: an expansion copies rows)."""
    T = tot["defaults"].shape[1] - 1
    if charge_off is not None:
        timing = charge_off.recovery_vector()
        # a recovery multiple scales what the path recovers, never beyond the defaulted balance
        cap = 1.0 / timing.sum() if timing.sum() > 0 else 1.0
        tot["collection_costs"] += charge_off.legal_share * charge_off.legal_cost_per_case * tot["defaults_count"]
    ext = T + len(timing) - 1
    want = [f for f in FIELDS if fields is None or f in fields or f in _ALWAYS]
    full: dict[str, np.ndarray] = {}
    for f in want:
        if f in _MADE_HERE:  # computed below (in this place of the order)
            full[f] = _EMPTY
            continue
        e = np.empty((tot[f].shape[0], ext + 1))  # every element written once
        e[:, : T + 1] = tot[f]
        e[:, T + 1 :] = tot[f][:, T : T + 1] if f in STOCK_FIELDS else 0.0
        full[f] = e if take is None or not expand else e[take]
    defaults = full["defaults"] if take is None or expand else full["defaults"][take]  # per final row
    if charge_off is not None:
        recoverable = defaults[:, : T + 1] * np.minimum(cap, rm)[:, None]
    S = defaults.shape[0]
    rec = np.zeros((S, ext + 1))
    for lag, wgt in enumerate(timing):
        if wgt:
            rec[:, lag : T + 1 + lag] += wgt * recoverable
    if "recoveries" in full:
        full["recoveries"] = rec
    if "net_loss" in full:
        eventual = recoverable * (timing.sum() if charge_off is not None else 1.0)
        full["net_loss"] = defaults - np.pad(eventual, ((0, 0), (0, ext - T)))
    full["opening_balance"][:, T + 1 :] = 0.0
    # the closing balance carries into the tail rows; opening follows it
    if ext > T:
        full["opening_balance"][:, T + 1 :] = full["closing_balance"][:, T : T + 1]
    return full


#: Columns :func:`with_recoveries` always returns (it reads them), and those it makes itself.
_ALWAYS = frozenset({"defaults", "opening_balance", "closing_balance"})
_MADE_HERE = frozenset({"recoveries", "net_loss"})
_EMPTY = np.empty((0, 0))
