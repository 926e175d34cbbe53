"""Build a :class:`~abs_model.deal.model.Deal` from a deal document (a mapping, as read from YAML).

:func:`deal_from_document` takes a plain ``yaml.safe_load`` document (dates may be
:class:`datetime.date`), validates it once (:func:`abs_model.deal.checks.validate_document`) and
builds each part with a small function of its own: dates, pool, tranches, fees, reserve,
triggers, waterfalls, revolving period, clean-up call.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

import tranches as tr
from abs_model.assumptions.assumptions import Assumptions, RollRates
from abs_model.collateral.pool import Pool
from abs_model.collateral.synthetic import synthetic_pool
from abs_model.collateral.tape import read_tape
from abs_model.collateral.tape.mapping import column_mapping, merge_column_maps
from abs_model.core.products import rate_per_period
from abs_model.deal.assumptions_schema import assumptions_problems
from abs_model.deal.checks import assumption_size_problems, plain_document, validate_document
from abs_model.deal.compressed import CompressedPool
from abs_model.deal.disclosure import disclosure_from_document
from abs_model.deal.eligibility import eligibility_from_document
from abs_model.deal.model import SIZE_RTOL, Deal, ReplenishmentLine, Revolving
from abs_model.deal.structures import EXTRA_STEP_KINDS, build_extra_step, trigger_options
from abs_model.errors import AbsModelError, DealError

__all__ = ["assumptions_from_document", "deal_from_document"]


def deal_from_document(
    doc: Mapping[str, Any],
    *,
    base_dir: Path = Path("."),
    source: str = "<deal>",
    pool: Pool | None = None,
    tape: str | Path | None = None,
    tape_options: Mapping[str, Any] | None = None,
    scale_pool: bool = False,
) -> Deal:
    """Build a :class:`Deal` from a deal document (dates, pool, tranches, waterfalls).

    ``doc`` may come straight from ``yaml.safe_load`` (dates as :class:`datetime.date`); it is
    validated here, once, and every problem is raised together as one :class:`DealError`. A
    tape named in ``pool.tape`` is resolved relative to ``base_dir`` (the deal file's folder);
    ``tape`` (a path as given, e.g. on the command line) replaces it, read with ``tape_options``
    (``encoding``, ``sheet``, ``decimal``, ``columns`` of :func:`read_tape`). Whichever way the
    pool arrives (file, ``tape``, ``pool``), no receivable may originate after the cut-off. The deal
    file's own pool is scaled to ``pool.scale_to``; a pool or tape passed in keeps its own balance
    unless ``scale_pool`` (the factor is recorded in ``Deal.pool_scale``).
    """
    doc = plain_document(dict(doc) if isinstance(doc, Mapping) else doc)
    validate_document(doc, source=source)
    dates = doc["dates"]
    cutoff = _date(dates, "cutoff", source)
    inputs = [source] if Path(source).is_file() else []
    own_pool = pool is None and tape is None
    if pool is None:
        spec = dict(doc.get("pool") or {})
        if tape is not None:
            spec = {"tape": str(tape)}
            base_dir = Path(".")
        pool, tape_path = _pool_from_spec(spec, base_dir=base_dir, source=source, cutoff=cutoff, options=tape_options or {})
        inputs += [tape_path] if tape_path else []
    _check_origination(pool, cutoff, source=source)
    pool, eligibility = eligibility_from_document(doc, pool, source=source)
    scale_to = (doc.get("pool") or {}).get("scale_to") if (own_pool or scale_pool) else None
    pool, pool_scale = _pool_scaled_to(pool, scale_to, source=source)
    tranche_objs, labels_zh = _tranches(doc, pool.balance, source=source)
    revolving = _revolving(doc.get("revolving") or {}, source=source)
    structure = _structure(doc, tranche_objs, revolving, source=source)
    assumptions = assumptions_from_document(doc["assumptions"], source=source) if doc.get("assumptions") else None
    return Deal(
        name=str(doc["name"]),
        pool=pool,
        structure=structure,
        cutoff_date=cutoff,
        periods=int(dates["periods"]),
        currency=str(doc.get("currency", "CNY")),
        closing_date=_date(dates, "closing", source) if "closing" in dates else None,
        first_payment=_date(dates, "first_payment", source) if "first_payment" in dates else None,
        legal_final=_date(dates, "legal_final", source) if "legal_final" in dates else None,
        revolving=revolving,
        assumptions=assumptions,
        source=source,
        tranche_labels_zh=labels_zh,
        input_files=tuple(inputs),
        pool_lines=CompressedPool.of(pool, assumptions if assumptions is not None else Assumptions.make()),
        pool_scale=pool_scale,
        eligibility=eligibility,
        disclosure=disclosure_from_document(doc),
    )


def _check_origination(pool: Pool, cutoff: np.datetime64, *, source: str) -> None:
    """No receivable of the pool originated after the cut-off (the tape reader checks a tape it
    reads; this holds for a pool given directly too)."""
    dates = np.asarray(pool.origination_date, dtype="datetime64[D]")
    late = np.flatnonzero(~np.isnat(dates) & (dates > cutoff))
    if len(late):
        first = late[0]
        raise DealError(
            f"{source}: pool: {len(late)} receivable(s) originated after the cut-off date {cutoff}; "
            f"e.g. loan_id {pool.loan_id[first]!r} on {dates[first]} (use a tape as of the cut-off)"
        )


def _date(dates: Mapping[str, Any], key: str, source: str) -> np.datetime64:
    """``dates.<key>`` as a day; a date that does not exist is a :class:`DealError` naming the key."""
    try:
        return np.datetime64(str(dates[key]), "D")
    except ValueError as exc:
        raise DealError(f"{source}: dates.{key}: must be a date (YYYY-MM-DD); got {dates[key]!r} ({exc})") from None


def _pool_scaled_to(pool: Pool, scale: Any, *, source: str) -> tuple[Pool, float]:
    """The pool with every balance multiplied so that its total is ``pool.scale_to`` (if given),
    and the factor used (1.0 when not scaled)."""
    if not scale:
        return pool, 1.0
    if pool.balance <= 0:
        raise DealError(f"{source}: pool.scale_to: the pool has no balance to scale; got balance {pool.balance!r}")
    factor = float(scale) / pool.balance
    return _scaled(pool, factor), factor


def _tranches(doc: Mapping[str, Any], pool_balance: float, *, source: str) -> tuple[tuple[tr.Tranche, ...], dict[str, str]]:
    """The tranches (a ``share`` is of the pool balance) and their Chinese labels; checks that
    the sizes add up to the pool or to ``advance_rate`` × pool."""
    out = []
    labels_zh: dict[str, str] = {}
    for i, t in enumerate(doc["tranches"]):
        if "balance" in t and "share" in t:
            raise DealError(f"{source}: tranches[{i}]: give balance or share, not both; got both")
        if "balance" not in t and "share" not in t:
            raise DealError(f"{source}: tranches[{i}]: give balance or share; got neither")
        # a share of the pool is issued to the cent (0.80 of a pool scaled to 1e9 is 800,000,000.00,
        # not the 799,999,999.9999999 the scaled pool's float sum gives)
        bal = float(t["balance"]) if "balance" in t else round(float(t["share"]) * pool_balance, 2)
        if "label_zh" in t:
            labels_zh[t["name"]] = t["label_zh"]
        try:
            out.append(
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
    _check_sizes(sum(t.balance for t in out), pool_balance, doc.get("advance_rate"), source=source)
    return tuple(out), labels_zh


def _check_sizes(notes: float, pool_balance: float, adv: float | None, *, source: str) -> None:
    """Defined as: Σ tranche balances = advance_rate × pool (to :data:`SIZE_RTOL`), or ≤ pool."""
    if adv is not None:
        if abs(notes - adv * pool_balance) > SIZE_RTOL * pool_balance + 0.01:
            raise DealError(
                f"{source}: tranches: sizes must add up to advance_rate × pool = {adv} × {pool_balance:,.2f} = {adv * pool_balance:,.2f}; got {notes:,.2f}"
            )
    elif notes > pool_balance * (1 + SIZE_RTOL) + 0.01:
        raise DealError(
            f"{source}: tranches: sizes add up to {notes:,.2f}, more than the pool balance {pool_balance:,.2f} (set advance_rate for an over-collateralised or under-collateralised deal)"
        )


def _fees(doc: Mapping[str, Any], *, source: str) -> tuple[Any, ...]:
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
    return tuple(fees)


def _reserve(doc: Mapping[str, Any], *, source: str) -> tr.ReserveAccount | None:
    if not doc.get("reserve"):
        return None
    try:
        kw: dict[str, Any] = {k: (float(v) if isinstance(v, int | float) and not isinstance(v, bool) else v) for k, v in doc["reserve"].items()}
        return tr.ReserveAccount(**kw)
    except (ValueError, TypeError) as exc:
        raise DealError(f"{source}: reserve: {exc}") from None


def _triggers(doc: Mapping[str, Any], *, source: str) -> tuple[tr.Trigger, ...]:
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
                    **trigger_options(t),
                )
            )
        except (ValueError, TypeError) as exc:
            raise DealError(f"{source}: triggers[{i}]: {exc}") from None
    return tuple(triggers)


def _waterfalls(doc: Mapping[str, Any], *, source: str) -> dict[str, tr.Waterfall]:
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
    return waterfalls


def _structure(
    doc: Mapping[str, Any], tranche_objs: tuple[tr.Tranche, ...], revolving: Revolving, *, source: str
) -> tr.Structure:
    """The liability structure: tranches, waterfalls, fees, reserve, triggers, clean-up call."""
    cleanup = None
    if doc.get("cleanup"):
        c = doc["cleanup"]
        cleanup = tr.CleanupCall(c["threshold"], c.get("price", 1.0), redeems=c.get("redeems", "rated"))
    # built first: their own errors already name the file and the path
    waterfalls = _waterfalls(doc, source=source)
    fees = _fees(doc, source=source)
    reserve = _reserve(doc, source=source)
    triggers = _triggers(doc, source=source)
    try:
        return tr.Structure(
            tranches=tranche_objs,
            waterfalls=waterfalls,
            fees=fees,
            reserve=reserve,
            triggers=triggers,
            revolving_periods=revolving.periods,
            payment_every=dict(doc.get("payment_every") or {}),
            cleanup=cleanup,
            collection_account=doc.get("collection_account", "separate"),
            writedown=doc.get("writedown", "period"),
            reimburse_writedowns=doc.get("reimburse_writedowns", True),
        )
    except ValueError as exc:
        raise DealError(f"{source}: {exc}") from None


def _build_step(kind: str, body: Any) -> Any:
    s = tr.steps
    body = {} if body is None else body
    if kind in EXTRA_STEP_KINDS:
        return build_extra_step(kind, body)
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
        if "min_rate" in elig and rate_per_period(ln.product, ln.rate) < elig["min_rate"]:
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
    sizes = assumption_size_problems(kw)
    if sizes:
        raise DealError(f"{source}: " + "; ".join(sizes))
    shape = assumptions_problems(kw)  # the assumptions block's JSON-Schema fragment, every problem by its path
    if shape:
        raise DealError(f"{source}: " + "; ".join(shape))
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
        except (AbsModelError, TypeError) as exc:
            raise DealError(f"{source}: assumptions.{exc}") from None
    allowed = sorted(p for p in inspect.signature(Assumptions.make).parameters if p not in ("cls", "self"))
    unknown = sorted(map(str, set(kw) - set(allowed)))
    if unknown:
        raise DealError(f"{source}: assumptions: unknown key(s) {unknown}; allowed: {allowed}")
    try:
        return Assumptions.make(**kw)
    except TypeError as exc:
        raise DealError(f"{source}: assumptions: {exc}") from None
    except AbsModelError as exc:
        raise DealError(f"{source}: assumptions.{exc}") from None


def _pool_from_spec(
    spec: Mapping[str, Any], *, base_dir: Path, source: str, cutoff: np.datetime64, options: Mapping[str, Any]
) -> tuple[Pool, str | None]:
    """The pool named by ``pool:`` and the tape's path (``None`` for a synthetic pool)."""
    if "tape" in spec:
        tape_path = Path(spec["tape"])
        if not tape_path.is_absolute():
            tape_path = base_dir / tape_path
        if spec.get("columns"):  # the file's mapping; --columns (in options) wins field by field
            own = column_mapping(spec["columns"], option=f"{source}: pool.columns", base_dir=base_dir)
            options = {**options, "columns": merge_column_maps(own, options.get("columns"))}
        frame = read_tape(tape_path, cutoff_date=str(cutoff), **options)
        return Pool.from_tape(frame, cutoff_date=cutoff), str(tape_path)
    if "synthetic" in spec:
        syn = spec["synthetic"]
        return synthetic_pool(int(syn["n"]), seed=int(syn.get("seed", 0)), cutoff_date=cutoff), None
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
