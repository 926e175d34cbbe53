"""A plain per-loan loop of the SIFMA default cash flows with P&I advancing, written from the
algorithm in ``tests/abs_model/core/sifma_reference.py``'s docstring (SF-16..SF-20 §C.1–§C.3),
not from the engine.

Each loan is followed as *shares* of its own instalment table (``reference_loop.instalments``):
a performing share ``p`` and one foreclosure cohort per default month (share ``c``, balance at
default ``D``). Month ``i`` of a loan with ``n`` instalments left, balances ``bal(k)`` after ``k``
instalments and fee/interest ``fee_i`` of instalment ``i``:

1. ``MDR = 0`` when ``i > n − L``; new default share ``dp = p · MDR``, ``NEW_DEF = dp · bal(i−1)``.
2. A cohort defaulted in month ``s = i − L`` liquidates: ``ADB = c · bal(i−1)`` (it amortised,
   advanced, in months ``s … i−1``), ``loss = min(sev · D, ADB)``, ``recovery = ADB − loss``; its
   month-``i`` interest is lost (and advanced). With ``L = 0`` the new defaults liquidate at once.
3. Every other cohort, this month's new one included: advanced principal ``c · (bal(i−1) −
   bal(i))``, lost (advanced) interest ``c · fee_i``, foreclosure balance ``c · bal(i)`` at the end.
4. Performing: ``ACT_AM = (p − dp)(bal(i−1) − bal(i))``, ``ACT_INT = (p − dp) · fee_i``,
   ``VOL = min(p · SMM, p − dp) · bal(i)``, then ``p ← p − dp − min(p · SMM, p − dp)``.
"""

from __future__ import annotations

from abs_model.assumptions.assumptions import Assumptions
from tests.abs_model.projection.reference_loop import instalments

COLUMNS = (
    "defaults",
    "scheduled_principal",
    "prepayment",
    "fee_interest",
    "advanced_principal",
    "interest_lost",
    "amortized_default_balance",
    "principal_loss",
    "recoveries",
    "foreclosure_balance",
    "closing_balance",
)


def _rate(curve, age: int, t: int, mult: float) -> float:  # type: ignore[no-untyped-def]
    value = curve.at([age + t])[0] if curve.index == "age" else curve.at([t])[0]
    return 1 - (1 - min(1.0, value * mult)) ** (1 / 12)


def sifma_advancing(loans: list[dict], a: Assumptions, months: int) -> dict[str, list[float]]:
    """Pool totals of :data:`COLUMNS` for months 0..``months`` (one recovery lag ``L``)."""
    lag, sev = a.recovery_lag, 1.0 - a.recovery_rate
    tot = {c: [0.0] * (months + 1) for c in COLUMNS}
    for ln in loans:
        n = ln["remaining_term"]
        prin, fee = instalments(ln["product"], n, ln["current_principal"], ln["original_principal"], ln["rate"])
        bal = [ln["current_principal"] - sum(prin[:k]) for k in range(n + 1)]
        bal += [0.0] * (months + 1)
        fee = list(fee) + [0.0] * (months + 1)
        age = ln["original_term"] - n
        p = 1.0
        cohorts: list[list[float]] = []  # [month, share, balance at default]
        for i in range(1, months + 1):
            mdr = 0.0 if a.cdr is None or i > n - lag else _rate(a.cdr, age, i, a.default_multiplier)
            smm = _rate(a.cpr, age, i, a.prepay_multiplier)
            dp = p * mdr
            tot["defaults"][i] += dp * bal[i - 1]
            if dp:
                cohorts.append([i, dp, dp * bal[i - 1]])
            kept = []
            for s, c, d0 in cohorts:
                tot["interest_lost"][i] += c * fee[i - 1]
                if i == s + lag:
                    adb = c * bal[i - 1]
                    loss = min(sev * d0, adb)
                    tot["amortized_default_balance"][i] += adb
                    tot["principal_loss"][i] += loss
                    tot["recoveries"][i] += adb - loss
                    continue
                tot["advanced_principal"][i] += c * (bal[i - 1] - bal[i])
                tot["foreclosure_balance"][i] += c * bal[i]
                kept.append([s, c, d0])
            cohorts = kept
            tot["scheduled_principal"][i] += (p - dp) * (bal[i - 1] - bal[i])
            tot["fee_interest"][i] += (p - dp) * fee[i - 1]
            pre = min(p * smm, p - dp)
            tot["prepayment"][i] += pre * bal[i]
            p -= dp + pre
            tot["closing_balance"][i] += p * bal[i]
    return tot
