"""The row helpers of the live workbook model (:mod:`abs_model.output.workbook_model`): inputs,
formula rows, value rows, draws from the collection account's pots and the state variables a
waterfall step updates. The builder's parts (steps, support steps, pool rows) derive from it."""

from __future__ import annotations

import re
from typing import Any

import numpy as np

import tranches as tr
from abs_model.output.workbook_grid import AMOUNT, BIG, POT_I, POT_NAMES, POT_P, Grid, Row, Template, sum_of
from abs_model.output.workbook_pool import PoolBasis
from tranches.normalise import schedule_array

__all__ = ["ModelBase", "dc_key", "ndc_key", "snake"]


class ModelBase:
    """Lays out one deal's Inputs, Model and Outputs rows (see :mod:`abs_model.output.workbook_model`)."""

    def __init__(self, result: Any, basis: PoolBasis, lang: str) -> None:
        self.r = result
        self.s: tr.Structure = result.deal.structure
        self.T = len(result.pool) - 1  # the periods run (to the legal final)
        zh = dict(getattr(result.deal, "tranche_labels_zh", None) or {}) if lang == "zh" else {}
        self.m = Grid(self.T, lang=lang, display=zh)
        self.basis = basis
        self.lang = lang
        self.pot: dict[str, str] = {}
        self.cur: dict[str, str] = {}
        self.flows: dict[str, list[str]] = {}
        self.combined = self.s.collection_account == "combined"
        #: pay_residual first repays principal written down and not yet repaid (tranches.Structure)
        self.reimburses = self.s.writedown == "period" and self.s.reimburse_writedowns
        self.tn = [t.name for t in self.s.tranches]
        self.revolving = bool(basis.units)
        self.shared_keys: dict[tuple[object, ...], str] = {}
        self.pool_sold = "{pool_balance_end}"  # what a clean-up call sells (PoolRows.engine_inputs)

    # ------------------------------------------------------------------ rows
    def inp(self, key: str, text: str, value: float | tuple[float, ...], fmt: str = AMOUNT) -> None:
        """An input: a scalar (defined name ``in_<key>``) or a schedule by period (a row)."""
        vals = tuple(float(v) for v in value) if isinstance(value, tuple) else (float(value),)
        if max(vals) >= BIG:  # "unlimited" / "never": shown as 1.0E+300, not ###
            fmt = "0.0E+00"
        if len(set(vals)) == 1:
            self.m.add("Inputs", Row(key, text, fmt, const=vals[0]))
            self.m.names[key] = f"in_{key}"
        else:
            full = schedule_array(vals, self.T)
            self.m.add("Inputs", Row(key, text, fmt, values=(float("nan"), *full)))

    def shared_inp(self, key: str, ident: tuple[object, ...], text: str, value: float, fmt: str = AMOUNT) -> str:
        """An input shared by the equal steps of several phases (one cell to edit, as the deal
        file states it once per phase); ``ident`` says what makes them equal. Returns its key."""
        if ident not in self.shared_keys:
            self.shared_keys[ident] = key
            self.inp(key, text, value, fmt)
        return self.shared_keys[ident]

    def row(self, key: str, text: str, formula: Template, *, fmt: str = AMOUNT, init: str | float | None = None) -> str:
        return self.m.add("Model", Row(key, text, fmt, formula=formula, init=init))

    def vals(self, key: str, text: str, values: np.ndarray, fmt: str = AMOUNT) -> str:
        return self.m.add("Model", Row(key, text, fmt, values=tuple(float(v) for v in values)))

    def section(self, sheet: str, title: str) -> None:
        self.m.sheets[sheet].append(title)

    def flow(self, out: str, key: str) -> str:
        self.flows.setdefault(out, []).append(key)
        return key

    def draw(self, tag: str, text: str, want: str, pots: tuple[str, ...]) -> str:
        """Defined as ``got_1 = min(want, pot_1)``, ``got_2 = min(want − got_1, pot_2)``; the pots
        fall by what was drawn. Returns the row of the amount drawn."""
        w = self.row(f"{tag}.want", f"{text}: wanted", want)
        got: list[str] = []
        for p in pots:
            before = self.pot[p]
            prior = "".join(f"-{{{g}}}" for g in got)
            g = self.row(f"{tag}.from_{p}", f"{text}: from the {POT_NAMES[p]} pot", f"MIN({{{w}}}{prior},{{{before}}})")
            got.append(g)
            self.pot[p] = self.row(f"{tag}.pot_{p}", f"{POT_NAMES[p].capitalize()} pot after", f"{{{before}}}-{{{g}}}")
        if len(got) == 1:
            return got[0]
        return self.row(f"{tag}.paid", f"{text}: drawn", sum_of(got))

    def pay_in(self, tag: str, p: str, amount: str) -> None:
        """Cash paid into pot ``p`` (a reserve release, a supporter's payment)."""
        self.pot[p] = self.row(f"{tag}.pot_{p}_in", f"{POT_NAMES[p].capitalize()} pot after", f"{{{self.pot[p]}}}+{{{amount}}}")

    def cash(self, pots: tuple[str, ...]) -> str:
        """The cash now in ``pots`` (both with a combined account) as a template term."""
        names = (POT_I, POT_P) if self.combined else pots
        return "(" + "+".join(f"{{{self.pot[p]}}}" for p in names) + ")"

    def pots(self, source: str) -> tuple[str, ...]:
        base = {
            "interest": (POT_I,),
            "principal": (POT_P,),
            "interest_then_principal": (POT_I, POT_P),
            "principal_then_interest": (POT_P, POT_I),
        }[source]
        if self.combined and len(base) == 1:
            base = (base[0], POT_P if base[0] == POT_I else POT_I)
        return base

    def update(self, var: str, tag: str, text: str, formula: str, *, fmt: str = AMOUNT) -> str:
        self.cur[var] = self.row(f"{tag}.{var}", text, formula, fmt=fmt)
        return self.cur[var]

    def ends_now(self) -> str:
        """1 where the deal ends this period (the legal final; a clean-up call), else 0: the
        engine's ``Ctx.ends``, as a formula term."""
        called = "+{called_now}" if self.s.cleanup is not None else ""
        return f"MIN({{live}}*{{last}}{called},1)"

    def v(self, var: str) -> str:
        """The current value of a state variable as a template term ("0" before any step)."""
        key = self.cur.get(var, "")
        return f"{{{key}}}" if key else "0"

    def add_to(self, var: str, tag: str, text: str, amount: str) -> None:
        self.update(var, tag, text, f"{self.v(var)}+{{{amount}}}")

    def classes(self, names: tuple[str, ...]) -> list[int]:
        """Indices of the tranches named, or of the senior classes when none are."""
        if names:
            return [self.tn.index(n) for n in names]
        return [k for k, t in enumerate(self.s.tranches) if t.tranche_class == "senior"]


def snake(name: str) -> str:
    """``PayPrincipal`` → ``pay_principal``, ``CoverPDL`` → ``cover_pdl``."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", "_", name).lower()


def dc_key(day_count: str) -> str:
    return "acc_" + re.sub(r"\W", "_", day_count).lower()


def ndc_key(day_count: str) -> str:
    return "note_acc_" + re.sub(r"\W", "_", day_count).lower()
