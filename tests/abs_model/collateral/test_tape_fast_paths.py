"""The tape validation's fast paths give the answers of the exact checks they skip.

- ``_may_hold_control`` (a scan of the UTF-8 bytes) is False only when the regex of control and
  invisible characters matches no cell: checked on every character the rule names (every Unicode
  format character among them), on characters next to them in UTF-8 (``—``, ``…``, ``·``, ``¬``,
  ``\\uffbf``, Chinese text, emoji), one cell at a time and in one array.
- The duplicate-id check skips the row scan only when every id is distinct: a repeated id, and a
  repeated blank, are still named.
"""

from __future__ import annotations

import unicodedata
from typing import Any

import pandas as pd
import pytest

import abs_model as am
from abs_model.collateral.synthetic import synthetic_tape
from abs_model.collateral.tape.rules import _CONTROL_RE, _may_hold_control

pa = pytest.importorskip("pyarrow")

#: Control characters, line breaks U+2028/U+2029, noncharacters U+FFFE/U+FFFF and every invisible format
#: character (Unicode category Cf, from unicodedata: bidirectional controls, zero-width space, soft hyphen, tags …).
CONTROLS = [
    chr(c)
    for c in [*range(0x00, 0x20), *range(0x7F, 0xA0), 0x2028, 0x2029, 0xFFFE, 0xFFFF]
    + [c for c in range(0x110000) if unicodedata.category(chr(c)) == "Cf"]
]
NEAR = ["a", "—", "…", "·", "\u2027", "\u2030", "\u2070", "\u200a", "\u00ac", "\u00ae", "\u0606", "\uffbf", "\ufffd",
        "\u00a0", "东", "华北", "😀", "\U0001d11e", ""]


def _arr(cells: list[str]) -> Any:
    return pa.array(cells, type=pa.large_string())


@pytest.mark.parametrize("ch", CONTROLS, ids=[f"U+{ord(c):04X}" for c in CONTROLS])
def test_every_control_character_is_caught(ch: str) -> None:
    assert _CONTROL_RE.search(f"ab{ch}cd")
    assert _may_hold_control(_arr(["clean", f"ab{ch}cd", "东"]))


def test_clean_text_near_the_controls_passes_the_scan_exactly_when_the_regex_finds_nothing() -> None:
    cells = [a + b for a in NEAR for b in NEAR]
    assert not any(_CONTROL_RE.search(c) for c in cells)
    for c in cells:  # one cell at a time: never a false "clean"
        assert _may_hold_control(_arr([c])) or not _CONTROL_RE.search(c)
    assert _may_hold_control(_arr(["东", "华北", "app", "A", "😀"])) is False  # the usual tape: the regex is skipped


def test_a_repeated_id_and_a_repeated_blank_are_still_named() -> None:
    tape = synthetic_tape(50, seed=2)
    tape.loc[7, "loan_id"] = tape.loc[3, "loan_id"]
    tape.loc[[20, 30], "loan_id"] = " "
    with pytest.raises(am.TapeError) as exc:
        am.read_tape(tape)
    rows = {(p.row, p.rule.split(" (")[0]) for p in exc.value.problems if p.column == "loan_id"}
    assert (4, "duplicate loan_id") in rows and (8, "duplicate loan_id") in rows
    assert (21, "missing value") in rows and (31, "missing value") in rows
    assert not any(r in (21, 31) and rule == "duplicate loan_id" for r, rule in rows)


def test_all_distinct_ids_pass() -> None:
    assert len(am.read_tape(pd.DataFrame(synthetic_tape(200, seed=3)))) == 200
