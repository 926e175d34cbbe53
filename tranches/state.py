"""The mutable per-scenario state of one liability run (arrays over scenarios)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from tranches.engine import Engine


class EngineState:
    """Mutable per-scenario state of one run (arrays over scenarios). Made by :meth:`Engine.start`."""

    __slots__ = (
        "accrued",
        "accrued_clear",
        "any_called",
        "bal",
        "begins",
        "buf",
        "called",
        "cash",
        "cum_defaults",
        "cum_purchased",
        "cum_recoveries",
        "ends",
        "fee_due",
        "fee_paid",
        "has_shortfall",
        "int_due",
        "int_paid",
        "months_since_pay",
        "net",
        "nonneg",
        "note_accr",
        "pdl",
        "pdl_work",
        "reserve",
        "reserve_target",
        "rev_ended",
        "rp_prev",
        "rp_seen",
        "scratch",
        "shortfall",
        "shortfall_spare",
        "t",
        "trig_state",
        "unable_count",
        "wd_any",
        "wd_open",
    )

    def __init__(self, engine: Engine) -> None:
        n, k, f, g = engine.n, len(engine.tranches), len(engine.expenses), len(engine.triggers)
        s = engine.structure
        self.t = 0
        #: the amounts that must never be negative, in one block (one reduction checks them all):
        #: collection account pots, class balances, reserve, PDL, fees due
        self.nonneg = np.zeros((2 + k + 2 + f, n))
        self.cash = self.nonneg[0:2]
        self.bal = self.nonneg[2 : 2 + k]
        self.bal[...] = engine.note0[:, None]
        self.reserve = self.nonneg[2 + k]
        self.reserve.fill(s.reserve.initial if s.reserve is not None else 0.0)
        self.pdl = self.nonneg[3 + k]
        self.fee_due = self.nonneg[4 + k :]
        self.accrued = np.zeros((k, n))
        self.shortfall = np.zeros((k, n))
        self.shortfall_spare = np.zeros((k, n))  # the next period's shortfall is computed here
        self.accrued_clear = True  # nothing accrued and unpaid: the next accrual may overwrite
        self.fee_paid = np.zeros((f, n))  # paid on the current payment date (cap), scratch
        self.int_due = np.zeros((k, n))  # scratch of the current period
        self.int_paid = np.zeros((k, n))
        self.note_accr = np.zeros((k, n))  # scratch of the current period
        self.reserve_target = np.zeros(n)
        self.cum_defaults = np.zeros(n)
        self.cum_recoveries = np.zeros(n)  # recoveries received so far (the net-loss trigger)
        self.rp_prev = np.zeros(n)  # the recoveries still to come at the last period's end, as counted in the PDL
        self.rp_seen = False  # whether any were ever given
        self.pdl_work = np.zeros(n)  # scratch of the PDL credit (stages.credit_pdl)
        self.cum_purchased = np.zeros(n)
        self.called = np.zeros(n, dtype=bool)
        self.rev_ended = np.zeros(n, dtype=bool)
        self.months_since_pay = np.zeros(n, dtype=np.int64)
        self.trig_state = np.zeros((g, n), dtype=bool)
        self.unable_count = np.zeros(n)
        self.wd_open = np.zeros((k, n))  # principal written down and not yet repaid (reimburse_writedowns)
        self.wd_any = False  # whether wd_open may hold anything (kernels.residual skips the classes when not)
        self.buf = engine.allocate()
        #: whether any scenario's clean-up call was exercised / any class carries unpaid interest
        self.any_called = False
        self.has_shortfall = False
        #: (8, N) work arrays reused every period (nothing in them survives a period): rows 0-2 are
        #: the kernels' (``Ctx.a/b/c``), the others the engine's stages'
        self.scratch = np.zeros((8, n))
        self.net = np.zeros((2, n))  # the conservation check's ledger totals
        #: collection account cash (both pots) and reserve at the period's start and end
        self.begins = np.stack([self.cash[0] + self.cash[1], self.reserve])
        self.ends = np.zeros((2, n))
