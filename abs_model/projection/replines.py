"""Exact rep-line compression.

The projection is linear in balance: two receivables with the same product, remaining schedule
(``n``), cut-off bucket, months on book and assumption segment follow the same *fractions*
path, so their cash flows are the same fractions of their balances. Such receivables collapse
into one line holding the sums (current principal, flat fee per instalment ``Σ f·O``, count).
Interest-bearing products (level payment, equal principal) also key on the rate, since their
schedule depends on it non-linearly; flat-fee receivables do not (their fee is additive).

``level="loan"`` makes one line per receivable (the slow path, kept for loan-level output and as
a check: both paths give identical pool cash flows).
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


def override_groups(pool: Pool, assumptions: Assumptions) -> np.ndarray:
    """Bit mask per loan: bit i set when the loan matches ``segment_overrides[i]``; with a legal
    threshold, bit ``len(segment_overrides)`` set when its balance is at least the threshold
    (legal action pays only above a balance: lines never mix the two sides)."""
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
            col, value = pool.segments[o.column], str(o.value)
        else:
            from abs_model.errors import AssumptionError

            raise AssumptionError(
                f"segment_overrides[{i}].column: must be 'product', 'original_term' or a segment "
                f"column of the pool {sorted(pool.segments)}; got {o.column!r}"
            )
        g |= (col == value).astype(np.int64) << i
    return g


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


def loan_lines(pool: Pool, assumptions: Assumptions) -> Lines:
    """One line per receivable."""
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
        group=override_groups(pool, assumptions),
    ))


def profile_lines(pool: Pool, assumptions: Assumptions) -> Lines:
    """One line per receivable of a *unit* pool (a cash-flow profile per unit of balance bought,
    e.g. the replenishment mix): exact schedules always, since billing a balance of 1 in cents
    would round away whole percents of it."""
    return loan_lines(pool, dataclasses.replace(assumptions, rounding="exact"))


def rep_lines(pool: Pool, assumptions: Assumptions) -> Lines:
    """Compress the pool into exact rep-lines (see module doc).

    The key (product, cut-off bucket, original term, remaining term, interest rate of
    interest-bearing products, assumption segment, and with a legal threshold whether the balance
    reaches it) is dense and small, so the lines come from
    weighted ``bincount`` passes over it rather than from a hash or a sort of the loans.
    """
    prod = pool.product.astype(np.int64)
    interest = (prod == Product.LEVEL_PAYMENT) | (prod == Product.EQUAL_PRINCIPAL)
    n_rates = 1
    rate_code: np.ndarray | int = 0
    rate_values = np.zeros(1)
    if interest.any():
        codes, uniq = pd.factorize(pool.rate[interest])
        rc = np.zeros(pool.n, dtype=np.int64)
        rc[interest] = codes + 1
        rate_code, n_rates = rc, len(uniq) + 1
        rate_values = np.concatenate([[0.0], np.asarray(uniq, dtype=np.float64)])
    term = pool.original_term.astype(np.int64)
    present = np.flatnonzero(np.bincount(term))
    term_code = np.zeros(int(present[-1]) + 1 if present.size else 1, dtype=np.int64)
    term_code[present] = np.arange(present.size)
    n_terms = max(1, present.size)
    max_rem = int(pool.remaining_term.max(initial=0)) + 1
    n_groups = 1 << group_bits(assumptions)
    group = override_groups(pool, assumptions) if n_groups > 1 else 0
    space = 4 * 8 * n_terms * max_rem * n_rates * n_groups
    if space > 20_000_000:  # an unusually wide key: fall back to hashing the loans
        return _rep_lines_hashed(pool, assumptions)
    # the key in place, one int64 buffer (no temporary per step)
    key = prod * 8
    key += pool.bucket
    key *= n_terms
    key += term_code[term]
    key *= max_rem
    key += pool.remaining_term
    key *= n_rates
    key += rate_code
    if n_groups > 1:
        key *= n_groups
        key += group
    counts = np.bincount(key, minlength=space)
    nz = np.flatnonzero(counts)
    flat = (prod == Product.FLAT_FEE) | (prod == Product.BULLET)
    balance = np.bincount(key, weights=pool.current_principal, minlength=space)[nz]
    fee_weight = pool.rate * pool.original_principal
    fee_weight *= flat
    flat_fee = np.bincount(key, weights=fee_weight, minlength=space)[nz]
    rest, g = np.divmod(nz, n_groups)
    rest, r_code = np.divmod(rest, n_rates)
    rest, remaining = np.divmod(rest, max_rem)
    rest, t_code = np.divmod(rest, n_terms)
    p_code, bucket = np.divmod(rest, 8)
    original_term = present[t_code] if present.size else np.ones_like(t_code)
    lines = Lines(
        product=p_code.astype(np.int8),
        original_term=original_term.astype(np.int32),
        n=remaining + _missed(bucket, assumptions),
        bucket=bucket.astype(np.int8),
        age=(original_term - remaining).astype(np.int64),
        rate=rate_values[r_code],
        balance=balance,
        flat_fee=flat_fee,
        count=counts[nz].astype(np.float64),
        group=g.astype(np.int64),
    )
    if assumptions.rounding != "cents":  # the loans' lines are only needed to bill them in cents
        return lines
    return _billed(pool, assumptions, np.searchsorted(nz, key), lines)


def _rep_lines_hashed(pool: Pool, assumptions: Assumptions) -> Lines:
    """The same compression through a hash of the composite key (for very wide keys)."""
    prod = pool.product.astype(np.int64)
    interest = (prod == Product.LEVEL_PAYMENT) | (prod == Product.EQUAL_PRINCIPAL)
    rate_code = np.zeros(pool.n, dtype=np.int64)
    if interest.any():
        codes, _ = pd.factorize(pool.rate[interest])
        rate_code[interest] = codes + 1
    group = override_groups(pool, assumptions)
    key = prod
    key = key * 1024 + pool.original_term
    key = key * 1024 + pool.remaining_term
    key = key * 8 + pool.bucket
    key = (key << 20) + rate_code
    if group_bits(assumptions):
        key = key * (1 << group_bits(assumptions)) + group
    inv, uniq = pd.factorize(key, sort=False)
    n_lines = len(uniq)
    first = np.full(n_lines, -1, dtype=np.int64)
    # index of the first loan of each line (any representative gives the line's keys)
    first[inv[::-1]] = np.arange(pool.n - 1, -1, -1)
    return _billed(pool, assumptions, np.asarray(inv, dtype=np.int64), Lines(
        product=pool.product[first],
        original_term=pool.original_term[first],
        n=pool.remaining_term[first].astype(np.int64) + _missed(pool.bucket[first], assumptions),
        bucket=pool.bucket[first],
        age=pool.age[first].astype(np.int64),
        rate=np.where(interest[first], pool.rate[first], 0.0),
        balance=np.bincount(inv, weights=pool.current_principal, minlength=n_lines),
        flat_fee=np.bincount(inv, weights=_flat_fee(pool), minlength=n_lines),
        count=np.bincount(inv, minlength=n_lines).astype(np.float64),
        group=group[first],
    ))


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
