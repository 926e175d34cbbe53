"""A deal's liability structure: tranches, fees, reserve, triggers and one waterfall per phase."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from tranches.accounts import ReserveAccount
from tranches.errors import must
from tranches.fees import Expense, Fee, Tax
from tranches.frozen import FrozenMap
from tranches.steps import (
    BuyReceivables,
    DrawReserve,
    FundReserve,
    PayFee,
    PayInterest,
    PayPrincipal,
    PayTax,
)
from tranches.support import check_extra_steps
from tranches.tranche import CLASS_RANK, Tranche
from tranches.triggers import CleanupCall, Trigger
from tranches.waterfall import Waterfall

PHASES: tuple[str, ...] = ("revolving", "amortising", "accelerated", "default", "cleanup")
WRITEDOWN_MODES: tuple[str, ...] = ("period", "legal_final")


@dataclass(frozen=True, slots=True)
class Structure:
    """Everything on the liability side of one deal.

    - ``tranches``: most senior first; the last one is the most junior class (takes the residual).
    - ``fees``: :class:`~tranches.fees.Fee` and :class:`~tranches.fees.Tax` objects.
    - ``waterfalls``: phase name → :class:`~tranches.waterfall.Waterfall`, phases "revolving",
      "amortising" (required), "accelerated", "default", "cleanup".
    - ``revolving_periods``: revolving ends after this period (or earlier on a trigger).
    - ``payment_every``: phase → months between note payment dates (default 1). The last period,
      a clean-up period and the first month of a new phase whose frequency is due are payment dates.
    - ``collection_account``: "separate" (interest and principal pots) or "combined" (one pot).
    - ``writedown``: "period" (each payment date, notes above pool balance (with
      the receivables bought that period) + principal cash + recoveries still to come, :class:`~tranches.period.PeriodInputs`, are written down junior first) or "legal_final" (only in the last period).
    - ``reimburse_writedowns`` (``writedown="period"``): a ``pay_residual`` step first repays the
      principal written down and not yet repaid, most senior class first, out of the cash it would
      pay as residual (a charge-off reimbursement, or a write-up paid at once), and only then pays
      the residual. The repayment is principal paid to the class and a negative writedown
      (``beginning − principal − writedown = ending`` and the class's loss, Σ writedown, stay
      exact). ``False``: written-down principal is never repaid (the residual holder takes the
      cash while a class above it has lost principal).
    """

    tranches: tuple[Tranche, ...]
    waterfalls: Mapping[str, Waterfall]
    fees: tuple[Expense, ...] = ()
    reserve: ReserveAccount | None = None
    triggers: tuple[Trigger, ...] = ()
    revolving_periods: int = 0
    payment_every: Mapping[str, int] = field(default_factory=FrozenMap)
    cleanup: CleanupCall | None = None
    collection_account: Literal["separate", "combined"] = "separate"
    writedown: Literal["period", "legal_final"] = "period"
    reimburse_writedowns: bool = True

    def __post_init__(self) -> None:
        tranches = tuple(self.tranches)
        object.__setattr__(self, "tranches", tranches)
        object.__setattr__(self, "fees", tuple(self.fees))
        object.__setattr__(self, "triggers", tuple(self.triggers))
        object.__setattr__(self, "waterfalls", FrozenMap(self.waterfalls))
        object.__setattr__(self, "payment_every", FrozenMap(self.payment_every))
        self._check_tranches(tranches)
        self._check_names()
        self._check_phases()
        self._check_steps()
        if not isinstance(self.revolving_periods, int) or self.revolving_periods < 0:
            raise must("revolving_periods", "must be an integer >= 0", self.revolving_periods)
        if self.collection_account not in ("separate", "combined"):
            raise must("collection_account", "must be 'separate' or 'combined'", self.collection_account)
        if self.writedown not in WRITEDOWN_MODES:
            raise must("writedown", f"must be one of {WRITEDOWN_MODES}", self.writedown)
        if not isinstance(self.reimburse_writedowns, bool):
            raise must("reimburse_writedowns", "must be true or false", self.reimburse_writedowns)
        if self.cleanup is not None and not isinstance(self.cleanup, CleanupCall):
            raise must("cleanup", "must be a CleanupCall or None", self.cleanup)
        if self.reserve is not None and not isinstance(self.reserve, ReserveAccount):
            raise must("reserve", "must be a ReserveAccount or None", self.reserve)

    @staticmethod
    def _check_tranches(tranches: tuple[Tranche, ...]) -> None:
        if not tranches:
            raise must("tranches", "must hold at least one tranche", tranches)
        for i, t in enumerate(tranches):
            if not isinstance(t, Tranche):
                raise must(f"tranches[{i}]", "must be a Tranche", t)
        names = [t.name for t in tranches]
        if len(set(names)) != len(names):
            raise must("tranches", "names must be unique", names)
        ranks = [CLASS_RANK[t.tranche_class] for t in tranches]
        if ranks != sorted(ranks):
            raise must(
                "tranches",
                "must be listed most senior first (senior, mezzanine, subordinated)",
                [t.tranche_class for t in tranches],
            )

    def _check_names(self) -> None:
        for i, f in enumerate(self.fees):
            if not isinstance(f, Fee | Tax):
                raise must(f"fees[{i}]", "must be a Fee or a Tax", f)
        names = [f.name for f in self.fees]
        if len(set(names)) != len(names):
            raise must("fees", "names must be unique", names)
        tnames = [g.name for g in self.triggers]
        if len(set(tnames)) != len(tnames):
            raise must("triggers", "names must be unique", tnames)
        for i, g in enumerate(self.triggers):
            if not isinstance(g, Trigger):
                raise must(f"triggers[{i}]", "must be a Trigger", g)

    def _check_phases(self) -> None:
        for phase, wf in self.waterfalls.items():
            if phase not in PHASES:
                raise must("waterfalls", f"keys must be among {PHASES}", phase)
            if not isinstance(wf, Waterfall):
                raise must(f"waterfalls[{phase!r}]", "must be a Waterfall", wf)
        if "amortising" not in self.waterfalls:
            raise must("waterfalls", "must include an 'amortising' waterfall", tuple(self.waterfalls))
        if self.revolving_periods > 0 and "revolving" not in self.waterfalls:
            raise must("waterfalls", "must include 'revolving' when revolving_periods > 0", tuple(self.waterfalls))
        for g in self.triggers:
            need = {"accelerate": "accelerated", "default": "default"}.get(g.effect)
            if need is not None and need not in self.waterfalls:
                raise must(f"triggers[{g.name!r}].effect", f"needs a {need!r} waterfall", g.effect)
        for phase, every in self.payment_every.items():
            if phase not in PHASES:
                raise must("payment_every", f"keys must be among {PHASES}", phase)
            if not isinstance(every, int) or every < 1:
                raise must(f"payment_every[{phase!r}]", "must be an integer >= 1 (months)", every)

    def _check_steps(self) -> None:
        tnames = {t.name for t in self.tranches}
        fees = {f.name: f for f in self.fees}
        for phase, wf in self.waterfalls.items():
            for i, s in enumerate(wf.steps):
                path = f"waterfalls[{phase!r}].steps[{i}]"
                if isinstance(s, PayInterest | PayPrincipal):
                    for n in s.tranches:
                        if n not in tnames:
                            raise must(f"{path}.tranches", f"names unknown tranche (known: {sorted(tnames)})", n)
                elif isinstance(s, PayFee):
                    if not isinstance(fees.get(s.fee), Fee):
                        raise must(f"{path}.fee", "must name a Fee of the structure", s.fee)
                elif isinstance(s, PayTax):
                    if not isinstance(fees.get(s.tax), Tax):
                        raise must(f"{path}.tax", "must name a Tax of the structure", s.tax)
                elif isinstance(s, DrawReserve | FundReserve) and self.reserve is None:
                    raise must(path, "needs a reserve account on the structure", s)
                elif isinstance(s, BuyReceivables) and phase != "revolving":
                    raise must(path, "BuyReceivables belongs in the 'revolving' waterfall", phase)
        check_extra_steps(self)

    def tranche_index(self, name: str) -> int:
        """Position of the tranche called ``name`` (0 = most senior)."""
        for i, t in enumerate(self.tranches):
            if t.name == name:
                return i
        raise must("tranche", "names unknown tranche", name)
