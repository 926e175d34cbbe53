"""``--assumptions FILE``: a file of assumption overrides merged over the deal's own assumptions.

The file names the keys it changes (the keys of :meth:`Assumptions.make`, at the top level or
under a nested ``assumptions:`` mapping, as in a deal file); every other key keeps the deal's
value. Keys that state the same thing in different ways replace each other as a group: naming
any prepayment key (``cpr``, ``smm``, ``psa``, ``abs_speed``, ``cpr_by_term``) drops the deal's
prepayment keys, naming any default key (``cdr``, ``mdr``, ``sda``, ``cumulative_default`` with
its ``default_timing`` / ``timing_unit``, ``roll_rates``) drops the deal's default keys. A change
of default convention (roll-rate ↔ SIFMA) is stated in the notes the CLI prints, never silent. A
``convention`` the deal names is kept unless the override's default keys contradict it (naming
``roll_rates`` drops a deal's ``absbox`` / ``sifma``; naming a rate drops a deal's ``roll_rate``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from abs_model.assumptions.assumptions import Assumptions
from abs_model.deal.loader import read_document
from abs_model.deal.model import Deal, assumptions_from_document
from abs_model.errors import DealError

PREPAYMENT_KEYS: tuple[str, ...] = ("cpr", "smm", "psa", "abs_speed", "cpr_by_term")
DEFAULT_KEYS: tuple[str, ...] = ("cdr", "mdr", "sda", "cumulative_default", "default_timing", "timing_unit", "roll_rates")
#: Keys that only mean something under the roll-rate convention (delinquency states): dropped from
#: the deal's keys when the override switches the defaults to a SIFMA-style rate.
ROLL_RATE_ONLY_KEYS: tuple[str, ...] = ("collections", "late_fees", "default_threshold_days")


@dataclass(frozen=True, slots=True)
class MergedAssumptions:
    """The merged assumptions and what the merge did, in words (for the CLI to print)."""

    assumptions: Assumptions
    notes: tuple[str, ...]


def read_mapping(path: str | Path, *, what: str) -> dict[str, Any]:
    """A YAML file's top-level mapping, read as a deal file is
    (:func:`abs_model.deal.loader.read_document`: no aliases, merge keys or duplicate keys,
    bounded nesting and size, impossible dates named); a DealError naming the file otherwise."""
    p = Path(path)
    doc = read_document(p, what=f"{what} file")
    if not isinstance(doc, Mapping):
        raise DealError(f"{p}: must be a mapping of assumption names to values; got {type(doc).__name__}")
    return {str(k): v for k, v in doc.items()}


def override_document(path: str | Path) -> dict[str, Any]:
    """The overrides in an assumptions file: its top-level mapping, or the mapping under its
    ``assumptions:`` key when that is the file's only key (a deal-file style block)."""
    doc = read_mapping(path, what="assumptions")
    if set(doc) == {"assumptions"}:
        inner = doc["assumptions"]
        if not isinstance(inner, Mapping):
            raise DealError(f"{path}: assumptions: must be a mapping of assumption names to values; got {type(inner).__name__}")
        return {str(k): v for k, v in inner.items()}
    return doc


def merge_documents(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``override``'s keys on top; a group of alternative keys named in
    ``override`` replaces the whole group in ``base`` (see module doc)."""
    out = dict(base)
    for group in (PREPAYMENT_KEYS, DEFAULT_KEYS):
        if any(k in override for k in group):
            for k in group:
                out.pop(k, None)
    if _leaves_roll_rates(override):
        for k in ROLL_RATE_ONLY_KEYS:
            out.pop(k, None)
    if "convention" not in override and ("roll_rates" in override or (_leaves_roll_rates(override) and out.get("convention") == "roll_rate")):
        out.pop("convention", None)  # the deal's named convention no longer fits the override's default keys
    out.update(override)
    return out


def _leaves_roll_rates(override: Mapping[str, Any]) -> bool:
    """The override names a default key other than ``roll_rates``: the roll-rate convention ends."""
    return any(k in override for k in DEFAULT_KEYS) and "roll_rates" not in override


def deal_assumptions_document(deal: Deal) -> dict[str, Any]:
    """The ``assumptions:`` block of the file the deal was loaded from ({} for none)."""
    src = Path(deal.source)
    if not src.is_file():
        return {}
    block = read_mapping(src, what="deal").get("assumptions") or {}
    return {str(k): v for k, v in block.items()} if isinstance(block, Mapping) else {}


def merged_assumptions(deal: Deal, path: str | Path) -> MergedAssumptions:
    """The deal's assumptions with the file's overrides merged in (see module doc)."""
    override = override_document(path)
    base = deal_assumptions_document(deal)
    merged = assumptions_from_document(merge_documents(base, override), source=str(path))
    own = deal.assumptions if deal.assumptions is not None else Assumptions.make()
    kept = sorted(k for k in merge_documents(base, override) if k not in override)
    notes = [f"assumptions: {path} overrides {', '.join(sorted(override)) or 'nothing'}; keeps the deal's {', '.join(kept) or 'nothing else'}"]
    if not base and deal.assumptions is not None:
        notes.append(f"assumptions: the deal's assumptions are not in a file ({deal.source}); {path} is used alone")
    if merged.convention != own.convention:
        why = ", ".join(k for k in DEFAULT_KEYS if k in override) or "its keys"
        notes.append(f"assumptions: the default convention changes from {own.convention} (deal) to {merged.convention} because {path} names {why}")
    dropped = sorted(k for k in ROLL_RATE_ONLY_KEYS if k in base and k not in override and _leaves_roll_rates(override))
    if dropped:
        notes.append(f"assumptions: the deal's {', '.join(dropped)} apply to the roll-rate convention only and are dropped")
    return MergedAssumptions(assumptions=merged, notes=tuple(notes))
