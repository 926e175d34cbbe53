"""Exact rep-line compression.

The projection is linear in balance: two receivables with the same product, remaining schedule
(``n``), cut-off bucket, months on book and assumption segment follow the same *fractions*
path, so their cash flows are the same fractions of their balances. Such receivables collapse
into one line holding the sums (current principal, flat fee per instalment ``Σ f·O``, count).
Interest-bearing products (level payment, equal principal) also key on the rate, since their
schedule depends on it non-linearly; flat-fee receivables do not (their fee is additive).

``level="loan"`` makes one line per receivable (the slow path, kept for loan-level output and as
a check: both paths give identical pool cash flows).

The part of the key that depends on the loans alone is compressed once per :class:`Pool` object
(:func:`pool_lines`, kept by :meth:`Pool.derived`; a pool's arrays are read-only) by sums over
a small dense integer key, a block of loans at a time (:func:`_dense_sums`), or by hashing when
the key is wide; the lines' arrays are read-only. Every later projection of the same pool starts
from those lines. In :mod:`tranches.compiled`'s mode "on" (or "auto" from
:data:`replines_kernels.THRESHOLD` loans) the passes over every loan run compiled (:mod:`abs_model.projection.replines_kernels`), bit for bit the numpy path's.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from abs_model.assumptions.assumptions import Assumptions
from abs_model.collateral.pool import Pool
from abs_model.core.instalments import BilledSchedules, billed_schedules
from abs_model.core.products import Product
from abs_model.projection import replines_kernels


@dataclass(frozen=True, slots=True)
class Lines:
    """Projection lines (rep-lines or one per loan). Arrays of length L."""

    product: np.ndarray
    original_term: np.ndarray
    n: np.ndarray  # instalments still to pay: remaining term + missed instalments (bucket)
    bucket: np.ndarray
    age: np.ndarray
    rate: np.ndarray
    balance: np.ndarray
    flat_fee: np.ndarray  # Σ fee × original principal (money per instalment)
    count: np.ndarray
    group: np.ndarray  # assumption segment code (bit mask of matching overrides)
    billed: BilledSchedules | None = None  # schedules billed in cents (rounding="cents"), else None

    def __len__(self) -> int:
        return len(self.balance)


def legal_min_balance(assumptions: Assumptions) -> float:
    """The balance from which legal action is taken (the charge-off path's
    ``legal_min_balance``), 0 when every receivable (or none) is sued."""
    strategy = assumptions.collections
    path = strategy.charge_off if strategy is not None else None
    return float(path.legal_min_balance) if path is not None and path.legal_share > 0 else 0.0


def group_bits(assumptions: Assumptions) -> int:
    """Bits of the group code: one per segment override, and one more (the highest) for
    "balance at least ``legal_min_balance``" when that threshold is set."""
    return len(assumptions.segment_overrides) + (1 if legal_min_balance(assumptions) > 0 else 0)


def override_groups(pool: Pool, assumptions: Assumptions, *, unit: bool = False) -> np.ndarray:
    """Bit mask per loan: bit i set when the loan matches ``segment_overrides[i]``; with a legal
    threshold, bit ``len(segment_overrides)`` set when its balance is at least the threshold
    (legal action pays only above a balance: lines never mix the two sides).

    ``unit``: the pool is a replenishment mix (:func:`profile_lines`), whose receivables carry
    product, term and rate but no tape segment (region, channel ...): an override on a segment
    column matches none of them, where on the cut-off pool a column it lacks is refused (a typo).
    Before, a revolving deal with an override on a tape column was refused, naming the mix's
    segment columns ``[]`` as if the tape had none."""
    g = np.zeros(pool.n, dtype=np.int64)
    threshold = legal_min_balance(assumptions)
    if threshold > 0:
        g |= (pool.current_principal >= threshold).astype(np.int64) << len(assumptions.segment_overrides)
    for i, o in enumerate(assumptions.segment_overrides):
        value: object
        if o.column == "product":
            value = Product.from_key(o.value) if isinstance(o.value, str) else int(o.value)
            col: np.ndarray = pool.product
        elif o.column == "original_term":
            col, value = pool.original_term, int(o.value)
        elif o.column in pool.segments:
            g |= _text_equals(pool.segments[o.column], str(o.value)).astype(np.int64) << i
            continue
        elif unit:
            continue
        else:
            from abs_model.errors import AssumptionError

            raise AssumptionError(
                f"segment_overrides[{i}].column: must be 'product', 'original_term' or a segment "
                f"column of the pool {sorted(pool.segments)}; got {o.column!r}"
            )
        g |= (col == value).astype(np.int64) << i
    return g


def _text_equals(col: np.ndarray, value: str) -> np.ndarray:
    """``col == value`` (trailing NUL characters ignored, as numpy compares text); for a column of
    one or two characters (4 or 8 bytes of code points) by one integer comparison of each
    element's bytes against the value's, about thirty times faster than numpy's text comparison."""
    size = col.dtype.itemsize
    if col.dtype.kind != "U" or size not in (4, 8) or col.ndim != 1:
        return np.asarray(col == value)
    text = value.rstrip("\x00")
    if len(text) > size // 4:  # longer than the column holds: equal to none
        return np.zeros(col.shape, dtype=bool)
    as_int = np.uint32 if size == 4 else np.uint64
    return col.view(as_int) == np.array([text], dtype=col.dtype).view(as_int)[0]


def _missed(bucket: np.ndarray, assumptions: Assumptions) -> np.ndarray:
    """Missed instalments still owed: the cut-off bucket under the roll-rate convention; none
    under the SIFMA convention, which has no delinquency states (the balance amortises over the
    remaining term)."""
    if assumptions.roll_rates is None:
        return np.zeros(len(bucket), dtype=np.int64)
    return bucket.astype(np.int64)


def _flat_fee(pool: Pool) -> np.ndarray:
    flat = (pool.product == Product.FLAT_FEE) | (pool.product == Product.BULLET)
    return np.where(flat, pool.rate * pool.original_principal, 0.0)


def loan_lines(pool: Pool, assumptions: Assumptions, *, unit: bool = False) -> Lines:
    """One line per receivable (``unit``: of a replenishment mix, see :func:`override_groups`)."""
    return _billed(pool, assumptions, np.arange(pool.n), Lines(
        product=pool.product,
        original_term=pool.original_term,
        n=pool.remaining_term.astype(np.int64) + _missed(pool.bucket, assumptions),
        bucket=pool.bucket,
        age=pool.age.astype(np.int64),
        rate=pool.rate,
        balance=pool.current_principal,
        flat_fee=_flat_fee(pool),
        count=np.ones(pool.n),
        group=override_groups(pool, assumptions, unit=unit),
    ))


def profile_lines(pool: Pool, assumptions: Assumptions) -> Lines:
    """One line per receivable of a *unit* pool (a cash-flow profile per unit of balance bought,
    e.g. the replenishment mix): exact schedules always, since billing a balance of 1 in cents
    would round away whole percents of it."""
    return loan_lines(pool, dataclasses.replace(assumptions, rounding="exact"), unit=True)


def rep_lines(pool: Pool, assumptions: Assumptions) -> Lines:
    """Compress the pool into exact rep-lines (see module doc).

    The key is (product, cut-off bucket, original term, remaining term, interest rate of
    interest-bearing products), then the assumption segment and, with a legal threshold, whether
    the balance reaches it. The first part depends on the loans alone: it is compressed once per
    pool (:func:`pool_lines`, kept by :meth:`Pool.derived`); the segment part, when there is one,
    splits those lines by sums over (line, segment) (:func:`_group_sums`). Lines come in the
    order of the key (product, bucket, original term, remaining term, rate in order of first
    appearance, segment), and every sum adds the loans in tape order, whatever the path.
    """
    base = pool_lines(pool)
    n_groups = 1 << group_bits(assumptions)
    if n_groups == 1:
        lines = base.lines(np.zeros(len(base), dtype=np.int64), assumptions)
        if assumptions.rounding != "cents":  # the loans' lines are only needed to bill them in cents
            return lines
        return _billed(pool, assumptions, line_of_loan(pool), lines)
    loan_line, groups = line_of_loan(pool), override_groups(pool, assumptions)
    counts, balance, fee = _group_sums(pool, loan_line, groups, n_groups, len(base) * n_groups)
    nz = np.flatnonzero(counts)
    line, group = np.divmod(nz, n_groups)
    lines = dataclasses.replace(
        base.take(line).lines(group, assumptions),
        balance=balance[nz],
        flat_fee=np.where(_is_flat(base.product[line]), fee[nz], 0.0),
        count=counts[nz].astype(np.float64),
    )
    if assumptions.rounding != "cents":
        return lines
    code = np.empty(counts.size, dtype=np.int64)
    code[nz] = np.arange(nz.size)
    return _billed(pool, assumptions, code[_group_key(loan_line, groups, n_groups)], lines)


def _group_key(loan_line: np.ndarray, groups: np.ndarray, n_groups: int) -> np.ndarray:
    """Each loan's bin ``line · n_groups + group`` (int64)."""
    key = loan_line.astype(np.int64)
    key *= n_groups
    key += groups
    return key


def _group_sums(pool: Pool, loan_line: np.ndarray, groups: np.ndarray, n_groups: int,
                size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Count, balance and flat fee weight (:func:`_fee_weight`) summed per bin ``line · n_groups +
    group`` of ``size`` bins, each bin adding its loans in tape order: by ``bincount`` passes, or
    from :data:`replines_kernels.THRESHOLD` loans (as :mod:`tranches.compiled`'s mode says) by one
    compiled pass (:func:`replines_kernels.group_sums`), bit for bit."""
    if replines_kernels.use(pool.n):
        return replines_kernels.group_sums(loan_line, groups, n_groups, size, pool.current_principal, pool.rate,
                                           pool.original_principal)
    key = _group_key(loan_line, groups, n_groups)
    return (np.bincount(key, minlength=size), np.bincount(key, weights=pool.current_principal, minlength=size),
            np.bincount(key, weights=_fee_weight(pool), minlength=size))


def _is_flat(product: np.ndarray) -> np.ndarray:
    return (product == Product.FLAT_FEE) | (product == Product.BULLET)


def _fee_weight(pool: Pool) -> np.ndarray:
    """``rate × original principal`` of every loan: the flat fee per instalment of a flat-fee or
    bullet loan (lines of interest-bearing products, keyed apart by product, drop their sums)."""
    return pool.rate * pool.original_principal


@dataclass(frozen=True, slots=True)
class PoolLines:
    """The pool compressed on the assumption-free part of the rep-line key: line arrays (length
    L, read-only) in the key's order, and what gives each loan its line (:func:`line_of_loan`):
    after a dense compression, ``keying`` (how the key was built, to build it again) and ``code``
    (the line of each key); after a hashed one, ``loan_line`` (each loan's line). Nothing is kept
    per loan by a dense compression: only lines and the key table. None of them on a :meth:`take`."""

    product: np.ndarray
    original_term: np.ndarray
    remaining: np.ndarray
    bucket: np.ndarray
    rate: np.ndarray
    balance: np.ndarray
    flat_fee: np.ndarray
    count: np.ndarray
    keying: Keying | None = None
    code: np.ndarray | None = None
    loan_line: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.balance)

    def take(self, idx: np.ndarray) -> PoolLines:
        """The lines ``idx`` (line arrays only)."""
        return PoolLines(*(getattr(self, f)[idx] for f in _LINE_FIELDS))

    def lines(self, group: np.ndarray, assumptions: Assumptions) -> Lines:
        """As :class:`Lines` of segment ``group`` under ``assumptions`` (missed instalments owed
        only under the roll-rate convention)."""
        return Lines(
            product=self.product,
            original_term=self.original_term,
            n=self.remaining + _missed(self.bucket, assumptions),
            bucket=self.bucket,
            age=self.original_term - self.remaining,
            rate=self.rate,
            balance=self.balance,
            flat_fee=self.flat_fee,
            count=self.count,
            group=group,
        )


_LINE_FIELDS = ("product", "original_term", "remaining", "bucket", "rate", "balance", "flat_fee", "count")
#: Largest dense key space (bins) compressed by ``bincount``; a wider key is hashed.
DENSE_BINS = 1 << 21
#: Largest dense key space that keeps the original term as it is (no term code to look up).
RAW_TERM_BINS = 1 << 18


def pool_lines(pool: Pool) -> PoolLines:
    """The pool's assumption-free compression, computed once per pool (:meth:`Pool.derived`)."""
    return pool.derived("replines.pool_lines", _compress)


def line_of_loan(pool: Pool) -> np.ndarray:
    """Each loan's line of :func:`pool_lines` (int32), computed once per pool when asked for
    (segment overrides, cents billing): the dense key built again and looked up."""

    def make(p: Pool) -> np.ndarray:
        base = pool_lines(p)
        if base.loan_line is not None:
            return base.loan_line
        if base.keying is None or base.code is None:  # pragma: no cover - pool_lines sets one or the other
            raise RuntimeError("internal: pool lines without a key or a line per loan")
        if replines_kernels.use(p.n):
            return _read_only(_line_of_loan_compiled(p, base.keying, base.code))
        key = base.keying.key(p)
        _interest_block(p, key, base.keying.space)
        return _read_only(base.code[key])

    return pool.derived("replines.line_of_loan", make)


@dataclass(frozen=True, slots=True)
class Keying:
    """How a pool's dense key is built: the number of values of each digit and, when the original
    terms are keyed by rank, the distinct terms. The key, in place in one int32 (or int64) buffer:
    ``(term · R + remaining) · NB·NP + (bucket · NP + product)``, the last digit pair in int16
    (``NB·NP`` ≤ 127 · 127 for int8 columns)."""

    n_p: int
    n_b: int
    n_r: int
    n_t: int
    terms: np.ndarray | None

    @property
    def space(self) -> int:
        return self.n_t * self.n_r * self.n_b * self.n_p

    def key(self, pool: Pool) -> np.ndarray:
        """Each loan's key (before :func:`_interest_block` folds in the rates), int32 when every
        key and pair rank (below ``space + n``) fits in it: half the memory passes of int64."""
        key = np.empty(pool.n, dtype=np.int32 if self.space + pool.n < 1 << 31 else np.int64)
        self.fill(pool, 0, pool.n, key, self.rank(key.dtype), key, np.empty(pool.n, dtype=np.int16))
        return key

    @property
    def high_dtype(self) -> type[np.signedinteger]:
        """int32 when every key fits in it."""
        return np.int32 if self.space < 1 << 31 else np.int64

    def rank(self, dtype: np.dtype | type[np.signedinteger]) -> np.ndarray | None:
        """The table of each original term's rank (None when terms are keyed as they are)."""
        if self.terms is None:
            return None
        rank = np.zeros(int(self.terms[-1]) + 1, dtype=dtype)
        rank[self.terms] = np.arange(self.terms.size)
        return rank

    def fill(self, pool: Pool, lo: int, hi: int, out: np.ndarray, rank: np.ndarray | None,
             high: np.ndarray, low: np.ndarray) -> None:
        """The keys of loans ``lo:hi`` into ``out``; ``high`` (may be ``out``; ``rank``'s dtype) and
        ``low`` (int16) are buffers as long for the two parts of the key."""
        if rank is None:
            np.multiply(pool.original_term[lo:hi], self.n_r, out=high, dtype=high.dtype)
        else:
            np.take(rank, pool.original_term[lo:hi], out=high)
            high *= self.n_r
        high += pool.remaining_term[lo:hi]
        high *= self.n_b * self.n_p
        np.multiply(pool.bucket[lo:hi], self.n_p, out=low, dtype=np.int16)
        low += pool.product[lo:hi]
        np.add(high, low, out=out)


def _keying(pool: Pool, dense_bins: int, raw_term_bins: int) -> Keying | None:
    """The dense key of this pool, or None when a column is negative or the key too wide."""
    if pool.n == 0:
        return None
    p_max, b_max = _max_if_not_negative(pool.product), _max_if_not_negative(pool.bucket)
    t_max, r_max = _max_if_not_negative(pool.original_term), _max_if_not_negative(pool.remaining_term)
    if min(p_max, b_max, t_max, r_max) < 0:
        return None
    n_p, n_b, n_r = p_max + 1, b_max + 1, r_max + 1
    if n_p * n_b * (t_max + 1) * n_r <= raw_term_bins:
        return Keying(n_p, n_b, n_r, t_max + 1, None)
    if t_max >= dense_bins:  # terms are ranked through a table of t_max + 1 entries
        return None
    terms = np.flatnonzero(np.bincount(pool.original_term))
    if n_p * n_b * terms.size * n_r > dense_bins:
        return None
    return Keying(n_p, n_b, n_r, terms.size, terms)


def _max_if_not_negative(col: np.ndarray) -> int:
    """The column's largest value, or -1 when a value is negative: for signed integers one pass
    over the column read as unsigned (a negative value reads as one above the signed maximum)."""
    if col.dtype.kind == "i":
        top = int(col.view(f"u{col.dtype.itemsize}").max())
        return top if top < 1 << (8 * col.dtype.itemsize - 1) else -1
    return int(col.max()) if int(col.min()) >= 0 else -1


def _read_only(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)
    return a


def _compress(pool: Pool, *, dense_bins: int = DENSE_BINS, raw_term_bins: int = RAW_TERM_BINS) -> PoolLines:
    """Dense compression when the key (product, bucket, original term, remaining term) is small
    and non-negative, with the interest rate of interest-bearing loans folded in as a second
    block of keys (one per distinct (key, rate) among them); else hashed (:func:`_hashed`).

    Sums: one pass over every loan by its key (:func:`_dense_sums`) gives the lines of the other
    products (a line holds one product, so the interest-bearing loans' bins are dropped), a
    ``bincount`` over the interest-bearing loans alone (in tape order) by their (key, rate) pair
    gives theirs: every sum adds the line's loans in tape order, as one pass over a key with the
    pairs folded in (:func:`_interest_block`) would."""
    keying = _keying(pool, dense_bins, raw_term_bins)
    if keying is None:
        return _hashed(pool)
    counts, balance, fee, i_key, i_rate, i_balance = _dense_sums(pool, keying)
    nz = np.flatnonzero(counts)
    nz = nz[~_is_interest(nz % keying.n_p)]  # interest-bearing lines: one per (key, rate) pair below
    fast = replines_kernels.use(pool.n)
    codes, rates = _rate_codes(i_rate, fast=fast)
    ids, pairs = _pairs(i_key, codes, rates.size, fast=fast)
    n_pairs = pairs.size
    r_code = np.concatenate([np.zeros(nz.size, dtype=np.int64), pairs % (rates.size + 1)])
    base = np.concatenate([nz, pairs // (rates.size + 1)])
    count = np.concatenate([counts[nz], np.bincount(ids, minlength=n_pairs)])
    balance = np.concatenate([balance[nz], np.bincount(ids, weights=i_balance, minlength=n_pairs)])
    fee = np.concatenate([fee[nz], np.zeros(n_pairs)])  # no flat fee on interest-bearing lines
    rest, product = np.divmod(base, keying.n_p)
    rest, bucket = np.divmod(rest, keying.n_b)
    t_digit, remaining = np.divmod(rest, keying.n_r)
    term = t_digit if keying.terms is None else keying.terms[t_digit]
    order = np.lexsort((r_code, remaining, term, bucket, product))
    code = np.empty(keying.space + n_pairs, dtype=np.int32)
    code[np.concatenate([nz, keying.space + np.arange(n_pairs)])[order]] = np.arange(order.size, dtype=np.int32)
    lines = _lines(product, term, remaining, bucket, np.concatenate([[0.0], rates])[r_code], balance, fee, count, order)
    return dataclasses.replace(lines, keying=keying, code=_read_only(code))


#: Loans keyed and summed at a time by :func:`_dense_sums` (the block's arrays stay in cache).
BLOCK = 1 << 15  # 32768 loans: about 1 MB of buffers


def _dense_sums(pool: Pool, keying: Keying) -> tuple[np.ndarray, ...]:
    """Count, balance and flat fee weight (:func:`_fee_weight`) summed per dense key, and the
    interest-bearing loans' keys, rates and balances (in tape order).

    The loans are taken a block at a time, each block's keys and weights built in small buffers
    and added into the sums by ``np.add.at``, which applies the additions in index order: every
    bin adds its loans one after the other in tape order from 0, exactly as one
    ``np.bincount(key, weights)`` over the whole pool does (the blocks share the sums; no partial
    sums are merged).

    From :data:`replines_kernels.THRESHOLD` loans (or as :mod:`tranches.compiled`'s mode says), the
    same sums come from one compiled pass (:func:`replines_kernels.dense_sums`), bit for bit."""
    if replines_kernels.use(pool.n):
        return _dense_sums_compiled(pool, keying)
    size, n = keying.space, pool.n
    counts, balance, fee = np.zeros(size, dtype=np.int64), np.zeros(size), np.zeros(size)
    m = min(n, BLOCK)
    key, high, low, weight = np.empty(m, dtype=np.intp), np.empty(m, keying.high_dtype), np.empty(m, np.int16), np.empty(m)
    rank = keying.rank(high.dtype)
    i_key, i_rate, i_balance = [], [], []
    for lo in range(0, n, BLOCK):
        hi = min(lo + BLOCK, n)
        k, w, cur, rate = key[: hi - lo], weight[: hi - lo], pool.current_principal[lo:hi], pool.rate[lo:hi]
        keying.fill(pool, lo, hi, k, rank, high[: hi - lo], low[: hi - lo])
        np.add.at(counts, k, 1)
        np.add.at(balance, k, cur)
        np.multiply(rate, pool.original_principal[lo:hi], out=w)
        np.add.at(fee, k, w)
        at = np.flatnonzero(_is_interest(pool.product[lo:hi]))  # gathered while the block is in cache
        i_key.append(k.take(at))  # take: a plain gather, cheaper than fancy indexing's general path
        i_rate.append(rate.take(at))
        i_balance.append(cur.take(at))
    return counts, balance, fee, *(np.concatenate(x) for x in (i_key, i_rate, i_balance))


def _rank_table(keying: Keying) -> np.ndarray:
    """The kernels' table of each original term's digit (int64): its rank, or the identity table
    when terms are keyed as they are."""
    rank = keying.rank(np.int64)
    return np.arange(keying.n_t, dtype=np.int64) if rank is None else rank


def _dense_sums_compiled(pool: Pool, keying: Keying) -> tuple[np.ndarray, ...]:
    """:func:`_dense_sums` by the compiled kernel (:func:`replines_kernels.dense_sums`)."""
    return tuple(replines_kernels.dense_sums(
        pool.product, pool.bucket, pool.original_term, pool.remaining_term, pool.current_principal, pool.rate,
        pool.original_principal, _rank_table(keying), keying.n_p, keying.n_b, keying.n_r, keying.space, _LEVEL, _EQUAL,
    ))


def _line_of_loan_compiled(pool: Pool, keying: Keying, code: np.ndarray) -> np.ndarray:
    """Each loan's line as :func:`line_of_loan`'s numpy path gives it (``code`` of the key, the key of
    an interest-bearing loan folded by :func:`_interest_block`), by one compiled pass
    (:func:`replines_kernels.loan_lines`) and the same rate codes and pairs of the interest-bearing
    loans, in tape order."""
    line, idx, i_key, i_rate = replines_kernels.loan_lines(
        pool.product, pool.bucket, pool.original_term, pool.remaining_term, pool.rate, _rank_table(keying),
        keying.n_p, keying.n_b, keying.n_r, code, _LEVEL, _EQUAL,
    )
    codes, rates = _rate_codes(i_rate, fast=True)
    ids, _ = _pairs(i_key, codes, rates.size, fast=True)
    line[idx] = code[keying.space + ids]
    return line


_LEVEL, _EQUAL = int(Product.LEVEL_PAYMENT), int(Product.EQUAL_PRINCIPAL)  # plain ints: an enum compares slower


def _is_interest(product: np.ndarray) -> np.ndarray:
    return (product == _LEVEL) | (product == _EQUAL)


def _rate_codes(rate: np.ndarray, *, fast: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Each interest-bearing loan's rate code from 1 (0 for a NaN rate) and the distinct rates in
    order of first appearance (distinct values: two rates with different bit patterns are
    different numbers unless NaN or a signed zero, then by value); ``fast``: see
    :func:`replines_kernels.factorize_int64`."""
    if not rate.size:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    codes, bits = replines_kernels.factorize_int64(rate.view(np.int64), fast=fast)  # by bit pattern: hashes faster than by float
    rates = bits.view(np.float64)
    if np.isnan(rates).any() or np.signbit(rates[rates == 0]).any():  # NaN, or 0.0 == -0.0: by value
        codes, rates = pd.factorize(rate)
    return codes + 1, np.asarray(rates, dtype=np.float64)


def _pairs(key: np.ndarray, codes: np.ndarray, n_rates: int, *, fast: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Each interest-bearing loan's pair rank (in order of first appearance) and the distinct pairs
    ``key · (R + 1) + rate code``, given the interest-bearing loans' keys and rate codes; ``fast``:
    see :func:`replines_kernels.factorize_int64`."""
    if not key.size:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return replines_kernels.factorize_int64(np.multiply(key, n_rates + 1, dtype=np.int64) + codes, fast=fast)


def _interest_block(pool: Pool, key: np.ndarray, space: int) -> tuple[np.ndarray, np.ndarray]:
    """Fold the rate of interest-bearing loans into their key, in place: such a loan's key becomes
    ``space + i``, ``i`` the rank (in order of first appearance) of its (key, rate code) pair.
    Returns the pairs ``key · (R + 1) + rate code`` (codes from 1) and the distinct rates ``R``
    in order of first appearance."""
    idx = np.flatnonzero(_is_interest(pool.product))
    codes, rates = _rate_codes(pool.rate[idx])
    ids, pairs = _pairs(key[idx], codes, rates.size)
    key[idx] = space + ids
    return pairs, rates


def _lines(product: np.ndarray, term: np.ndarray, remaining: np.ndarray, bucket: np.ndarray, rate: np.ndarray,
           balance: np.ndarray, fee: np.ndarray, count: np.ndarray, order: np.ndarray) -> PoolLines:
    """Line arrays in ``order``, read-only, with the flat fee only on flat-fee and bullet lines."""
    product = product[order].astype(np.int8)
    return PoolLines(
        product=_read_only(product),
        original_term=_read_only(term[order].astype(np.int32)),
        remaining=_read_only(remaining[order].astype(np.int64)),
        bucket=_read_only(bucket[order].astype(np.int8)),
        rate=_read_only(rate[order]),
        balance=_read_only(balance[order]),
        flat_fee=_read_only(np.where(_is_flat(product), fee[order], 0.0)),
        count=_read_only(count[order].astype(np.float64)),
    )


def _hashed(pool: Pool) -> PoolLines:
    """The same compression through hashing (any key width, any values): the key columns are
    combined one at a time by ``pd.factorize``, so the running key stays below n²."""
    prod = pool.product.astype(np.int64)
    interest = (prod == Product.LEVEL_PAYMENT) | (prod == Product.EQUAL_PRINCIPAL)
    rate_code = np.zeros(pool.n, dtype=np.int64)
    rates = np.zeros(0)
    if interest.any():
        codes, uniq = pd.factorize(pool.rate[interest])
        rate_code[interest] = codes + 1
        rates = np.asarray(uniq, dtype=np.float64)
    key = np.zeros(pool.n, dtype=np.int64)
    width = 1
    for col in (prod, pool.bucket, pool.original_term, pool.remaining_term, rate_code):
        codes_c, uniq_c = pd.factorize(col)
        key, uniq_k = pd.factorize(key * len(uniq_c) + codes_c)
        width = len(uniq_k)
    inv = np.asarray(key, dtype=np.int64)
    first = np.full(width if pool.n else 0, -1, dtype=np.int64)
    first[inv[::-1]] = np.arange(pool.n - 1, -1, -1)  # the first loan of each line gives its keys
    product, term, remaining = prod[first], pool.original_term[first], pool.remaining_term[first]
    bucket, r_code = pool.bucket[first], rate_code[first]
    order = np.lexsort((r_code, remaining, term, bucket, product))
    position = np.empty(first.size, dtype=np.int64)
    position[order] = np.arange(first.size)
    lines = _lines(
        product, term, remaining, bucket, np.concatenate([[0.0], rates])[r_code],
        np.bincount(inv, weights=pool.current_principal, minlength=first.size),
        np.bincount(inv, weights=_fee_weight(pool), minlength=first.size),
        np.bincount(inv, minlength=first.size), order,
    )
    return dataclasses.replace(lines, loan_line=_read_only(position[inv].astype(np.int32)))


def _rep_lines_hashed(pool: Pool, assumptions: Assumptions) -> Lines:
    """:func:`rep_lines` through the hashed compression (the path of very wide keys), on a copy
    of the pool that keeps nothing: for tests comparing the two paths."""
    fresh = dataclasses.replace(pool)
    fresh.derived("replines.pool_lines", _hashed)
    return rep_lines(fresh, assumptions)


def _billed(pool: Pool, assumptions: Assumptions, line_of_loan: np.ndarray, lines: Lines) -> Lines:
    """Under ``rounding="cents"``, the lines with every receivable's schedule billed in cents
    (:func:`abs_model.core.instalments.billed_schedules`: a seasoned receivable still on its
    original bill keeps it) summed per line; else unchanged."""
    if assumptions.rounding != "cents":
        return lines
    billed = billed_schedules(
        product=pool.product,
        n=pool.remaining_term.astype(np.int64) + _missed(pool.bucket, assumptions),
        balance=pool.current_principal,
        rate=pool.rate,
        flat_fee=_flat_fee(pool),
        original_balance=pool.original_principal,
        original_term=pool.original_term,
        line=line_of_loan,
        lines=len(lines),
    )
    return dataclasses.replace(lines, billed=billed)
