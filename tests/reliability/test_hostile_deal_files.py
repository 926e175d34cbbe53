"""Hostile deal and assumption files, round two (issue 17): each refused with a message naming
the file, the place (line or path), the rule and the value received; none ends in a traceback
or an "internal error", and none runs with a silently wrong value."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

import abs_model as am
from abs_model.cli import main
from abs_model.core.limits import MAX_POOL_BALANCE, MAX_SYNTHETIC_LOANS
from abs_model.deal.build import deal_from_document
from abs_model.deal.loader import MAX_DEPTH
from abs_model.errors import DealError

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
BASE: dict[str, Any] = yaml.safe_load((EXAMPLES / "baitiao_revolving.yaml").read_text(encoding="utf-8"))
BASE["pool"] = {"tape": str(EXAMPLES / "baitiao_tape.csv"), "scale_to": 1.2e9}


def deal_file(tmp_path: Path, edit: Callable[[dict[str, Any]], None] | None = None, name: str = "deal.yaml") -> Path:
    doc = copy.deepcopy(BASE)
    if edit is not None:
        edit(doc)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def refused(path: Path, **kw: Any) -> str:
    with pytest.raises(DealError) as exc:
        am.load_deal(path, **kw)
    msg = str(exc.value)
    assert msg.startswith(f"{path}: ")  # every message names the file first
    return msg


def cli_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """Run the CLI expecting exit 2 and one message without a traceback."""
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("abs-model: error: ")
    assert "Traceback" not in err and "internal error" not in err
    return err


# ------------------------------------------------------------------------ 2. duplicate keys
def test_a_duplicate_key_in_a_deal_file_is_refused_naming_both_lines(tmp_path: Path) -> None:
    """`currency: CNY` then `currency: USD` would run in USD; both lines are named instead."""
    text = deal_file(tmp_path).read_text(encoding="utf-8").splitlines()
    first = next(i for i, line in enumerate(text) if line.startswith("currency:"))
    text.insert(first + 1, "currency: USD")
    path = tmp_path / "dup.yaml"
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    msg = refused(path)
    assert f"line {first + 2}: duplicate key 'currency' (first given on line {first + 1})" in msg


def test_a_duplicate_key_in_an_assumptions_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text("cpr: 0.2\ncdr: 0.01\ncpr: 0.99\n", encoding="utf-8")
    with pytest.raises(DealError) as exc:
        am.load_assumptions(path)
    assert str(exc.value) == (
        f"{path}: line 3: duplicate key 'cpr' (first given on line 1); each key may appear once in a mapping "
        "(YAML would silently keep only the later value)"
    )


def test_a_duplicate_key_nested_in_a_tranche_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "deal.yaml"
    path.write_text("name: x\ntranches:\n  - name: A\n    coupon: 0.03\n    coupon: 0.3\n", encoding="utf-8")
    assert "line 5: duplicate key 'coupon' (first given on line 4)" in refused(path)


# ------------------------------------------------------------------ 3. tape paths and echoes
def test_a_tape_path_is_resolved_relative_to_the_deal_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sub = tmp_path / "deals"
    sub.mkdir()
    (sub / "tape.csv").write_bytes((EXAMPLES / "baitiao_tape.csv").read_bytes())
    deal_file(sub, lambda d: d.update(pool={"tape": "tape.csv"}))
    monkeypatch.chdir(tmp_path)  # the working folder holds no tape.csv
    deal = am.load_deal(Path("deals") / "deal.yaml")
    # the example's eligibility screen drops the tape's delinquent receivables: what was read is
    # the whole tape, what is kept is the tape less what the statement says was removed
    tape = am.read_tape(sub / "tape.csv")
    assert deal.pool.n == len(tape) - int((tape["days_past_due"] > 0).sum())
    assert Path(deal.input_files[-1]) == Path("deals") / "tape.csv"


def test_a_tape_path_to_a_file_that_is_not_a_tape_does_not_echo_its_content(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("db_password;hunter2\nroot,toor\n", encoding="utf-8")
    (tmp_path / "deals").mkdir()
    path = deal_file(tmp_path / "deals", lambda d: d.update(pool={"tape": "../secret.txt"}))
    with pytest.raises(am.TapeError) as exc:
        am.load_deal(path)
    msg = str(exc.value)
    assert "hunter2" not in msg and "db_password" not in msg and "toor" not in msg
    assert "none of the columns is a loan-tape column" in msg
    assert "the file's content is not shown" in msg


# ----------------------------------------------------------------- 4. nesting and --out ""
@pytest.mark.parametrize("style", ["flow", "block"])
def test_900_levels_of_nesting_are_refused_with_a_clear_message(tmp_path: Path, style: str) -> None:
    path = tmp_path / "deep.yaml"
    if style == "flow":
        path.write_text("name: " + "[" * 900 + "]" * 900 + "\n", encoding="utf-8")
    else:
        path.write_text("".join("  " * i + f"k{i}:\n" for i in range(900)) + "  " * 900 + "v: 1\n", encoding="utf-8")
    msg = refused(path)
    assert f"nested more than {MAX_DEPTH} levels deep" in msg
    assert "Recursion" not in msg


def test_an_empty_out_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exc:
        main(["run", str(deal_file(tmp_path)), "--out", ""])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "--out: must name a folder; got an empty path" in err
    assert [p.name for p in tmp_path.iterdir()] == ["deal.yaml"]  # nothing written into the working folder


def test_an_out_that_is_a_file_is_refused_before_the_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "out").write_text("not a folder", encoding="utf-8")
    err = cli_error(["run", str(deal_file(tmp_path)), "--out", str(tmp_path / "out")], capsys)
    assert f"--out: must be a folder; got '{tmp_path / 'out'}', which is a file" in err


# -------------------------------------------------------------------- 7. bounds and order
def test_scale_to_beyond_what_float64_holds_in_cents_is_refused(tmp_path: Path) -> None:
    path = deal_file(tmp_path, lambda d: d["pool"].update(scale_to=1e301))
    assert f"pool.scale_to: must be in [1, {MAX_POOL_BALANCE:g}]" in refused(path)
    assert "got 1e+301" in refused(path)


def test_a_revolving_period_as_long_as_the_deal_is_refused(tmp_path: Path) -> None:
    def edit(d: dict[str, Any]) -> None:
        d["revolving"]["periods"] = d["dates"]["periods"]

    msg = refused(deal_file(tmp_path, edit))
    assert f"revolving.periods: must be shorter than the deal (dates.periods = {BASE['dates']['periods']})" in msg


def test_a_legal_final_before_the_cutoff_is_refused(tmp_path: Path) -> None:
    path = deal_file(tmp_path, lambda d: d["dates"].update(legal_final="2020-01-31"))
    cutoff = BASE["dates"]["cutoff"]
    assert f"dates.legal_final: must be after the cut-off date {cutoff}; got 2020-01-31" in refused(path)


@pytest.mark.parametrize("name", ["period", "Period", "DATE"])
def test_a_tranche_named_like_an_output_column_is_refused(tmp_path: Path, name: str) -> None:
    def edit(d: dict[str, Any]) -> None:
        old = d["tranches"][0]["name"]
        d["tranches"][0]["name"] = name
        for steps in d["waterfalls"].values():
            for step in steps:
                ((kind, body),) = step.items()
                if kind in ("pay_interest", "pay_principal"):
                    names = body if isinstance(body, list) else body["tranches"]
                    names[:] = [name if n == old else n for n in names]

    assert f"tranches[0].name: {name!r} is reserved for an output column" in refused(deal_file(tmp_path, edit))


def test_tranche_names_that_differ_only_in_case_are_refused(tmp_path: Path) -> None:
    """Excel table headers are case-insensitive: 'Senior A' and 'senior a' would collide."""

    def edit(d: dict[str, Any]) -> None:
        d["tranches"][1]["name"] = d["tranches"][0]["name"].lower()

    assert "tranches[1].name: must differ from tranches[0].name by more than case" in refused(deal_file(tmp_path, edit))


# ------------------------------------------------------------ 10. control characters in names
@pytest.mark.parametrize(
    ("where", "edit"),
    [
        ("name", lambda d: d.update(name="Deal\x1b[31m red")),
        ("currency", lambda d: d.update(currency="CN\x01Y")),
        ("fees[0].name", lambda d: d["fees"][0].update(name="fee\x07")),
        ("triggers[0].name", lambda d: d["triggers"][0].update(name="trig\u202egger")),
    ],
    ids=["deal-name-esc", "currency-soh", "fee-bell", "trigger-bidi"],
)
def test_control_characters_in_names_are_refused_naming_the_field(tmp_path: Path, where: str, edit: Any) -> None:
    msg = refused(deal_file(tmp_path, edit))
    assert f"{where}: must not contain control or invisible characters" in msg


def test_a_deal_with_a_control_character_fails_validate_not_the_workbook(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = deal_file(tmp_path, lambda d: d.update(name="Deal\x01"))
    err = cli_error(["validate", str(path)], capsys)
    assert "name: must not contain control or invisible characters; got '\\x01' (U+0001) at position 5" in err


# ---------------------------------------------------------------------- 11. resource bounds
def test_a_synthetic_pool_too_big_for_memory_is_refused(tmp_path: Path) -> None:
    path = deal_file(tmp_path, lambda d: d.update(pool={"synthetic": {"n": 100_000_000_000, "seed": 1}}))
    assert f"pool.synthetic.n: must be in [1, {MAX_SYNTHETIC_LOANS:g}] (receivables one machine holds in memory)" in refused(path)


@pytest.mark.parametrize(("key", "value"), [("recovery_lag", 1_000_000_000), ("horizon", 100_000_000)])
def test_huge_assumption_sizes_are_refused(tmp_path: Path, key: str, value: int) -> None:
    path = tmp_path / "a.yaml"
    path.write_text(f"{key}: {value}\n", encoding="utf-8")
    with pytest.raises(DealError) as exc:
        am.load_assumptions(path)
    assert f"{path}: {key}: must be in [" in str(exc.value)
    assert f"got {value}" in str(exc.value)
    deal = deal_file(tmp_path, lambda d: d["assumptions"].update({key: value}))
    assert f"assumptions.{key}: must be in [" in refused(deal)


# ------------------------------------------------------------------------------ 12. messages
def test_an_impossible_date_names_the_file_line_and_key(tmp_path: Path) -> None:
    path = deal_file(tmp_path)
    text = path.read_text(encoding="utf-8").replace(f"cutoff: '{BASE['dates']['cutoff']}'", "cutoff: 2026-02-30")
    text = text.replace(f"cutoff: {BASE['dates']['cutoff']}", "cutoff: 2026-02-30")
    path.write_text(text, encoding="utf-8")
    line = next(i + 1 for i, t in enumerate(text.splitlines()) if "2026-02-30" in t)
    msg = refused(path)
    assert f"line {line}: cutoff: not a valid date (day is out of range for month); got '2026-02-30'" in msg


def test_an_impossible_quoted_date_names_the_key(tmp_path: Path) -> None:
    path = deal_file(tmp_path, lambda d: d["dates"].update(closing="2026-13-01"))
    assert "dates.closing: must be a date that exists (YYYY-MM-DD); got '2026-13-01'" in refused(path)


def test_a_negative_seed_says_what_seeds_are(tmp_path: Path) -> None:
    path = deal_file(tmp_path, lambda d: d.update(pool={"synthetic": {"n": 100, "seed": -1}}))
    assert "pool.synthetic.seed: must be in [0, 4.29497e+09] (random seeds are whole numbers from 0 to 2**32 − 1); got -1" in refused(path)


def test_scale_to_written_1e9_says_yaml_reads_it_as_text(tmp_path: Path) -> None:
    path = deal_file(tmp_path)
    text = path.read_text(encoding="utf-8")
    text = "\n".join("  scale_to: 1e9" if t.strip().startswith("scale_to:") else t for t in text.splitlines()) + "\n"
    path.write_text(text, encoding="utf-8")
    msg = refused(path)
    assert "pool.scale_to: must be of type number; got '1e9' — YAML reads '1e9' as text (no decimal point); write 1.0e+09" in msg


# ------------------------------------------------------------------- 6. the same cut-off checks
def test_a_tape_given_on_the_command_line_gets_the_deals_cutoff_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tape = pd.read_csv(EXAMPLES / "baitiao_tape.csv", dtype=str)
    tape.loc[3, "origination_date"] = "2031-01-01"
    tape.to_csv(tmp_path / "late.csv", index=False)
    err = cli_error(["validate", str(deal_file(tmp_path)), "--tape", str(tmp_path / "late.csv")], capsys)
    assert f"row 4, column 'origination_date': must not be after the cut-off date {BASE['dates']['cutoff']}" in err


def test_a_pool_given_in_python_gets_the_deals_cutoff_check(tmp_path: Path) -> None:
    late = am.Pool.from_arrays(
        loan_id=["X1"],
        original_principal=[1000.0],
        current_principal=[1000.0],
        original_term=[12],
        remaining_term=[12],
        product=[0],
        rate=[0.006],
        bucket=np.zeros(1, dtype=np.int8),
        origination_date=np.array(["2031-01-01"], dtype="datetime64[D]"),
    )
    msg = refused(deal_file(tmp_path), pool=late)
    assert "pool: 1 receivable(s) originated after the cut-off date" in msg and "'X1'" in msg


# ---------------------------------------------------------------- issue 14: one build path
def test_deal_from_document_accepts_a_plain_safe_load_document() -> None:
    doc = yaml.safe_load((EXAMPLES / "baitiao_revolving.yaml").read_text(encoding="utf-8"))
    doc["pool"] = {"tape": "baitiao_tape.csv"}
    assert not isinstance(doc["dates"]["cutoff"], str)  # YAML gave a datetime.date
    deal = deal_from_document(doc, base_dir=EXAMPLES)
    assert str(deal.cutoff_date) == doc["dates"]["cutoff"].isoformat()


def test_synthetic_n_written_1e11_gets_both_the_yaml_hint_and_the_bound(tmp_path: Path) -> None:
    path = deal_file(tmp_path, lambda d: d.update(pool={"synthetic": {"n": "1e11", "seed": 1}}))
    text = path.read_text(encoding="utf-8").replace("'1e11'", "1e11")  # as a person would type it
    path.write_text(text, encoding="utf-8")
    msg = refused(path)
    assert "pool.synthetic.n: must be of type integer; got '1e11' — YAML reads '1e11' as text; write the whole number in full (100000000000)" in msg
    assert f"pool.synthetic.n: must be in [1, {MAX_SYNTHETIC_LOANS:g}]" in msg


def test_a_deal_built_in_python_is_held_to_the_same_name_rules(tmp_path: Path) -> None:
    """A control character in a name given in Python is refused when the Deal is built, not by
    the workbook writer after the whole model has run."""
    import dataclasses

    deal = am.load_deal(deal_file(tmp_path))
    with pytest.raises(DealError, match=r"name: must not contain control or invisible characters; got '\\x1b'"):
        dataclasses.replace(deal, name="Deal\x1b[2J")
    with pytest.raises(DealError, match=r"currency: must not be blank"):
        dataclasses.replace(deal, currency=" ")
