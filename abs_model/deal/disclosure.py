"""What a deal file states for its readers beyond the cash-flow model: the parties (交易参与机构),
each class's rating and the first payment date. The report prints them; the engine ignores them.

Schema fragments (merged into :data:`abs_model.deal.schema.SCHEMA` by one line each):
``parties`` maps a role to the party's name; ``tranches[i].rating`` is the class's rating as the
offering circular gives it (e.g. ``"AAA (CCXI)"``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tranches import FrozenMap

__all__ = ["PARTIES_SCHEMA", "RATING_SCHEMA", "ROLES", "Disclosure", "disclosure_from_document"]

#: Roles a deal file may name, in the order a trustee report lists them.
ROLES: tuple[str, ...] = (
    "originator",
    "servicer",
    "issuer",
    "trustee",
    "manager",
    "custodian",
    "lead_underwriter",
    "rating_agency",
    "registrar",
    "accountant",
    "legal_counsel",
)

PARTIES_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Deal parties by role (originator, servicer, trustee, ...): the name of each.",
    "additionalProperties": False,
    "properties": {r: {"type": "string", "minLength": 1} for r in ROLES},
}
RATING_SCHEMA: dict[str, Any] = {"type": "string", "minLength": 1, "description": "The class's rating, e.g. 'AAA (CCXI)'."}


@dataclass(frozen=True, slots=True)
class Disclosure:
    """Parties by role, ratings by class name, the first payment date (``None`` when not stated)."""

    parties: Mapping[str, str] = field(default_factory=FrozenMap)
    ratings: Mapping[str, str] = field(default_factory=FrozenMap)
    first_payment: np.datetime64 | None = None


def disclosure_from_document(doc: Mapping[str, Any]) -> Disclosure:
    """The disclosure part of a deal document already validated against the schema."""
    parties = doc.get("parties") or {}
    ordered = {r: str(parties[r]) for r in ROLES if r in parties}
    ratings = {str(t["name"]): str(t["rating"]) for t in doc.get("tranches") or [] if "rating" in t}
    first = (doc.get("dates") or {}).get("first_payment")
    return Disclosure(
        parties=FrozenMap(ordered),
        ratings=FrozenMap(ratings),
        first_payment=np.datetime64(str(first), "D") if first else None,
    )
