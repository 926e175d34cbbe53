"""The pool columns of the runner's period loop, laid out for it (:func:`abs_model.runs.runner._run_periods`).

The loop reads one period's column of about twenty fields at a time and adds each revolving
purchase to the later columns of the fields it moves. Held as one (T + 1, F, S) array — period,
field, scenario — a period's column of every field is one contiguous block, and a purchase is
added to a column only when the loop reads it (:class:`Purchases`): the block stays in the cache
while every purchase not yet in it goes in, instead of the whole stack streaming through memory
once per purchase. Each element gets the same products in the same order, one addition each, as
when every purchase is added to all later columns as it is bought, so the numbers are the same
bit for bit (tests/abs_model/runs/test_purchase_add.py). The caller's (S, T + 1) arrays are views
of the stack during the loop and contiguous copies after it (:meth:`PoolStack.close`).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np

from abs_model.deal.eligibility import PurchasePlan
from abs_model.errors import DealError, must
from abs_model.projection.cashflows import ADVANCING_FIELDS, BUCKET_FIELDS, FIELDS

TRANSPOSE_ROWS = 64
"""Scenarios per block of :func:`by_scenario` (a block's source and destination stay in the cache)."""


def by_period(columns: Sequence[np.ndarray]) -> np.ndarray:
    """(S, T + 1) arrays, one per field, stacked as (T + 1, F, S) (a field at a time: a
    transposing copy of one field is fast, of a whole (F, S, T + 1) stack slow)."""
    first = columns[0]
    out = np.empty((first.shape[1], len(columns), first.shape[0]))
    for i, c in enumerate(columns):
        out[:, i] = c.T
    return out


def by_scenario(stack: np.ndarray) -> np.ndarray:
    """The (T + 1, F, S) stack as (F, S, T + 1), a block of scenarios at a time (a plain
    transposing copy reads the source a cache line per element)."""
    out = np.empty((stack.shape[1], stack.shape[2], stack.shape[0]))
    for lo in range(0, stack.shape[2], TRANSPOSE_ROWS):
        out[:, lo : lo + TRANSPOSE_ROWS] = stack[:, :, lo : lo + TRANSPOSE_ROWS].transpose(1, 2, 0)
    return out


class Purchases:
    """The purchases bought so far, added to the pool's columns when a column is read.

    A purchase at the end of period ``τ`` adds ``bought[s] × prof[m, f, s]`` to ``stack[τ + m, f,
    s]`` for the moving fields ``f`` (the first ``k`` of the stack, laid out (T + 1, F, S)) and
    ``m = 0 … T − τ``. Added one column at a time (:meth:`settle`: every purchase not yet in it,
    in the order bought), each element gets the same products in the same order, one addition
    each, as when every purchase is added to all later columns at once; a column read by the
    period loop is settled first, the rest at the end (:meth:`settle_all`)."""

    def __init__(self, stack: np.ndarray, k: int) -> None:
        self.stack = stack
        self.k = k
        self.made: list[tuple[int, np.ndarray, np.ndarray]] = []  # (τ, bought (S,), prof (T + 1, k, S)) by τ
        self.done = [0] * stack.shape[0]  # purchases added to each column: the first done[c] of made
        self.buffer = np.empty((k, stack.shape[2]))

    def add(self, t: int, bought: np.ndarray, prof: np.ndarray) -> None:
        """Record a purchase at the end of period ``t`` (after every purchase recorded before)."""
        self.made.append((t, bought, prof))

    def settle(self, c: int) -> None:
        """Add to column ``c`` every purchase at the end of a period ``τ ≤ c`` not yet in it."""
        stack, k, made = self.stack, self.k, self.made
        i = self.done[c]
        while i < len(made) and made[i][0] <= c:
            tau, bought, prof = made[i]
            product = np.multiply(bought, prof[c - tau], out=self.buffer)
            stack[c, :k] += product
            i += 1
        self.done[c] = i

    def settle_all(self) -> None:
        """Every purchase recorded, in every column."""
        for c in range(self.stack.shape[0]):
            self.settle(c)


class PoolStack:
    """The loop's pool columns: ``moving`` fields first (those a purchase adds to), then the
    rest of ``arrays``; :meth:`open` makes ``arrays``' entries (S, T + 1) views of the stack."""

    def __init__(self, arrays: dict[str, np.ndarray], moving: Sequence[str], stock_fields: Collection[str]) -> None:
        self.names = [*moving, *(f for f in arrays if f not in moving)]
        self.order = list(arrays)
        self.stack = by_period([arrays[f] for f in self.names])
        self.stock = np.flatnonzero([f in stock_fields for f in self.names])
        self.purchases = Purchases(self.stack, len(moving))
        arrays.update({f: self.stack[:, i].T for i, f in enumerate(self.names)})

    def call(self, t: int, rows: np.ndarray) -> None:
        """Scenarios ``rows`` called in period ``t``: every purchase in, then every column after
        ``t`` zero, and the stocks (balances, counts) from ``t``."""
        self.purchases.settle_all()
        self.stack[t + 1 :, :, rows] = 0.0
        self.stack[t, self.stock[:, None], rows[None, :]] = 0.0

    def close(self, arrays: dict[str, np.ndarray], keep: Collection[str] | None) -> None:
        """Every purchase in; ``arrays`` becomes contiguous (S, T + 1) copies of the columns of
        ``keep`` (None: all), in the order ``arrays`` had."""
        self.purchases.settle_all()
        out = [i for i, f in enumerate(self.names) if keep is None or f in keep]
        made = dict(zip([self.names[i] for i in out], by_scenario(self.stack[:, out] if len(out) < len(self.names) else self.stack), strict=True))
        arrays.clear()
        arrays.update((f, made[f]) for f in self.order if f in made)


LOOP_FIELDS: tuple[str, ...] = (
    "opening_balance",
    "scheduled_principal",
    "prepayment",
    "fee_interest",
    "prepayment_fee",
    "defaults",
    "recoveries",
    "net_loss",
    "closing_balance",
    *BUCKET_FIELDS,
    "balance_restructured",
    "restructured_entries",
    "collection_costs",
    "late_fees",
    "repurchase_proceeds",
    "repurchase_loss",
    "advanced_interest",
    "advanced_principal",
)
"""The pool columns the period loop reads (:func:`_run_periods`, :func:`_period_inputs`)."""


def check_pool_fields(pool_fields: Sequence[str] | None) -> None:
    """``pool_fields`` names pool columns (:data:`~abs_model.projection.cashflows.FIELDS`, the
    advancing ones or ``collection_costs_paid``), or is None."""
    if pool_fields is None:
        return
    known = {*FIELDS, *ADVANCING_FIELDS, "collection_costs_paid"}
    if isinstance(pool_fields, str) or any(f not in known for f in pool_fields):
        bad = pool_fields if isinstance(pool_fields, str) else [f for f in pool_fields if f not in known]
        raise must("pool_fields", "must be a sequence of pool column names", bad, error=DealError)


def moving_fields(arrays: dict[str, np.ndarray], profile: dict[str, np.ndarray] | None, plan: PurchasePlan | None) -> list[str]:
    """The pool columns a purchase adds to: those whose unit profile (the mix's, or any line's of
    the plan) is not all zeros, in the order of ``arrays``."""
    if profile is None:
        return []
    source = plan.profiles if plan is not None else profile
    return [f for f in arrays if f in source and any_nonzero(source[f])]


def any_nonzero(a: np.ndarray) -> bool:
    """``np.any(a)`` for a profile ((S, T + 1), or (L, S, T + 1) by line): most often answered by
    the first scenario's row (the whole array is read only for a field all zeros there)."""
    first = a[..., 0, :] if a.ndim >= 2 and a.shape[-2] > 0 else a
    return bool(np.any(first)) or bool(np.any(a))


def plan_unit(plan: PurchasePlan, t: int, moving: list[str], seen: dict[bytes, np.ndarray]) -> np.ndarray | None:
    """The plan's profile of one unit bought in period ``t`` for the ``moving`` fields, as
    (T + 1, F, S) (:func:`by_period`): the values of ``plan.profile_stack(t, moving)`` —
    ``Σ_l weights[t, l] · profiles[f][l]`` by the same ``np.tensordot`` as
    :meth:`~abs_model.deal.eligibility.PurchasePlan.profile` — made for these fields only, once
    per distinct row of weights (``seen`` keeps them by the row's bytes); a plan's profiles on
    distinct rows are summed there, then copied to every scenario's row (:meth:`PurchasePlan.expand`)."""
    if not plan.profiles:
        return None
    w = np.ascontiguousarray(plan.weights[t], dtype=np.float64)
    key = w.tobytes()
    out = seen.get(key)
    if out is None:
        out = seen[key] = by_period([plan.expand(np.tensordot(w, plan.profiles[f], axes=1)) for f in moving])
    return out
