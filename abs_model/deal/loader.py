"""Deal and assumption files: YAML text → a plain document → :class:`~abs_model.deal.model.Deal`.

YAML is read with the safe loader only (no object construction). The loader also refuses what
the safe loader lets through silently: aliases (an anchor bomb cannot expand), merge keys
(``<<``: a merged key loses to one written beside it), duplicate keys
(``cpr: 0.2`` then ``cpr: 0.99`` would run at 0.99; both lines are named), nesting deeper than
:data:`MAX_DEPTH` (it would end in a RecursionError) and impossible dates (``2026-02-30``, named
with its line and key). :func:`load_deal` and :func:`load_assumptions` share this reading code.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from abs_model.assumptions.assumptions import Assumptions
from abs_model.collateral.pool import Pool
from abs_model.deal.build import assumptions_from_document, deal_from_document
from abs_model.deal.model import Deal
from abs_model.errors import DealError

__all__ = ["MAX_DEPTH", "MAX_FILE_BYTES", "load_assumptions", "load_deal", "read_document"]

#: Deepest nesting of mappings/lists accepted (a real deal file nests about 6 levels).
MAX_DEPTH = 64
#: Largest deal or assumptions file read (a real one is a few kilobytes).
MAX_FILE_BYTES = 16 << 20


class _StrictLoader(yaml.SafeLoader):
    """Safe loader that refuses aliases, duplicate keys, deep nesting and impossible dates."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._key_of: dict[int, Any] = {}

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise DealError(
                f"line {event.start_mark.line + 1}: YAML aliases (*{event.anchor}) are not allowed in deal files; got an alias"
            )
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise DealError(
                    f"line {mark.line + 1}: nested more than {MAX_DEPTH} levels deep; a deal file needs fewer than 10 "
                    "(check for runaway brackets)"
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag == "tag:yaml.org,2002:merge":
                raise DealError(
                    f"line {key_node.start_mark.line + 1}: YAML merge keys (<<) are not allowed in deal files: a merged key "
                    "loses to one written beside it, so the file reads two ways; write the keys out"
                )
            if not isinstance(key_node, yaml.ScalarNode):
                continue
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            self._key_of[id(value_node)] = key
            if key in seen:
                raise DealError(
                    f"line {line}: duplicate key {key!r} (first given on line {seen[key]}); each key may appear once "
                    "in a mapping (YAML would silently keep only the later value)"
                )
            seen[key] = line
        return dict(super().construct_mapping(node, deep=deep))

    def construct_yaml_timestamp(self, node: Any) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError as exc:
            key = self._key_of.get(id(node))
            where = f"{key}: " if key is not None else ""
            raise DealError(f"line {node.start_mark.line + 1}: {where}not a valid date ({exc}); got {node.value!r}") from None


_StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", _StrictLoader.construct_yaml_timestamp)


def _tag_message(exc: yaml.constructor.ConstructorError) -> str:
    """A YAML tag the safe loader will not construct (``!!python/object:...``): say so plainly."""
    mark = exc.problem_mark
    where = f"line {mark.line + 1}: " if mark is not None else ""
    if "unhashable key" in str(exc.problem):
        return f"not valid YAML: {where}a key must be plain text (a list or mapping cannot be a key)"
    if "could not determine a constructor" not in str(exc.problem):
        return f"not valid YAML: {where}{exc.problem}"
    m = re.search(r"tag '([^']*)'", str(exc.problem))
    tag = m.group(1).replace("tag:yaml.org,2002:", "!!") if m else str(exc.problem)
    return (
        f"not valid YAML: {where}tags that construct objects are not allowed in deal files (they are read as "
        f"plain data with the safe loader only); got the tag {tag!r}"
    )


def _a(what: str) -> str:
    """``what`` with its indefinite article ("a deal file", "an assumptions file")."""
    return f"{'an' if what[:1] in 'aeiou' else 'a'} {what}"


def read_document(path: str | Path, *, what: str = "deal file") -> Any:
    """The parsed YAML document of ``path`` (safe, strict: see the module doc); every failure is a
    :class:`DealError` that names the file (and the line, where YAML knows it)."""
    p = Path(path)
    try:
        size = p.stat().st_size
        if p.is_dir():
            raise DealError(f"{p}: is a folder, not {_a(what)}")
        if size > MAX_FILE_BYTES:
            raise DealError(f"{p}: {_a(what)} must be at most {MAX_FILE_BYTES:,} bytes; got {size:,} bytes")
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DealError(f"{p}: no such {what}") from None
    except UnicodeDecodeError as exc:
        raise DealError(f"{p}: must be UTF-8 text; {exc.reason} at byte {exc.start}") from None
    except PermissionError:
        raise DealError(f"{p}: cannot read the {what} (permission denied)") from None
    try:
        doc = yaml.load(text, Loader=_StrictLoader)
    except DealError as exc:
        raise DealError(f"{p}: {exc}") from None
    except yaml.constructor.ConstructorError as exc:
        raise DealError(f"{p}: {_tag_message(exc)}") from None
    except yaml.YAMLError as exc:
        raise DealError(f"{p}: not valid YAML: {exc}") from None
    except RecursionError:  # a parser path not covered by MAX_DEPTH
        raise DealError(f"{p}: nested too deeply to read; a deal file needs fewer than 10 levels") from None
    if doc is None:
        raise DealError(f"{p}: the {what} is empty; got no YAML content")
    return doc


def load_deal(
    path: str | Path,
    *,
    pool: Pool | None = None,
    tape: str | Path | None = None,
    tape_options: Mapping[str, Any] | None = None,
    scale_pool: bool = False,
) -> Deal:
    """Read, validate and build a deal from a YAML file (see module doc).

    ``pool`` overrides the pool named in the file (e.g. a tape read separately); ``tape`` replaces
    the file's tape by another one, read with the deal's cut-off checks and ``tape_options``
    (``encoding``, ``sheet``, ``decimal``, ``columns``). A tape named in the file is resolved
    relative to the deal file's folder. A pool or tape passed in keeps its own balance unless
    ``scale_pool`` scales it to the file's ``pool.scale_to`` (recorded in ``Deal.pool_scale``).
    """
    p = Path(path)
    doc = read_document(p, what="deal file")
    return deal_from_document(doc, base_dir=p.parent, source=str(p), pool=pool, tape=tape, tape_options=tape_options, scale_pool=scale_pool)


def load_assumptions(path: str | Path) -> Assumptions:
    """Read an assumptions YAML file (same keys as :meth:`Assumptions.make`)."""
    p = Path(path)
    doc = read_document(p, what="assumptions file")
    if not isinstance(doc, Mapping):
        raise DealError(f"{p}: must be a mapping of assumption names to values; got {type(doc).__name__}")
    return assumptions_from_document(doc, source=str(p))
