"""Values a deal file may legally hold but that are almost certainly a typing slip: a coupon of
51 % (meant 5.1 %), a servicing fee of 0.5 a year (meant 0.5 %), a flat fee of 10 % a period.
They are warned about, not refused: a distressed deal can carry a high coupon. The limits are
named constants, quoted in every message."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

import tranches as tr
from abs_model.core.products import Product

if TYPE_CHECKING:
    from abs_model.deal.model import Deal

__all__ = [
    "AGE_SLACK_MONTHS",
    "MAX_COUPON",
    "MAX_FEE_RATE",
    "MAX_LOAN_RATE",
    "MAX_PERIOD_FEE",
    "MAX_SEGMENT_VALUES",
    "MAX_TAX_RATE",
    "implausible",
]

#: Note coupon, a year: above this it is probably a percentage typed as a decimal.
MAX_COUPON = 0.20
#: Trustee / servicer fee on a balance, a year.
MAX_FEE_RATE = 0.05
#: Tax on interest income (VAT is about 3.26 %).
MAX_TAX_RATE = 0.20
#: Fee of an instalment plan, a period (Baitiao: 0–1.2 % a period): a revolving purchase's or a
#: receivable's of the pool (flat fee, bullet).
MAX_PERIOD_FEE = 0.05
#: Annual rate of a receivable (level payment, equal principal): 36 % is the usury ceiling the
#: Chinese courts applied to consumer credit and the US 36 % APR cap; 0.99 is 99 % typed for 0.99 %.
MAX_LOAN_RATE = 0.36
#: Distinct values of one segment column (region, channel, score band) above which it is probably
#: an id mapped to a segment: every value is a row of the strats in the report and the workbook
#: (2,000 values made a 0.7 MB report; above 1,048,576 the workbook is one Excel cannot open).
MAX_SEGMENT_VALUES = 1_000
#: Instalments past (original − remaining term) may exceed the whole months from origination to
#: the cut-off by this much (a first instalment due in the month of origination) before the tape's
#: terms and its origination dates are said to disagree.
AGE_SLACK_MONTHS = 1


def _pct(v: float) -> str:
    return f"{v:.2%}"


def implausible(deal: Deal) -> list[str]:
    """One message per implausible value of ``deal`` (a :class:`~abs_model.deal.model.Deal`),
    naming its path, the value and the limit it passes."""
    out: list[str] = []
    for t in deal.structure.tranches:
        for i, c in enumerate(t.coupons):
            if c > MAX_COUPON:
                at = f"[{i}]" if len(t.coupons) > 1 else ""
                out.append(
                    f"tranches[{t.name!r}].coupon{at}: {_pct(c)} a year is implausible for a note coupon "
                    f"(above {_pct(MAX_COUPON)}); got {c!r} — rates are decimals (0.051 = 5.1 %)"
                )
                break
    for f in deal.structure.fees:
        if isinstance(f, tr.Tax) and f.rate > MAX_TAX_RATE:
            out.append(
                f"fees[{f.name!r}].rate: a tax of {_pct(f.rate)} of interest income is implausible "
                f"(above {_pct(MAX_TAX_RATE)}); got {f.rate!r} — rates are decimals (0.0326 = 3.26 %)"
            )
        elif isinstance(f, tr.Fee) and f.basis != "fixed" and f.rate > MAX_FEE_RATE:
            out.append(
                f"fees[{f.name!r}].rate: {_pct(f.rate)} of the {f.basis.replace('_', ' ')} a year is implausible "
                f"for a fee (above {_pct(MAX_FEE_RATE)}); got {f.rate!r} — rates are decimals and annual (0.005 = 0.5 % a year)"
            )
    out += _pool_rates(deal)
    out += _pool_ages(deal)
    out += _unmatched_overrides(deal)
    out += [
        f"pool: segment {name!r} has {n:,} distinct values (above {MAX_SEGMENT_VALUES:,}); each is a row of the strats in "
        "the report and the workbook — is an id column mapped to it?"
        for name, values in deal.pool.segments.items()
        if (n := len(np.unique(values))) > MAX_SEGMENT_VALUES
    ]
    for i, line in enumerate(deal.revolving.replenishment):
        if line.rate > MAX_PERIOD_FEE and line.product == "flat_fee":
            out.append(
                f"revolving.replenishment[{i}].rate: a flat fee of {_pct(line.rate)} a period is implausible "
                f"(above {_pct(MAX_PERIOD_FEE)}); got {line.rate!r} — rates are decimals (0.006 = 0.6 % a period)"
            )
    return out


def _pool_rates(deal: Deal) -> list[str]:
    """The pool's receivables whose rate passes the tape rule (a decimal below 1) but not
    plausibility: a flat fee or bullet fee above :data:`MAX_PERIOD_FEE` a period, an annual rate
    above :data:`MAX_LOAN_RATE` (one message per kind, with the count, the largest and a loan id)."""
    pool = deal.pool
    per_period = np.isin(pool.product, (int(Product.FLAT_FEE), int(Product.BULLET)))
    kinds = (
        (per_period & (pool.rate > MAX_PERIOD_FEE), f"a flat fee above {_pct(MAX_PERIOD_FEE)} a period", "0.006 = 0.6 % a period"),
        (~per_period & (pool.rate > MAX_LOAN_RATE), f"an annual rate above {_pct(MAX_LOAN_RATE)}", "0.12 = 12 % a year"),
    )
    out = []
    for bad, what, example in kinds:
        if bad.any():
            worst = int(np.flatnonzero(bad)[np.argmax(pool.rate[bad])])
            out.append(
                f"pool: {int(bad.sum())} receivable(s) carry {what} (up to {_pct(float(pool.rate[worst]))}, "
                f"e.g. loan_id {str(pool.loan_id[worst])!r}); implausible — rates are decimals ({example})"
            )
    return out


def _unmatched_overrides(deal: Deal) -> list[str]:
    """Segment overrides of the deal's assumptions that match no receivable of the cut-off pool
    (a value with a stray space, ``score_band: 1`` for a tape of A–E): the run goes on under the
    pool-wide assumptions, as the override would apply only to receivables of that value."""
    from abs_model.projection.replines import override_groups

    a = deal.assumptions
    if a is None or not a.segment_overrides:
        return []
    try:
        groups = override_groups(deal.pool, a)
    except ValueError:  # a column the pool lacks: refused by the run itself, naming the columns
        return []
    out = []
    for i, o in enumerate(a.segment_overrides):
        if not ((groups >> i) & 1).any():
            out.append(
                f"assumptions.segment_overrides: {o.column} = {o.value!r} matches no receivable of the cut-off pool "
                f"({deal.pool.n:,} receivables); its assumptions apply to none of them — check the value's spelling"
            )
    return out


def _pool_ages(deal: Deal) -> list[str]:
    """Receivables with more instalments past than months since their origination: defined as
    ``original_term − remaining_term > months(cut-off) − months(origination_date) +``
    :data:`AGE_SLACK_MONTHS` (monthly instalments). The projection ages a receivable by its terms
    and never reads the origination date, so a tape whose two disagree is projected on the terms;
    one message with the count and an example."""
    pool = deal.pool
    orig = np.asarray(pool.origination_date, dtype="datetime64[D]")
    known = ~np.isnat(orig)
    if not known.any():
        return []
    since = np.zeros(len(orig), dtype=np.int64)
    cut = np.asarray(deal.cutoff_date).astype("datetime64[M]")
    since[known] = (cut - orig[known].astype("datetime64[M]")).astype(np.int64)
    past = np.asarray(pool.original_term, dtype=np.int64) - np.asarray(pool.remaining_term, dtype=np.int64)
    bad = known & (past > since + AGE_SLACK_MONTHS)
    if not bad.any():
        return []
    worst = int(np.flatnonzero(bad)[np.argmax((past - since)[bad])])
    return [
        f"pool: {int(bad.sum())} receivable(s) have more instalments past (original − remaining term) than months "
        f"since their origination date (e.g. loan_id {str(pool.loan_id[worst])!r}: {int(past[worst])} past, originated "
        f"{orig[worst]!s}, {int(since[worst])} month(s) before the cut-off); the terms or the dates are wrong — "
        "the projection ages receivables by their terms"
    ]
