"""P&I advancing, an option of the ``sifma`` convention (``Assumptions.make(advancing=True)``).

SIFMA/BMA Standard Formulas SF-16..SF-20 §C.1–§C.3 and the default cash-flow tables SF-22..SF-38
(§C.6), with principal and interest advanced: a defaulted loan leaves the performing balance in
the month it defaults, keeps amortising on its schedule while in foreclosure (the servicer
advances its scheduled principal and interest), and is liquidated ``k`` months later at its
*amortised* balance; the loss is the severity times the balance *at default*, capped at that
amortised balance, booked at liquidation.

Per state group ``g`` (lines sharing one default path; :mod:`abs_model.projection.groups`):
``D_g(s)`` the balance defaulting in month ``s`` (the engine's ``defaults``), ``WS_g(k) = Σ_ℓ B_ℓ
S_ℓ(k)`` and ``WF_g(k) = Σ_ℓ Φ_ℓ(k)`` the group's scheduled balance and cumulative interest after
``k`` instalments, ``d_g(s) = D_g(s) / WS_g(s − 1)`` the share defaulting, ``w_k`` the recovery
timing (share liquidated ``k`` months after default; the SF's single lag ``L`` is ``w_L = 1``),
``P(m) = Σ_{k>m} w_k`` (still in foreclosure ``m`` months after default), ``P'(m) = Σ_{k≥m} w_k``
and ``sev_g = 1 − min(1, recovery rate × recovery multiple)``. Columns of month ``i``, defined as:

- ``foreclosure_balance(i) = Σ_g A_g(i) WS_g(i)``, ``A_g(i) = Σ_s d_g(s) P(i − s)`` (SF "In
  Foreclosure", ``FCL``);
- ``advanced_principal(i) = Σ_g A_g(i) (WS_g(i − 1) − WS_g(i))`` (SF "Amortization from
  Defaults", ``AM_DEF``: the scheduled principal of loans in foreclosure, this month's new
  defaults included, those liquidated this month excluded);
- ``amortized_default_balance(i) = Σ_g Σ_k w_k d_g(i − k) WS_g(i − 1)`` (``ADB``: the balance
  liquidated this month, after ``k`` months of advanced amortisation);
- ``principal_loss(i) = Σ_g Σ_k w_k d_g(i − k) Σ_{ℓ∈g} B_ℓ min(sev_g S_ℓ(i − k − 1), S_ℓ(i − 1))``
  (SF-19 notes h–i: ``min(severity × balance at default, ADB)``, per receivable);
- ``recoveries(i) = amortized_default_balance(i) − principal_loss(i)`` (SF "Principal Recovery");
- ``interest_lost(i) = Σ_g A'_g(i) (WF_g(i) − WF_g(i − 1))``, ``A'_g(i) = Σ_s d_g(s) P'(i − s)``
  (the month's interest of new defaults and of every loan in foreclosure at the month's start,
  those liquidated this month included: SF ``(NEW_DEF(i) + FCL(i − 1)) × r/12``);
- ``advanced_interest = interest_lost`` (advances replace the lost interest exactly, §C.1);
- ``expected_amortization = scheduled_principal + advanced_principal`` and
  ``expected_interest = fee_interest + interest_lost`` (as if no loan had defaulted);
- ``net_loss = principal_loss`` (booked at liquidation, not at default).

Cash to investors is then principal ``scheduled + prepayment + advanced_principal +
recoveries`` and interest ``fee_interest + advanced_interest``; every defaulted unit of principal
is advanced, recovered or lost: ``Σ defaults = Σ (advanced_principal + recoveries +
principal_loss)``. ``scheduled_principal`` and ``fee_interest`` keep their meaning (paid by the
performing loans: SF "Actual Amortization" and "Actual Interest").
"""

from __future__ import annotations

import numpy as np

from abs_model.core.schedule import ScheduleShape
from abs_model.projection.context import Context
from abs_model.projection.groups import StateGroups
from abs_model.projection.replines import Lines


def _group_sum(v: np.ndarray, groups: StateGroups) -> np.ndarray:
    """Per-group sums over the last (line) axis."""
    return np.add.reduceat(v, groups.starts, axis=-1)


def _line_tables(lines: Lines, rows: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-line ``S_ℓ(k)`` and ``Φ_ℓ(k)`` for ``k = 0 … rows − 1`` (clamped at the term)."""
    sched = ScheduleShape.build(
        product=lines.product, n=lines.n, annual_rate=lines.rate, balance=lines.balance, flat_fee=lines.flat_fee
    )
    n_f = lines.n.astype(np.float64)
    s = np.empty((rows, len(lines)))
    phi = np.empty((rows, len(lines)))
    for k in range(rows):
        kk = np.minimum(float(k), n_f)
        s[k] = sched.balance_factor(kk, clipped=True)
        phi[k] = sched.fee_cumulative(kk, s[k], clipped=True)
    return s, phi


def with_advancing(
    full: dict[str, np.ndarray], defaults: np.ndarray, lines: Lines, groups: StateGroups, ctx: Context
) -> dict[str, np.ndarray]:
    """The totals ``full`` (S, E + 1), recovery tail included, with the module doc's columns
    added and ``recoveries`` / ``net_loss`` replaced. ``defaults``: (T + 1, S, G) the balance
    defaulting in each month by state group (row 0 unused)."""
    E = full["defaults"].shape[1] - 1
    T = defaults.shape[0] - 1
    S, G = defaults.shape[1], defaults.shape[2]
    s_line, phi_line = _line_tables(lines, E + 1)
    WS = _group_sum(s_line * lines.balance, groups)  # (E + 1, G)
    WF = _group_sum(phi_line, groups)
    d = np.zeros((E + 1, S, G))
    before = WS[:T][:, None, :]
    d[1 : T + 1] = np.where(before > 0, defaults[1:] / np.where(before > 0, before, 1.0), 0.0)
    w = np.asarray(ctx.assumptions.recovery_timing, dtype=np.float64)
    tail = np.cumsum(w[::-1])[::-1]  # P'(m) = Σ_{k ≥ m} w_k; P(m) = P'(m + 1)
    zero_row = np.zeros((1, G))
    ws_prev = np.concatenate([zero_row, WS[:-1]])  # WS(i − 1) for month i
    amort = ws_prev - np.concatenate([zero_row, WS[1:]])  # WS(i − 1) − WS(i)
    accrued = np.concatenate([zero_row, WF[1:] - WF[:-1]])  # WF(i) − WF(i − 1)
    fcl, adv, lost, adb = (np.zeros((S, E + 1)) for _ in range(4))
    for m in range(min(w.size, E + 1)):  # defaults of month s reach month i = s + m
        head = d[: E + 1 - m]
        still = tail[m + 1] if m + 1 < w.size else 0.0
        if still:
            fcl[:, m:] += still * np.einsum("isg,ig->si", head, WS[m:])
            adv[:, m:] += still * np.einsum("isg,ig->si", head, amort[m:])
        if tail[m]:
            lost[:, m:] += tail[m] * np.einsum("isg,ig->si", head, accrued[m:])
        if w[m]:
            adb[:, m:] += w[m] * np.einsum("isg,ig->si", head, ws_prev[m:])
    out = dict(full)
    # min(severity × balance, ADB) per receivable, summed apart from ADB: at severity 1 the two sums
    # can differ in the last place, and recoveries = ADB − loss would come out −1e-9 (refused by the waterfall)
    loss = np.minimum(_principal_loss(d, w, s_line, lines, groups, ctx, T=T, E=E), adb)
    out["foreclosure_balance"] = fcl
    out["advanced_principal"] = adv
    out["interest_lost"] = lost
    out["advanced_interest"] = lost.copy()
    out["amortized_default_balance"] = adb
    out["principal_loss"] = loss
    out["recoveries"] = adb - loss
    out["net_loss"] = loss.copy()
    out["expected_amortization"] = full["scheduled_principal"] + adv
    out["expected_interest"] = full["fee_interest"] + lost
    return out


def _principal_loss(
    d: np.ndarray,
    w: np.ndarray,
    s_line: np.ndarray,
    lines: Lines,
    groups: StateGroups,
    ctx: Context,
    *,
    T: int,
    E: int,
) -> np.ndarray:
    """``principal_loss`` (S, E + 1) of the module doc: per receivable ``min(sev × balance at
    default, amortised balance)``, by liquidation month."""
    rec = np.minimum(1.0, ctx.segments.recovery_rate[groups.seg][None, :] * ctx.rm[:, None])  # (S, G)
    sev_line = (1.0 - rec)[:, groups.line_group]  # (S, L)
    loss = np.zeros((d.shape[1], E + 1))
    for k in np.flatnonzero(w):
        for s in range(1, T + 1):
            if s + k > E or not d[s].any():
                continue
            capped = np.minimum(sev_line * s_line[s - 1], s_line[s + k - 1]) * lines.balance  # (S, L)
            loss[:, s + k] += w[k] * (d[s] * _group_sum(capped, groups)).sum(-1)
    return loss
