"""Exact economies of the period engine, each checked against the plain way of computing
the same numbers:

- ``project_parts`` (parts of the lines projected side by side in one run, a block of scenario
  rows per part) gives each part's totals as ``project_lines`` of that part alone;
- scenarios sharing their prepayment and default multiples share one state path: a batch with
  repeated (prepay, default) pairs and different recovery multiples gives each scenario's totals
  as its own one-scenario projection;
- a projection's first ``T + 1`` columns do not depend on how far past ``T`` it runs, and its
  number of columns is known without projecting (``projected_periods``).

Every column of the totals is compared to ``RTOL = 1e-12`` relative to the column's largest
magnitude (a column holds exact zeros and float64 noise around them, which a pure relative test
would read as a mismatch), under the example's roll-rate assumptions with late fees and arrears
plans, re-age / freeze / buy-back plans, SIFMA CDR with advancing, the SIFMA cumulative default
rate (lines coupled through the run's initial balance: projected part by part), absbox, and a
legal threshold (lines split by balance: part by part).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

import abs_model as am
import abs_model.projection.engine as engine
from abs_model.assumptions.assumptions import Assumptions
from abs_model.assumptions.servicing import ChargeOffPath
from abs_model.deal.model import replenishment_pool
from abs_model.errors import AssumptionError
from abs_model.projection.cashflows import FIELDS
from abs_model.projection.engine import _subset, horizon_for, project_lines, project_parts, projected_periods
from abs_model.projection.recoveries import with_recoveries
from abs_model.projection.replines import Lines, profile_lines, rep_lines
from tests.abs_model.assumption_sets import engine_sets

ROOT = Path(__file__).resolve().parents[3]
RTOL = 1e-12
STRESS = {
    "prepay_mult": np.array([0.5, 1.0, 1.0, 2.0, 1.0]),
    "default_mult": np.array([1.0, 3.0, 3.0, 0.5, 3.0]),
    "recovery_mult": np.array([1.0, 0.5, 2.0, 1.0, 0.5]),  # rows 1, 2 and 4 share (prepay, default)
}


def _sets() -> dict[str, Assumptions]:
    deal = am.load_deal(ROOT / "examples" / "baitiao_revolving.yaml", pool=am.synthetic_pool(500, seed=2), scale_pool=True)
    assert deal.assumptions is not None
    return engine_sets(deal.assumptions)


SETS = _sets()
POOL = am.synthetic_pool(3_000, seed=7)


def _close(got: dict[str, np.ndarray], want: dict[str, np.ndarray], what: str, *, columns: int | None = None) -> None:
    assert set(got) == set(want), what
    for f, w in want.items():
        g = got[f]
        if columns is not None:
            g, w = g[..., :columns], w[..., :columns]
        assert g.shape == w.shape, f"{what}: {f}"
        scale = float(np.abs(w).max(initial=0.0))
        np.testing.assert_allclose(g, w, rtol=RTOL, atol=RTOL * scale, err_msg=f"{what}: {f}")


def _parts_of(lines: Lines) -> np.ndarray:
    """Three parts cutting across state groups: by product and remaining term."""
    return ((lines.product.astype(np.int64) + lines.n.astype(np.int64)) % 3).astype(np.int64)


@pytest.mark.parametrize("name", list(SETS))
def test_each_part_as_projected_alone(name: str) -> None:
    a = SETS[name]
    lines = rep_lines(POOL, a)
    parts = _parts_of(lines)
    assert sorted(set(parts.tolist())) == [0, 1, 2]
    h = horizon_for(lines, a)
    got = project_parts(lines, a, parts, horizon=h, **STRESS)
    for k in range(3):
        want = project_lines(_subset(lines, parts == k), a, horizon=h, **STRESS).totals
        _close(got.part(k), want, f"{name}, part {k}")


def test_replenishment_lines_in_one_run_equal_each_line_alone() -> None:
    """The runner's case: one unit of each replenishment line, one line a part (all four share
    one state group's key: current, age 0, one segment)."""
    deal = am.load_deal(ROOT / "examples" / "baitiao_revolving.yaml", pool=am.synthetic_pool(500, seed=2), scale_pool=True)
    a = deal.assumptions
    assert a is not None
    units = []
    for ln in deal.revolving.replenishment:
        one = dataclasses.replace(deal.revolving, replenishment=(dataclasses.replace(ln, share=1.0),))
        units.append(dataclasses.replace(profile_lines(replenishment_pool(one), a), count=np.array([1.0 / ln.average_balance])))
    both = Lines(**{f: np.concatenate([getattr(u, f) for u in units]) for f in Lines.__dataclass_fields__ if f != "billed"})
    for mults in ({}, STRESS):
        got = project_parts(both, a, np.arange(4), horizon=40, **mults)  # type: ignore[arg-type]
        for k, u in enumerate(units):
            _close(got.part(k), project_lines(u, a, horizon=40, **mults).totals, f"line {k}")  # type: ignore[arg-type]


@pytest.mark.parametrize("name", list(SETS))
def test_scenarios_sharing_prepay_and_default_share_one_state_path(name: str) -> None:
    a = SETS[name]
    lines = rep_lines(POOL, a)
    batch = project_lines(lines, a, **STRESS).totals
    for s in range(STRESS["prepay_mult"].size):
        alone = project_lines(lines, a, **{k: v[s : s + 1] for k, v in STRESS.items()}).totals
        _close({f: v[s : s + 1] for f, v in batch.items()}, alone, f"{name}, scenario {s}")


@pytest.mark.parametrize("name", list(SETS))
def test_the_first_columns_do_not_depend_on_the_horizon(name: str) -> None:
    a = SETS[name]
    lines = rep_lines(POOL, a)
    own = horizon_for(lines, a)
    full = project_lines(lines, a, **STRESS).totals
    for h in (5, 12, own - 3, own + 7):
        got = project_lines(lines, a, horizon=h, **STRESS).totals
        _close(got, full, f"{name}, horizon {h}", columns=min(h, own) + 1)


def test_parts_must_number_every_line_and_use_every_number() -> None:
    a = SETS["absbox"]
    lines = rep_lines(POOL, a)
    with pytest.raises(AssumptionError, match="parts: must give each"):
        project_parts(lines, a, np.zeros(len(lines) - 1, dtype=np.int64))
    with pytest.raises(AssumptionError, match="parts: must give each"):
        project_parts(lines, a, np.zeros(len(lines)))  # floats
    with pytest.raises(AssumptionError, match="must use every part number"):
        project_parts(lines, a, np.full(len(lines), 2, dtype=np.int64))


@pytest.mark.parametrize("name", list(SETS))
def test_projected_periods_count_the_columns_without_projecting(name: str) -> None:
    a = SETS[name]
    lines = rep_lines(POOL, a)
    for h in (None, 7, 40):
        assert projected_periods(lines, a, horizon=h) == project_lines(lines, a, horizon=h).totals["closing_balance"].shape[1] - 1


def test_weight_tables_are_shared_by_content_and_read_only() -> None:
    """The scenario-free weight tables are kept by content: a second run on equal lines (a new
    object) is served from them with the same totals, a change to the lines or the horizon makes
    new ones, and the kept tables cannot be written."""
    a = SETS["baitiao (roll rates, late fees, arrears plans)"]
    lines = rep_lines(POOL, a)
    engine._TABLES.clear()
    first = project_lines(lines, a, **STRESS).totals
    assert len(engine._TABLES) == 1
    again = project_lines(dataclasses.replace(lines, balance=lines.balance.copy()), a, **STRESS).totals
    assert len(engine._TABLES) == 1
    for f, v in first.items():
        np.testing.assert_array_equal(again[f], v, err_msg=f)
    project_lines(dataclasses.replace(lines, balance=lines.balance * 2.0), a)
    project_lines(lines, a, horizon=9)
    assert len(engine._TABLES) == 3
    tables = next(iter(engine._TABLES.values()))
    with pytest.raises(ValueError, match="read-only"):
        tables.S[0, 0] = 1.0


@pytest.mark.parametrize("charge_off", [False, True])
def test_with_recoveries_fields_are_the_same_numbers(charge_off: bool) -> None:
    """Columns asked for by ``fields`` are, bit for bit, those of the full call (the others are
    left out, but for the defaults and balances it reads); the order stays that of FIELDS."""
    rng = np.random.default_rng(7)
    U, S, T = 4, 9, 6
    take = rng.integers(0, U, S)
    rm = rng.uniform(0.5, 1.5, S)
    path = ChargeOffPath(sale_share=0.3, sale_price=0.1, legal_share=0.5, legal_cost_per_case=20.0, legal_success_rate=0.4) if charge_off else None

    def call(fields: tuple[str, ...] | None) -> dict[str, np.ndarray]:
        tot = {f: np.random.default_rng(1).uniform(0, 10, (U, T + 1)) + i for i, f in enumerate(FIELDS)}
        rec = np.random.default_rng(2).uniform(0, 5, (S, T + 1))
        return with_recoveries(tot, rec, timing=np.array([0.0, 0.5, 0.3, 0.2]), charge_off=path, rm=rm, take=take, fields=fields)

    full = call(None)
    assert list(full) == list(FIELDS)
    for fields in [("recoveries", "prepayment", "count"), ("net_loss",), ()]:
        some = call(fields)
        assert list(some) == [f for f in FIELDS if f in fields or f in ("defaults", "opening_balance", "closing_balance")]
        for f, v in some.items():
            np.testing.assert_array_equal(v, full[f], err_msg=f)


@pytest.mark.parametrize("name", list(SETS))
def test_parts_left_on_distinct_rows_are_the_same_numbers(name: str) -> None:
    """``expand=False`` keeps the columns that do not depend on the recovery multiple on the run's
    distinct (prepay, default) rows — here 3 of the 5 scenarios' — and every part's columns on
    the scenarios' rows (``part``) are, bit for bit, those of the expanded run."""
    a = SETS[name]
    lines = rep_lines(POOL, a)
    parts = _parts_of(lines)
    h = horizon_for(lines, a)
    full = project_parts(lines, a, parts, horizon=h, **STRESS)
    some = ("recoveries", "net_loss", "prepayment", "count", "late_fees")
    lazy = project_parts(lines, a, parts, horizon=h, fields=some, expand=False, **STRESS)
    # one run of every part (not the coupled cumulative default, not the legal threshold's split), no
    # advancing (its columns are per scenario row): the distinct rows
    if not a.advancing and a.cumulative_default is None and "legal" not in name:
        assert lazy.rows is not None and lazy.rows.tolist() == [0, 1, 1, 2, 1]
        assert lazy.totals["prepayment"].shape[1] == 3 and lazy.totals["recoveries"].shape[1] == 5
    for k in range(3):
        got, want = lazy.part(k), full.part(k)
        assert set(some) <= set(got) <= set(want)
        for f, v in got.items():
            np.testing.assert_array_equal(v, want[f], err_msg=f"{name}, part {k}, {f}")
