"""Deal-file schema fragments of the Chinese consumer-ABS structures (issue 12), merged into
:data:`abs_model.deal.schema.STEP_SCHEMAS` and the trigger schema by one line each, and the
prose of the generated reference (merged into ``tools/docgen``).

Steps: liquidity reserve (流动性储备: draw on shortfall, fund to the next payment date's senior
needs, release the excess), the subordinated class's capped period return (期间收益, optionally
turbo), the originator's shortfall undertaking (差额支付承诺), and cover for defaults (guarantee,
credit insurance or the originator's buy-back 赎回). Trigger: serious delinquency (严重拖欠率).
"""

from __future__ import annotations

from typing import Any

from abs_model.core.limits import MAX_POOL_BALANCE

_rate = {"type": "number", "minimum": 0, "exclusiveMaximum": 1}
_rate_incl = {"type": "number", "minimum": 0, "maximum": 1}
_money = {"type": "number", "minimum": 0, "maximum": MAX_POOL_BALANCE}  # above it: a unit error, and float64 loses the cents
_names = {"type": "array", "items": {"type": "string"}, "minItems": 1}
_source = {"enum": ["interest", "principal", "interest_then_principal", "principal_then_interest"]}
_pot = {"enum": ["interest", "principal"]}
_months = {"type": "integer", "minimum": 1, "maximum": 12}
_period = {"type": "integer", "minimum": 1}


def _step(name: str, props: dict[str, Any], *, required: tuple[str, ...] = ()) -> dict[str, Any]:
    body: dict[str, Any] = {"type": "object", "additionalProperties": False, "properties": props}
    if required:
        body["required"] = list(required)
    return {"type": "object", "additionalProperties": False, "required": [name], "properties": {name: body}}


EXTRA_STEP_SCHEMAS: dict[str, dict[str, Any]] = {
    "draw_liquidity_reserve": _step("draw_liquidity_reserve", {"to": _pot, "tranches": _names}),
    "fund_liquidity_reserve": _step("fund_liquidity_reserve", {"source": _source, "months": _months, "tranches": _names}),
    "release_reserve": _step(
        "release_reserve", {"to": _pot, "liquidity": {"type": "boolean"}, "months": _months, "tranches": _names}
    ),
    "pay_period_return": _step(
        "pay_period_return",
        {"tranche": {"type": "string"}, "rate": _rate, "turbo": _names, "source": _source},
        required=("tranche", "rate"),
    ),
    "shortfall_support": _step(
        "shortfall_support",
        {"tranches": _names, "limit": _money, "principal_from": _period, "provider_default_period": _period},
        required=("tranches",),
    ),
    "default_cover": _step(
        "default_cover",
        {
            "share": _rate_incl,
            "price": {"type": "number", "minimum": 0, "maximum": 2},
            "limit": _money,
            "provider": {"enum": ["guarantor", "originator"]},
        },
    ),
}

EXTRA_METRICS: list[str] = ["serious_delinquency", "servicer_event"]

TRIGGER_PROPERTIES: dict[str, Any] = {
    "buckets": {
        "type": "array",
        "items": {"type": "integer", "minimum": 1, "maximum": 6},
        "minItems": 2,
        "maxItems": 2,
    },
    "average_periods": {"type": "integer", "minimum": 1, "maximum": 12},
    "event_period": _period,
    "commingling_loss": _rate_incl,
}

DESCRIPTIONS: dict[str, str] = {
    "triggers[].buckets": "`serious_delinquency` only: first and last delinquency bucket counted, e.g. `[2, 3]` = M2–M3, 31–90 days past due (the default).",
    "triggers[].event_period": "`servicer_event` only: the period in which the servicer or originator event (servicer termination, downgrade, insolvency → 权利完善事件) happens, a stress; absent = never.",
    "triggers[].commingling_loss": "`servicer_event` only: share of the event period's collections lost with the servicer (commingling). Default 0.",
    "triggers[].average_periods": "`serious_delinquency` only: the value is the mean of the last `n` periods' ratios (fewer at the start), e.g. 3. Default 1.",
}

STEP_DESCRIPTIONS: dict[str, str] = {
    "draw_liquidity_reserve": "Liquidity reserve (流动性储备) draw for a shortfall only: `draw = min(reserve, max(0, taxes and senior fees due + senior interest due − cash))`. Place it before the tax, fee and senior-interest steps.",
    "draw_liquidity_reserve.to": "Pot that receives the draw. Default `interest`.",
    "fund_liquidity_reserve": "Top the reserve up to the next payment date's taxes, senior fees and senior interest (the senior balances when the step runs; taxes at this period's interest collections; 0 in the last period): `deposit = min(max(target − reserve, 0), cash)`.",
    "draw_liquidity_reserve.tranches": "Classes whose interest counts as senior (default: those of class `senior`; name 优先B too where the reserve covers it).",
    "fund_liquidity_reserve.tranches": "Classes whose next interest counts in the target (default: those of class `senior`).",
    "release_reserve.tranches": "Classes whose next interest counts in the liquidity target (default: those of class `senior`).",
    "fund_liquidity_reserve.source": "Pots the cash comes from. Default `interest`.",
    "fund_liquidity_reserve.months": "Months to the next payment date (3 while paying quarterly). Default 1.",
    "release_reserve": "Release the reserve above its target into a pot: `release = max(reserve − target, 0)`; the liquidity target falls to the fees alone once the seniors are repaid, and to 0 in the last period.",
    "release_reserve.to": "Pot that receives the release. Default `interest`.",
    "release_reserve.liquidity": "Use the liquidity target (as `fund_liquidity_reserve`); `false`: the reserve account's own target. Default true.",
    "release_reserve.months": "Months to the next payment date for the liquidity target. Default 1.",
    "pay_period_return": "The subordinated class's period return (期间收益), capped: `paid = min(rate × balance × months since the last payment date / 12, cash)`, paid as residual. The rest stays in the account (retained) unless `turbo` names classes to repay with it.",
    "pay_period_return.tranche": "Class that gets the period return (usually the subordinated class).",
    "pay_period_return.rate": "Annual cap rate, a decimal (0.08 = 8 % a year).",
    "pay_period_return.turbo": "Classes, most senior first, whose principal the cash left pays sequentially (turbo).",
    "pay_period_return.source": "Pots the cash comes from. Default `interest`.",
    "shortfall_support": "The originator's shortfall undertaking (差额支付承诺): pays in `min(max(0, need − cash), limit − paid before)`, where need = taxes and senior fees due + interest due to the classes named and, from `principal_from` (default: the last period) and in a period whose clean-up call ends the deal, their whole balance. Place it first.",
    "shortfall_support.tranches": "Classes whose interest (and principal at maturity) is supported.",
    "shortfall_support.limit": "Most the provider pays over the deal's life. Default unlimited.",
    "shortfall_support.principal_from": "First period in which the classes' balance is supported (the expected maturity). Default the last period.",
    "shortfall_support.provider_default_period": "Stress: the provider itself defaults in this period and pays nothing from then on.",
    "default_cover": "Cash for defaulted receivables into the principal pot: `paid = min(price × share × Σ defaults to date − paid before, limit − paid before)`; the PDL is credited by it. A guarantee / credit insurance, or the originator's buy-back (赎回).",
    "default_cover.share": "Share of defaults covered (1 = all). Default 1.",
    "default_cover.price": "Price as a fraction of par (buy-back at par = 1). Default 1.",
    "default_cover.limit": "Most paid over the deal's life. Default unlimited.",
    "default_cover.provider": "`guarantor` (guarantee, credit insurance) or `originator` (buy-back). Default `guarantor`.",
}

_share_map = {"type": "object", "additionalProperties": _rate_incl}
EXTRA_PROPERTIES: dict[str, Any] = {
    "eligibility": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "max_days_past_due": {"type": "integer", "minimum": 0, "maximum": 180},
            "min_balance": _money,
            "max_balance": _money,
            "products": {"type": "array", "items": {"enum": ["flat_fee", "level_payment", "equal_principal", "bullet"]}, "minItems": 1},
            "min_rate": _rate,
            "max_rate": _rate,
            "term_within_maturity": {"type": "boolean"},
            "expected_maturity_period": _period,
            "on_cutoff": {"enum": ["filter", "refuse"]},
            "concentration_by_term": {"type": "object", "propertyNames": {"pattern": "^[0-9]+$"}, "additionalProperties": _rate_incl},
            "concentration_by_product": _share_map,
            "mix_drift_to": {"type": "array", "items": _rate_incl, "minItems": 1},
            "supply": {"type": "array", "items": _money, "minItems": 1},
        },
    }
}

DESCRIPTIONS.update(
    {
        "eligibility": "Eligibility criteria (合格标准) tested on the cut-off pool and on every revolving purchase; concentration limits and the purchase-mix drift stress.",
        "eligibility.max_days_past_due": "Most days past due at selection: 0 = current only (M0). Default 0.",
        "eligibility.min_balance": "Smallest balance of a receivable (cut-off) or average balance of a replenishment line.",
        "eligibility.max_balance": "Largest balance, as `min_balance`.",
        "eligibility.products": "Products allowed, e.g. `[flat_fee]`.",
        "eligibility.min_rate": "Lowest fee/interest rate per period allowed (e.g. excludes 0 % promotional plans): the fee per period of `flat_fee` / `bullet`, the annual rate ÷ 12 of `level_payment` / `equal_principal`.",
        "eligibility.max_rate": "Highest fee/interest rate per period allowed, per period as `min_rate` (a 15 % annual rate is 1.25 % a period).",
        "eligibility.term_within_maturity": "Remaining term ≤ months left to the expected maturity, at the cut-off and at each purchase (a limit that shrinks: 24-period receivables stop being bought 24 periods before it). Default true.",
        "eligibility.expected_maturity_period": "Expected maturity as a period number. Default `dates.periods`.",
        "eligibility.on_cutoff": "Ineligible receivables on the cut-off tape: `filter` (removed; counts and balance per rule in `deal.eligibility.removed_frame()`) or `refuse` (an error listing them). Default `filter`.",
        "eligibility.concentration_by_term": "Most a term (months) may take of each purchase, e.g. `{24: 0.25}`; the excess goes pro rata to the other eligible lines, and a period whose caps cannot hold buys nothing.",
        "eligibility.concentration_by_product": "Most a product may take of each purchase, as `concentration_by_term`.",
        "eligibility.supply": "Stress: par amount of eligible receivables on offer in each revolving period (the last value repeats); principal it cannot buy stays uninvested (negative carry; `unable_to_revolve` counts it).",
        "eligibility.mix_drift_to": "Stress: the purchase mix drifts linearly from the replenishment shares to these (one per replenishment line, adding up to 1) by the end of revolving, e.g. towards longer terms or 0 % plans.",
    }
)

#: Default ``source`` of the issue-12 steps that draw cash (for the deal checker's reachability test).
EXTRA_DEFAULT_SOURCE: dict[str, str] = {"fund_liquidity_reserve": "interest", "pay_period_return": "interest"}
#: Issue-12 steps that add cash to the collection account (like ``draw_reserve``).
CASH_IN_STEPS: tuple[str, ...] = ("draw_liquidity_reserve", "release_reserve", "shortfall_support", "default_cover")
