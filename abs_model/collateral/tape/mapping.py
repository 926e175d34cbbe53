"""Column mappings for tapes whose headers are the lender's own: ``FIELD=COLUMN`` pairs given on
the command line (``--columns balance=剩余本金,loan_id=合同编号``), in a YAML/JSON file
(``--columns mapping.yaml`` holding ``balance: 剩余本金``) or in the deal file (``pool.columns``).

A FIELD is a canonical tape column (:data:`~abs_model.collateral.tape.headers.COLUMNS`, or
``age``) or one of the short names in :data:`FIELD_ALIASES` (``balance`` is
``current_principal``). The result, a :class:`ColumnMap`, is what :func:`read_tape`'s
``columns=`` takes (tape header → canonical column) and remembers which option it came from, so
that a column the tape does not have is reported under that option's name.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from abs_model.collateral.tape.headers import _INPUT_ONLY, COLUMNS
from abs_model.errors import ColumnMappingError, must

__all__ = ["COLUMNS_HELP", "COLUMNS_SCHEMA", "FIELD_ALIASES", "ColumnMap", "column_mapping", "merge_column_maps"]

#: Short field names accepted besides the canonical ones.
FIELD_ALIASES: Mapping[str, str] = {
    "balance": "current_principal",
    "current_balance": "current_principal",
    "original_balance": "original_principal",
    "principal": "original_principal",
    "term": "original_term",
    "dpd": "days_past_due",
}
_FIELDS: tuple[str, ...] = (*COLUMNS, *_INPUT_ONLY)
#: JSON Schema of the deal file's ``pool.columns`` (FIELD: COLUMN).
COLUMNS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "minProperties": 1,
    "additionalProperties": {"type": "string", "minLength": 1},
}
#: ``--help`` text of the ``--columns`` option.
COLUMNS_HELP = (
    "the tape's own column names for the canonical fields: FIELD=COLUMN pairs separated by commas "
    "(e.g. balance=剩余本金,loan_id=合同编号) or a .yaml/.json file of FIELD: COLUMN; fields: "
    + ", ".join(_FIELDS)
    + " (balance = current_principal, term = original_term, dpd = days_past_due)"
)
_FILE_SUFFIXES = (".yaml", ".yml", ".json")


class ColumnMap(dict[str, str]):
    """Tape header → canonical column, plus ``given``: header → where and how the user wrote
    the pair (``"--columns: balance=剩余本金"``), for error messages."""

    given: dict[str, str]

    def __init__(self, pairs: Mapping[str, str] | None = None, *, given: Mapping[str, str] | None = None) -> None:
        super().__init__(pairs or {})
        self.given = {h: f"columns=: {h!r} → {f!r}" for h, f in self.items()} | dict(given or {})


def _field(name: str, *, option: str, pair: str) -> str:
    key = name.strip()
    canon = FIELD_ALIASES.get(key.lower(), key.lower() if key.lower() in _FIELDS else None)
    if canon is None:
        aliases = ", ".join(f"{a} ({c})" for a, c in FIELD_ALIASES.items())
        raise must(option, f"unknown field {key!r}; fields: {', '.join(_FIELDS)}; short names: {aliases}", pair, error=ColumnMappingError)
    return canon


def _pairs_from_text(text: str, option: str) -> list[tuple[str, str, str]]:
    out = []
    for part in text.split(","):
        if not part.strip():
            continue
        if "=" not in part:
            raise must(
                option,
                "expected FIELD=COLUMN pairs separated by commas (e.g. balance=剩余本金,loan_id=合同编号) or a .yaml/.json file",
                text,
                error=ColumnMappingError,
            )
        field, column = part.split("=", 1)
        out.append((field, column, part.strip()))
    return out


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object's pairs as a dict; a key given twice is a ValueError (``json`` keeps the last)."""
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise ValueError(f"duplicate key {k!r}; each field may appear once")
        out[k] = v
    return out


def _no_duplicate_keys(node: Any) -> None:
    """Refuse a key given twice in any mapping of a composed YAML document (the safe loader keeps
    the later one: ``balance: 剩余本金`` then ``balance: 放款金额`` read the balance from the amount lent)."""
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key, value in node.value:
            line = key.start_mark.line + 1
            if isinstance(key, yaml.ScalarNode):
                if key.value in seen:
                    raise ValueError(f"line {line}: duplicate key {key.value!r} (first given on line {seen[key.value]}); each field may appear once")
                seen[key.value] = line
            _no_duplicate_keys(value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _no_duplicate_keys(item)


def _pairs_from_file(path: Path, option: str) -> list[tuple[str, str, str]]:
    if not path.is_file():
        raise must(option, "mapping file not found", str(path), error=ColumnMappingError)
    text = path.read_text(encoding="utf-8-sig")
    try:
        if path.suffix.lower() == ".json":
            doc = json.loads(text, object_pairs_hook=_unique_pairs)
        else:
            _no_duplicate_keys(yaml.compose(text, Loader=yaml.SafeLoader))
            doc = yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise must(option, f"cannot read {path.name}: {exc}", str(path), error=ColumnMappingError) from None
    if isinstance(doc, Mapping) and isinstance(doc.get("columns"), Mapping):
        doc = doc["columns"]
    if not isinstance(doc, Mapping) or not doc:
        raise must(option, f"{path.name} must hold a mapping FIELD: COLUMN (optionally under 'columns:')", doc, error=ColumnMappingError)
    return [(str(k), str(v), f"{k}: {v}") for k, v in doc.items()]


def column_mapping(value: str | Path | Mapping[str, Any], *, option: str = "--columns", base_dir: Path | None = None) -> ColumnMap:
    """A :class:`ColumnMap` from ``FIELD=COLUMN,...`` text, a YAML/JSON file path or a mapping.

    ``value`` is a file when it ends in ``.yaml``/``.yml``/``.json`` (relative to ``base_dir``
    when given). Errors (:class:`~abs_model.errors.ColumnMappingError`) name ``option``, the
    unknown field or malformed pair, and the value received; a field given twice or two fields
    mapped to one column are refused. A header holding a comma needs the file form.
    """
    if isinstance(value, Mapping):
        pairs = [(str(k), "" if v is None else str(v), f"{k}: {v}") for k, v in value.items()]
    else:
        text = str(value).strip()
        if text.lower().endswith(_FILE_SUFFIXES):
            path = Path(text)
            pairs = _pairs_from_file(path if path.is_absolute() or base_dir is None else base_dir / path, option)
        else:
            pairs = _pairs_from_text(text, option)
    if not pairs:
        raise must(option, "no FIELD=COLUMN pair given", str(value), error=ColumnMappingError)
    out: dict[str, str] = {}
    given: dict[str, str] = {}
    fields: dict[str, str] = {}
    for field, column, pair in pairs:
        canon = _field(field, option=option, pair=pair)
        header = column.strip()
        if not header:
            raise must(option, f"field {field.strip()!r} has an empty column name", pair, error=ColumnMappingError)
        if canon in fields:
            raise must(option, f"field {canon!r} is given twice ({fields[canon]} and {pair})", pair, error=ColumnMappingError)
        if header in out:
            raise must(option, f"column {header!r} is mapped to two fields ({out[header]} and {canon})", pair, error=ColumnMappingError)
        fields[canon] = pair
        out[header] = canon
        given[header] = f"{option}: {pair}"
    return ColumnMap(out, given=given)


def merge_column_maps(base: Mapping[str, str] | None, override: Mapping[str, str] | None) -> Mapping[str, str] | None:
    """``base`` (e.g. the deal file's ``pool.columns``) with ``override``'s fields (``--columns``)
    taking precedence field by field; ``None`` when neither is given."""
    if not base:
        return override or None
    if not override:
        return base
    fields = set(override.values())
    kept = {h: f for h, f in base.items() if f not in fields and h not in override}
    given = {**getattr(base, "given", {}), **getattr(override, "given", {})}
    merged = {**kept, **override}
    return ColumnMap(merged, given={h: given.get(h, f"columns=: {h!r} → {f!r}") for h, f in merged.items()})
