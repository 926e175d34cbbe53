"""The JSON Schema of a deal file (published as ``abs_model/data/deal.schema.json`` so an editor
can autocomplete deal files; regenerate with ``python -m abs_model.deal.schema``).

Rates are decimals everywhere (``coupon: 0.051``, never ``5.1``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from abs_model.collateral.tape.mapping import COLUMNS_SCHEMA
from abs_model.core.limits import MAX_POOL_BALANCE
from abs_model.deal.assumptions_schema import ASSUMPTIONS_SCHEMA
from abs_model.deal.disclosure import PARTIES_SCHEMA, RATING_SCHEMA
from abs_model.deal.structure_schema import EXTRA_METRICS, EXTRA_PROPERTIES, EXTRA_STEP_SCHEMAS, TRIGGER_PROPERTIES

_rate = {"type": "number", "minimum": 0, "exclusiveMaximum": 1}
_rate_incl = {"type": "number", "minimum": 0, "maximum": 1}
_money = {"type": "number", "minimum": 0, "maximum": MAX_POOL_BALANCE}  # above it: a unit error, and float64 loses the cents
_schedule = {"oneOf": [_rate_incl, {"type": "array", "items": _rate_incl, "minItems": 1}]}
_names = {"type": "array", "items": {"type": "string"}, "minItems": 1}
_source = {"enum": ["interest", "principal", "interest_then_principal", "principal_then_interest"]}


def _step(
    name: str, props: dict[str, Any], *, shorthand: dict[str, Any] | None = None, required: tuple[str, ...] = ()
) -> dict[str, Any]:
    body: dict[str, Any] = {"type": "object", "additionalProperties": False, "properties": props}
    if required:
        body["required"] = list(required)
    inner: dict[str, Any] = {"oneOf": [body, shorthand]} if shorthand else body
    return {
        "type": "object",
        "additionalProperties": False,
        "required": [name],
        "properties": {name: inner},
    }


STEP_SCHEMAS: dict[str, dict[str, Any]] = {
    "pay_tax": _step("pay_tax", {"tax": {"type": "string"}, "source": _source}, shorthand={"type": "string"}),
    "pay_fee": _step(
        "pay_fee",
        {"fee": {"type": "string"}, "capped": {"type": "boolean"}, "source": _source},
        shorthand={"type": "string"},
    ),
    "pay_interest": _step(
        "pay_interest",
        {"tranches": _names, "mode": {"enum": ["sequential", "pro_rata"]}, "source": _source},
        shorthand=_names,
        required=("tranches",),
    ),
    "pay_principal": _step(
        "pay_principal",
        {
            "tranches": _names,
            "mode": {"enum": ["sequential", "pro_rata"]},
            "advance_rate": _rate_incl,
            "source": _source,
        },
        shorthand=_names,
        required=("tranches",),
    ),
    "draw_reserve": _step("draw_reserve", {"to": {"enum": ["interest", "principal"]}}),
    "fund_reserve": _step("fund_reserve", {"source": _source}),
    "cover_pdl": _step("cover_pdl", {"source": _source}),
    "buy_receivables": _step("buy_receivables", {"price": {"type": "number", "exclusiveMinimum": 0, "maximum": 2}, "source": _source}),
    "pay_residual": _step("pay_residual", {"source": _source}),
}
STEP_SCHEMAS.update(EXTRA_STEP_SCHEMAS)

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://abs-model.example/deal.schema.json",
    "title": "abs-model deal file",
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "dates", "pool", "tranches", "waterfalls"],
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "currency": {"type": "string"},
        "description": {"type": "string"},
        "parties": PARTIES_SCHEMA,
        "dates": {
            "type": "object",
            "additionalProperties": False,
            "required": ["cutoff", "periods"],
            "properties": {
                "cutoff": {"type": "string", "format": "date"},
                "closing": {"type": "string", "format": "date"},
                "first_payment": {"type": "string", "format": "date"},
                "legal_final": {"type": "string", "format": "date"},
                "periods": {"type": "integer", "minimum": 1, "maximum": 600},
            },
        },
        "pool": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "tape": {"type": "string"},
                "synthetic": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["n"],
                    "properties": {"n": {"type": "integer", "minimum": 1}, "seed": {"type": "integer"}},
                },
                "scale_to": {"type": "number", "exclusiveMinimum": 0},
                "columns": COLUMNS_SCHEMA,
            },
        },
        "assumptions": ASSUMPTIONS_SCHEMA,
        "advance_rate": _rate_incl,
        "tranches": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["name"],
                "properties": {
                    "name": {"type": "string", "minLength": 1},
                    "class": {"enum": ["senior", "mezzanine", "subordinated"]},
                    "balance": _money,
                    "share": _rate_incl,
                    "coupon": _schedule,
                    "day_count": {"enum": ["30/360", "ACT/365F"]},
                    "interest_on_shortfall": {"type": "boolean"},
                    "label_zh": {"type": "string"},
                    "rating": RATING_SCHEMA,
                },
            },
        },
        "fees": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["name"],
                "properties": {
                    "name": {"type": "string"},
                    "type": {"enum": ["fee", "tax"]},
                    "basis": {"enum": ["pool_balance", "note_balance", "fixed"]},
                    "rate": _rate,
                    "amount": _money,
                    "cap": _money,
                    "rank": {"enum": ["senior", "junior"]},
                    "day_count": {"enum": ["30/360", "ACT/365F"]},
                },
            },
        },
        "reserve": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "basis": {"enum": ["fixed", "note_balance", "pool_balance"]},
                "amount": _money,
                "rate": _rate_incl,
                "floor": _money,
                "initial": _money,
                "step_down": {"type": "boolean"},
            },
        },
        "triggers": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["name", "metric", "threshold", "effect"],
                "properties": {
                    "name": {"type": "string"},
                    "metric": {
                        "enum": [
                            "cumulative_default_rate",
                            "cumulative_net_loss_rate",
                            "delinquency_ratio",
                            "excess_spread",
                            "missed_senior_interest",
                            "unable_to_revolve",
                            *EXTRA_METRICS,
                        ]
                    },
                    "threshold": {"oneOf": [{"type": "number"}, {"type": "array", "items": {"type": "number"}, "minItems": 1}]},
                    "effect": {"enum": ["end_revolving", "accelerate", "default", "sequential"]},
                    "curable": {"type": "boolean"},
                    "breach_when": {"enum": ["above", "below", "at_least"]},
                    **TRIGGER_PROPERTIES,
                },
            },
        },
        "revolving": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "periods": {"type": "integer", "minimum": 0},
                "price": {"type": "number", "exclusiveMinimum": 0, "maximum": 2},
                "replenishment": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["product", "term", "share"],
                        "properties": {
                            "product": {"enum": ["flat_fee", "level_payment", "equal_principal", "bullet"]},
                            "term": {"type": "integer", "minimum": 1, "maximum": 360},
                            "rate": _rate,
                            "share": _rate_incl,
                            "average_balance": {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_POOL_BALANCE},
                        },
                    },
                },
                "eligibility": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "max_term": {"type": "integer", "minimum": 1},
                        "min_rate": _rate,
                        "max_balance": {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_POOL_BALANCE},
                        "products": {"type": "array", "items": {"type": "string"}},
                    },
                },
                "capacity": _money,
            },
        },
        "payment_every": {
            "type": "object",
            "additionalProperties": False,
            "properties": {p: {"type": "integer", "minimum": 1, "maximum": 12} for p in ("revolving", "amortising", "accelerated", "default", "cleanup")},
        },
        "collection_account": {"enum": ["separate", "combined"]},
        "writedown": {"enum": ["period", "legal_final"]},
        "reimburse_writedowns": {"type": "boolean"},
        "cleanup": {
            "type": "object",
            "additionalProperties": False,
            "required": ["threshold"],
            "properties": {"threshold": _rate_incl, "price": {"type": "number", "exclusiveMinimum": 0, "maximum": 2}, "redeems": {"enum": ["rated", "all", "any"]}},
        },
        "waterfalls": {
            "type": "object",
            "additionalProperties": False,
            "required": ["amortising"],
            "properties": {
                p: {"type": "array", "minItems": 1, "items": {"oneOf": list(STEP_SCHEMAS.values())}}
                for p in ("revolving", "amortising", "accelerated", "default", "cleanup")
            },
        },
    },
}
SCHEMA["properties"].update(EXTRA_PROPERTIES)


def write_schema(path: Path) -> None:
    path.write_text(json.dumps(SCHEMA, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":  # pragma: no cover
    write_schema(Path(__file__).resolve().parents[1] / "data" / "deal.schema.json")
