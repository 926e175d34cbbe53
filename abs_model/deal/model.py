"""Deals: :class:`Deal` and :func:`load_deal` (a YAML file validated against the published schema).

Every error names its path in the file, the rule and the value received, e.g.
``baitiao.yaml: tranches[2].coupon: must be < 1; got 5.1 — rates are decimals``. Unknown keys
are rejected, references to undefined tranches or fees are caught, and tranche sizes that do not
add up to the pool (or to the stated advance rate) are reported. YAML is read with the safe
loader only (no object construction) and aliases are refused, so an anchor bomb cannot expand.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from jsonschema import Draft202012Validator

import tranches as tr
from abs_model.assumptions.assumptions import Assumptions, RollRates
from abs_model.collateral.pool import Pool
from abs_model.core.products import Product
from abs_model.deal.compressed import CompressedPool
from abs_model.deal.schema import SCHEMA, STEP_SCHEMAS
from abs_model.errors import AbsModelError, DealError

#: Relative tolerance when tranche sizes are compared with the pool balance.
SIZE_RTOL = 1e-6


@dataclass(frozen=True, slots=True)
class ReplenishmentLine:
    """One kind of receivable bought while revolving: product, term, rate, share of purchases."""

    product: str
    term: int
    rate: float
    share: float
    average_balance: float = 1_500.0


@dataclass(frozen=True, slots=True)
class Revolving:
    """Revolving period (循环购买): length, purchase price, what is bought and what is eligible."""

    periods: int = 0
    price: float = 1.0
    replenishment: tuple[ReplenishmentLine, ...] = ()
    capacity: float = float("inf")

    @property
    def active(self) -> bool:
        return self.periods > 0 and bool(self.replenishment)


@dataclass(frozen=True, slots=True)
class Deal:
    """A deal: the pool, the liability structure and the deal's own assumption defaults."""

    name: str
    pool: Pool
    structure: tr.Structure
    cutoff_date: np.datetime64
    periods: int
    currency: str = "CNY"
    closing_date: np.datetime64 | None = None
    first_payment: np.datetime64 | None = None
    legal_final: np.datetime64 | None = None
    revolving: Revolving = field(default_factory=Revolving)
    assumptions: Assumptions | None = None
    source: str = "<python>"
    tranche_labels_zh: Mapping[str, str] = field(default_factory=dict)
    input_files: tuple[str, ...] = ()
    #: The pool compressed into rep-lines for the deal's own assumptions (built by
    #: :func:`deal_from_document`); :func:`abs_model.run` uses them only for this very pool and
    #: assumptions that compress the same way (see :mod:`abs_model.deal.compressed`).
    pool_lines: CompressedPool | None = field(default=None, compare=False, repr=False)
    #: Factor every balance of the pool was multiplied by to reach the deal file's ``scale_to``
    #: (1.0 when not scaled); a pool passed in (a tape) is scaled only with ``scale_pool=True``.
    pool_scale: float = 1.0

    @property
    def period_end_dates(self) -> np.ndarray:
        """Month-ends after the cut-off, one per collection period (datetime64[D])."""
        start = self.cutoff_date.astype("datetime64[M]")
        months = start + np.arange(1, self.periods + 1)
        return (months + 1).astype("datetime64[D]") - 1

    @property
    def tranche_names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.structure.tranches)


# ---------------------------------------------------------------------------- YAML loading
class _NoAliasLoader(yaml.SafeLoader):
    """Safe loader that refuses anchors/aliases (no billion-laughs expansion)."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise DealError(
                f"line {event.start_mark.line + 1}: YAML aliases (*{event.anchor}) are not allowed in deal files; got an alias"
            )
        return super().compose_node(parent, index)


def _validation_schema() -> dict[str, Any]:
    s = copy.deepcopy(SCHEMA)
    loose = {
        "type": "object",
        "minProperties": 1,
        "maxProperties": 1,
        "propertyNames": {"enum": sorted(STEP_SCHEMAS)},
    }
    for phase in s["properties"]["waterfalls"]["properties"].values():
        phase["items"] = loose
    return s


_VALIDATOR = Draft202012Validator(_validation_schema())
_STEP_VALIDATORS = {k: Draft202012Validator(v) for k, v in STEP_SCHEMAS.items()}


def _path(parts: Sequence[Any]) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "<root>"


def _message(err: Any) -> str:
    v = err.validator
    got = err.instance
    if v == "additionalProperties":
        allowed = sorted(err.schema.get("properties", {}))
        extra = sorted(set(got) - set(allowed)) if isinstance(got, dict) else got
        return f"unknown key(s) {extra}; allowed: {allowed}"
    if v == "required":
        return str(err.message).replace("is a required property", "is required")
    if v in ("maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum"):
        op = {"maximum": "≤", "exclusiveMaximum": "<", "minimum": "≥", "exclusiveMinimum": ">"}[v]
        hint = " — rates are decimals (5.1 % is 0.051)" if v in ("maximum", "exclusiveMaximum") and err.validator_value == 1 else ""
        return f"must be {op} {err.validator_value}; got {got!r}{hint}"
    if v == "enum":
        return f"must be one of {err.validator_value}; got {got!r}"
    if v == "type":
        return f"must be of type {err.validator_value}; got {got!r}"
    if v in ("oneOf", "anyOf") and err.context:
        specific = [e for e in err.context if e.validator != "type"]
        return _message((specific or list(err.context))[0])
    if v == "propertyNames":
        return f"unknown step {got!r}; steps are {sorted(STEP_SCHEMAS)}"
    return f"{err.message}"


def validate_document(doc: Any, *, source: str = "<deal>") -> None:
    """Validate a parsed deal document; raise one :class:`DealError` listing every problem."""
    problems: list[str] = []
    if not isinstance(doc, dict):
        raise DealError(f"{source}: the deal file must be a mapping at the top level; got {type(doc).__name__}")
    for err in sorted(_VALIDATOR.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path))):
        problems.append(f"{_path(err.absolute_path)}: {_message(err)}")
    for phase, steps in (doc.get("waterfalls") or {}).items():
        if not isinstance(steps, list):
            continue
        for i, step in enumerate(steps):
            if isinstance(step, dict) and len(step) == 1:
                (kind,) = step
                if kind in _STEP_VALIDATORS:
                    for err in _STEP_VALIDATORS[kind].iter_errors(step):
                        problems.append(f"waterfalls.{phase}[{i}]{_path(['', *err.absolute_path])[1:] if err.absolute_path else ''}: {_message(err)}")
    problems += _reference_problems(doc)
    if problems:
        listing = "\n  - ".join(problems)
        raise DealError(f"{source}: {len(problems)} problem(s) in the deal file:\n  - {listing}")


def _reference_problems(doc: dict[str, Any]) -> list[str]:
    names = [t.get("name") for t in doc.get("tranches", []) if isinstance(t, dict)]
    fees = {f.get("name"): f.get("type", "fee") for f in doc.get("fees", []) or [] if isinstance(f, dict)}
    out: list[str] = []
    seen: set[Any] = set()
    for i, n in enumerate(names):
        if n in seen:
            out.append(f"tranches[{i}].name: must be unique; got {n!r} twice")
        seen.add(n)
    for phase, steps in (doc.get("waterfalls") or {}).items():
        for i, step in enumerate(steps if isinstance(steps, list) else []):
            if not isinstance(step, dict) or len(step) != 1:
                continue
            ((kind, body),) = step.items()
            where = f"waterfalls.{phase}[{i}].{kind}"
            if kind in ("pay_interest", "pay_principal"):
                targets = body if isinstance(body, list) else (body or {}).get("tranches", [])
                for tname in targets if isinstance(targets, list) else []:
                    if tname not in names:
                        close = _closest(tname, names)
                        out.append(f"{where}: unknown tranche {tname!r}; defined tranches are {names}{close}")
            if kind in ("pay_fee", "pay_tax"):
                key = "fee" if kind == "pay_fee" else "tax"
                fname = body if isinstance(body, str) else (body or {}).get(key)
                want = "fee" if kind == "pay_fee" else "tax"
                if fname not in fees:
                    out.append(f"{where}: unknown {want} {fname!r}; defined fees/taxes are {sorted(map(str, fees))}{_closest(str(fname), list(map(str, fees)))}")
                elif fees[fname] != want:
                    out.append(f"{where}: {fname!r} is a {fees[fname]}, not a {want}")
            if kind in ("fund_reserve", "draw_reserve") and not doc.get("reserve"):
                out.append(f"{where}: the deal defines no reserve account")
    wf = doc.get("waterfalls") or {}
    if isinstance(doc.get("revolving"), dict) and doc["revolving"].get("periods", 0) > 0 and "revolving" not in wf:
        out.append("waterfalls.revolving: required when revolving.periods > 0")
    for phase, steps in wf.items():
        if phase == "revolving" and isinstance(steps, list) and not any(isinstance(s, dict) and "buy_receivables" in s for s in steps):
            out.append("waterfalls.revolving: must contain a buy_receivables step (collections buy new receivables while revolving)")
    out += _reachability_problems(doc)
    out += _trigger_problems(doc)
    shares = [float(t.get("share", 0.0)) for t in doc.get("tranches", []) if isinstance(t, dict) and "share" in t]
    if shares and abs(sum(shares) - 1.0) > 1e-9 and "advance_rate" not in doc:
        out.append(f"tranches: shares must add up to 1 (of the pool balance); got {sum(shares)!r}")
    return out


#: Collection-account pots each ``source`` draws from (see tranches.steps).
_SOURCE_POTS = {
    "interest": {"interest"},
    "principal": {"principal"},
    "interest_then_principal": {"interest", "principal"},
    "principal_then_interest": {"interest", "principal"},
}
#: Default ``source`` of each step kind (tranches.steps); draw_reserve has none (it adds cash).
_DEFAULT_SOURCE = {
    "pay_tax": "interest",
    "pay_fee": "interest",
    "pay_interest": "interest",
    "pay_principal": "principal",
    "fund_reserve": "interest",
    "cover_pdl": "interest",
    "buy_receivables": "principal",
    "pay_residual": "interest_then_principal",
}
#: Trigger effect → the waterfall it switches to.
_EFFECT_PHASE = {"accelerate": "accelerated", "default": "default"}


def _reachability_problems(doc: dict[str, Any]) -> list[str]:
    """A waterfall is an ordered list, so it has no cycles; what can go wrong is a part that can
    never act. Reported: a trigger effect whose waterfall is missing; a phase waterfall nothing
    can switch to; a step after ``pay_residual`` that draws only on pots the residual emptied."""
    out: list[str] = []
    wf = doc.get("waterfalls") or {}
    if not isinstance(wf, dict):
        return out
    triggers = [t for t in doc.get("triggers") or [] if isinstance(t, dict)]
    effects = {t.get("effect") for t in triggers}
    revolving = isinstance(doc.get("revolving"), dict) and doc["revolving"].get("periods", 0) > 0
    for i, t in enumerate(triggers):
        need = _EFFECT_PHASE.get(str(t.get("effect")))
        if need is not None and need not in wf:
            out.append(
                f"triggers[{i}].effect: {t.get('effect')!r} switches to the {need!r} waterfall, which the deal does not define; "
                f"add waterfalls.{need} (defined: {sorted(wf)})"
            )
        if t.get("effect") == "end_revolving" and not revolving:
            out.append(f"triggers[{i}].effect: 'end_revolving' can never act: the deal has no revolving period; got revolving.periods = 0")
    reach = {
        "revolving": (revolving, "revolving.periods is 0 or missing"),
        "accelerated": ("accelerate" in effects, "no trigger has effect 'accelerate'"),
        "default": ("default" in effects, "no trigger has effect 'default'"),
        "cleanup": (bool(doc.get("cleanup")), "the deal defines no cleanup call"),
    }
    for phase, (ok, why) in reach.items():
        if phase in wf and not ok:
            out.append(f"waterfalls.{phase}: can never run ({why}); remove it or add what switches to it")
    combined = doc.get("collection_account") == "combined"
    for phase, steps in wf.items():
        emptied: set[str] = set()
        by: dict[str, int] = {}
        for i, step in enumerate(steps if isinstance(steps, list) else []):
            if not isinstance(step, dict) or len(step) != 1:
                continue
            ((kind, body),) = step.items()
            if kind == "draw_reserve":
                to = (body or {}).get("to", "interest") if isinstance(body, dict) else "interest"
                emptied.discard("principal" if combined else str(to))
                emptied.discard("interest" if combined else "")
                continue
            src = (body.get("source") if isinstance(body, dict) else None) or _DEFAULT_SOURCE.get(kind)
            pots = set(_SOURCE_POTS.get(str(src), set()))
            if combined and pots:
                pots = {"interest", "principal"}
            if pots and pots <= emptied:
                j = min(by[p] for p in pots)
                out.append(
                    f"waterfalls.{phase}[{i}].{kind}: can never receive cash: waterfalls.{phase}[{j}].pay_residual "
                    f"already paid everything in the {' and '.join(sorted(pots))} account(s) to the residual holder; "
                    "move this step before pay_residual"
                )
            if kind == "pay_residual":
                for pot in pots:
                    by.setdefault(pot, i)
                emptied |= pots
    return out


def _trigger_problems(doc: dict[str, Any]) -> list[str]:
    """A cumulative default rate never falls, so a threshold schedule for it that falls breaches
    by the passage of time rather than by performance: almost always a typo (0.035 → 0.0035).
    Refused (a schedule for a ratio that can fall, e.g. delinquency, may step down)."""
    out: list[str] = []
    for i, t in enumerate(doc.get("triggers") or []):
        if not isinstance(t, dict) or t.get("metric") != "cumulative_default_rate":
            continue
        if t.get("breach_when", "above") == "below":
            continue
        th = t.get("threshold")
        if not isinstance(th, list) or not all(isinstance(v, int | float) for v in th):
            continue
        for k in range(1, len(th)):
            if th[k] < th[k - 1]:
                out.append(
                    f"triggers[{i}].threshold[{k}]: a cumulative default rate threshold must not decrease "
                    f"(the rate itself only rises, so a falling threshold breaches by time, not by performance); "
                    f"got {th[k - 1]!r} in period {k} then {th[k]!r} in period {k + 1}"
                )
                break
    return out


def _closest(name: str, options: Sequence[Any]) -> str:
    import difflib

    folded = {str(o).casefold(): str(o) for o in options}
    m = difflib.get_close_matches(str(name).casefold(), list(folded), n=1)
    return f" (did you mean {folded[m[0]]!r}?)" if m else ""


def load_deal(path: str | Path, *, pool: Pool | None = None, scale_pool: bool = False) -> Deal:
    """Read, validate and build a deal from a YAML file (see module doc).

    ``pool`` overrides the pool named in the file (e.g. a tape read separately); it keeps its own
    balance unless ``scale_pool`` scales it to the file's ``pool.scale_to`` (recorded in
    ``Deal.pool_scale``).
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DealError(f"{p}: no such deal file") from None
    except UnicodeDecodeError as exc:
        raise DealError(f"{p}: must be UTF-8 text; {exc.reason} at byte {exc.start}") from None
    try:
        doc = yaml.load(text, Loader=_NoAliasLoader)
    except DealError as exc:
        raise DealError(f"{p}: {exc}") from None
    except yaml.constructor.ConstructorError as exc:
        raise DealError(f"{p}: {_tag_message(exc)}") from None
    except yaml.YAMLError as exc:
        raise DealError(f"{p}: not valid YAML: {exc}") from None
    doc = _dates_as_text(doc)
    validate_document(doc, source=str(p))
    return deal_from_document(doc, base_dir=p.parent, source=str(p), pool=pool, scale_pool=scale_pool)


def _tag_message(exc: yaml.constructor.ConstructorError) -> str:
    """A YAML tag the safe loader will not construct (``!!python/object:...``): say so plainly."""
    import re

    mark = exc.problem_mark
    where = f"line {mark.line + 1}: " if mark is not None else ""
    m = re.search(r"tag '([^']*)'", str(exc.problem))
    tag = m.group(1).replace("tag:yaml.org,2002:", "!!") if m else str(exc.problem)
    return (
        f"not valid YAML: {where}tags that construct objects are not allowed in deal files (they are read as "
        f"plain data with the safe loader only); got the tag {tag!r}"
    )


def _dates_as_text(node: Any) -> Any:
    """YAML reads ``2026-06-30`` as a date; the schema wants ISO text."""
    import datetime as _dt

    if isinstance(node, dict):
        return {k: _dates_as_text(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_dates_as_text(v) for v in node]
    if isinstance(node, _dt.date):
        return node.isoformat()
    return node


def deal_from_document(
    doc: dict[str, Any], *, base_dir: Path = Path("."), source: str = "<deal>", pool: Pool | None = None, scale_pool: bool = False
) -> Deal:
    """Build a :class:`Deal` from a validated document (dates, pool, tranches, waterfalls)."""
    validate_document(doc, source=source)
    dates = doc["dates"]
    cutoff = np.datetime64(str(dates["cutoff"]), "D")
    inputs = [source] if Path(source).is_file() else []
    own_pool = pool is None
    if pool is None:
        pool = _pool_from_spec(doc.get("pool") or {}, base_dir=base_dir, source=source, cutoff=cutoff)
        tape = (doc.get("pool") or {}).get("tape")
        if tape:
            inputs.append(str(Path(tape) if Path(tape).is_absolute() else base_dir / tape))
    scale = (doc.get("pool") or {}).get("scale_to")
    pool_scale = 1.0
    if scale and (own_pool or scale_pool):
        pool_scale = float(scale) / pool.balance
        pool = _scaled(pool, pool_scale)
    pool_balance = pool.balance
    tranche_objs = []
    labels_zh: dict[str, str] = {}
    for i, t in enumerate(doc["tranches"]):
        if "balance" in t and "share" in t:
            raise DealError(f"{source}: tranches[{i}]: give balance or share, not both; got both")
        if "balance" not in t and "share" not in t:
            raise DealError(f"{source}: tranches[{i}]: give balance or share; got neither")
        bal = float(t["balance"]) if "balance" in t else float(t["share"]) * pool_balance
        if "label_zh" in t:
            labels_zh[t["name"]] = t["label_zh"]
        try:
            tranche_objs.append(
                tr.Tranche(
                    t["name"],
                    bal,
                    t.get("coupon", 0.0),
                    tranche_class=t.get("class", "senior"),
                    day_count=t.get("day_count", "30/360"),
                    interest_on_shortfall=t.get("interest_on_shortfall", True),
                )
            )
        except ValueError as exc:
            raise DealError(f"{source}: tranches[{i}]: {exc}") from None
    notes = sum(t.balance for t in tranche_objs)
    adv = doc.get("advance_rate")
    if adv is not None:
        if abs(notes - adv * pool_balance) > SIZE_RTOL * pool_balance + 0.01:
            raise DealError(
                f"{source}: tranches: sizes must add up to advance_rate × pool = {adv} × {pool_balance:,.2f} = {adv * pool_balance:,.2f}; got {notes:,.2f}"
            )
    elif notes > pool_balance * (1 + SIZE_RTOL) + 0.01:
        raise DealError(
            f"{source}: tranches: sizes add up to {notes:,.2f}, more than the pool balance {pool_balance:,.2f} (set advance_rate for an over-collateralised or under-collateralised deal)"
        )
    fees: list[Any] = []
    for i, f in enumerate(doc.get("fees") or []):
        try:
            if f.get("type", "fee") == "tax":
                fees.append(tr.Tax(f["name"], f.get("rate", 0.0), cap=f.get("cap"), rank=f.get("rank", "senior")))
            else:
                fees.append(
                    tr.Fee(
                        f["name"],
                        basis=f.get("basis", "pool_balance"),
                        rate=f.get("rate", 0.0),
                        amount=f.get("amount", 0.0),
                        cap=f.get("cap"),
                        rank=f.get("rank", "senior"),
                        day_count=f.get("day_count", "30/360"),
                    )
                )
        except (ValueError, TypeError) as exc:
            raise DealError(f"{source}: fees[{i}]: {exc}") from None
    reserve = None
    if doc.get("reserve"):
        try:
            kw: dict[str, Any] = {k: (float(v) if isinstance(v, int | float) and not isinstance(v, bool) else v) for k, v in doc["reserve"].items()}
            reserve = tr.ReserveAccount(**kw)
        except (ValueError, TypeError) as exc:
            raise DealError(f"{source}: reserve: {exc}") from None
    triggers = []
    for i, t in enumerate(doc.get("triggers") or []):
        try:
            triggers.append(
                tr.Trigger(
                    t["name"],
                    t["metric"],
                    t["threshold"],
                    t["effect"],
                    curable=t.get("curable", False),
                    breach_when=t.get("breach_when"),
                )
            )
        except (ValueError, TypeError) as exc:
            raise DealError(f"{source}: triggers[{i}]: {exc}") from None
    waterfalls = {}
    for phase, steps in doc["waterfalls"].items():
        built = []
        for i, step in enumerate(steps):
            ((kind, body),) = step.items()
            try:
                built.append(_build_step(kind, body))
            except (ValueError, TypeError) as exc:
                raise DealError(f"{source}: waterfalls.{phase}[{i}].{kind}: {exc}") from None
        waterfalls[phase] = tr.Waterfall(built)
    rv = doc.get("revolving") or {}
    revolving = _revolving(rv, source=source)
    cleanup = None
    if doc.get("cleanup"):
        cleanup = tr.CleanupCall(doc["cleanup"]["threshold"], doc["cleanup"].get("price", 1.0))
    try:
        structure = tr.Structure(
            tranches=tuple(tranche_objs),
            waterfalls=waterfalls,
            fees=tuple(fees),
            reserve=reserve,
            triggers=tuple(triggers),
            revolving_periods=revolving.periods,
            payment_every=dict(doc.get("payment_every") or {}),
            cleanup=cleanup,
            collection_account=doc.get("collection_account", "separate"),
            writedown=doc.get("writedown", "period"),
        )
    except ValueError as exc:
        raise DealError(f"{source}: {exc}") from None
    assumptions = assumptions_from_document(doc["assumptions"], source=source) if doc.get("assumptions") else None
    return Deal(
        name=str(doc["name"]),
        pool=pool,
        structure=structure,
        cutoff_date=cutoff,
        periods=int(dates["periods"]),
        currency=str(doc.get("currency", "CNY")),
        closing_date=np.datetime64(str(dates["closing"]), "D") if "closing" in dates else None,
        first_payment=np.datetime64(str(dates["first_payment"]), "D") if "first_payment" in dates else None,
        legal_final=np.datetime64(str(dates["legal_final"]), "D") if "legal_final" in dates else None,
        revolving=revolving,
        assumptions=assumptions,
        source=source,
        tranche_labels_zh=labels_zh,
        input_files=tuple(inputs),
        pool_lines=CompressedPool.of(pool, assumptions if assumptions is not None else Assumptions.make()),
        pool_scale=pool_scale,
    )


def _build_step(kind: str, body: Any) -> Any:
    s = tr.steps
    body = {} if body is None else body
    if kind == "pay_tax":
        return s.PayTax(body) if isinstance(body, str) else s.PayTax(**body)
    if kind == "pay_fee":
        return s.PayFee(body) if isinstance(body, str) else s.PayFee(**body)
    if kind == "pay_interest":
        return s.PayInterest(tuple(body)) if isinstance(body, list) else s.PayInterest(**{**body, "tranches": tuple(body["tranches"])})
    if kind == "pay_principal":
        return s.PayPrincipal(tuple(body)) if isinstance(body, list) else s.PayPrincipal(**{**body, "tranches": tuple(body["tranches"])})
    cls = {
        "draw_reserve": s.DrawReserve,
        "fund_reserve": s.FundReserve,
        "cover_pdl": s.CoverPDL,
        "buy_receivables": s.BuyReceivables,
        "pay_residual": s.PayResidual,
    }[kind]
    return cls(**body)


def _revolving(rv: Mapping[str, Any], *, source: str) -> Revolving:
    lines = tuple(
        ReplenishmentLine(
            product=str(r["product"]),
            term=int(r["term"]),
            rate=float(r.get("rate", 0.0)),
            share=float(r["share"]),
            average_balance=float(r.get("average_balance", 1_500.0)),
        )
        for r in rv.get("replenishment", []) or []
    )
    elig = rv.get("eligibility") or {}
    kept = []
    for ln in lines:
        if "max_term" in elig and ln.term > elig["max_term"]:
            continue
        if "min_rate" in elig and ln.rate < elig["min_rate"]:
            continue
        if "max_balance" in elig and ln.average_balance > elig["max_balance"]:
            continue
        if "products" in elig and ln.product not in elig["products"]:
            continue
        kept.append(ln)
    if lines and not kept:
        raise DealError(f"{source}: revolving.eligibility: excludes every replenishment line; got {dict(elig)}")
    total = sum(ln.share for ln in kept)
    if kept and total <= 0:
        raise DealError(f"{source}: revolving.replenishment: shares must be positive; got total {total!r}")
    # eligible shares are renormalised: what is bought is the eligible part of the mix
    kept_n = tuple(ReplenishmentLine(ln.product, ln.term, ln.rate, ln.share / total, ln.average_balance) for ln in kept)
    if lines and abs(sum(ln.share for ln in lines) - 1.0) > 1e-9:
        raise DealError(
            f"{source}: revolving.replenishment: shares must add up to 1; got {sum(ln.share for ln in lines)!r}"
        )
    return Revolving(
        periods=int(rv.get("periods", 0)),
        price=float(rv.get("price", 1.0)),
        replenishment=kept_n,
        capacity=float(rv.get("capacity", float("inf"))),
    )


def assumptions_from_document(a: Mapping[str, Any], *, source: str = "<deal>") -> Assumptions:
    """Build :class:`Assumptions` from a mapping (the deal file's ``assumptions:`` block or an
    assumptions YAML). ``roll_rates`` may be a matrix or ``{roll: [...], cure: [...]}``."""
    kw = dict(a)
    if isinstance(kw.get("collections"), Mapping):
        from abs_model.assumptions.servicing import strategy_from_mapping

        try:
            kw["collections"] = strategy_from_mapping(kw["collections"])
        except TypeError as exc:
            raise DealError(f"{source}: assumptions.collections: {exc}") from None
        except AbsModelError as exc:
            raise DealError(f"{source}: assumptions.collections: {exc}") from None
    rr = kw.get("roll_rates")
    if isinstance(rr, Mapping):
        try:
            kw["roll_rates"] = RollRates.simple(roll=rr["roll"], cure=rr.get("cure"))
        except KeyError:
            raise DealError(f"{source}: assumptions.roll_rates: needs 'roll' (7 values) and optionally 'cure' (6); got {sorted(rr)}") from None
    try:
        return Assumptions.make(**kw)
    except TypeError as exc:
        raise DealError(f"{source}: assumptions: {exc}") from None
    except AbsModelError as exc:
        raise DealError(f"{source}: assumptions.{exc}") from None


def load_assumptions(path: str | Path) -> Assumptions:
    """Read an assumptions YAML file (same keys as :meth:`Assumptions.make`)."""
    p = Path(path)
    try:
        doc = yaml.load(p.read_text(encoding="utf-8"), Loader=_NoAliasLoader)
    except FileNotFoundError:
        raise DealError(f"{p}: no such assumptions file") from None
    except DealError as exc:
        raise DealError(f"{p}: {exc}") from None
    except yaml.constructor.ConstructorError as exc:
        raise DealError(f"{p}: {_tag_message(exc)}") from None
    except yaml.YAMLError as exc:
        raise DealError(f"{p}: not valid YAML: {exc}") from None
    if not isinstance(doc, Mapping):
        raise DealError(f"{p}: must be a mapping of assumption names to values; got {type(doc).__name__}")
    return assumptions_from_document(doc, source=str(p))


def _pool_from_spec(spec: Mapping[str, Any], *, base_dir: Path, source: str, cutoff: np.datetime64) -> Pool:
    if "tape" in spec:
        from abs_model.collateral.tape import read_tape

        tape_path = Path(spec["tape"])
        if not tape_path.is_absolute():
            tape_path = base_dir / tape_path
        return Pool.from_tape(read_tape(tape_path, cutoff_date=str(cutoff)), cutoff_date=cutoff)
    if "synthetic" in spec:
        from abs_model.collateral.synthetic import synthetic_pool

        syn = spec["synthetic"]
        return synthetic_pool(int(syn["n"]), seed=int(syn.get("seed", 0)))
    raise DealError(f"{source}: pool: give a tape (path) or synthetic: {{n: ..., seed: ...}}; got {sorted(spec)}")


def _scaled(pool: Pool, k: float) -> Pool:
    """The same receivables with every balance multiplied by ``k`` (to size a demo pool)."""
    return Pool.from_arrays(
        loan_id=pool.loan_id,
        original_principal=pool.original_principal * k,
        current_principal=pool.current_principal * k,
        original_term=pool.original_term,
        remaining_term=pool.remaining_term,
        product=pool.product,
        rate=pool.rate,
        bucket=pool.bucket,
        origination_date=pool.origination_date,
        segments=dict(pool.segments),
        cutoff_date=pool.cutoff_date,
    )


def replenishment_pool(revolving: Revolving) -> Pool:
    """A pool of one unit of new receivables (total balance 1.0, age 0, current) in the
    replenishment mix; its projection per unit is the cash-flow profile of a purchase."""
    rv = revolving.replenishment
    share = np.array([ln.share for ln in rv])
    return Pool.from_arrays(
        loan_id=[f"new-{i}" for i in range(len(rv))],
        original_principal=share,
        current_principal=share,
        original_term=[ln.term for ln in rv],
        remaining_term=[ln.term for ln in rv],
        product=[int(Product.from_key(ln.product)) for ln in rv],
        rate=[ln.rate for ln in rv],
        bucket=np.zeros(len(rv), dtype=np.int8),
    )
