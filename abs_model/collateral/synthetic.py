"""Synthetic Baitiao-like (京东白条) receivable pools and tapes, deterministic by seed.

The generator draws, per loan and fully vectorised (numpy ``Generator``):

- ``original_term`` from :data:`TERMS` with :data:`TERM_WEIGHTS`; term 1 is the 30-day
  interest-free deferral (``bullet``, rate 0);
- ``product`` for terms > 1 from :data:`PRODUCT_WEIGHTS` (mostly ``flat_fee``);
- the flat fee per period from :data:`FEE_GRID` (a ``zero_fee_share`` of flat-fee plans are 0 %
  promotional plans); ``level_payment`` / ``equal_principal`` loans carry the annual rate equal to
  the APR of the drawn fee (:func:`abs_model.core.pricing.flat_fee_apr`, rounded to 0.01 %);
- ``original_principal`` lognormal with a median by term (:data:`BALANCE_MEDIAN`) and
  ``σ = BALANCE_SIGMA``, rounded to whole RMB (many loans share values) and clipped to
  [10, 50 000] — about 97 % of loans and three quarters of the amount are under RMB 3,000, near
  the 2017 book statistics (97 % / 72 %);
- seasoning ``age`` uniform on ``0 … term − 1`` (so ``remaining_term ≥ 1``);
- delinquency: about ``delinquent_share`` of loans (by count) are M1..M6 at cut-off with declining
  weights :data:`BUCKET_WEIGHTS`, more likely in weak score bands; only loans with term > bucket
  can be delinquent, their age is at least the bucket and ``days_past_due`` lies inside it;
- ``current_principal`` the scheduled balance after ``paid = age − bucket`` instalments (missed
  instalments stay in the balance): ``flat_fee``/``equal_principal``: ``P (N − paid)/N``;
  ``level_payment``: ``P ((1+r)^N − (1+r)^paid)/((1+r)^N − 1)``, ``r = rate/12``; ``bullet``:
  ``P``; rounded to the cent;
- segments ``region``, ``channel``, ``score_band``; ``origination_date`` about ``age`` months
  before the cut-off.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from abs_model.collateral.pool import Pool
from abs_model.core.codes import search_few
from abs_model.core.limits import MAX_SEED, MAX_SYNTHETIC_LOANS
from abs_model.core.pricing import flat_fee_apr
from abs_model.core.products import PRODUCT_KEYS, PRODUCT_LABELS_ZH, Product
from abs_model.core.rates import annuity_balance_factor
from abs_model.errors import must

__all__ = [
    "BALANCE_MEDIAN",
    "BALANCE_SIGMA",
    "BUCKET_WEIGHTS",
    "FEE_GRID",
    "FEE_WEIGHTS",
    "PRODUCT_WEIGHTS",
    "TERMS",
    "TERM_WEIGHTS",
    "example_tape_path",
    "synthetic_pool",
    "synthetic_tape",
    "write_example_tape",
]

TERMS: tuple[int, ...] = (1, 3, 6, 12, 24)
TERM_WEIGHTS: tuple[float, ...] = (0.25, 0.30, 0.22, 0.16, 0.07)
#: Median original principal (RMB) by term.
BALANCE_MEDIAN: dict[int, float] = {1: 180.0, 3: 330.0, 6: 450.0, 12: 600.0, 24: 780.0}
BALANCE_SIGMA = 1.05
#: Instalment plans (term > 1): flat_fee, level_payment, equal_principal.
PRODUCT_WEIGHTS: tuple[float, float, float] = (0.85, 0.10, 0.05)
#: Non-zero flat fee per period and its weights (0 % plans come from ``zero_fee_share``).
FEE_GRID: tuple[float, ...] = (0.005, 0.006, 0.007, 0.008, 0.010, 0.012)
FEE_WEIGHTS: tuple[float, ...] = (0.20, 0.25, 0.20, 0.15, 0.12, 0.08)
#: Share of delinquent loans in M1..M6.
BUCKET_WEIGHTS: tuple[float, ...] = (0.40, 0.22, 0.14, 0.10, 0.08, 0.06)
REGIONS: tuple[str, ...] = ("华东", "华南", "华北", "西部")
REGION_WEIGHTS: tuple[float, ...] = (0.35, 0.25, 0.22, 0.18)
CHANNELS: tuple[str, ...] = ("app", "web", "partner")
CHANNEL_WEIGHTS: tuple[float, ...] = (0.70, 0.15, 0.15)
SCORE_BANDS: tuple[str, ...] = ("A", "B", "C", "D", "E")
SCORE_WEIGHTS: tuple[float, ...] = (0.15, 0.30, 0.30, 0.17, 0.08)
#: Relative delinquency propensity by score band.
SCORE_RISK: tuple[float, ...] = (0.3, 0.6, 1.0, 1.8, 3.0)

#: Tape column order written by :func:`synthetic_tape`.
TAPE_COLUMNS: tuple[str, ...] = (
    "loan_id",
    "original_principal",
    "current_principal",
    "original_term",
    "remaining_term",
    "product",
    "rate",
    "origination_date",
    "days_past_due",
    "region",
    "channel",
    "score_band",
)
#: Chinese headers used by ``write_example_tape(..., language="zh")`` (all in the ZH map).
ZH_HEADERS: dict[str, str] = {
    "loan_id": "借据号",
    "original_principal": "放款金额",
    "current_principal": "剩余本金",
    "original_term": "总期数",
    "remaining_term": "剩余期数",
    "product": "产品类型",
    "rate": "费率",
    "origination_date": "放款日期",
    "days_past_due": "逾期天数",
    "region": "地区",
    "channel": "渠道",
    "score_band": "评分等级",
}


#: The three ASCII digits of 000 … 999, one row each.
_THREE_DIGITS = np.array([[ord(c) for c in f"{i:03d}"] for i in range(1000)], dtype=np.uint32)


def _ids(n: int, prefix: bytes = b"BT", width: int = 9) -> np.ndarray:
    """``BT000000001`` … built from digit arithmetic (no per-loan Python formatting): three digits
    at a time from a table, written as the code points of a fixed-width unicode array."""
    k = np.arange(1, n + 1, dtype=np.int64)
    p = len(prefix)
    buf = np.empty((n, p + width), dtype=np.uint32)  # UCS-4 code points: viewed as str below
    buf[:, :p] = np.frombuffer(prefix, dtype=np.uint8)
    end = p + width
    while end - 3 >= p:
        k, group = np.divmod(k, 1000)
        buf[:, end - 3 : end] = _THREE_DIGITS[group]
        end -= 3
    for j in range(end - 1, p - 1, -1):  # a width that is not a multiple of 3
        k, digit = np.divmod(k, 10)
        buf[:, j] = digit + ord("0")
    return buf.view(f"U{p + width}").ravel()


def _choice(rng: np.random.Generator, n: int, weights: tuple[float, ...]) -> np.ndarray:
    """Index of each of ``n`` draws by ``weights``: the number of cumulative shares ≤ a uniform draw
    (``searchsorted(cumsum(p), u, side="right")``), at most the last index."""
    p = np.asarray(weights, dtype=np.float64)
    return search_few(np.cumsum(p / p.sum()), rng.random(n), side="right").clip(0, len(p) - 1)


def _generate(n: int, seed: int, cutoff_date: Any, delinquent_share: float, zero_fee_share: float) -> dict[str, Any]:
    """Every field of ``n`` synthetic receivables. The draws are made in one fixed order (products,
    fees, balances, segments, delinquency, origination day), so a seed gives the same pool."""
    n = _check_generate(n, seed, delinquent_share, zero_fee_share)
    cutoff = np.datetime64(pd.Timestamp(cutoff_date).date(), "D")
    rng = np.random.default_rng(seed)
    terms, product = _terms_and_products(rng, n)
    rate = _fees_and_rates(rng, n, terms, product, zero_fee_share)
    median = np.asarray([BALANCE_MEDIAN[t] for t in TERMS])[np.searchsorted(TERMS, terms)]
    original = np.clip(np.round(median * np.exp(BALANCE_SIGMA * rng.standard_normal(n))), 10, 50_000)
    region = np.asarray(REGIONS)[_choice(rng, n, REGION_WEIGHTS)]
    channel = np.asarray(CHANNELS)[_choice(rng, n, CHANNEL_WEIGHTS)]
    score_idx = _choice(rng, n, SCORE_WEIGHTS)
    bucket, age, dpd = _seasoning(rng, n, terms, score_idx, delinquent_share)
    current = _current_principal(original, terms, product, rate, paid=(age - bucket).astype(np.float64))
    days_back = age.astype(np.int64) * 30 + rng.integers(0, 30, n)
    return {
        "loan_id": _ids(n),
        "original_principal": original.astype(np.float64),
        "current_principal": current,
        "original_term": terms,
        "remaining_term": (terms - age).astype(np.int32),
        "product": product,
        "rate": rate,
        "bucket": bucket,
        "days_past_due": dpd,
        "origination_date": cutoff - days_back.astype("timedelta64[D]"),
        "segments": {"region": region, "channel": channel, "score_band": np.asarray(SCORE_BANDS)[score_idx]},
        "cutoff_date": cutoff,
    }


def _check_generate(n: int, seed: Any, delinquent_share: float, zero_fee_share: float) -> int:
    """The sizes a Python caller gives, held to the deal file's bounds (a NaN ``n`` failed as
    numpy's 'cannot convert float NaN to integer', ``seed=-1`` as 'expected non-negative integer'
    naming neither, ``n`` = 10**9 allocated tens of gigabytes)."""
    whole = isinstance(n, int | float | np.integer | np.floating) and not isinstance(n, bool) and np.isfinite(n)
    if not whole or int(n) != n or n < 0:
        raise must("n", "must be a whole number of loans ≥ 0", n)
    if n > MAX_SYNTHETIC_LOANS:
        raise must("n", f"must be at most {MAX_SYNTHETIC_LOANS:,} loans (about 40 arrays of that length)", n)
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or not 0 <= seed <= MAX_SEED:
        raise must("seed", "must be a whole number from 0 to 2**32 − 1 (a random seed)", seed)
    if not 0.0 <= delinquent_share < 1.0:
        raise must("delinquent_share", "must be a decimal in [0, 1)", delinquent_share)
    if not 0.0 <= zero_fee_share <= 1.0:
        raise must("zero_fee_share", "must be a decimal in [0, 1]", zero_fee_share)
    return int(n)


def _terms_and_products(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Terms by weight; instalment products by weight, the 1-period term always a bullet."""
    terms = np.asarray(TERMS, dtype=np.int32)[_choice(rng, n, TERM_WEIGHTS)]
    inst_code = np.asarray([Product.FLAT_FEE, Product.LEVEL_PAYMENT, Product.EQUAL_PRINCIPAL], dtype=np.int8)[
        _choice(rng, n, PRODUCT_WEIGHTS)
    ]
    return terms, np.where(terms == 1, np.int8(Product.BULLET), inst_code).astype(np.int8)


def _fees_and_rates(
    rng: np.random.Generator, n: int, terms: np.ndarray, product: np.ndarray, zero_fee_share: float
) -> np.ndarray:
    """Fee per period for flat-fee plans (0 for promotions and bullets); interest-bearing products
    carry the APR of the same flat fee (by IRR), so their cost matches the flat plan's."""
    fee = np.asarray(FEE_GRID)[_choice(rng, n, FEE_WEIGHTS)]
    promo = rng.random(n) < zero_fee_share
    flat = product == Product.FLAT_FEE
    fee = np.where((flat & promo) | (terms == 1), 0.0, fee)
    rate = fee.copy()
    interest = (product == Product.LEVEL_PAYMENT) | (product == Product.EQUAL_PRINCIPAL)
    if interest.any():
        grid_idx = np.searchsorted(FEE_GRID, fee[interest])  # fee is on the grid here
        keys = terms[interest].astype(np.int64) * len(FEE_GRID) + grid_idx
        uniq, inv = np.unique(keys, return_inverse=True)
        aprs = np.round([flat_fee_apr(int(k // len(FEE_GRID)), FEE_GRID[k % len(FEE_GRID)]) for k in uniq], 4)
        rate[interest] = aprs[inv]
    return rate


def _seasoning(
    rng: np.random.Generator, n: int, terms: np.ndarray, score_idx: np.ndarray, delinquent_share: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cut-off bucket, age and days past due: delinquency by score risk, M1..M6 with declining
    weights truncated to M(term − 1) so that age ≥ bucket fits the term."""
    u_age = rng.random(n)
    risk = np.asarray(SCORE_RISK)[score_idx] * (terms > 1)
    total = risk.sum()
    p_del = np.minimum(delinquent_share * n * risk / total, 1.0) if total > 0 else np.zeros(n)
    delinquent = rng.random(n) < p_del
    cum = np.cumsum(BUCKET_WEIGHTS) / np.sum(BUCKET_WEIGHTS)
    top = cum[np.clip(terms - 2, 0, len(cum) - 1)]
    drawn = 1 + search_few(cum, rng.random(n) * top, side="right")
    bucket = np.where(delinquent, np.minimum(drawn, terms - 1), 0).astype(np.int8)
    age = (bucket + np.floor(u_age * (terms - bucket))).astype(np.int32)
    b64 = bucket.astype(np.int64)
    dpd = np.where(b64 > 0, 30 * (b64 - 1) + 1 + rng.integers(0, 30, n), 0).astype(np.int32)
    return bucket, age, dpd


def _current_principal(original: np.ndarray, terms: np.ndarray, product: np.ndarray, rate: np.ndarray, *, paid: np.ndarray) -> np.ndarray:
    """Current principal on the contractual schedule after ``paid`` instalments: equal principal
    ``(n − paid)/n``; level payment :func:`abs_model.core.rates.annuity_balance_factor`;
    a bullet all of it (never below a cent)."""
    share = (terms - paid) / terms
    level = product == Product.LEVEL_PAYMENT
    r = np.where(level, rate / 12.0, 0.0)
    share = np.where(level, annuity_balance_factor(r, terms, paid), share)
    share = np.where(product == Product.BULLET, 1.0, share)
    return np.maximum(np.round(original * share, 2), 0.01)


def synthetic_pool(
    n: int,
    *,
    seed: int = 0,
    cutoff_date: Any = "2026-06-30",
    delinquent_share: float = 0.03,
    zero_fee_share: float = 0.25,
) -> Pool:
    """A Baitiao-like pool of ``n`` receivables (see the module doc for every distribution).

    Deterministic for a given ``seed``. ``delinquent_share`` is the expected share of loans (by
    count) in M1..M6 at ``cutoff_date``; ``zero_fee_share`` the share of flat-fee plans on a 0 %
    promotional fee.
    """
    g = _generate(n, seed, cutoff_date, delinquent_share, zero_fee_share)
    return Pool.from_arrays(
        loan_id=g["loan_id"],
        original_principal=g["original_principal"],
        current_principal=g["current_principal"],
        original_term=g["original_term"],
        remaining_term=g["remaining_term"],
        product=g["product"],
        rate=g["rate"],
        bucket=g["bucket"],
        origination_date=g["origination_date"],
        segments=g["segments"],
        cutoff_date=g["cutoff_date"],
        _own=True,  # every array was made for this pool
    )


def synthetic_tape(
    n: int,
    seed: int = 0,
    *,
    cutoff_date: Any = "2026-06-30",
    delinquent_share: float = 0.03,
    zero_fee_share: float = 0.25,
) -> pd.DataFrame:
    """The loans of :func:`synthetic_pool` as a lender-style tape (columns :data:`TAPE_COLUMNS`).

    Products are spelled out (``"flat_fee"``), delinquency is given as ``days_past_due`` and
    ``origination_date`` as dates; :func:`abs_model.read_tape` accepts it unchanged.
    """
    g = _generate(n, seed, cutoff_date, delinquent_share, zero_fee_share)
    df = pd.DataFrame(
        {
            "loan_id": g["loan_id"],
            "original_principal": g["original_principal"],
            "current_principal": g["current_principal"],
            "original_term": g["original_term"],
            "remaining_term": g["remaining_term"],
            "product": np.asarray(PRODUCT_KEYS, dtype=object)[g["product"]],
            "rate": g["rate"],
            "origination_date": g["origination_date"].astype("datetime64[s]"),
            "days_past_due": g["days_past_due"],
            **g["segments"],
        }
    )
    df.attrs["cutoff_date"] = pd.Timestamp(g["cutoff_date"]).date().isoformat()  # ISO text: attrs must serialise (Parquet)
    return df


def write_example_tape(
    path: str | os.PathLike[str],
    n: int = 2000,
    seed: int = 7,
    *,
    language: Literal["en", "zh"] = "en",
    encoding: str = "utf-8",
) -> Path:
    """Write :func:`synthetic_tape` as a CSV (``examples/baitiao_tape.csv`` is ``n=2000, seed=7``).

    ``language="zh"`` writes Chinese headers (:data:`ZH_HEADERS`) and Chinese product names, as a
    lender's export would; ``encoding="gbk"`` writes a GBK file. Returns the path written.
    """
    if language not in ("en", "zh"):
        raise must("language", "must be 'en' or 'zh'", language)
    df = synthetic_tape(n, seed)
    if language == "zh":
        df["product"] = df["product"].map(PRODUCT_LABELS_ZH)
        df = df.rename(columns=ZH_HEADERS)
    out = Path(path)
    df.to_csv(out, index=False, encoding=encoding, date_format="%Y-%m-%d")
    return out


def example_tape_path() -> Path:
    """Path of the example tape shipped inside the package (``abs_model/data/baitiao_tape.csv``)."""
    return Path(str(resources.files("abs_model.data").joinpath("baitiao_tape.csv")))


def write_synthetic_dataset(
    folder: str | os.PathLike[str],
    n: int,
    *,
    partitions: int,
    seed: int = 0,
    cutoff_date: Any = "2026-06-30",
) -> tuple[Path, ...]:
    """Write a book of ``n`` synthetic receivables as ``partitions`` Parquet files
    (``part-00000.parquet`` …) in ``folder``, one :func:`synthetic_tape` per partition (seed
    ``seed + i``) with loan ids made unique by a partition prefix (``P00003-BT…``). Only one
    partition is in memory at a time. Returns the files written."""
    if int(partitions) != partitions or partitions < 1:
        raise must("partitions", "must be a whole number ≥ 1", partitions)
    if int(n) != n or n < partitions:
        raise must("n", f"must be a whole number ≥ partitions ({partitions})", n)
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    sizes = np.full(int(partitions), int(n) // int(partitions))
    sizes[: int(n) % int(partitions)] += 1
    files = []
    for i, size in enumerate(sizes):
        df = synthetic_tape(int(size), seed + i, cutoff_date=cutoff_date)
        df["loan_id"] = f"P{i:05d}-" + df["loan_id"].astype(str)
        df.attrs = {}
        path = out / f"part-{i:05d}.parquet"
        df.to_parquet(path, index=False)
        files.append(path)
    return tuple(files)
