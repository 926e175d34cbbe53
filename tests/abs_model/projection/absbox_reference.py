"""A plain per-loan loop of the ``absbox`` convention (Hastructure's order), written from the
formula text of :mod:`abs_model.projection.absbox` with explicit instalment tables (no closed
forms, no numpy): per loan and period, defaults on the performing balance, prepayment on the
survivors, then the instalment's principal and fee scaled by the survival factor."""

from __future__ import annotations

from collections.abc import Callable

from tests.abs_model.projection.reference_loop import instalments

Schedule = Callable[[str, int, float, float, float], tuple[list[float], list[float]]]

COLUMNS = ("opening_balance", "defaults", "prepayment", "prepay_base", "scheduled_principal", "fee_interest",
           "prepayment_fee", "closing_balance")


def absbox_reference(
    loans: list[dict], *, smm: float, mdr: float, horizon: int, unearned_fee: str = "waived", schedule: Schedule = instalments
) -> dict[str, list[float]]:
    """Pool totals per period 0..horizon (period 0 all zero but the closing balance).
    ``schedule(product, n, balance, original, rate)`` gives each loan's (principal, fee) lists."""
    tot = {c: [0.0] * (horizon + 1) for c in COLUMNS}
    for ln in loans:
        n = ln["remaining_term"]
        prin, fee = schedule(ln["product"], n, ln["current_principal"], ln["original_principal"], ln["rate"])
        sched = [ln["current_principal"]]
        for p in prin:
            sched.append(sched[-1] - p)
        pb = ln["current_principal"]
        tot["closing_balance"][0] += pb
        for t in range(1, horizon + 1):
            k = min(t, n)
            d = mdr * pb
            pp = smm * (pb - d)
            phi = (pb - d - pp) / sched[k - 1] if t <= n and sched[k - 1] > 0 else 0.0
            sp = phi * prin[k - 1] if t <= n else 0.0
            fi = phi * fee[k - 1] if t <= n else 0.0
            flat = ln["product"] in ("flat_fee", "bullet")
            unearned = sum(fee[t - 1 :]) if flat and t <= n else 0.0
            if unearned_fee == "one_period":
                unearned = min(unearned, fee[0] if flat else 0.0)
            share = pp / sched[k - 1] if t <= n and sched[k - 1] > 0 else 0.0
            tot["opening_balance"][t] += pb
            tot["defaults"][t] += d
            tot["prepayment"][t] += pp
            tot["prepay_base"][t] += pb - d
            tot["scheduled_principal"][t] += sp
            tot["fee_interest"][t] += fi
            tot["prepayment_fee"][t] += 0.0 if unearned_fee == "waived" else share * unearned
            pb = pb - d - pp - sp
            tot["closing_balance"][t] += pb
    return tot
