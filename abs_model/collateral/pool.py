"""The pool: one frozen numpy array per loan field, and its summary and stratification tables.

A :class:`Pool` is built from a validated tape (:func:`abs_model.read_tape`), from arrays
(:meth:`Pool.from_arrays`) or by :func:`abs_model.synthetic_pool`. Arrays are made read-only at
construction, so a pool can be shared between projections, threads and scenarios.

Field conventions
-----------------
- ``original_principal``, ``current_principal``: money (float64), current includes any arrears.
- ``original_term``, ``remaining_term``: instalments (monthly periods); ``age = original − remaining``.
- ``product``: :class:`~abs_model.core.products.Product` codes (int8).
- ``rate``: fee per period on the original principal (``flat_fee``, ``bullet``) or annual nominal
  interest rate (``level_payment``, ``equal_principal``); decimals.
- ``bucket``: delinquency bucket at cut-off, 0 = M0 current … 6 = M6 (151–180 dpd). M7 (180+,
  written off) is not a pool asset.
- ``segments``: optional categorical columns (``region``, ``channel``, ``score_band``, ...).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from abs_model.collateral.display import pool_lines, pool_rows, pool_title, table_html
from abs_model.collateral.fields import BUCKET_NAMES, MAX_POOL_BUCKET, SEGMENT_COLUMNS
from abs_model.collateral.strats import PoolSummary, summarise
from abs_model.collateral.tape import read_tape
from abs_model.collateral.tape.arrays import text_array
from abs_model.core.delinquency import bucket_of_dpd
from abs_model.core.pricing import MAX_TERM, flat_fee_apr
from abs_model.core.products import Product
from abs_model.errors import AbsModelError
from tranches import FrozenMap

T = TypeVar("T")


def dpd_to_bucket(dpd: np.ndarray) -> np.ndarray:
    """Delinquency bucket from days past due: :func:`abs_model.core.delinquency.bucket_of_dpd`
    (``0`` for 0 dpd, else ``min(7, ⌈dpd / 30⌉)``)."""
    return bucket_of_dpd(dpd)


def _frozen(a: Any, dtype: Any = None, *, copy: bool = True) -> np.ndarray:
    """``a`` as a read-only array of ``dtype``: a copy, or with ``copy=False`` ``a`` itself where
    it already is an array of that dtype (an array the caller made for the pool and gives away)."""
    arr = np.array(a, dtype=dtype, copy=True) if copy else np.asarray(a, dtype=dtype)
    arr.setflags(write=False)
    return arr


def _whole(name: str, values: Any) -> np.ndarray:
    """Terms as int32, refusing what the cast would change: a fraction (12.7 became 12) or a
    number beyond int32 (an OverflowError) is an :class:`AbsModelError` naming the field."""
    arr = np.asarray(values)
    if arr.dtype.kind in "iu" and arr.dtype.itemsize <= 4 and arr.dtype != np.uint32:
        return arr
    num = np.asarray(arr, dtype=np.float64)
    bad = ~np.isfinite(num) | (num != np.round(num))
    if bad.any():
        row = int(np.argmax(bad))
        raise AbsModelError(f"Pool.{name}: must be whole numbers of instalments; got {num[row].item()!r} at row {row}")
    out_of = (num < 1) | (num > MAX_TERM)
    if out_of.any():
        row = int(np.argmax(out_of))
        raise AbsModelError(f"Pool.{name}: must be 1..{MAX_TERM} instalments; got {arr[row].item()!r} at row {row}")
    return arr


def _balance(pool: Pool) -> float:
    return float(pool.current_principal.sum())


def _text(v: Any, *, copy: bool) -> np.ndarray:
    """A segment's values as a unicode array (``astype(str)``, which copies); with ``copy=False``
    a unicode array is kept as it is."""
    arr = np.asarray(v)
    return arr if not copy and arr.dtype.kind == "U" else arr.astype(str)


@dataclass(frozen=True, slots=True)
class Pool:
    """A pool of instalment receivables, one read-only array per field (see module doc)."""

    loan_id: np.ndarray
    original_principal: np.ndarray
    current_principal: np.ndarray
    original_term: np.ndarray
    remaining_term: np.ndarray
    product: np.ndarray
    rate: np.ndarray
    bucket: np.ndarray
    origination_date: np.ndarray
    segments: Mapping[str, np.ndarray] = field(default_factory=FrozenMap)
    cutoff_date: np.datetime64 | None = None
    _derived: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_arrays(
        cls,
        *,
        loan_id: Any,
        original_principal: Any,
        current_principal: Any,
        original_term: Any,
        remaining_term: Any,
        product: Any,
        rate: Any,
        bucket: Any = None,
        days_past_due: Any = None,
        origination_date: Any = None,
        segments: Mapping[str, Any] | None = None,
        cutoff_date: Any = None,
        _own: bool = False,
    ) -> Pool:
        """Build a pool from array-likes, normalising dtypes and freezing every array.

        ``product`` may be codes or tape spellings (``"flat_fee"``); give ``bucket`` (0–6) or
        ``days_past_due``. Only shapes and basic types are checked here; row-level validation with
        a full report of bad rows is :func:`abs_model.read_tape`'s job.

        ``_own`` (internal: :meth:`subset`, :func:`~abs_model.collateral.synthetic.synthetic_pool`):
        the arrays were made for this pool and nothing else holds them, so an array already of
        its field's dtype is frozen in place instead of copied (the same values either way).
        """
        copy = not _own
        n = len(np.asarray(current_principal))
        prod = np.asarray(product)
        if prod.dtype.kind in "OUS":
            lookup = {p.key: int(p) for p in Product}
            codes, uniq = pd.factorize(prod)
            try:
                prod = np.array([lookup[str(x).strip().lower()] for x in uniq], dtype=np.int8)[codes]
            except KeyError as exc:
                raise AbsModelError(f"product: must be one of {sorted(lookup)}; got {exc.args[0]!r}") from None
        if bucket is None:
            bucket = np.zeros(n, dtype=np.int8) if days_past_due is None else dpd_to_bucket(days_past_due)
        if origination_date is None:
            origination_date = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
        segs = {str(k): _frozen(_text(v, copy=copy), copy=False) for k, v in (segments or {}).items()}
        original_term, remaining_term = _whole("original_term", original_term), _whole("remaining_term", remaining_term)
        pool = cls(
            loan_id=_frozen(loan_id, copy=copy),
            original_principal=_frozen(original_principal, np.float64, copy=copy),
            current_principal=_frozen(current_principal, np.float64, copy=copy),
            original_term=_frozen(original_term, np.int32, copy=copy),
            remaining_term=_frozen(remaining_term, np.int32, copy=copy),
            product=_frozen(prod, np.int8, copy=copy),
            rate=_frozen(rate, np.float64, copy=copy),
            bucket=_frozen(bucket, np.int8, copy=copy),
            origination_date=_frozen(origination_date, "datetime64[D]", copy=copy),
            segments=FrozenMap(segs),
            cutoff_date=None if cutoff_date is None else np.datetime64(cutoff_date, "D"),
        )
        pool._check_shapes()
        pool._check_values()
        return pool

    @classmethod
    def from_tape(cls, tape: pd.DataFrame, *, cutoff_date: Any = None) -> Pool:
        """Build a pool from a tape DataFrame with the canonical columns of :mod:`abs_model.collateral.tape`.

        A raw file or a lender's own headers go through :func:`abs_model.read_tape` first; a frame
        that did not (no ``attrs["source"]``, e.g. ``pd.read_csv(...)`` passed straight in) is read
        by it here, so it meets every tape rule: such a frame once kept duplicate loan ids, a
        current balance above the amount lent or a day-first date (a bare pandas error).
        """
        if "source" not in tape.attrs:
            tape = read_tape(tape, cutoff_date=cutoff_date)
        if "bucket" in tape.columns:
            bucket: Any = tape["bucket"].to_numpy()
            dpd = None
        else:
            bucket, dpd = None, tape["days_past_due"].to_numpy()
        segs = {c: text_array(tape[c]) for c in tape.columns if c in SEGMENT_COLUMNS}
        return cls.from_arrays(
            loan_id=tape["loan_id"].astype(str).to_numpy(),
            original_principal=tape["original_principal"].to_numpy(),
            current_principal=tape["current_principal"].to_numpy(),
            original_term=tape["original_term"].to_numpy(),
            remaining_term=tape["remaining_term"].to_numpy(),
            product=tape["product"].to_numpy(),
            rate=tape["rate"].to_numpy(),
            bucket=bucket,
            days_past_due=dpd,
            origination_date=(
                pd.to_datetime(tape["origination_date"]).to_numpy().astype("datetime64[D]")
                if "origination_date" in tape.columns
                else None
            ),
            segments=segs,
            cutoff_date=cutoff_date if cutoff_date is not None else tape.attrs.get("cutoff_date"),
        )

    def _check_shapes(self) -> None:
        n = len(self.current_principal)
        for name in (
            "loan_id",
            "original_principal",
            "original_term",
            "remaining_term",
            "product",
            "rate",
            "bucket",
            "origination_date",
        ):
            got = len(getattr(self, name))
            if got != n:
                raise AbsModelError(f"Pool.{name}: must have one value per loan (n={n}); got {got}")
        for k, v in self.segments.items():
            if len(v) != n:
                raise AbsModelError(f"Pool.segments[{k!r}]: must have n={n} values; got {len(v)}")
        if n and int(self.bucket.max()) > MAX_POOL_BUCKET:
            raise AbsModelError(
                "Pool.bucket: must be 0..6 (M0–M6); got M7 — written-off receivables are not pool assets"
            )
        for name in ("original_principal", "current_principal", "rate"):  # NaN money would pass every check
            values = getattr(self, name)
            if n and not np.isfinite(values).all():
                row = int(np.flatnonzero(~np.isfinite(values))[0])
                raise AbsModelError(f"Pool.{name}: must be a finite number; got {float(values[row])} at row {row}")
        if n and int(self.bucket.min()) < 0:
            raise AbsModelError(f"Pool.bucket: must be 0..6 (M0–M6); got {int(self.bucket.min())}")
        codes = [int(p) for p in Product]
        if n and not (min(codes) <= int(self.product.min()) and int(self.product.max()) <= max(codes)):
            bad = int(self.product.min()) if int(self.product.min()) < min(codes) else int(self.product.max())
            raise AbsModelError(
                f"Pool.product: must be a product code {codes} ({', '.join(p.key for p in Product)}); got {bad}"
            )

    def _check_values(self) -> None:
        """The ranges :func:`abs_model.read_tape` holds a tape to, for a pool built from arrays
        (vectorised; a pool from a tape passes them by construction). Defined as: ``0 ≤ rate < 1``;
        balances ``≥ 0`` (0 only for a replenishment line of share 0); terms
        ``1 ≤ remaining_term ≤ original_term ≤ MAX_TERM``. (``current ≤ original`` is the tape's
        rule only: a scaled pool multiplies the tape's cent of rounding.) A rate of 6.0 (600 % a period) or a
        remaining term above the original one was projected without a word."""
        if not len(self.rate):
            return
        rules = (
            ("rate", (self.rate < 0) | (self.rate >= 1), "must be a decimal in [0, 1)", self.rate),
            ("original_principal", self.original_principal < 0, "must be ≥ 0", self.original_principal),
            ("current_principal", self.current_principal < 0, "must be ≥ 0", self.current_principal),
            ("original_term", (self.original_term < 1) | (self.original_term > MAX_TERM), f"must be 1..{MAX_TERM} instalments", self.original_term),
            (
                "remaining_term",
                (self.remaining_term < 1) | (self.remaining_term > self.original_term),
                "must be 1..original_term",
                self.remaining_term,
            ),
        )
        for name, bad, rule, values in rules:
            if bad.any():
                row = int(np.argmax(bad))
                raise AbsModelError(f"Pool.{name}: {rule}; got {values[row].item()!r} at row {row} ({int(bad.sum())} row(s) in all)")

    # ------------------------------------------------------------------ derived fields
    def derived(self, name: str, make: Callable[[Pool], T]) -> T:
        """``make(self)``, computed on the first call for ``name`` and kept on this pool object.

        Only for values that are a property of the loans alone (e.g. the assumption-free part of
        the rep-line compression, :func:`abs_model.projection.replines.rep_lines`): a pool's arrays
        are read-only, so such a value stays true for the pool's life. A pool made by
        ``dataclasses.replace``, :meth:`subset` or unpickling starts with none kept.
        """
        got = self._derived.get(name)
        if got is None:
            got = make(self)
            self._derived[name] = got
        return got

    def __getstate__(self) -> list[Any]:
        """Pickled without the values kept by :meth:`derived` (the receiver recomputes them)."""
        return [getattr(self, f.name) for f in fields(self) if f.name != "_derived"]

    def __setstate__(self, state: list[Any]) -> None:
        for f, value in zip((f for f in fields(self) if f.name != "_derived"), state, strict=True):
            object.__setattr__(self, f.name, value)
        object.__setattr__(self, "_derived", {})

    def __len__(self) -> int:
        return len(self.current_principal)

    @property
    def n(self) -> int:
        """Number of receivables."""
        return len(self.current_principal)

    @property
    def age(self) -> np.ndarray:
        """Months on book at cut-off. Defined as ``original_term − remaining_term``."""
        return self.original_term - self.remaining_term

    @property
    def balance(self) -> float:
        """Current principal of the pool. Defined as ``Σ current_principal`` (summed once per pool
        object: the array is read-only; a demo run asks for it some forty times)."""
        return self.derived("balance", _balance)

    @property
    def segment_names(self) -> tuple[str, ...]:
        return tuple(self.segments)

    def apr(self) -> np.ndarray:
        """Annualised true rate per loan (IRR × 12 of the contractual schedule at origination).

        Defined per product: ``flat_fee``/``bullet``: 12 × IRR of ``−1, (1/N + f), …`` over N
        periods (equal principal plus the flat fee on original principal); ``level_payment`` and
        ``equal_principal``: the nominal annual rate itself. Computed once per distinct
        (product, term, rate) so it is cheap on large pools.
        """
        out = self.rate.astype(np.float64).copy()
        flat = (self.product == Product.FLAT_FEE) | (self.product == Product.BULLET)
        if flat.any():
            # one key per distinct (term, rate), found by hashing (pd.factorize, no sort of the
            # loans): every loan gets flat_fee_apr(its term, its rate) whatever the grouping
            # + 0.0: -0.0 is 0.0; use_na_sentinel=False: a NaN rate is a value of its own (priced,
            # and refused, as itself), never the sentinel -1, which would index the last rate
            rate_idx, rates = pd.factorize(self.rate[flat] + 0.0, use_na_sentinel=False)
            terms = self.original_term[flat].astype(np.int64)
            span = int(terms.max()) + 1
            inv, keys = pd.factorize(rate_idx.astype(np.int64) * span + terms)
            bullet = self.product[flat] == Product.BULLET
            aprs = np.array([flat_fee_apr(int(k % span), float(rates[k // span])) for k in keys])
            res = aprs[inv]
            # A bullet pays its fee each period and all principal at the end: a par bond whose
            # IRR is the fee itself, so its APR is exactly 12 × fee (abs_model.core.pricing.bullet_apr).
            if bullet.any():
                res = res.copy()
                res[bullet] = 12.0 * self.rate[flat][bullet]
            out[flat] = res
        return out

    # ------------------------------------------------------------------ tables
    def to_frame(self) -> pd.DataFrame:
        """The pool as a tape-shaped DataFrame (canonical column names, product spelled out)."""
        df = pd.DataFrame(
            {
                "loan_id": self.loan_id,
                "original_principal": self.original_principal,
                "current_principal": self.current_principal,
                "original_term": self.original_term,
                "remaining_term": self.remaining_term,
                "age": self.age,
                "product": pd.Categorical.from_codes(self.product, categories=[p.key for p in Product]),
                "rate": self.rate,
                "bucket": pd.Categorical.from_codes(self.bucket, categories=list(BUCKET_NAMES)),
                "origination_date": self.origination_date,
            }
        )
        for k, v in self.segments.items():
            df[k] = v
        return df

    def __repr__(self) -> str:
        return "\n".join(pool_lines(self))

    def _repr_html_(self) -> str:
        return table_html(pool_rows(self), title=pool_title(self))

    def summary(self) -> PoolSummary:
        """Count, balance, weighted averages and stratification tables (see :class:`PoolSummary`)."""
        return summarise(self)

    def subset(self, mask: np.ndarray) -> Pool:
        """The receivables where ``mask`` is true, as a new pool."""
        m = np.asarray(mask, dtype=bool)
        return Pool.from_arrays(
            loan_id=self.loan_id[m],
            original_principal=self.original_principal[m],
            current_principal=self.current_principal[m],
            original_term=self.original_term[m],
            remaining_term=self.remaining_term[m],
            product=self.product[m],
            rate=self.rate[m],
            bucket=self.bucket[m],
            origination_date=self.origination_date[m],
            segments={k: v[m] for k, v in self.segments.items()},
            cutoff_date=self.cutoff_date,
            _own=True,  # boolean indexing made every array above afresh
        )
