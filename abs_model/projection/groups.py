"""State groups and their scenario-free weight tables (the projection's exact compression).

The *fractions* path of a line (how much of it sits in each bucket, has defaulted or prepaid)
depends only on its cut-off bucket, its months on book (when a curve or the roll-rate matrix is
indexed by age) and its assumption segment — not on its schedule. So the engine keeps its state
per *state group* and scenario, and every money column is a contraction with scenario-free
weights tabulated once per period:

- ``S[j, g] = Σ_{lines ℓ in g} balance_ℓ · S_ℓ(k_j)``: balance left after ``k_j`` instalments;
- ``F[j, g] = Σ Φ_ℓ(k_j)``: cumulative fee/interest paid by then;
- ``C[j, g] = Σ count_ℓ · [k_j < n_ℓ]``: receivables with a balance left;
- ``U[g] = Σ`` unearned fee of a current receivable (charged on prepayment, per the deal option);

where a receivable in bucket ``j`` at the end of period ``t`` has paid ``k_j = b0 + t − j``
instalments. So bucket ``j``'s weights at ``t`` are bucket 0's at ``τ = t − j``: the closed forms
are evaluated once per ``τ = −(B − 1) … T``, vectorised over lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from abs_model.core.schedule import ScheduleShape
from abs_model.projection.replines import Lines


@dataclass(frozen=True, slots=True)
class StateGroups:
    """Lines grouped by (segment, cut-off bucket, [instalments left,] age); lines arrive ordered so
    that each group is one contiguous run starting at ``starts[g]``."""

    line_group: np.ndarray  # (L,) group number of each line
    starts: np.ndarray  # (G,) first line of each group
    seg: np.ndarray  # (G,) assumption segment index
    b0: np.ndarray  # (G,) cut-off bucket
    age: np.ndarray  # (G,) months on book at cut-off (0 unless something is age-indexed)
    b0_line: np.ndarray  # (L,) cut-off bucket of each line (0 under the sifma convention)
    n: np.ndarray | None = None  # (G,) instalments left at cut-off, when groups key on it (by_term)

    @property
    def size(self) -> int:
        return int(self.starts.size)

    def sum(self, v: np.ndarray) -> np.ndarray:
        """Per-group sums of a per-line vector."""
        if not self.line_group.size:
            return np.zeros(self.size)
        return np.add.reduceat(np.asarray(v, dtype=np.float64), self.starts)

    def sum_rows(self, m: np.ndarray) -> np.ndarray:
        """Per-group sums of each row of a (R, L) array → (R, G): row by row as :meth:`sum`
        (each group's run of a row is added as one contiguous segment, the same additions)."""
        if not self.line_group.size:
            return np.zeros((m.shape[0], self.size))
        return np.add.reduceat(np.ascontiguousarray(m, dtype=np.float64), self.starts, axis=1)


def state_groups(lines: Lines, segment: np.ndarray, *, roll: bool, by_age: bool, by_term: bool = False) -> StateGroups:
    """Group numbers from the small dense key (segment, cut-off bucket, age), and the instalments
    left ``n`` when ``by_term`` (a rate that depends on the remaining term, e.g. the SIFMA rule of
    no defaults in the last ``L`` months)."""
    L = len(lines)
    b0_line = lines.bucket.astype(np.int64) if roll else np.zeros(L, dtype=np.int64)
    age_line = lines.age.astype(np.int64) if by_age else np.zeros(L, dtype=np.int64)
    n_line = lines.n.astype(np.int64)
    term_line = n_line if by_term else np.zeros(L, dtype=np.int64)
    skey = (segment * 8 + b0_line) * (int(term_line.max(initial=0)) + 1) + term_line
    skey = skey * (int(age_line.max(initial=0)) + 1) + age_line
    present = np.bincount(skey) > 0  # a small dense key: map it to group numbers directly
    code = np.cumsum(present) - 1
    sg = code[skey]
    G = int(present.sum())
    first = np.zeros(G, dtype=np.int64)
    first[sg[::-1]] = np.arange(L - 1, -1, -1)
    starts = np.flatnonzero(np.diff(sg, prepend=-1))
    if starts.size != G or np.any(np.diff(sg) < 0):  # pragma: no cover - guarded by project_lines
        raise RuntimeError("internal: lines must be ordered by state group (call project_lines)")
    return StateGroups(sg, starts, segment[first], b0_line[first], age_line[first], b0_line, n_line[first] if by_term else None)


@dataclass(frozen=True, slots=True)
class Weights:
    """Weights of buckets ``j = 0 … B − 1`` at one period: S, F, C of shape (B, G); U (G,);
    RS, RF: S and F weighted by each line's late-fee daily rate (S and F when none is set)."""

    S: np.ndarray
    F: np.ndarray
    C: np.ndarray
    U: np.ndarray
    RS: np.ndarray
    RF: np.ndarray


@dataclass(frozen=True, slots=True)
class ReAgeTable:
    """Re-aged plans of minimum length ``N`` entered after ``k = b0 + τ`` instalments, per τ row,
    group and plan month ``m = 0 … M``, with ``M_ℓ = max(n_ℓ − k, N)`` each receivable's plan length:

    - ``balance[τ, g, m] = Σ_ℓ w_ℓ × max(0, 1 − m / M_ℓ)`` (``w_ℓ = balance_ℓ × S_ℓ(k)``),
    - ``amount[τ, g, m] = Σ_{M_ℓ ≥ m} w_ℓ`` (the plan amount still running in month m),
    - ``count[τ, g, m] = Σ_{M_ℓ > m} count_ℓ`` (receivables with a balance left after month m).
    """

    balance: np.ndarray
    amount: np.ndarray
    count: np.ndarray


@dataclass(frozen=True, slots=True)
class WeightTables:
    """The weights for every ``τ = −(B − 1) … T`` (module doc), and per-line balance factors
    ``S_ℓ(b0 + τ)`` when loan-level balances are kept."""

    S: np.ndarray  # (taus, G)
    F: np.ndarray
    C: np.ndarray
    U: np.ndarray
    B: int
    line_factor: dict[int, np.ndarray]
    RS: np.ndarray | None = None
    RF: np.ndarray | None = None
    re_age: dict[int, ReAgeTable] | None = None

    def at(self, t: int) -> Weights:
        """Rows for buckets j = 0 … B − 1 at period t (τ = t − j)."""
        if not 0 <= t <= self.S.shape[0] - self.B:
            raise IndexError(f"weight tables: period {t} is outside 0 … {self.S.shape[0] - self.B}")
        rows = slice(t + self.B - 1, t - 1 if t > 0 else None, -1)  # rows t + B − 1, …, t (read-only views)
        RS = self.RS[rows] if self.RS is not None else self.S[rows]
        RF = self.RF[rows] if self.RF is not None else self.F[rows]
        return Weights(self.S[rows], self.F[rows], self.C[rows], self.U[t + self.B - 1], RS, RF)

    def row(self, tau: int) -> int:
        """Row of ``τ`` in the tables."""
        return tau + self.B - 1

    def line_factors(self, t: int) -> list[np.ndarray]:
        """Per-line ``S(b0 + t − j)`` for each bucket (loan-level output only)."""
        return [self.line_factor[t - j] for j in range(self.B)]


def weight_tables(
    lines: Lines,
    groups: StateGroups,
    *,
    buckets: int,
    horizon: int,
    unearned_fee: str,
    keep_lines: bool,
    late_rate: np.ndarray | None = None,
    re_age: tuple[int, ...] = (),
) -> WeightTables:
    """Tabulate the weights of the module doc once per ``τ``, vectorised over lines.

    ``late_rate``: each line's late-fee daily rate (tabulates RS, RF); ``re_age``: the minimum
    lengths of re-aged plans (tabulates a :class:`ReAgeTable` each)."""
    sched = ScheduleShape.build(
        product=lines.product,
        n=lines.n,
        annual_rate=lines.rate,
        balance=lines.balance,
        flat_fee=lines.flat_fee,
    )
    bal = lines.balance
    B = buckets
    one_period = unearned_fee == "one_period"
    taus = np.arange(-(B - 1), horizon + 1)
    n_f = lines.n.astype(np.float64)
    # instalments paid by each line at each τ (rows), k = min(max(b0 + τ, 0), n)
    paid = np.minimum(np.maximum(groups.b0_line[:, None] + taus[None, :].astype(np.float64), 0.0), n_f[:, None])
    s_all, phi_all, u_all = _schedules(lines, sched, paid, fee=unearned_fee != "waived")
    WS = groups.sum_rows(bal * s_all)
    WF = groups.sum_rows(phi_all)
    alive = n_f > paid.T  # (taus, L): a balance left after k instalments
    # receivables with a balance left; when every line is one receivable, the flags are the count
    WC = groups.sum_rows(alive if bool(np.all(lines.count == 1.0)) else lines.count * alive)
    WU = np.zeros((taus.size, groups.size))
    if u_all is not None:
        flat = sched.flat_fee if lines.billed is None else lines.billed.flat
        WU = groups.sum_rows(np.minimum(u_all, flat) if one_period else u_all)
    RS = RF = None
    if late_rate is not None:
        RS = groups.sum_rows(late_rate * bal * s_all)
        RF = groups.sum_rows(late_rate * phi_all)
    ages = {N: _ReAgeBuilder(taus.size, groups.size, horizon) for N in sorted(set(re_age))}
    for N, builder in ages.items():
        for i_tau in range(taus.size):
            k = paid[:, i_tau]
            builder.add(i_tau, groups, n_f - k, bal * s_all[i_tau], lines.count * (k < n_f), N)
    keep = {int(tau): s_all[i] for i, tau in enumerate(taus)} if keep_lines else {}
    tables = {N: b.table() for N, b in ages.items()} if ages else None
    for w in (WS, WF, WC, WU, RS, RF):
        if w is not None:
            w.setflags(write=False)  # :meth:`WeightTables.at` hands out views of them
    return WeightTables(WS, WF, WC, WU, B, keep, RS, RF, tables)


def _schedules(lines: Lines, sched: ScheduleShape, paid: np.ndarray, *, fee: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Balance factors ``S_ℓ(k)``, cumulative fees ``Φ_ℓ(k)`` and (``fee``) flat fees still to
    bill after ``k``, each (taus, L) for ``paid`` (L, taus): the closed forms over every τ at
    once, or the lines' cents tables (``lines.billed``) one τ at a time."""
    if lines.billed is None:
        s = sched.balance_factor(paid, clipped=True)
        phi = sched.fee_cumulative(paid, s, clipped=True)
        u = sched.fee_remaining(paid) if fee else None
        return np.ascontiguousarray(s.T), np.ascontiguousarray(phi.T), None if u is None else np.ascontiguousarray(u.T)
    billed = lines.billed
    rows = [billed.at(paid[:, i]) for i in range(paid.shape[1])]
    s_all = np.stack([r[0] for r in rows])
    phi_all = np.stack([r[1] for r in rows])
    u_all = np.stack([billed.fee_remaining(paid[:, i]) for i in range(paid.shape[1])]) if fee else None
    return s_all, phi_all, u_all


class _ReAgeBuilder:
    """Fills a :class:`ReAgeTable` one τ row at a time: by group and plan length (lengths past the
    horizon share one bin), tail sums over lengths give the three tables."""

    def __init__(self, rows: int, G: int, horizon: int) -> None:
        self.M = horizon
        self.G = G
        self.balance = np.zeros((rows, G, horizon + 1))
        self.amount = np.zeros((rows, G, horizon + 1))
        self.count = np.zeros((rows, G, horizon + 1))

    def add(self, row: int, groups: StateGroups, remaining: np.ndarray, w: np.ndarray, c: np.ndarray, N: int) -> None:
        M = np.maximum(remaining, float(N))
        bins = self.M + 2
        key = groups.line_group * bins + np.minimum(M, self.M + 1).astype(np.int64)
        size = self.G * bins
        w_by = np.bincount(key, weights=w, minlength=size).reshape(self.G, bins)
        wm_by = np.bincount(key, weights=w / M, minlength=size).reshape(self.G, bins)
        c_by = np.bincount(key, weights=c, minlength=size).reshape(self.G, bins)
        # tail[b] = Σ over length bins ≥ b
        w_tail = np.cumsum(w_by[:, ::-1], axis=1)[:, ::-1]
        wm_tail = np.cumsum(wm_by[:, ::-1], axis=1)[:, ::-1]
        c_tail = np.cumsum(c_by[:, ::-1], axis=1)[:, ::-1]
        m = np.arange(self.M + 1)
        self.balance[row] = w_tail[:, 1:] - m * wm_tail[:, 1:]  # lengths > m
        self.amount[row] = w_tail[:, :-1]  # lengths ≥ m
        self.count[row] = c_tail[:, 1:]

    def table(self) -> ReAgeTable:
        return ReAgeTable(self.balance, self.amount, self.count)


def bsum(x: np.ndarray, f: np.ndarray) -> np.ndarray:
    """``Σ_j x[j] · f[j]`` over the bucket axis: x (B, S, G), f (B, G) → (S, G).

    One product and one reduction over the leading axis, which numpy adds row after row
    (``((x₀f₀ + x₁f₁) + x₂f₂) + …``, the order of a loop over ``j``)."""
    return np.multiply(x, f[: x.shape[0], None, :]).sum(axis=0)


class PartSums:
    """Sums over state groups, per part of the lines (:func:`~abs_model.projection.engine.project_parts`
    with the parts along the group axis): the state keeps ``U`` scenario rows and each part its
    own state groups (a contiguous run of groups from ``starts[k]``), and every per-scenario sum
    over groups is taken per part, ``K · U`` rows, part-major (row ``k·U + u``: part ``k``,
    scenario ``u``) — the rows of :mod:`abs_model.projection.rows`.

    With one part (``starts`` None) every method is the plain expression it replaces (``v.sum(-1)``,
    ``x @ w``, …), so a run without parts keeps its arithmetic bit for bit; with parts each is the
    same sum taken over the part's groups alone (a segment sum, :func:`numpy.add.reduceat`).
    The sums are typed ``Any``, as the numpy expressions they replace."""

    __slots__ = ("K", "U", "rows", "starts")

    def __init__(self, starts: np.ndarray | None, U: int) -> None:
        self.starts = starts
        self.K = 1 if starts is None else int(starts.size)
        self.U = U
        self.rows = self.K * U

    def sum(self, v: np.ndarray) -> Any:
        """``v`` (U, G) → (K·U,): ``Σ_{g in part k} v[u, g]``."""
        if self.starts is None:
            return v.sum(-1)
        return np.add.reduceat(v, self.starts, axis=-1).T.reshape(-1)

    def sum_each(self, v: np.ndarray) -> Any:
        """``v`` (N, U, G) → (N, K·U): :meth:`sum` of each ``v[i]``."""
        if self.starts is None:
            return v.sum(-1)
        return np.add.reduceat(v, self.starts, axis=-1).transpose(0, 2, 1).reshape(v.shape[0], self.rows)

    def dot_each(self, x: np.ndarray, w: np.ndarray) -> Any:
        """``x`` (B, U, G), ``w`` (B, G) → ``[x[j] · w[j] for j]`` ((B, K·U) with parts, in one
        batch of part sums; without, the B matrix products)."""
        if self.starts is None:
            return [x[j] @ w[j] for j in range(x.shape[0])]
        return self.sum_each(x * w[: x.shape[0], None, :])

    def dot(self, x: np.ndarray, w: np.ndarray) -> Any:
        """``x`` (U, G) · ``w`` (G,) → (K·U,)."""
        if self.starts is None:
            return x @ w
        return self.sum(x * w)

    def sum02(self, v: np.ndarray) -> Any:
        """``v`` (N, U, G) summed over its first and last axes → (K·U,)."""
        if self.starts is None:
            return v.sum(axis=(0, 2))
        return self.sum(v.sum(axis=0))

    def dot_sum0(self, v: np.ndarray, w: np.ndarray) -> Any:
        """``(v @ w).sum(axis=0)`` for ``v`` (N, U, G), ``w`` (G,) → (K·U,)."""
        if self.starts is None:
            return (v @ w).sum(axis=0)
        return self.sum((v * w).sum(axis=0))

    def mat(self, x: np.ndarray, m: np.ndarray) -> Any:
        """``x`` (U, G) @ ``m`` (G, M) → (K·U, M)."""
        if self.starts is None:
            return x @ m
        by_part = np.add.reduceat(x[:, :, None] * m[None, :, :], self.starts, axis=1)  # (U, K, M)
        return by_part.transpose(1, 0, 2).reshape(self.rows, m.shape[1])

    def blocks(self, v: np.ndarray, part_of_group: np.ndarray | None) -> np.ndarray:
        """``v`` (…, U, G) → (…, K·U, G): row ``k·U + u`` holds ``v[…, u, g]`` on part ``k``'s
        groups and 0.0 elsewhere (the block rows of :mod:`abs_model.projection.rows`); ``v``
        itself with one part."""
        if self.starts is None or part_of_group is None:
            return v
        rows = np.tile(np.arange(self.U), self.K)
        block = np.repeat(np.arange(self.K), self.U)
        mask = (block[:, None] == part_of_group[None, :]).astype(np.float64)
        return v[..., rows, :] * mask
