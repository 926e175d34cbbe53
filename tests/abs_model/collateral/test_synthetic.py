"""The synthetic Baitiao-like generator: deterministic, realistic shares, schedule-consistent."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy_financial as npf
import pandas as pd
import pytest

from abs_model.collateral import synthetic
from abs_model.collateral.pool import Pool
from abs_model.collateral.synthetic import (
    FEE_GRID,
    TERMS,
    example_tape_path,
    synthetic_pool,
    synthetic_tape,
    write_example_tape,
)
from abs_model.collateral.tape import read_tape
from abs_model.core.products import Product
from abs_model.errors import AssumptionError

CENT = 0.005
REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def pool() -> Pool:
    return synthetic_pool(200_000, seed=11)


def test_same_seed_same_pool_other_seed_other_pool() -> None:
    a, b, c = synthetic_pool(5_000, seed=1), synthetic_pool(5_000, seed=1), synthetic_pool(5_000)
    for f in ("current_principal", "original_term", "rate", "bucket", "origination_date"):
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f))
    assert not np.array_equal(a.current_principal, c.current_principal)
    assert a.segments["region"].tolist() == b.segments["region"].tolist()


def test_terms_products_and_fees_look_like_baitiao(pool: Pool) -> None:
    assert set(np.unique(pool.original_term)) == set(TERMS)
    one = pool.original_term == 1
    # term 1 is the 30-day interest-free deferral
    assert np.all(pool.product[one] == Product.BULLET) and np.all(pool.rate[one] == 0)
    flat = pool.product == Product.FLAT_FEE
    assert flat.mean() > 0.5  # mostly flat-fee plans
    assert set(np.unique(pool.rate[flat])) <= {0.0, *FEE_GRID}
    assert 0.22 < (pool.rate[flat] == 0).mean() < 0.28  # zero_fee_share = 0.25
    interest = (pool.product == Product.LEVEL_PAYMENT) | (pool.product == Product.EQUAL_PRINCIPAL)
    assert np.all((pool.rate[interest] > 0.05) & (pool.rate[interest] < 0.36))  # annual rates


def test_about_97_percent_of_loans_are_under_3000(pool: Pool) -> None:
    under = pool.original_principal < 3000
    assert 0.96 < under.mean() < 0.98
    assert np.all(pool.original_principal == np.round(pool.original_principal))  # whole RMB
    assert np.all(pool.current_principal == np.round(pool.current_principal, 2))  # cents


def test_delinquency_is_a_few_percent_and_declines_by_bucket(pool: Pool) -> None:
    share = (pool.bucket > 0).mean()
    assert share == pytest.approx(0.03, abs=0.003)
    counts = np.bincount(pool.bucket, minlength=7)[1:]
    assert np.all(np.diff(counts) < 0)  # M1 > M2 > … > M6
    # a loan in M_b has at least b instalments due, and still some to come
    assert np.all(pool.age >= pool.bucket)
    assert np.all(pool.remaining_term >= 1)


def test_current_principal_follows_the_contractual_schedule(pool: Pool) -> None:
    """Vectorised balances equal a per-loan reference computation (missed instalments unpaid)."""
    rng = np.random.default_rng(0)
    for i in rng.choice(pool.n, 300, replace=False):
        N, paid = int(pool.original_term[i]), int(pool.age[i] - pool.bucket[i])
        P, prod = float(pool.original_principal[i]), Product(int(pool.product[i]))
        if prod is Product.BULLET:
            want = P
        elif prod is Product.LEVEL_PAYMENT:
            r = float(pool.rate[i]) / 12
            pay = float(-npf.pmt(r, N, P))
            want = P
            for _ in range(paid):
                want -= pay - want * r
        else:  # flat_fee, equal_principal: principal P/N an instalment
            want = P - paid * P / N
        assert pool.current_principal[i] == pytest.approx(want, abs=CENT), (i, prod)


def test_origination_dates_sit_age_months_before_the_cutoff(pool: Pool) -> None:
    days = (pool.cutoff_date - pool.origination_date).astype(int)
    assert np.all(days >= 30 * pool.age) and np.all(days < 30 * pool.age + 30)


def test_segments_are_present() -> None:
    p = synthetic_pool(2_000, seed=2)
    assert set(p.segments) == {"region", "channel", "score_band"}
    assert set(p.segments["score_band"]) == {"A", "B", "C", "D", "E"}
    assert set(p.segments["channel"]) == {"app", "web", "partner"}


def test_synthetic_tape_is_the_same_pool_through_read_tape() -> None:
    tape = synthetic_tape(3_000, seed=5)
    via_tape = Pool.from_tape(read_tape(tape, cutoff_date="2026-06-30"))
    direct = synthetic_pool(3_000, seed=5)
    for f in ("loan_id", "current_principal", "remaining_term", "product", "rate", "bucket"):
        np.testing.assert_array_equal(getattr(via_tape, f), getattr(direct, f))
    assert via_tape.cutoff_date == direct.cutoff_date


def test_a_million_loans_generate() -> None:
    """(Speed is measured by benchmarks/bench_tape.py: no wall-clock assertion in a test.)"""
    p = synthetic_pool(1_000_000, seed=0)
    assert p.n == 1_000_000


def test_write_example_tape_reproduces_the_shipped_example(tmp_path: Path) -> None:
    out = write_example_tape(tmp_path / "tape.csv")
    shipped = REPO / "examples" / "baitiao_tape.csv"
    pd.testing.assert_frame_equal(read_tape(out), read_tape(shipped), check_like=True)
    assert example_tape_path().read_bytes() == shipped.read_bytes()  # the packaged copy
    assert shipped.stat().st_size < 300_000
    assert len(read_tape(shipped)) == 2000


def test_chinese_example_reads_to_the_same_tape(tmp_path: Path) -> None:
    zh = write_example_tape(tmp_path / "zh.csv", n=300, language="zh")
    en = write_example_tape(tmp_path / "en.csv", n=300)
    assert "借据号" in zh.read_text(encoding="utf-8").splitlines()[0]
    assert read_tape(zh).equals(read_tape(en))
    shipped = REPO / "examples" / "baitiao_tape_zh.csv"
    assert read_tape(shipped).equals(read_tape(REPO / "examples" / "baitiao_tape.csv"))


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"n": -1}, "n"),
        ({"n": 10, "delinquent_share": 3.0}, "delinquent_share"),
        ({"n": 10, "zero_fee_share": -0.1}, "zero_fee_share"),
    ],
)
def test_bad_arguments_name_the_field(kwargs: dict[str, float], field: str) -> None:
    with pytest.raises(AssumptionError, match=f"^{field}: "):
        synthetic_pool(**kwargs)  # type: ignore[arg-type]


def test_loan_ids_are_the_numbers_written_out() -> None:
    """``_ids`` builds the ids from digit arithmetic; the plain reference formats each number."""
    from abs_model.collateral.synthetic import _ids

    for n, prefix, width in [(1_234, b"BT", 9), (1, b"BT", 9), (0, b"BT", 9), (1_001, b"X", 7), (120, b"", 4), (99, b"Q", 2)]:
        got = _ids(n, prefix, width)
        want = [f"{prefix.decode()}{i:0{width}d}" for i in range(1, n + 1)]
        assert got.dtype == np.dtype(f"U{len(prefix) + width}") and got.tolist() == want


# ----------------------------------------------------------------------------- draws by comparison passes
def test_pool_is_the_pool_drawn_with_searchsorted(monkeypatch: pytest.MonkeyPatch) -> None:
    """Old versus new: the pool drawn with a binary search per draw (the generator before issue
    16's sixth round) equals today's, every field and segment bit for bit."""
    new = synthetic_pool(50_000, seed=3)
    monkeypatch.setattr(synthetic, "search_few", lambda edges, v, side: np.searchsorted(edges, v, side=side))
    old = synthetic_pool(50_000, seed=3)
    for f in ("loan_id", "original_principal", "current_principal", "original_term", "remaining_term", "product", "rate", "bucket", "origination_date"):
        a, b = getattr(new, f), getattr(old, f)
        assert a.dtype == b.dtype and np.array_equal(a, b), f
    for k in old.segments:
        assert np.array_equal(new.segments[k], old.segments[k]), k


def test_arrays_of_the_pool_are_read_only() -> None:
    p = synthetic_pool(1_000, seed=2)
    for f in ("loan_id", "current_principal", "original_term", "product", "bucket", "origination_date"):
        assert not getattr(p, f).flags.writeable, f
    assert not p.segments["region"].flags.writeable
