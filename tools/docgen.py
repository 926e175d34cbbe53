"""Generate ``docs/deal_file_reference.md`` from the deal-file schema.

``python -m tools.docgen`` writes the page; :func:`deal_reference_markdown` returns its text.
Types, allowed values, ranges and required keys come from :data:`abs_model.deal.schema.SCHEMA`
(and the waterfall step kinds from :data:`~abs_model.deal.schema.STEP_SCHEMAS`); the keys of the
``assumptions:`` block come from the signature of :meth:`abs_model.Assumptions.make`. Only the
prose descriptions live here, one per key; :func:`missing_descriptions` lists any key the schema
gained without one (the tests require none), so the page cannot silently go stale.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from abs_model.assumptions.assumptions import Assumptions
from abs_model.deal import structure_schema
from abs_model.deal.schema import SCHEMA, STEP_SCHEMAS

__all__ = [
    "ASSUMPTION_DESCRIPTIONS",
    "DESCRIPTIONS",
    "STEP_DESCRIPTIONS",
    "deal_reference_markdown",
    "missing_descriptions",
    "write_reference",
]

#: Where ``python -m tools.docgen`` writes the page (the source tree's ``docs/``).
REFERENCE_PATH = Path(__file__).resolve().parents[1] / "docs" / "deal_file_reference.md"

#: One description per key of the deal file, by path (``[]`` marks the items of a list).
DESCRIPTIONS: dict[str, str] = {
    "name": "Deal name, shown in reports, workbooks and messages.",
    "currency": "Currency code of every amount (display only). Default `CNY`.",
    "description": "Free text shown in the report's deal overview.",
    "dates": "Cut-off and payment calendar.",
    "dates.cutoff": "Cut-off date (period 0): the pool balance is taken here; period t ends t month-ends later.",
    "dates.closing": "Closing (issue) date: note interest accrues from it (default: the cut-off).",
    "dates.first_payment": "First note payment date: each collection period is paid on this day of the following month (next business day); interest accrues between payment dates; payment months follow `payment_every`. It must fall in the month after collection period `payment_every[first phase]` ends (e.g. cut-off 2026-06-30, quarterly while revolving: October 2026); `closing` must come before period 1's payment date and `legal_final` after the first payment.",
    "dates.legal_final": "Legal final maturity: a run extends to the last collection period before its month, and every note balance still owed then is written down as a loss.",
    "dates.periods": "Monthly collection periods projected at least; a run extends to the legal final (or, without one, until the collateral is exhausted).",
    "pool": "Where the receivables come from: a `tape` or a `synthetic` pool (a tape given on the command line with `--tape`, or `load_deal(path, pool=...)`, replaces it).",
    "pool.tape": "Path of a loan tape (CSV, Parquet or XLSX), relative to the deal file; read and validated by `read_tape`.",
    "pool.synthetic": "A synthetic Baitiao-like pool (`am.synthetic_pool`), deterministic by seed.",
    "pool.synthetic.n": "Number of receivables.",
    "pool.synthetic.seed": "Random seed. Default 0.",
    "pool.columns": "The tape's own column names for the canonical fields, `FIELD: COLUMN` (e.g. `balance: 剩余本金`, `loan_id: 合同编号`); fields are the tape's canonical columns or `balance`, `term`, `dpd`. The CLI's `--columns` overrides it field by field.",
    "pool.scale_to": "Scale every balance so the pool totals this amount (keeps the mix, e.g. to size a demo pool); recorded as `Deal.pool_scale`. A tape given with `--tape` keeps its own balance unless `--scale-tape`.",
    "assumptions": "Base projection assumptions: the keyword options of `Assumptions.make` (table below). Optional; `run(deal, assumptions)` may pass others.",
    "advance_rate": "Notes ÷ pool at closing. When given, tranche sizes must add up to `advance_rate × pool balance`; without it they may not exceed the pool.",
    "tranches": "Classes of notes, most senior first; the last one is the most junior class and takes the residual.",
    "tranches[]": "One class of notes.",
    "tranches[].name": "Unique name, used by waterfall steps and as the key of `result.tranches`.",
    "tranches[].class": "Seniority class (优先 / 次优先 / 次级). Classes must be listed senior → mezzanine → subordinated. Default `senior`.",
    "tranches[].balance": "Original balance in money. Give `balance` or `share`, not both.",
    "tranches[].share": "Original balance as a share of the pool balance (0.75 = 75 %), rounded to the cent.",
    "tranches[].coupon": "Annual coupon, a decimal (0.051, never 5.1), or a step-up schedule by period (the last value repeats). For the subordinated class an optional fixed expected return. Default 0.",
    "tranches[].day_count": "Accrual day count of the period dates. Default `30/360`.",
    "tranches[].interest_on_shortfall": "Accrue interest on unpaid (carried) interest at the coupon. Default true.",
    "tranches[].label_zh": "Chinese display name (e.g. 优先A级) for `--lang zh` reports and workbooks.",
    "tranches[].rating": "The class's rating as the offering circular gives it (e.g. `AAA (CCXI)`); printed in the report.",
    "parties": "Deal parties by role, each the party's name; printed in the report's deal section (the engine ignores them).",
    "parties.originator": "Name of the originator (发起机构) that sold the receivables.",
    "parties.servicer": "Name of the servicer (资产服务机构) that collects them.",
    "parties.issuer": "Name of the issuer (发行人).",
    "parties.trustee": "Name of the trustee (受托人).",
    "parties.manager": "Name of the programme manager (计划管理人).",
    "parties.custodian": "Name of the custodian bank (资金保管机构).",
    "parties.lead_underwriter": "Name of the lead underwriter (主承销商).",
    "parties.rating_agency": "Name of the rating agency (评级机构).",
    "parties.registrar": "Name of the registrar (登记托管机构, e.g. 中证登).",
    "parties.accountant": "Name of the accountant (会计师事务所).",
    "parties.legal_counsel": "Name of the legal counsel (律师事务所).",
    "fees": "Senior expenses and taxes, accrued monthly and paid by `pay_fee` / `pay_tax` steps on payment dates; unpaid amounts carry forward without interest.",
    "fees[]": "One fee or tax.",
    "fees[].name": "Unique name, used by `pay_fee` / `pay_tax` steps.",
    "fees[].type": "`fee` (accrues on a balance or a fixed amount) or `tax` (a share of interest collections, e.g. VAT 3.26 %). Default `fee`.",
    "fees[].basis": "Fee basis: `rate × pool balance at the start of the period × accrual`, `rate × note balance × accrual`, or `fixed` (`amount` a year × accrual). Default `pool_balance`. Ignored for taxes.",
    "fees[].rate": "Annual rate of a fee; for a tax, the share of the period's interest collections (not annualised).",
    "fees[].amount": "Annual amount of a `fixed` fee.",
    "fees[].cap": "Most a capped `pay_fee` pays on one payment date; the excess stays due (pay it lower with `capped: false`).",
    "fees[].rank": "Descriptive rank (senior fees sit above note interest, junior ones below). Default `senior`.",
    "fees[].day_count": "Accrual day count of a fee. Default `30/360`.",
    "reserve": "Cash reserve account, topped up by `fund_reserve` and drawn by `draw_reserve`.",
    "reserve.basis": "Target basis: `fixed` (`amount`), `note_balance` (rate × notes at the start of the period) or `pool_balance` (rate × pool at the end of the period). Target = min(notes, max(floor, …)). Default `fixed`.",
    "reserve.amount": "Fixed target amount (basis `fixed`).",
    "reserve.rate": "Target as a share of the basis balance.",
    "reserve.floor": "Target floor in money.",
    "reserve.initial": "Balance pre-funded at closing.",
    "reserve.step_down": "Let the target fall with the basis; false keeps it at its highest value (until the notes are nearly repaid). Default true.",
    "triggers": "Performance tests with an effect, recorded every period (value, threshold, breached) in `result.triggers`.",
    "triggers[]": "One trigger.",
    "triggers[].name": "Unique name (the key of `result.triggers`).",
    "triggers[].metric": "What is tested: cumulative default rate (Σ defaults ÷ (initial pool + purchases)), cumulative net loss rate (`cumulative_net_loss_rate`, the US CNL trigger: Σ (defaults − recoveries received) ÷ (initial pool + purchases)), delinquency ratio, annualised excess spread, serious delinquency (严重拖欠率: M2–M3 balance ÷ pool, averaged over `average_periods`), a servicer event (权利完善事件, from `event_period`) (tested on the period's collections, act on this payment date); missed senior interest or periods unable to revolve (tested after the waterfall, act from the next period).",
    "triggers[].threshold": "A number or a schedule by period (the last value repeats), e.g. a cumulative-default ceiling per year.",
    "triggers[].effect": "`end_revolving`; `accelerate` (accelerated waterfall, ends revolving; 加速清偿事件); `default` (event-of-default waterfall, ends revolving; 违约事件); `sequential` (pro-rata principal steps pay sequentially).",
    "triggers[].curable": "A curable trigger acts only while breached; a non-curable one stays breached. Revolving never restarts once ended. Default false.",
    "triggers[].breach_when": "`above` (value > threshold), `below` (<) or `at_least` (≥). Default `below` for excess spread, `at_least` for unable_to_revolve, else `above`.",
    "revolving": "Revolving period (循环购买): collections buy new receivables in the replenishment mix.",
    "revolving.periods": "Revolving ends after this period (or earlier on a trigger). Default 0 (static deal).",
    "revolving.price": "Purchase price as a fraction of par. Default 1.0.",
    "revolving.replenishment": "The mix of new receivables bought; shares add up to 1 (the eligible lines are renormalised).",
    "revolving.replenishment[]": "One line of the mix.",
    "revolving.replenishment[].product": "Product code (see the conventions page).",
    "revolving.replenishment[].term": "Original term in monthly instalments.",
    "revolving.replenishment[].rate": "Fee per period on the original principal (`flat_fee`, `bullet`) or annual rate. Default 0.",
    "revolving.replenishment[].share": "Share of purchases.",
    "revolving.replenishment[].average_balance": "Average receivable size (for counts and eligibility). Default 1,500.",
    "revolving.eligibility": "Eligibility criteria; replenishment lines that fail them are not bought.",
    "revolving.eligibility.max_term": "Longest eligible original term.",
    "revolving.eligibility.min_rate": "Lowest eligible rate per period (a fee per period, or an annual rate ÷ 12 for `level_payment` / `equal_principal`).",
    "revolving.eligibility.max_balance": "Largest eligible average balance.",
    "revolving.eligibility.products": "Eligible product codes.",
    "revolving.capacity": "Most par the originator can sell a period. Default unlimited.",
    "payment_every": "Months between note payment dates, per phase (default 1). The last period, a clean-up period and the first month of a phase whose frequency is due are payment dates.",
    "payment_every.revolving": "Payment frequency while revolving (e.g. 3: quarterly senior interest).",
    "payment_every.amortising": "Payment frequency while amortising.",
    "payment_every.accelerated": "Payment frequency after an acceleration event.",
    "payment_every.default": "Payment frequency after an event of default.",
    "payment_every.cleanup": "Payment frequency of the clean-up phase.",
    "collection_account": "`separate` interest and principal pots, or one `combined` pot (steps may then draw on the other kind once theirs is empty). Default `separate`.",
    "writedown": "`period`: on each payment date notes above pool balance (with the receivables bought that period) + principal cash + recoveries still to come on past defaults (not in the last period) are written down, junior first; `legal_final`: only in the last period (Chinese practice). Default `period`.",
    "reimburse_writedowns": "With `writedown: period`: `pay_residual` first repays the principal written down and not yet repaid, most senior class first, out of the cash it would pay as residual (a charge-off reimbursement), and pays the residual only from what is left; the repayment is principal paid to the class and a negative writedown, so Σ writedown is the class's loss. `false`: what is written down is never repaid, and the residual holder can take cash while a class above it has lost principal. Default `true`; no effect with `legal_final` (nothing is paid after the last period's writedowns).",
    "cleanup": "Clean-up call (清仓回购).",
    "cleanup.threshold": "Exercised on the first payment date after the revolving period with 0 < pool balance ≤ threshold × initial pool.",
    "cleanup.price": "Sale price as a fraction of the remaining pool balance. Default 1.0.",
    "cleanup.redeems": (
        "What the call must repay to be exercised: `rated` (default) every class but the subordinated, "
        "`all` every class — the proceeds with the cash in the collection account and the reserve must "
        "cover the expenses due and those classes' interest due and balances, else the deal runs on "
        "and the call is tested again on the next payment date; `any`: exercised whatever it leaves "
        "unpaid (the classes still owed are written down)."
    ),
    "waterfalls": "One ordered list of steps per phase; `amortising` is required, `revolving` when `revolving.periods` > 0, `accelerated` / `default` when a trigger has that effect.",
    "waterfalls.revolving": "Steps while revolving (`buy_receivables` runs every month; the other steps on payment dates).",
    "waterfalls.amortising": "Steps while amortising (required).",
    "waterfalls.accelerated": "Steps after an acceleration event.",
    "waterfalls.default": "Steps after an event of default (strictly sequential by seniority).",
    "waterfalls.cleanup": "Steps in the clean-up period (without it the current phase's waterfall pays the call proceeds).",
}

#: One description per waterfall step kind and per step option (``kind.option``).
STEP_DESCRIPTIONS: dict[str, str] = {
    "pay_tax": "Pay the tax named: `paid = min(due, cash)`; the rest stays due.",
    "pay_tax.tax": "Name of a fee of `type: tax`.",
    "pay_tax.source": "Pots the cash comes from. Default `interest`.",
    "pay_fee": "Pay the fee named: `paid = min(due, cash)`, and when capped at most `cap − paid earlier this payment date`.",
    "pay_fee.fee": "Name of a fee.",
    "pay_fee.capped": "Respect the fee's `cap`. Default true; `false` pays the excess over the cap (e.g. below the notes).",
    "pay_fee.source": "Pots the cash comes from. Default `interest`.",
    "pay_interest": "Pay interest due (current plus carried shortfall) to the classes named.",
    "pay_interest.tranches": "Classes to pay, in order.",
    "pay_interest.mode": "`sequential`: `paid_k = min(due_k, cash left)` in the order given; `pro_rata`: `paid_k = due_k × min(1, cash / Σ due)`. Default `sequential`.",
    "pay_interest.source": "Pots the cash comes from. Default `interest`.",
    "pay_principal": "Pay principal to the classes named: `amount = min(cash, Σ balance_k)`.",
    "pay_principal.tranches": "Classes to pay, in order.",
    "pay_principal.mode": "`sequential` in the order given, or `pro_rata` by balance (`paid_k = amount × balance_k / Σ balance`; sequential while a `sequential` trigger is breached). Default `sequential`.",
    "pay_principal.advance_rate": "Target advance rate (1 − OC %): pay only `max(0, Σ balance_k + senior balance − advance_rate × pool balance)`.",
    "pay_principal.source": "Pots the cash comes from. Default `principal`.",
    "draw_reserve": "Move the whole reserve balance into the `to` pot (refill it later with `fund_reserve`).",
    "draw_reserve.to": "Pot that receives the draw. Default `interest`.",
    "fund_reserve": "Top the reserve up to its target: `deposit = min(max(target − balance, 0), cash)`.",
    "fund_reserve.source": "Pots the cash comes from. Default `interest`.",
    "cover_pdl": "Cover the principal deficiency ledger (debited with new defaults, credited with their recoveries as they become expected: it holds the net loss) out of interest: `credit = min(PDL, cash)` moves to the principal pot.",
    "cover_pdl.source": "Pots the cash comes from. Default `interest`.",
    "buy_receivables": "Revolving purchase: `spent = min(cash, capacity × price)`, `par bought = spent / price`. Only in the `revolving` waterfall; in months that are not payment dates it spends only the principal pot.",
    "buy_receivables.price": "Price as a fraction of par. Default 1.0.",
    "buy_receivables.source": "Pots the cash comes from. Default `principal` (`principal_then_interest` also spends excess interest on payment dates).",
    "pay_residual": "Pay all cash left to the most junior class as residual, after what the classes are still owed, most senior first: first each class's interest due and unpaid (its carried shortfall included: an interest step drawing on the interest account alone can leave it while principal cash is left), then principal — in the period the deal ends (legal final, a clean-up call) each balance still owed, and with `writedown: period` and `reimburse_writedowns` the principal written down and not yet repaid (booked as principal paid to the class).",
    "pay_residual.source": "Pots the cash comes from. Default `interest_then_principal`.",
}
STEP_DESCRIPTIONS.update(structure_schema.STEP_DESCRIPTIONS)
DESCRIPTIONS.update(structure_schema.DESCRIPTIONS)

#: One description per keyword of :meth:`Assumptions.make` (the deal file's ``assumptions:`` keys).
ASSUMPTION_DESCRIPTIONS: dict[str, str] = {
    "cpr": "Annual voluntary prepayment rate: a number or a per-period list. SMM = 1 − (1 − CPR)^(1/12).",
    "smm": "Monthly prepayment rate instead of `cpr`.",
    "psa": "PSA speed as a multiple (1.5 = 150 % PSA), by loan age.",
    "abs_speed": "ABS prepayment speed as a decimal (0.015 = 1.5 % ABS), by loan age.",
    "cpr_by_term": "A CPR (or curve) per original term, e.g. `{3: 0.10, 12: 0.25}`.",
    "cdr": "US constant annual default rate on the performing balance (`sifma` convention); MDR = 1 − (1 − CDR)^(1/12).",
    "mdr": "Monthly default rate instead of `cdr`.",
    "sda": "SDA default speed as a multiple (1.0 = 100 % SDA), by loan age.",
    "cumulative_default": "Chinese cumulative default rate (累计违约率): defaults as a share of the initial pool, spread by `default_timing`.",
    "default_timing": "Default-timing distribution (违约时间分布), summing to 1, e.g. `[0.4, 0.3, 0.3]` by year.",
    "timing_unit": "Unit of `default_timing`: `year` (each year's share spread evenly over its 12 months) or `period`.",
    "roll_rates": "Roll-rate matrix (the `roll_rate` convention): an 8×8 matrix over M0…M7, a stack by months on book, or `{roll: [7 values], cure: [6 values]}` (`RollRates.simple`).",
    "default_threshold_days": "Days past due at which a receivable defaults: 30, 60, 90, 120, 150 or 180 (90 → entering M4).",
    "recovery_rate": "Share of the defaulted balance recovered (severity = 1 − recovery rate).",
    "recovery_lag": "Months between default and recovery. Under the `sifma` convention with `cdr`/`mdr`/`sda`, no new defaults in the last `recovery_lag` months of each receivable's term (SF §C.3.j).",
    "recovery_timing": "Share of the recovery received 0, 1, 2, … months after default (sums to 1); replaces `recovery_lag`.",
    "servicing_fee": "Annual servicing fee, recorded with the assumptions and shown in reports; the projection does not deduct it (model the servicer as a deal fee in `fees`).",
    "unearned_fee": "Flat fees not yet earned when a receivable prepays: `waived`, `one_period` (one more period's fee) or `full` (all remaining fees).",
    "prepay_multiplier": "Stress multiple on the prepayment rate.",
    "default_multiplier": "Stress multiple on the default rate (CDR, cumulative default or the roll-forward rates).",
    "segment_overrides": "Per-segment assumptions (`am.SegmentOverride`); Python only.",
    "horizon": "Periods projected by `project` (default: the longest remaining schedule plus the delinquency pipeline); a deal runs to its legal final (see `dates.legal_final`).",
    "collections": "A collection strategy (stages, restructuring plans — `spread_arrears`, `re_age`, `freeze`, one mapping each in a list — charge-off path); a mapping in YAML, `am.CollectionStrategy` in Python. Needs `roll_rates`.",
    "max_age": "Longest loan age tabulated for age-indexed curves (PSA, ABS, SDA).",
    "late_fees": "Late fees / penalty interest (违约金): `daily_rate` on the amount due and unpaid, `grace_days`, `apr_cap`, `waived_share`, `to_trust`, `product_rates`; a mapping in YAML, `am.LateFees` in Python. Needs `roll_rates`.",
    "convention": "Projection convention by name: `sifma` (default without `roll_rates`), `roll_rate` (with them) or `absbox` (the Hastructure order: defaults first on the performing balance, prepayment on the survivors before the instalment, scheduled principal and fee scaled by the survival factor; docs/coming_from_absbox.md).",
    "rounding": "Instalment schedules: `exact` (closed forms) or `cents` (each receivable billed in cents as lenders bill: principal truncated to the cent per instalment, the remainder in the last one; fees and interest rounded half-up).",
    "advancing": "P&I advancing (`sifma` convention, SIFMA Standard Formulas §C): defaulted loans keep amortising while in foreclosure, their scheduled principal and interest are advanced to the trust, and they liquidate `recovery_lag` months later at the amortised balance with a loss of min(severity × balance at default, amortised balance). Adds the pool columns `expected_amortization`, `advanced_principal`, `expected_interest`, `interest_lost`, `advanced_interest`, `amortized_default_balance`, `foreclosure_balance`, `principal_loss`.",
    "buy_back": "Originator buy-back (赎回): `ineligible_rate`, the monthly share of the performing balance found ineligible and bought back (beside prepayment, on the same base), and `price` per unit of balance of every buy-back, ineligible or restructured (`restructuring[].buy_back`), 1.0 = par; proceeds `price × balance` are principal collections, a discount below par is a loss to the pool (`repurchase_loss`). A mapping in YAML, `BuyBack` in Python.",
}
DESCRIPTIONS["assumptions.convention"] = ASSUMPTION_DESCRIPTIONS["convention"]
DESCRIPTIONS["assumptions.rounding"] = ASSUMPTION_DESCRIPTIONS["rounding"]

_PHASES = tuple(SCHEMA["properties"]["waterfalls"]["properties"])
#: The collection-account pots a step may draw on (the schema's ``source`` values).
SCHEMA_SOURCES: tuple[str, ...] = tuple(STEP_SCHEMAS["pay_fee"]["properties"]["pay_fee"]["oneOf"][0]["properties"]["source"]["enum"])


# ------------------------------------------------------------------------------ schema walking
def _walk(node: dict[str, Any], path: str, required: bool) -> Iterator[tuple[str, dict[str, Any], bool]]:
    """Yield ``(path, node, required)`` for every key under ``node`` (depth first, schema order)."""
    if path:
        yield path, node, required
    if path.startswith("waterfalls.") or path == "assumptions":
        return  # step lists and assumption keys are documented in their own sections
    if node.get("type") == "object" and "properties" in node:
        req = set(node.get("required", ()))
        for key, child in node["properties"].items():
            yield from _walk(child, f"{path}.{key}" if path else key, key in req)
    elif node.get("type") == "array" and isinstance(node.get("items"), dict) and node["items"].get("type") == "object":
        yield from _walk(node["items"], f"{path}[]", True)


def _num(x: float) -> str:
    return f"{x:g}"


def _type(node: dict[str, Any]) -> str:
    if "enum" in node:
        return "text"
    if "oneOf" in node:
        return " or ".join(dict.fromkeys(_type(n) for n in node["oneOf"]))
    t = node.get("type", "any")
    if t == "array":
        items = node.get("items")
        inner = _type(items) if isinstance(items, dict) and "oneOf" not in items else "step"
        return f"list of {inner}"
    if t == "string" and node.get("format") == "date":
        return "date"
    if t == "object" and "properties" not in node:
        return "mapping"
    return {"object": "mapping", "number": "number", "integer": "integer", "string": "text", "boolean": "boolean"}.get(t, str(t))


def _allowed(node: dict[str, Any]) -> str:
    if "enum" in node:
        return ", ".join(f"`{v}`" for v in node["enum"])
    if "oneOf" in node:
        parts = [p for p in (_allowed(n) for n in node["oneOf"]) if p]
        return "; ".join(dict.fromkeys(parts))
    bits = []
    if "minimum" in node:
        bits.append(f"≥ {_num(node['minimum'])}")
    if "exclusiveMinimum" in node:
        bits.append(f"> {_num(node['exclusiveMinimum'])}")
    if "maximum" in node:
        bits.append(f"≤ {_num(node['maximum'])}")
    if "exclusiveMaximum" in node:
        bits.append(f"< {_num(node['exclusiveMaximum'])}")
    if node.get("minLength"):
        bits.append("non-empty")
    if node.get("format") == "date":
        bits.append("ISO `YYYY-MM-DD`")
    if node.get("type") == "array":
        items = node.get("items")
        inner = _allowed(items) if isinstance(items, dict) and "oneOf" not in items else ""
        if node.get("minItems"):
            bits.append(f"at least {node['minItems']} item{'s' if node['minItems'] > 1 else ''}")
        if inner:
            bits.append(f"each {inner}")
    return ", ".join(bits)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table(rows: Sequence[tuple[str, ...]], header: tuple[str, ...]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(_cell(c) for c in r) + " |" for r in rows]
    return out


def _step_options(kind: str) -> tuple[dict[str, Any], dict[str, Any] | None]:
    inner = STEP_SCHEMAS[kind]["properties"][kind]
    if "oneOf" in inner:
        body, shorthand = inner["oneOf"]
        return body, shorthand
    return inner, None


def _assumption_params() -> list[inspect.Parameter]:
    return [p for p in inspect.signature(Assumptions.make).parameters.values() if p.name not in ("cls", "self")]


def missing_descriptions() -> list[str]:
    """Keys of the schema, step options and assumption keywords that have no description."""
    missing = [p for p, _, _ in _walk(SCHEMA, "", True) if p not in DESCRIPTIONS]
    for kind in STEP_SCHEMAS:
        body, _ = _step_options(kind)
        missing += [k for k in (kind, *(f"{kind}.{o}" for o in body["properties"])) if k not in STEP_DESCRIPTIONS]
    missing += [f"assumptions.{p.name}" for p in _assumption_params() if p.name not in ASSUMPTION_DESCRIPTIONS]
    return missing


# ------------------------------------------------------------------------------ the page
def deal_reference_markdown() -> str:
    """The deal-file reference page (Markdown), generated from the schema."""
    lines = [
        "# Deal file reference",
        "",
        "<!-- Generated by `python -m tools.docgen` from `abs_model.deal.schema.SCHEMA`; do not edit by hand"
        " (tests/test_docs.py checks that this file equals the generator's output). -->",
        "",
        "A deal file is YAML, read with the safe loader (no tags, no aliases) and validated against the published",
        "JSON Schema `abs_model/data/deal.schema.json` (point your editor at it for completion: the first line",
        "`# yaml-language-server: $schema=../abs_model/data/deal.schema.json` of the examples does that). Unknown",
        "keys are refused; every error names its path, the rule and the value received. **Rates are decimals**",
        "(`coupon: 0.051`, never `5.1`). Load one with `am.load_deal(path)`; check one with",
        "`abs-model validate DEAL.yaml`. Examples: `examples/baitiao_revolving.yaml` (revolving Chinese consumer",
        "deal), `examples/us_auto_static.yaml` (static US auto deal). Formulas: [conventions](conventions.md).",
        "",
        "Paths: `a.b` is key `b` inside mapping `a`; `a[]` is an item of list `a`. *Required* means required",
        "inside its parent when the parent is given.",
        "",
        "## Keys",
        "",
    ]
    rows = []
    for path, node, req in _walk(SCHEMA, "", True):
        need = "—" if path.endswith("[]") else ("yes" if req else "no")
        rows.append((f"`{path}`", _type(node), _allowed(node), need, DESCRIPTIONS.get(path, "")))
    lines += _table(rows, ("key", "type", "allowed", "required", "description"))
    lines += [
        "",
        "## `assumptions:` keys",
        "",
        "The block holds the keyword options of `am.Assumptions.make` (the same keys in an assumptions file for",
        "`abs-model run --assumptions FILE` or `am.load_assumptions`). Give at most one prepayment option (`cpr`,",
        "`smm`, `psa`, `abs_speed`) and at most one default option (`cdr`, `mdr`, `sda`, `cumulative_default`,",
        "`roll_rates`); with `roll_rates` the projection uses the `roll_rate` convention, otherwise `sifma`.",
        "",
    ]
    arows = []
    for p in _assumption_params():
        default = "—" if p.default is inspect.Parameter.empty else f"`{p.default!r}`"
        arows.append((f"`{p.name}`", default, ASSUMPTION_DESCRIPTIONS.get(p.name, "")))
    lines += _table(arows, ("key", "default", "description"))
    lines += [
        "",
        "## Waterfall step kinds",
        "",
        "`waterfalls.<phase>` is a list of steps for the phases " + ", ".join(f"`{p}`" for p in _PHASES) + ".",
        "Each step is a one-key mapping `kind: options`. Every step draws cash from the collection account's",
        "pots named by `source`: " + ", ".join(f"`{s}`" for s in SCHEMA_SOURCES) + ".",
        "",
    ]
    for kind in STEP_SCHEMAS:
        body, shorthand = _step_options(kind)
        lines += [f"### `{kind}`", "", STEP_DESCRIPTIONS.get(kind, ""), ""]
        if shorthand is not None:
            form = "`- " + kind + ": NAME`" if shorthand.get("type") == "string" else "`- " + kind + ": [NAME, ...]`"
            lines += [f"Shorthand: {form} (the first option below, the rest at their defaults).", ""]
        opts = body["properties"]
        if opts:
            srows = [
                (f"`{o}`", _type(n), _allowed(n), STEP_DESCRIPTIONS.get(f"{kind}.{o}", "")) for o, n in opts.items()
            ]
            lines += _table(srows, ("option", "type", "allowed", "description"))
        else:
            lines += ["No options: write `{}`."]
        lines.append("")
    lines += [
        "## Example",
        "",
        "A small static deal in the style of `examples/us_auto_static.yaml` (the tests build it):",
        "",
        "```yaml",
        "name: US Auto Static (abridged)",
        "currency: USD",
        "dates: {cutoff: 2026-06-30, periods: 60}",
        "pool: {tape: us_auto_tape.csv, scale_to: 500000000}",
        "assumptions: {abs_speed: 0.015, cdr: 0.02, recovery_rate: 0.45, recovery_lag: 4}",
        "tranches:",
        "  - {name: A1, class: senior, balance: 400000000, coupon: 0.045}",
        "  - {name: B, class: mezzanine, balance: 50000000, coupon: 0.060}",
        "  - {name: C, class: subordinated, balance: 50000000, coupon: 0.0}",
        "fees:",
        "  - {name: Servicer, basis: pool_balance, rate: 0.01}",
        "triggers:",
        "  - {name: Cumulative loss, metric: cumulative_default_rate, threshold: [0.03, 0.05, 0.07], effect: sequential}",
        "waterfalls:",
        "  amortising:",
        "    - pay_fee: Servicer",
        "    - pay_interest: [A1, B]",
        "    - pay_principal: {tranches: [A1, B], source: interest_then_principal}",
        "    - pay_principal: [C]",
        "    - pay_residual: {}",
        "```",
        "",
    ]
    return "\n".join(lines)



def write_reference(path: Path = REFERENCE_PATH) -> Path:
    """Write the page to ``path`` (default ``docs/deal_file_reference.md``) and return the path."""
    path.write_text(deal_reference_markdown(), encoding="utf-8")
    return path


if __name__ == "__main__":  # pragma: no cover
    missing = missing_descriptions()
    if missing:
        print("tools.docgen: keys without a description: " + ", ".join(missing), file=sys.stderr)
        sys.exit(1)
    print(f"wrote {write_reference()}")
