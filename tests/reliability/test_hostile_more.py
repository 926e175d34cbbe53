"""Beyond issue 17's list: more hostile deal files, tapes and command lines, each answered by one
message (exit 2, no traceback) that names the file, the place and what was wrong — found by
trying them, fixed where they crashed ("internal error") or misled."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

import abs_model as am
from abs_model.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
DEAL = str(EXAMPLES / "baitiao_revolving.yaml")
TAPE = str(EXAMPLES / "baitiao_tape.csv")
BASE: dict[str, Any] = yaml.safe_load((EXAMPLES / "baitiao_revolving.yaml").read_text(encoding="utf-8"))
BASE["pool"] = {"tape": TAPE}
HEADER = "loan_id,original_principal,current_principal,original_term,remaining_term,product,rate,bucket"
ROW = "A1,1200,1000,12,10,flat_fee,0.006,M0\n"


def deal_file(tmp_path: Path, edit: Callable[[dict[str, Any]], Any]) -> str:
    doc = copy.deepcopy(BASE)
    edit(doc)
    path = tmp_path / "deal.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return str(path)


def error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("abs-model: error: ")
    assert "Traceback" not in err and "internal error" not in err
    return err


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "the deal file is empty; got no YAML content"),
        ("? [a, b]\n: 1\n", "line 1: a key must be plain text (a list or mapping cannot be a key)"),
        ("name: x\n\tdates: 1\n", "not valid YAML"),
        ("- a\n- b\n", "the deal file must be a mapping at the top level; got list"),
    ],
    ids=["empty", "list-as-key", "tab", "top-level-list"],
)
def test_malformed_yaml(tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, expected: str) -> None:
    path = tmp_path / "deal.yaml"
    path.write_text(text, encoding="utf-8")
    assert expected in error(["validate", str(path)], capsys)


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda d: d["triggers"][0].update(threshold=float("nan")), "triggers[0]: "),
        (lambda d: d["assumptions"].update(foo=1), "assumptions: unknown key(s) ['foo']; allowed: ["),
        (lambda d: d["assumptions"].update(roll_rates={"roll": [0.1]}), "assumptions.roll_rates.roll: must have 7 values"),
        (lambda d: d["pool"].update(tape=""), "pool.tape: must name a tape file; got ''"),
        (lambda d: d["pool"].update(tape=str(EXAMPLES)), "is a folder, not a loan tape file"),
        (lambda d: d["pool"].update(tape="/dev/null"), "is not a regular file (a device or a pipe)"),
        (lambda d: d["pool"].update(scale_to=float("nan")), "pool.scale_to: must be in [1, 1e+15]"),
        (lambda d: d.update(name="x" * 1000), "name: must be at most 200 characters; got 1000 characters"),
        (lambda d: d.update(name="   "), "name: must not be blank; got '   '"),
        (lambda d: d.update(currency=""), "currency: must not be blank; got ''"),
        (lambda d: d["pool"].update(scale_to=1e-9), "pool.scale_to: must be in [1, 1e+15]"),
        (lambda d: d["dates"].update(cutoff="1500-01-31"), "dates.cutoff: must be between 1900-01-01 and 2200-12-31; got 1500-01-31"),
        (lambda d: d["waterfalls"]["amortising"].insert(0, {"pay_interest": []}), "waterfalls.amortising[0].pay_interest: must have at least 1 item(s); got []"),
    ],
    ids=[
        "trigger-nan",
        "unknown-assumption",
        "short-roll-rates",
        "empty-tape",
        "tape-folder",
        "tape-device",
        "scale-nan",
        "long-name",
        "blank-name",
        "empty-currency",
        "tiny-pool",
        "cutoff-1500",
        "empty-step",
    ],
)
def test_hostile_deal_values(tmp_path: Path, capsys: pytest.CaptureFixture[str], edit: Any, expected: str) -> None:
    path = deal_file(tmp_path, edit)
    err = error(["validate", path], capsys)
    assert f"abs-model: error: {path}: " in err or "loan tape" in err
    assert expected in err
    assert err.count(path) <= 1  # the file is named once, not once per wrapping layer


@pytest.mark.parametrize(
    ("data", "argv_extra", "expected"),
    [
        (HEADER + "\n" + ROW.replace("A1", "A" * 300_000), [], "must be at most 200 characters"),
        ((HEADER + "\n" + ROW).encode("utf-16-le"), [], "UTF-16-LE text without a byte-order mark; pass encoding='utf-16-le'"),
        (HEADER + "\n" + ROW, ["--encoding", "no-such-codec"], "unknown text encoding"),
        (HEADER + "\n" + '"A1,1200,1000,12,10,flat_fee,0.006,M0\n', [], "cannot be parsed as CSV"),
        (HEADER + "\n" + ROW.replace("1200", "1e400"), [], "must be finite; got inf"),
        (HEADER + ",origination_date\n" + ROW.strip() + ",0000-00-00\n", [], "must be a date (YYYY-MM-DD) between 1900-01-01"),
    ],
    ids=["300k-char-id", "utf16-no-bom", "unknown-encoding", "unbalanced-quote", "1e400", "date-zero"],
)
def test_hostile_tapes_on_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], data: str | bytes, argv_extra: list[str], expected: str
) -> None:
    path = tmp_path / "tape.csv"
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    err = error(["validate", DEAL, "--tape", str(path), *argv_extra], capsys)
    assert err.startswith(f"abs-model: error: {path}: ")
    assert expected in err


def test_validate_checks_the_assumptions_file_and_the_output_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "a.yaml"
    bad.write_text("cpr: 0.2\ncpr: 0.99\n", encoding="utf-8")
    assert "duplicate key 'cpr'" in error(["validate", DEAL, "--assumptions", str(bad)], capsys)
    (tmp_path / "file").write_text("x", encoding="utf-8")
    assert "is a file" in error(["validate", DEAL, "--out", str(tmp_path / "file" / "sub")], capsys)
    capsys.readouterr()
    assert main(["validate", DEAL]) == 0
    assert "passed" in capsys.readouterr().out


def test_a_deal_file_is_validated_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """load_deal reads the file and builds it through deal_from_document, which validates once."""
    import abs_model as am
    from abs_model.deal import build

    calls = []
    real = build.validate_document
    monkeypatch.setattr(build, "validate_document", lambda doc, **kw: calls.append(1) or real(doc, **kw))
    am.load_deal(DEAL)
    assert calls == [1]


def test_a_number_written_as_text_in_an_assumptions_file_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "a.yaml"
    path.write_text("horizon: 1e8\n", encoding="utf-8")
    err = error(["validate", DEAL, "--assumptions", str(path)], capsys)
    assert f"{path}: horizon: must be a number; got '1e8' — YAML reads '1e8' as text (no decimal point)" in err


def test_breakeven_outputs_are_one_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """When the second file cannot be moved in, the first is not left new beside an old second."""
    import os

    from abs_model.output import atomic

    out = tmp_path / "out"
    out.mkdir()
    for name in ("breakeven.csv", "breakeven_summary.csv"):
        (out / name).write_text("old", encoding="utf-8")
    real = os.replace

    def locked(src: Any, dst: Any) -> None:
        if Path(dst) == out / "breakeven_summary.csv" and Path(src).parent.parent == out:
            raise PermissionError(13, "Permission denied", str(dst))
        real(src, dst)

    monkeypatch.setattr(atomic.os, "replace", locked)
    small = deal_file(tmp_path, lambda d: None)  # the 2,000-loan tape: quick to solve
    assert "Permission denied" in error(["breakeven", small, "--upper", "4", "--out", str(out)], capsys)
    assert sorted(p.name for p in out.iterdir()) == ["breakeven.csv", "breakeven_summary.csv"]
    assert {p.read_text(encoding="utf-8") for p in out.iterdir()} == {"old"}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"recovery_lag": 1e9}, "recovery_lag: must be at most 600 months"),
        ({"horizon": 100_000_000}, "horizon: must be at most 600 periods"),
    ],
)
def test_the_python_api_bounds_sizes_like_the_files(kwargs: dict[str, float], message: str) -> None:
    """``Assumptions.make`` refuses the sizes a deal file refuses, before allocating anything."""
    with pytest.raises(am.AssumptionError, match=message):
        am.Assumptions.make(cpr=0.1, **kwargs)
