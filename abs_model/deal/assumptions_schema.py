"""The JSON-Schema fragment of the ``assumptions:`` block of a deal file (and of an assumptions
file): the main rate keys, ``late_fees``, ``collections`` (stages, restructuring plans,
charge-off path), ``buy_back``; and of a strategies file (a list of collection strategies).

Merged into :data:`abs_model.deal.schema.SCHEMA` by one line; an assumptions file is checked
against it by :func:`assumptions_problems`, every problem named by its path, the rule and the
value received. The keys are exactly the keyword options of :meth:`abs_model.Assumptions.make`
(a test holds them equal). Bucket keys (``take_up: {2: 0.1}``) are YAML integers; sizes
(``horizon``, ``recovery_lag``) are bounded by the deal checks, which also name the path.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jsonschema import Draft202012Validator

from abs_model.assumptions.conventions import CONVENTION_NAMES, ROUNDINGS
from abs_model.core.limits import MAX_POOL_BALANCE

__all__ = ["ASSUMPTIONS_SCHEMA", "STRATEGIES_SCHEMA", "STRATEGY_SCHEMA", "assumptions_problems"]

_rate = {"type": "number", "minimum": 0, "maximum": 1}
_money = {"type": "number", "minimum": 0, "maximum": MAX_POOL_BALANCE}  # above it: a unit error, and float64 loses the cents
_multiple = {"type": "number", "minimum": 0}
# one schema for "a number or a list" (no oneOf: every error keeps its own path; minimum and
# maximum apply to numbers only, items and minItems to lists only)
_curve = {"type": ["number", "array"], "minimum": 0, "maximum": 1, "items": _rate, "minItems": 1}
_bucket_shares = {"type": "object", "propertyNames": {"pattern": "^[1-6]$"}, "additionalProperties": _rate}
_day_rate = {"type": "number", "minimum": 0, "maximum": 0.01}
# the rows of a roll-rate matrix (lists of rates), or the matrices of a stack by months on book
# (lists of such rows): ``[1, 'a']`` is no matrix and was a bare "could not convert string to float"
_matrix_rows = {"type": "array", "minItems": 1, "items": {"type": ["number", "array"], "items": _rate}}
_products = ["flat_fee", "level_payment", "equal_principal", "bullet"]
_PLAN_TYPES = ["spread_arrears", "re_age", "freeze"]


def _object(props: dict[str, Any], *, required: tuple[str, ...] = ()) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object", "additionalProperties": False, "properties": props}
    if required:
        out["required"] = list(required)
    return out


STAGE_SCHEMA = _object(
    {
        "name": {"type": "string", "minLength": 1},
        "buckets": {"type": "array", "items": {"type": "integer", "minimum": 1, "maximum": 6}, "minItems": 1},
        "from_day": {"type": "integer", "minimum": 1, "maximum": 180},
        "to_day": {"type": "integer", "minimum": 1, "maximum": 180},
        "cure_to_current": _rate,
        "cure_uplift": {"type": "number", "minimum": 0, "maximum": 100},
        "cost_per_account": _money,
        "cost_rate": _rate,
        "contingency_fee": _rate,
    },
    required=("name",),
)
PLAN_SCHEMA = _object(
    {
        "plan": {"enum": _PLAN_TYPES},
        "take_up": _bucket_shares,
        "periods": {"type": "integer", "minimum": 1, "maximum": 60},
        "fee_rate": _rate,
        "down_payment": _rate,
        "redefault_rate": _rate,
        "prepay_rate": _rate,
        "late_fees": {"enum": ["capitalise", "waive"]},
        "delinquent": {"type": "boolean"},
        "counts_as_default": {"type": "boolean"},
        "eligible": {"type": "boolean"},
        "buy_back": {"type": "boolean"},
    },
    required=("take_up",),
)
CHARGE_OFF_SCHEMA = _object(
    {
        "sale_share": _rate,
        "sale_price": _rate,
        "legal_share": _rate,
        "legal_cost_per_case": _money,
        "legal_success_rate": _rate,
        "legal_recovery_rate": _rate,
        "legal_curve": {"type": "array", "items": _rate, "minItems": 1},
        "legal_min_balance": _money,
    }
)
STRATEGY_SCHEMA = _object(
    {
        "name": {"type": "string", "minLength": 1},
        "stages": {"type": "array", "items": STAGE_SCHEMA},
        "restructuring": {**PLAN_SCHEMA, "type": ["object", "array"], "items": PLAN_SCHEMA},  # one plan or a list
        "charge_off": CHARGE_OFF_SCHEMA,
        "cost_rank": {"enum": ["senior", "netted_from_recoveries"]},
    }
)
#: A strategies file (``abs-model compare-strategies --strategies FILE``): a list, or ``strategies:``.
STRATEGIES_SCHEMA: dict[str, Any] = {
    **_object({"strategies": {"type": "array", "items": STRATEGY_SCHEMA, "minItems": 1}}, required=("strategies",)),
    "type": ["array", "object"],
    "items": STRATEGY_SCHEMA,
    "minItems": 1,
}
LATE_FEES_SCHEMA = _object(
    {
        "daily_rate": _day_rate,
        "grace_days": {"type": "integer", "minimum": 0, "maximum": 31},
        "apr_cap": _rate,
        "waived_share": _rate,
        "to_trust": {"type": "boolean"},
        "product_rates": {"type": "object", "propertyNames": {"enum": _products}, "additionalProperties": _day_rate},
        "days_per_period": {"type": "integer", "minimum": 0, "maximum": 31},
    }
)
BUY_BACK_SCHEMA = _object({"ineligible_rate": _rate, "price": {"type": "number", "exclusiveMinimum": 0, "maximum": 2}})

ASSUMPTIONS_SCHEMA: dict[str, Any] = _object(
    {
        "cpr": _curve,
        "smm": _curve,
        "psa": _multiple,
        "abs_speed": {"type": "number", "minimum": 0, "exclusiveMaximum": 1},
        "cpr_by_term": {"type": "object", "additionalProperties": _curve},
        "cdr": _curve,
        "mdr": _curve,
        "sda": _multiple,
        "cumulative_default": _rate,
        "default_timing": {"type": "array", "items": _rate, "minItems": 1},
        "timing_unit": {"enum": ["year", "period"]},
        "roll_rates": {  # a matrix (or a stack of them), or {roll: [...], cure: [...]}
            **_object({"roll": {"type": "array", "items": _rate}, "cure": {"type": "array", "items": _rate}}, required=("roll",)),
            "type": ["array", "object"],
            "minItems": 1,
            "items": _matrix_rows,
        },
        "default_threshold_days": {"enum": [30, 60, 90, 120, 150, 180]},
        "recovery_rate": _rate,
        "recovery_lag": {"type": "integer", "minimum": 0},
        "recovery_timing": {"type": "array", "items": _rate, "minItems": 1},
        "servicing_fee": _rate,
        "unearned_fee": {"enum": ["waived", "one_period", "full"]},
        "prepay_multiplier": _multiple,
        "default_multiplier": _multiple,
        "segment_overrides": {
            "type": "array",
            "items": _object(
                {
                    "column": {"type": "string", "minLength": 1},
                    "value": {"type": ["string", "number", "integer", "boolean"]},
                    "cpr": _curve,
                    "cdr": _curve,
                    "roll_rates": {
                        **_object({"roll": {"type": "array", "items": _rate}, "cure": {"type": "array", "items": _rate}}, required=("roll",)),
                        "type": ["array", "object"],
                        "minItems": 1,
                        "items": _matrix_rows,
                    },
                    "recovery_rate": _rate,
                    "take_up": {"type": "object", "propertyNames": {"enum": _PLAN_TYPES}, "additionalProperties": _bucket_shares},
                },
                required=("column", "value"),
            ),
        },
        "horizon": {"type": "integer", "minimum": 1},
        "collections": STRATEGY_SCHEMA,
        "max_age": {"type": "integer", "minimum": 1},
        "late_fees": LATE_FEES_SCHEMA,
        "buy_back": BUY_BACK_SCHEMA,
        "convention": {"enum": list(CONVENTION_NAMES)},
        "rounding": {"enum": list(ROUNDINGS)},
        "advancing": {"type": "boolean"},
    }
)
_VALIDATOR = Draft202012Validator(ASSUMPTIONS_SCHEMA)


def assumptions_problems(doc: Mapping[str, Any]) -> list[str]:
    """Every way ``doc`` (an assumptions mapping) breaks :data:`ASSUMPTIONS_SCHEMA`, one line each:
    ``path: rule; got value`` (the deal checks' wording)."""
    from abs_model.deal.checks import _message, _path

    errors = sorted(_VALIDATOR.iter_errors(dict(doc)), key=lambda e: list(map(str, e.absolute_path)))
    return [f"{_path(list(e.absolute_path)) if e.absolute_path else 'assumptions'}: {_message(e)}" for e in errors]
