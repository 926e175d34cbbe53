"""A plain per-loan reference projection: scalar Python, explicit instalment tables, no numpy
vectorisation and no closed forms. The vectorised engine must match it (design §6).

Borrower mechanics, loan by loan: late fees owed per bucket (accrued on the missed instalments,
paid on a cure to M0, lost at default, carried otherwise); restructuring plans as a list of
entries per loan (plan, entry period, share), each paying its own months.

For one loan with cut-off bucket ``b0`` and ``n = remaining + b0`` instalments to pay, the
instalment table lists principal and fee of instalments 1..n. A share of the loan in bucket ``j``
at the end of period ``t`` has paid ``b0 + t − j`` instalments.
"""

from __future__ import annotations

import numpy_financial as npf

from abs_model.assumptions.assumptions import Assumptions, stress_rolls


def instalments(product: str, n: int, balance: float, original: float, rate: float) -> tuple[list[float], list[float]]:
    """(principal, fee) of each instalment, built one instalment at a time."""
    prin: list[float] = []
    fee: list[float] = []
    if product in ("flat_fee", "bullet"):
        for k in range(1, n + 1):
            if product == "flat_fee":
                prin.append(balance / n)
            else:
                prin.append(balance if k == n else 0.0)
            fee.append(rate * original)
        return prin, fee
    r = rate / 12.0
    out = balance
    if product == "equal_principal" or r == 0:
        for _ in range(n):
            interest = r * out if product == "equal_principal" else 0.0
            prin.append(balance / n)
            fee.append(interest)
            out -= balance / n
        return prin, fee
    payment = float(-npf.pmt(r, n, balance))
    for _ in range(n):
        interest = r * out
        prin.append(payment - interest)
        fee.append(interest)
        out -= payment - interest
    return prin, fee


def reference_project(loans: list[dict], a: Assumptions, horizon: int) -> dict[str, list[float]]:
    """Pool totals per period 1..horizon from a loop over loans, periods and buckets."""
    tot = {
        k: [0.0] * (horizon + 1)
        for k in (
            "scheduled_principal",
            "prepayment",
            "fee_interest",
            "prepayment_fee",
            "defaults",
            "closing_balance",
            "late_fees",
            "balance_restructured",
            "repurchases",
            "repurchase_proceeds",
        )
    }
    bb = a.buy_back
    r_in = bb.ineligible_rate if bb is not None else 0.0  # 赎回: share of the performing balance found ineligible
    roll = a.roll_rates is not None
    strategy = a.collections
    plans = strategy.plans if strategy is not None and roll else ()
    late_terms = a.late_fees if roll else None
    B = a.default_bucket if roll else 1
    P = stress_rolls(a.roll_rates.matrix, [a.default_multiplier])[0] if roll else None
    for ln in loans:
        b0 = ln["bucket"] if roll else 0
        n = ln["remaining_term"] + b0
        prin, fee = instalments(ln["product"], n, ln["current_principal"], ln["original_principal"], ln["rate"])

        def bal_after(k: int, prin: list[float] = prin, n: int = n, c: float = ln["current_principal"]) -> float:
            return c - sum(prin[: min(max(k, 0), n)])

        def fee_upto(k: int, fee: list[float] = fee, n: int = n) -> float:
            return sum(fee[: min(max(k, 0), n)])

        state = {b0: 1.0} if b0 < B else {}
        late = {j: 0.0 for j in range(B)}
        book: list[dict] = []  # this loan's plans, one entry per (plan, entry period, bucket)
        rate = late_terms.rate_of(ln["product"]) if late_terms is not None else 0.0
        # restructuring take-up of this loan: each plan's own, unless a segment override it
        # matches names the plan's type (a later matching override wins)
        matching = [o.take_up for o in a.segment_overrides if o.take_up and ln.get(o.column) == o.value]
        take_ups = []
        for p in plans:
            tu = dict(p.take_up)
            for m in matching:
                if p.plan in m:
                    tu = dict(m[p.plan])
            take_ups.append(tu)
        if b0 >= B:
            tot["defaults"][1] += ln["current_principal"]
        age = ln["original_term"] - ln["remaining_term"]
        for t in range(1, horizon + 1):
            if plans:
                _enter_plans(plans, take_ups, state, late, book, t, b0, n, bal_after, fee_upto, tot)
                back = _run_plans(book, t, b0, bal_after, fee_upto, tot)
            else:
                back = 0.0
            cpr_i = a.cpr.at([age + t])[0] if a.cpr.index == "age" else a.cpr.at([t])[0]
            cpr_i = min(1.0, cpr_i * a.prepay_multiplier)
            smm = 1 - (1 - cpr_i) ** (1 / 12)
            new: dict[int, float] = {}
            r_now = r_in
            if roll:
                m = P[min(age + t, P.shape[0]) - 1]
                new_late: dict[int, float] = {}
                for j, share in state.items():
                    k_before = b0 + t - 1 - j
                    owed = late.get(j, 0.0)
                    if late_terms is not None and j >= 1:
                        overdue = bal_after(k_before) - bal_after(k_before + j) + fee_upto(k_before + j) - fee_upto(k_before)
                        owed += late_terms.days(j) * rate * share * overdue
                    for j2 in range(0, j + 2):
                        p = m[j, j2] if j2 < B else m[j, B:].sum()
                        if p and owed:
                            if j2 == 0:
                                tot["late_fees"][t] += owed * p * (1.0 - late_terms.waived_share)  # type: ignore[union-attr]
                            elif j2 < B:
                                new_late[j2] = new_late.get(j2, 0.0) + owed * p
                    for j2 in range(0, j + 2):
                        p = m[j, j2] if j2 < B else m[j, B:].sum()
                        if p == 0:
                            continue
                        moved = share * p
                        if j2 >= B:
                            tot["defaults"][t] += moved * bal_after(k_before)
                            continue
                        k_after = b0 + t - j2
                        tot["scheduled_principal"][t] += moved * (bal_after(k_before) - bal_after(k_after))
                        tot["fee_interest"][t] += moved * (fee_upto(k_after) - fee_upto(k_before))
                        new[j2] = new.get(j2, 0.0) + moved
            else:
                share = state.get(0, 0.0)
                k_before, k_after = t - 1, t
                if a.cdr is not None:
                    c = a.cdr.at([age + t])[0] if a.cdr.index == "age" else a.cdr.at([t])[0]
                    mdr = 1 - (1 - min(1.0, c * a.default_multiplier)) ** (1 / 12)
                    if a.recovery_lag and t > n - a.recovery_lag:
                        mdr = 0.0  # SF §C.3.j: no new defaults in the last L months of the term
                else:
                    mdr = 0.0
                d = share * mdr
                tot["defaults"][t] += d * bal_after(k_before)
                surv = share - d
                tot["scheduled_principal"][t] += surv * (bal_after(k_before) - bal_after(k_after))
                tot["fee_interest"][t] += surv * (fee_upto(k_after) - fee_upto(k_before))
                # SF §C.2: prepayment on the prior performing share (defaults included), capped;
                # the ineligible share leaves beside it: 1 − (1 − smm)(1 − r) in all, smm of it prepaid
                leave = 1 - (1 - smm) * (1 - r_in)
                out = min(share * leave, surv)
                pre = out * smm / leave if leave > 0 else 0.0
                k_after = t
                tot["repurchases"][t] += (out - pre) * bal_after(k_after)
                tot["prepayment"][t] += pre * bal_after(k_after)
                remaining_fees = sum(fee[min(k_after, n) :]) if ln["product"] in ("flat_fee", "bullet") else 0.0
                if a.unearned_fee == "full":
                    tot["prepayment_fee"][t] += pre * remaining_fees
                elif a.unearned_fee == "one_period":
                    tot["prepayment_fee"][t] += pre * min(remaining_fees, ln["rate"] * ln["original_principal"])
                new = {0: surv - out}
                smm = 0.0  # already applied
                r_now = 0.0
            # prepayment (and the ineligible buy-back) of the current share after its instalment
            if 0 in new and (smm > 0 or r_now > 0):
                k_after = b0 + t if roll else t
                pre = new[0] * smm
                back_in = new[0] * (1 - smm) * r_now
                tot["repurchases"][t] += back_in * bal_after(k_after)
                new[0] -= back_in
                tot["prepayment"][t] += pre * bal_after(k_after)
                remaining_fees = sum(fee[min(k_after, n) :]) if ln["product"] in ("flat_fee", "bullet") else 0.0
                if a.unearned_fee == "full":
                    tot["prepayment_fee"][t] += pre * remaining_fees
                elif a.unearned_fee == "one_period":
                    tot["prepayment_fee"][t] += pre * min(remaining_fees, ln["rate"] * ln["original_principal"])
                new[0] -= pre
            if back:
                new[0] = new.get(0, 0.0) + back
            state = new
            if roll:
                late = new_late
            for j, share in state.items():
                k = (b0 + t - j) if roll else t
                tot["closing_balance"][t] += share * bal_after(k)
    price = bb.price if bb is not None else 1.0
    tot["repurchase_proceeds"] = [price * v for v in tot["repurchases"]]
    return tot


def _enter_plans(plans, take_ups, state, late, book, t, b0, n, bal_after, fee_upto, tot) -> None:  # type: ignore[no-untyped-def]
    """Shares taken up at the start of period t, one plan entry per (plan, bucket)."""
    taken: dict[int, float] = {}
    for p, tu in zip(plans, take_ups, strict=True):
        for j, rho in tu.items():
            share = state.get(j, 0.0) * rho
            if j not in state or (not share and not late.get(j, 0.0)):
                continue
            taken[j] = taken.get(j, 0.0) + rho
            late_in = late.get(j, 0.0) * rho
            k = b0 + t - 1 - j
            principal = share * bal_after(k)
            overdue_fees = share * (fee_upto(k + j) - fee_upto(k))
            if p.buy_back:
                tot["repurchases"][t] += principal
                continue
            cap = late_in if p.late_fees == "capitalise" else 0.0
            N = p.periods
            if p.plan == "spread_arrears":
                arrears = share * (bal_after(k) - bal_after(k + j))
                book.append(dict(p=p, e=t, y=share, amount=arrears, M=N, fee=0.0, cap=(overdue_fees + cap) / N, alive=1.0))
                continue
            M = max(n - k, N) if p.plan == "re_age" else N
            down = p.down_payment * principal
            tot["scheduled_principal"][t] += down
            extra = (overdue_fees + cap) / N if p.late_fees == "capitalise" else 0.0
            book.append(dict(p=p, e=t, y=0.0, amount=principal - down, M=M, fee=p.fee_rate * (principal - down), cap=extra, alive=1.0))
    for j, rho in taken.items():
        state[j] -= state[j] * rho
        late[j] = late.get(j, 0.0) - late.get(j, 0.0) * rho


def _run_plans(book, t, b0, bal_after, fee_upto, tot) -> float:  # type: ignore[no-untyped-def]
    """Period t of every plan of the loan; returns the share of spread plans now current again."""
    back = 0.0
    for pl in book:
        p, d = pl["p"], t - pl["e"]
        q, pp, M, N = p.redefault_rate, p.prepay_rate, pl["M"], p.periods
        if d == 0:  # entry period: the spread plan's schedule pays its instalment
            tot["scheduled_principal"][t] += pl["y"] * (bal_after(b0 + t - 1) - bal_after(b0 + t))
            tot["fee_interest"][t] += pl["y"] * (fee_upto(b0 + t) - fee_upto(b0 + t - 1))
            closing = pl["amount"] + pl["y"] * bal_after(b0 + t)
            tot["closing_balance"][t] += closing
            tot["balance_restructured"][t] += closing
            continue
        before = pl["amount"] * max(0.0, 1 - (d - 1) / M)
        after = pl["amount"] * max(0.0, 1 - d / M)
        opening = pl["alive"] * before + pl["y"] * bal_after(b0 + t - 1)
        tot["defaults"][t] += q * opening
        pl["alive"] *= 1 - q
        pl["y"] *= 1 - q
        tot["scheduled_principal"][t] += pl["alive"] * (before - after) + pl["y"] * (bal_after(b0 + t - 1) - bal_after(b0 + t))
        paid_fee = (pl["fee"] if d <= M else 0.0) + (pl["cap"] if d <= N else 0.0)
        tot["fee_interest"][t] += pl["alive"] * paid_fee + pl["y"] * (fee_upto(b0 + t) - fee_upto(b0 + t - 1))
        tot["prepayment"][t] += pp * (pl["alive"] * after + pl["y"] * bal_after(b0 + t))
        pl["alive"] *= 1 - pp
        pl["y"] *= 1 - pp
        if p.plan == "spread_arrears" and d == N:
            back += pl["y"]
            pl["y"] = 0.0
        closing = pl["alive"] * after + pl["y"] * bal_after(b0 + t)
        tot["closing_balance"][t] += closing
        tot["balance_restructured"][t] += closing
    return back
