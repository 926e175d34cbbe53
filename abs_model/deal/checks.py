"""Deal-document checks: the JSON Schema with readable messages, then the references the schema
cannot express (unknown tranches/fees, unreachable waterfalls, falling trigger schedules).

Every message names its path in the file, the rule and the value received, e.g.
``baitiao.yaml: tranches[2].coupon: must be < 1; got 5.1 — rates are decimals``. Unknown keys
are rejected and tranche sizes that do not add up to the pool (or to the stated advance rate)
are reported. :func:`validate_document` lists every problem at once.
"""

from __future__ import annotations

import copy
import datetime as _dt
import difflib
from collections.abc import Sequence
from typing import Any

from jsonschema import Draft202012Validator

from abs_model.core.limits import (
    EARLIEST_DATE,
    LATEST_DATE,
    MAX_PERIODS,
    MAX_POOL_BALANCE,
    MAX_RECOVERY_LAG,
    MAX_SEED,
    MAX_SYNTHETIC_LOANS,
    MIN_POOL_BALANCE,
    RESERVED_TRANCHE_NAMES,
    name_problem,
)
from abs_model.deal.schema import SCHEMA, STEP_SCHEMAS
from abs_model.deal.structure_schema import CASH_IN_STEPS, EXTRA_DEFAULT_SOURCE
from abs_model.errors import DealError

__all__ = ["assumption_size_problems", "plain_document", "validate_document"]


def plain_document(node: Any) -> Any:
    """The document as the schema wants it: YAML reads ``2026-06-30`` as a date, the schema
    wants ISO text, so dates (from ``yaml.safe_load`` or Python) become ``YYYY-MM-DD`` strings."""
    if isinstance(node, dict):
        return {k: plain_document(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain_document(v) for v in node]
    if isinstance(node, _dt.datetime):
        return node.date().isoformat()
    if isinstance(node, _dt.date):
        return node.isoformat()
    return node


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
        if v == "maximum" and err.validator_value == MAX_POOL_BALANCE:
            hint = " — an amount above 1e15 is a unit error, and float64 no longer holds its cents"
        return f"must be {op} {err.validator_value}; got {got!r}{hint}"
    if v == "minItems":
        return f"must have at least {err.validator_value} item(s); got {got!r}"
    if v == "minLength":
        return f"must have at least {err.validator_value} character(s); got {got!r}"
    if v == "enum":
        return f"must be one of {err.validator_value}; got {got!r}"
    if v == "type":
        return f"must be of type {err.validator_value}; got {got!r}{_number_as_text_hint(got, err.validator_value)}"
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
    waterfalls = doc.get("waterfalls")
    for phase, steps in (waterfalls if isinstance(waterfalls, dict) else {}).items():
        if not isinstance(steps, list):
            continue
        for i, step in enumerate(steps):
            if isinstance(step, dict) and len(step) == 1:
                (kind,) = step
                if kind in _STEP_VALIDATORS:
                    for err in _STEP_VALIDATORS[kind].iter_errors(step):
                        inner = _path(list(err.absolute_path)) if err.absolute_path else ""
                        problems.append(f"waterfalls.{phase}[{i}]{'.' + inner if inner else ''}: {_message(err)}")
    schema_failed = bool(problems)
    for check in (_reference_problems, _name_problems, _date_problems, _size_problems):
        try:
            problems += check(doc)
        except (TypeError, AttributeError, ValueError, KeyError):
            if not schema_failed:
                raise
            # these checks read the document as the schema shapes it; the schema's problems above
            # already name the value of the wrong type (``waterfalls: true``, ``share: x``)
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
    **EXTRA_DEFAULT_SOURCE,
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
    given = doc.get("payment_every")
    every: dict[str, Any] = given if isinstance(given, dict) else {}
    for phase, (ok, why) in reach.items():
        if phase in wf and not ok:
            out.append(f"waterfalls.{phase}: can never run ({why}); remove it or add what switches to it")
        if phase in every and not ok:  # {revolving: 3} in a static deal paid monthly without a word
            out.append(f"payment_every.{phase}: can never apply, the {phase} phase never runs ({why}); got {every[phase]!r}")
    combined = doc.get("collection_account") == "combined"
    for phase, steps in wf.items():
        emptied: set[str] = set()
        by: dict[str, int] = {}
        for i, step in enumerate(steps if isinstance(steps, list) else []):
            if not isinstance(step, dict) or len(step) != 1:
                continue
            ((kind, body),) = step.items()
            if kind in ("draw_reserve", *CASH_IN_STEPS):
                to = (body or {}).get("to", "interest") if isinstance(body, dict) else "interest"
                to = "principal" if kind == "default_cover" else to
                emptied.discard("principal" if combined else str(to))
                emptied.discard("interest" if combined else "")
                if kind == "shortfall_support":  # pays into both pots
                    emptied.clear()
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
    folded = {str(o).casefold(): str(o) for o in options}
    m = difflib.get_close_matches(str(name).casefold(), list(folded), n=1)
    return f" (did you mean {folded[m[0]]!r}?)" if m else ""


def _number_as_text_hint(got: Any, want: Any) -> str:
    """YAML 1.1 reads ``1e9`` (no decimal point) as text: say so when a number was wanted."""
    wants = {want} if isinstance(want, str) else set(want)
    if not isinstance(got, str) or not wants & {"number", "integer"}:
        return ""
    try:
        value = float(got.replace("_", ""))
    except ValueError:
        return ""
    if "number" not in wants and value.is_integer():  # an integer field: a float spelling would not do
        return f" — YAML reads {got!r} as text; write the whole number in full ({int(value)})"
    plain = f"{value:.1e}" if abs(value) >= 1e6 else repr(value)
    return f" — YAML reads {got!r} as text (no decimal point); write {plain} or a plain number without quotes"


def _named_things(doc: dict[str, Any]) -> list[tuple[str, Any]]:
    """Every name from the file that ends up in an output (report, workbook, CSV), with its path."""
    out: list[tuple[str, Any]] = [("name", doc.get("name")), ("currency", doc.get("currency"))]
    for key, fields in (("tranches", ("name", "label_zh")), ("fees", ("name",)), ("triggers", ("name",))):
        for i, item in enumerate(doc.get(key) or []):
            if isinstance(item, dict):
                out += [(f"{key}[{i}].{f}", item.get(f)) for f in fields]
    return out


def _name_problems(doc: dict[str, Any]) -> list[str]:
    """Names are printable text (no control characters: they break the workbook and terminals),
    and tranche names neither collide with an output column nor differ from another only in case
    (Excel table headers are case-insensitive)."""
    out = [f"{path}: {why}" for path, value in _named_things(doc) if (why := name_problem(value)) is not None]
    seen: dict[str, int] = {}
    for i, t in enumerate(doc.get("tranches") or []):
        name = t.get("name") if isinstance(t, dict) else None
        if not isinstance(name, str):
            continue
        folded = name.strip().casefold()
        if folded in RESERVED_TRANCHE_NAMES:
            out.append(f"tranches[{i}].name: {name!r} is reserved for an output column ({', '.join(RESERVED_TRANCHE_NAMES)}); choose another name")
        elif folded in seen and doc["tranches"][seen[folded]].get("name") != name:
            out.append(f"tranches[{i}].name: must differ from tranches[{seen[folded]}].name by more than case or spaces; got {name!r}")
        seen.setdefault(folded, i)
    return out


def _iso(value: Any) -> _dt.date | None:
    try:
        return _dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _date_problems(doc: dict[str, Any]) -> list[str]:
    """Each date exists; closing and legal final come after the cut-off; the revolving period
    ends before the deal does."""
    dates = doc.get("dates")
    if not isinstance(dates, dict):
        return []
    out = []
    for key in ("cutoff", "closing", "first_payment", "legal_final"):
        d = _iso(dates.get(key))
        if isinstance(dates.get(key), str) and d is None:
            out.append(f"dates.{key}: must be a date that exists (YYYY-MM-DD); got {dates[key]!r}")
        elif d is not None and not EARLIEST_DATE <= d <= LATEST_DATE:
            out.append(f"dates.{key}: must be between {EARLIEST_DATE} and {LATEST_DATE}; got {d.isoformat()}")
    cutoff = _iso(dates.get("cutoff"))
    for key, rule in (("closing", "on or after"), ("first_payment", "after"), ("legal_final", "after")):
        d = _iso(dates.get(key))
        if cutoff is not None and d is not None and (d < cutoff if rule == "on or after" else d <= cutoff):
            out.append(f"dates.{key}: must be {rule} the cut-off date {cutoff.isoformat()}; got {d.isoformat()}")
    rv = doc.get("revolving")
    periods = dates.get("periods")
    if isinstance(rv, dict) and isinstance(rv.get("periods"), int) and isinstance(periods, int) and rv["periods"] >= periods > 0:
        out.append(
            f"revolving.periods: must be shorter than the deal (dates.periods = {periods}) so that the pool can amortise; got {rv['periods']}"
        )
    return out


def _bound(path: str, value: Any, low: float, high: float, why: str) -> list[str]:
    if isinstance(value, str):  # '1e11': YAML's text for a number; bound it too so the limit is said
        try:
            value = float(value.replace("_", ""))
        except ValueError:
            return []
    if isinstance(value, bool) or not isinstance(value, int | float):
        return []
    if not low <= value <= high:
        return [f"{path}: must be in [{low:g}, {high:g}] ({why}); got {value!r}"]
    return []


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _size_problems(doc: dict[str, Any]) -> list[str]:
    """Sizes bounded by what one machine can hold (see :mod:`abs_model.core.limits`)."""
    pool = _mapping(doc.get("pool"))
    syn = _mapping(pool.get("synthetic"))
    a = _mapping(doc.get("assumptions"))
    tape = pool.get("tape")
    empty = [f"pool.tape: must name a tape file; got {tape!r}"] if isinstance(tape, str) and not tape.strip() else []
    if "tape" in pool and "synthetic" in pool:  # the tape was used, the synthetic pool silently dropped
        empty.append(f"pool: give either a tape or a synthetic pool, not both; got {sorted(k for k in pool if k in ('synthetic', 'tape'))}")
    return [
        *empty,
        *_bound("pool.scale_to", pool.get("scale_to"), MIN_POOL_BALANCE, MAX_POOL_BALANCE, "a pool outside this range is a unit error; float64 loses the cents above it"),
        *_bound("pool.synthetic.n", syn.get("n"), 1, MAX_SYNTHETIC_LOANS, "receivables one machine holds in memory"),
        *_bound("pool.synthetic.seed", syn.get("seed"), 0, MAX_SEED, "random seeds are whole numbers from 0 to 2**32 − 1"),
        *assumption_size_problems(a, prefix="assumptions."),
    ]


def assumption_size_problems(a: Any, *, prefix: str = "") -> list[str]:
    """Sizes in an assumptions mapping (deal block or assumptions file) bounded like the deal's."""
    a = _mapping(a)
    as_text = [
        f"{prefix}{k}: must be a number; got {v!r}{_number_as_text_hint(v, 'number')}"
        for k, v in a.items()
        if isinstance(v, str) and _number_as_text_hint(v, "number")
    ]
    return [
        *as_text,
        *_bound(f"{prefix}horizon", a.get("horizon"), 1, MAX_PERIODS, "periods of projection; 50 years of months"),
        *_bound(f"{prefix}recovery_lag", a.get("recovery_lag"), 0, MAX_RECOVERY_LAG, "months; 50 years"),
    ]

