"""Hostile inputs, round seven: inputs that were read as a different value than the one written
(a day-first date, a first payment date whose year and month were ignored) or that ended in an
unnamed error. Each test failed on the code before its fix."""

from __future__ import annotations

import copy
import dataclasses
import unicodedata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

import abs_model as am
from abs_model.cli import main
from abs_model.errors import AbsModelError, DealError, TapeError

HEADER = "loan_id,original_principal,current_principal,original_term,remaining_term,product,rate,bucket"
ROW = "A1,1200,1000,12,10,flat_fee,0.006,M0"


def refused(source: object, **kw: object) -> TapeError:
    with pytest.raises(TapeError) as exc:
        am.read_tape(source, **kw)
    return exc.value


# ------------------------------------------------------------------ dates written day or month first
def _dated(tmp_path: Path, cell: str) -> Path:
    """A two-loan tape whose first loan's origination date is ``cell`` (the second is ISO)."""
    path = tmp_path / "tape.csv"
    path.write_text(
        f"{HEADER},origination_date\n{ROW},{cell}\n{ROW.replace('A1', 'A2')},2025-03-01\n", encoding="utf-8"
    )
    return path


@pytest.mark.parametrize(
    "cell",
    [
        "01/02/2025",  # 1 February (day first) or 2 January (month first)? was read as 2 January
        "13/02/2025",  # was read as 13 February: one column read day first and month first at once
        "01.02.2025",
        "1/2/25",
        "25-01-31",  # was read as 2031-01-25
        "Jan 5 2025",
        "2025",  # was completed to 2025-01-01
        "2025-01",
        "today",  # was the clock's date at the time of the run
        "now",
    ],
)
def test_a_date_not_written_year_first_is_refused_not_guessed(tmp_path: Path, cell: str) -> None:
    err = refused(_dated(tmp_path, cell))
    (p,) = err.problems
    assert (p.row, p.column, p.value, p.line, p.loan_id) == (1, "origination_date", cell, 2, "A1")
    assert "must be a date (YYYY-MM-DD)" in p.rule and "year first" in p.rule


@pytest.mark.parametrize(
    ("cell", "day"),
    [
        ("2025-01-31", "2025-01-31"),
        ("2025-1-5", "2025-01-05"),
        ("2025/01/31", "2025-01-31"),
        ("2025/1/5", "2025-01-05"),
        ("2025.01.31", "2025-01-31"),
        ("20250131", "2025-01-31"),
        (" 2025-01-31 ", "2025-01-31"),
        ("2025-01-31 10:30", "2025-01-31"),
        ("2025-01-31T10:30:00", "2025-01-31"),
        ("2025-01-31T00:30:00+08:00", "2025-01-31"),
        ("2025-01-31T23:00:00Z", "2025-01-31"),
    ],
)
def test_dates_written_year_first_are_read(tmp_path: Path, cell: str, day: str) -> None:
    dates = am.read_tape(_dated(tmp_path, cell))["origination_date"]
    assert dates.dt.strftime("%Y-%m-%d").tolist() == [day, "2025-03-01"]


def test_a_day_first_date_in_a_parquet_text_column_is_refused_too(tmp_path: Path) -> None:
    df = am.read_tape(_dated(tmp_path, "2025-01-31"))
    df["origination_date"] = ["01/02/2025", "2025-03-01"]
    df.to_parquet(tmp_path / "tape.parquet")
    (p,) = refused(tmp_path / "tape.parquet").problems
    assert (p.row, p.column, p.value) == (1, "origination_date", "01/02/2025")


# ------------------------------------------------------------- deal dates the schedule cannot honour
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
BAITIAO: dict[str, Any] = yaml.safe_load((EXAMPLES / "baitiao_revolving.yaml").read_text(encoding="utf-8"))
BAITIAO["pool"] = {"tape": str(EXAMPLES / "baitiao_tape.csv")}


def _deal(tmp_path: Path, **dates: str) -> Path:
    """The Baitiao example (cut-off 2026-06-30, closing 2026-07-15, notes paid quarterly while
    revolving: first on period 3's payment date 2026-10-26) with ``dates`` changed."""
    doc = copy.deepcopy(BAITIAO)
    doc["dates"].update(dates)
    path = tmp_path / "deal.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("abs-model: error: ") and "Traceback" not in err
    return err


@pytest.mark.parametrize(
    ("first_payment", "why"),
    [
        ("2027-10-26", "a year late: only its day of the month was used, the report showed 2027-10-26"),
        ("2026-08-26", "period 1's date: the notes are first paid on period 3's (quarterly while revolving)"),
        ("2026-07-01", "before closing"),
    ],
)
def test_a_first_payment_date_that_is_not_the_first_note_payment_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], first_payment: str, why: str
) -> None:
    path = _deal(tmp_path, first_payment=first_payment)
    err = _refused(["validate", str(path)], capsys)
    assert f"{path}: dates.first_payment: must be the payment date of period 3" in err, why
    assert "a date in 2026-10" in err and f"got {first_payment}" in err


def test_the_first_payment_date_of_a_monthly_deal_is_period_1s(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = copy.deepcopy(BAITIAO)
    doc["payment_every"] = {"revolving": 1, "amortising": 1}
    doc["dates"]["first_payment"] = "2026-08-26"
    path = tmp_path / "monthly.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert main(["validate", str(path)]) == 0
    doc["dates"]["first_payment"] = "2026-10-26"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert "dates.first_payment: must be the payment date of period 1" in _refused(["validate", str(path)], capsys)


def test_a_closing_date_after_the_first_accrual_end_is_refused_naming_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Closing 2026-12-31 is after period 1's payment date 2026-08-26, when the notes' interest
    would stop accruing: once an unnamed 'period_end_dates: must be strictly increasing'."""
    path = _deal(tmp_path, closing="2026-12-31")
    err = _refused(["validate", str(path)], capsys)
    assert f"{path}: dates.closing: must be before the first payment date of the collections, 2026-08-26" in err
    assert "got 2026-12-31" in err


def test_a_legal_final_before_the_first_note_payment_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Legal final 2026-09-01 before the first payment 2026-10-26: the run used to ignore it."""
    path = _deal(tmp_path, legal_final="2026-09-01")
    err = _refused(["validate", str(path)], capsys)
    assert f"{path}: dates.legal_final: must be after the first payment date 2026-10-26; got 2026-09-01" in err


def test_a_deal_built_in_python_is_held_to_the_same_date_rules(tmp_path: Path) -> None:
    deal = am.load_deal(_deal(tmp_path))
    with pytest.raises(DealError, match=r"dates\.first_payment: must be the payment date of period 3"):
        dataclasses.replace(deal, first_payment=np.datetime64("2027-10-26"))
    with pytest.raises(DealError, match=r"dates\.closing: must be before"):
        dataclasses.replace(deal, closing_date=np.datetime64("2026-12-31"))


# ------------------------------------------------------------ cells that are bytes or lists, not values
def test_a_binary_parquet_column_is_decoded_or_refused_naming_the_cell(tmp_path: Path) -> None:
    """A Parquet ``binary`` column of loan ids: UTF-8 bytes read as their text, other bytes
    refused naming the row (once a bare "'utf-8' codec can't decode byte 0xff" with no file)."""
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    table = pa.table(
        {
            "loan_id": pa.array([b"A1", "贷款2".encode(), b"\xff\xfe"], pa.binary()),
            "original_principal": [1200.0, 600.0, 300.0],
            "current_principal": [1000.0, 600.0, 300.0],
            "original_term": [12, 6, 3],
            "remaining_term": [10, 6, 3],
            "product": ["flat_fee", "bullet", "bullet"],
            "rate": [0.006, 0.01, 0.01],
            "bucket": ["M0", "M0", "M0"],
        }
    )
    pq.write_table(table, tmp_path / "tape.parquet")
    err = refused(tmp_path / "tape.parquet")
    (p,) = err.problems
    assert (p.row, p.column, p.value) == (3, "loan_id", b"\xff\xfe")
    assert "must be UTF-8 text" in p.rule
    pq.write_table(table.slice(0, 2), tmp_path / "good.parquet")
    assert am.read_tape(tmp_path / "good.parquet")["loan_id"].tolist() == ["A1", "贷款2"]


def test_a_list_in_a_cell_is_refused_not_written_as_its_repr(tmp_path: Path) -> None:
    """A list-valued segment became the text "['East']" in every strat and output."""
    df = am.read_tape(_dated(tmp_path, "2025-01-31"))
    df["region"] = pd.Series([["East"], "West"], dtype=object)
    df["rate"] = pd.Series([(0.006,), 0.006], dtype=object)
    err = refused(df)
    assert sorted((p.row, p.column) for p in err.problems) == [(1, "rate"), (1, "region")]
    assert all("must be one value, not a list" in p.rule for p in err.problems)


# ----------------------------------------------------------------- a pool built in Python, unchecked
def _pool(**over: Any) -> am.Pool:
    """Two flat-fee receivables of 1,000 (12 instalments, 0.6 % a period), one of them 2 paid."""
    kw: dict[str, Any] = {
        "loan_id": ["X1", "X2"],
        "original_principal": [1000.0, 1000.0],
        "current_principal": [1000.0, 800.0],
        "original_term": [12, 12],
        "remaining_term": [12, 10],
        "product": [0, 0],
        "rate": [0.006, 0.006],
    }
    return am.Pool.from_arrays(**{**kw, **over})


@pytest.mark.parametrize(
    ("over", "expected"),
    [
        ({"rate": [6.0, 0.006]}, "Pool.rate: must be a decimal in [0, 1); got 6.0 at row 0"),  # projected 72,060 of fees on 1,000
        ({"rate": [-0.5, 0.006]}, "Pool.rate: must be a decimal in [0, 1); got -0.5 at row 0"),
        ({"current_principal": [-1000.0, 800.0]}, "Pool.current_principal: must be ≥ 0; got -1000.0 at row 0"),
        ({"remaining_term": [36, 10]}, "Pool.remaining_term: must be 1..original_term; got 36 at row 0"),  # 36 fees on a 12-month plan
        ({"original_term": [0, 12], "remaining_term": [0, 10]}, "Pool.original_term: must be 1..360 instalments; got 0 at row 0"),
        ({"original_term": [1_000_000, 12], "remaining_term": [1_000_000, 10]}, "Pool.original_term: must be 1..360 instalments; got 1000000"),
        ({"original_term": [12.7, 12]}, "Pool.original_term: must be whole numbers of instalments; got 12.7 at row 0"),  # was cut to 12
        ({"original_term": [2**33, 12]}, "Pool.original_term: must be 1..360 instalments; got 8589934592"),  # was an OverflowError
    ],
)
def test_a_pool_built_from_arrays_is_held_to_the_tapes_ranges(over: dict[str, Any], expected: str) -> None:
    with pytest.raises(AbsModelError) as exc:
        _pool(**over)
    assert expected in str(exc.value)


def test_pool_from_tape_on_an_unread_dataframe_gets_the_same_checks() -> None:
    raw = pd.DataFrame(
        {
            "loan_id": ["X1"], "original_principal": [1000.0], "current_principal": [1000.0], "original_term": [12],
            "remaining_term": [12], "product": ["flat_fee"], "rate": [0.6], "bucket": [0],
        }
    )
    assert am.Pool.from_tape(raw).rate.tolist() == [0.6]  # 60 % a period is in range: a plausibility matter
    raw["rate"] = [60.0]  # since round 9 an unread frame is read by read_tape: the tape's own message
    with pytest.raises(AbsModelError, match=r"column 'rate': must be a decimal < 1; looks like a percent"):
        am.Pool.from_tape(raw)


# ---------------------------------------------------- the --assumptions file read like a deal file
DEAL = str(EXAMPLES / "baitiao_revolving.yaml")
TAPE = str(EXAMPLES / "baitiao_tape.csv")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cpr: " + "[" * 5000 + "]" * 5000 + "\n", "nested more than 64 levels deep"),  # was 'internal error: RecursionError'
        ("cpr: 0.1\nrecovery_lag: 2026-02-30\n", "line 2: recovery_lag: not a valid date"),  # was 'day is out of range for month'
        ("x: &x [0.1]\ncpr: *x\n", "YAML aliases (*x) are not allowed"),
        ("cpr: 0.2\n<<: {cpr: 0.9}\n", "line 2: YAML merge keys (<<) are not allowed"),
        ("cpr: 0.2\nrecovery_rate: 0.1\ncpr: 0.3\n", "line 3: duplicate key 'cpr' (first given on line 1)"),
        ("cpr: !!python/object:os.system 0.2\n", "tags that construct objects are not allowed"),
    ],
    ids=["deep", "impossible-date", "alias", "merge-key", "duplicate-key", "python-tag"],
)
def test_an_assumptions_file_is_read_with_the_deal_files_strict_reader(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, expected: str
) -> None:
    path = tmp_path / "stress.yaml"
    path.write_text(text, encoding="utf-8")
    err = _refused(["validate", DEAL, "--tape", TAPE, "--assumptions", str(path)], capsys)
    assert f"abs-model: error: {path}: " in err and expected in err and "internal error" not in err


def test_an_assumptions_folder_is_named_as_such(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = _refused(["validate", DEAL, "--tape", TAPE, "--assumptions", str(tmp_path)], capsys)
    assert f"abs-model: error: {tmp_path}: is a folder, not an assumptions file" in err  # was '[Errno 21] Is a directory'


def test_a_merge_key_in_a_deal_file_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``<<: {cpr: 0.99, recovery_rate: 0.9}`` beside ``cpr: 0.20`` silently added keys the file
    seems not to state (a merged key loses to a written one, so the file read two ways)."""
    text = (EXAMPLES / "baitiao_revolving.yaml").read_text(encoding="utf-8")
    path = tmp_path / "deal.yaml"
    path.write_text(text.replace("  cpr: 0.20\n", "  cpr: 0.20\n  <<: {recovery_lag: 1}\n"), encoding="utf-8")
    err = _refused(["validate", str(path), "--tape", TAPE], capsys)
    assert f"{path}: line 34: YAML merge keys (<<) are not allowed" in err


# ------------------------------------------------------------ float32 columns read at their decimal
def test_a_float32_parquet_column_is_read_at_the_decimal_it_was_written_from(tmp_path: Path) -> None:
    """A tape written with float32 columns: 0.006 is stored as 0.006000000052154064. Read as that,
    it failed an eligibility limit ``max_rate: 0.006`` (tolerance 1e-12) and every such loan was
    filtered out of the pool without a word; each float32 value is now read as the shortest
    decimal that float32 holds exactly (numpy's repr of the float32), as written."""
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    rate32 = np.array([0.006, 0.0125, 0.15], dtype=np.float32)
    balance32 = np.array([1000.1, 49999.99, 12.34], dtype=np.float32)
    assert float(rate32[0]) != 0.006  # the trap: widening gives 0.006000000052154064
    table = pa.table(
        {
            "loan_id": ["A1", "A2", "A3"],
            "original_principal": balance32,
            "current_principal": balance32,
            "original_term": np.array([12, 6, 3], dtype=np.int16),
            "remaining_term": np.array([12, 6, 3], dtype=np.int16),
            "product": ["flat_fee", "flat_fee", "level_payment"],
            "rate": rate32,
            "bucket": [0, 0, 0],
        }
    )
    pq.write_table(table, tmp_path / "tape.parquet")
    df = am.read_tape(tmp_path / "tape.parquet")
    assert df["rate"].tolist() == [0.006, 0.0125, 0.15]
    assert df["original_principal"].tolist() == [1000.1, 49999.99, 12.34]
    assert df["current_principal"].tolist() == [1000.1, 49999.99, 12.34]


# ------------------------------------------------------------------- outputs that cannot be created
@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux /proc (a folder nothing can be created in)")
def test_an_output_folder_that_cannot_be_created_is_named_as_the_out_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--out /proc/x``: the folder check passed (it looks writable even to root) and mkdir failed
    with a bare "[Errno 2] No such file or directory: '/proc/x'"."""
    err = _refused(["run", DEAL, "--tape", TAPE, "--out", "/proc/abs-model-out"], capsys)
    assert "abs-model: error: --out: cannot create '/proc/abs-model-out'" in err


def test_a_deal_file_naming_both_a_tape_and_a_synthetic_pool_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Both given: the tape was used and the synthetic pool silently dropped."""
    doc = copy.deepcopy(BAITIAO)
    doc["pool"]["synthetic"] = {"n": 1000, "seed": 1}
    path = tmp_path / "deal.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    err = _refused(["validate", str(path)], capsys)
    assert f"{path}: 1 problem(s) in the deal file:\n  - pool: give either a tape or a synthetic pool, not both; got ['synthetic', 'tape']" in err


# ------------------------------------------------- invisible characters: a twin that looks the same
#: Every format character (Unicode category Cf: zero-width space, soft hyphen, BOM, word joiner,
#: tags …) and the two Unicode line breaks, U+2028 and U+2029.
INVISIBLE = [chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) == "Cf"] + ["\u2028", "\u2029"]


def test_every_invisible_character_is_refused_in_names_and_tape_text() -> None:
    from abs_model.collateral.tape.rules import _CONTROL_RE, _may_hold_control
    from abs_model.core.limits import name_problem

    pa = pytest.importorskip("pyarrow")
    missed = [f"U+{ord(ch):04X}" for ch in INVISIBLE if not _CONTROL_RE.search(f"a{ch}b")]
    assert not missed
    missed = [f"U+{ord(ch):04X}" for ch in INVISIBLE if not _may_hold_control(pa.array(["华北", f"a{ch}b"], type=pa.large_string()))]
    assert not missed
    assert not [f"U+{ord(ch):04X}" for ch in INVISIBLE if name_problem(f"Senior{ch}A") is None]


def test_a_loan_id_with_a_zero_width_space_is_no_second_loan(tmp_path: Path) -> None:
    """'A1' and 'A1' + U+200B look the same everywhere: the loan was counted twice."""
    path = tmp_path / "tape.csv"
    twin = ROW.replace("A1", "A1\u200b")
    path.write_text(f"{HEADER}\n{ROW}\n{twin}\n", encoding="utf-8")
    (p,) = refused(path).problems
    assert (p.row, p.column, p.value) == (2, "loan_id", "A1\u200b")
    assert "must not contain control or invisible characters" in p.rule


def test_a_tranche_named_like_another_but_for_a_soft_hyphen_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = copy.deepcopy(BAITIAO)
    doc["tranches"][1]["name"] = "Senior\u00adA"  # shows as 'SeniorA' or 'Senior-A', beside 'Senior A'
    doc["waterfalls"] = {k: yaml.safe_load(yaml.safe_dump(v).replace("Senior B", "Senior\u00adA")) for k, v in doc["waterfalls"].items()}
    path = tmp_path / "deal.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    err = _refused(["validate", str(path)], capsys)
    assert "tranches[1].name: must not contain control or invisible characters; got '\\xad' (U+00AD)" in err


# ------------------------------------------------------------------ wrong types at every level
def _leaves(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path of the document: mappings' keys, lists' indexes, and the document itself."""
    out: list[tuple[Any, ...]] = []
    if isinstance(node, dict):
        for k, v in node.items():
            out += _leaves(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _leaves(v, (*path, i))
    return [*out, path] if path else out


def _set(doc: Any, path: tuple[Any, ...], value: Any) -> None:
    for k in path[:-1]:
        doc = doc[k]
    doc[path[-1]] = value


@pytest.mark.parametrize("wrong", [None, True, -1, "x", [], {}, [1, "a"]], ids=repr)
def test_a_value_of_the_wrong_type_anywhere_in_a_deal_file_is_a_deal_error(wrong: Any) -> None:
    """Every place of the Baitiao deal file given a value of the wrong kind is refused as a
    DealError naming the place. Before, the checks run after the schema assumed its types:
    ``waterfalls: true`` was "internal error: AttributeError: 'bool' object has no attribute
    'items'", ``share: x`` a bare "could not convert string to float: 'x'"."""
    from abs_model.deal.build import deal_from_document

    base = copy.deepcopy(BAITIAO)
    base["pool"] = {"synthetic": {"n": 100, "seed": 1}}
    pool = am.synthetic_pool(100, seed=1, cutoff_date="2026-06-30")
    crashed = []
    for path in _leaves(base):
        if path[0] == "pool":
            continue
        doc = copy.deepcopy(base)
        _set(doc, path, copy.deepcopy(wrong))
        try:
            deal_from_document(doc, source="deal.yaml", pool=pool)
        except DealError as exc:
            assert str(exc).startswith("deal.yaml: ")
        except Exception as exc:  # the test names whatever else escapes
            crashed.append(f"{'.'.join(map(str, path))} = {wrong!r}: {type(exc).__name__}: {exc}")
    assert not crashed, "\n".join(crashed[:20])


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda d: d.update(waterfalls=True), "waterfalls: must be of type object; got True"),
        (lambda d: d["tranches"][0].update(share="x"), "tranches[0].share: must be of type number; got 'x'"),
        (lambda d: d["triggers"][0].update(effect=[]), "triggers[0].effect: "),
        (lambda d: d["revolving"].update(periods=None), "revolving.periods: "),
    ],
    ids=["waterfalls-bool", "share-text", "effect-list", "revolving-none"],
)
def test_wrong_types_are_named_on_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], edit: Any, expected: str
) -> None:
    doc = copy.deepcopy(BAITIAO)
    edit(doc)
    path = tmp_path / "deal.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    err = _refused(["validate", str(path)], capsys)
    assert f"abs-model: error: {path}: " in err and expected in err and "internal error" not in err


# ------------------------------------------------------------ duplicate keys in a column-mapping file
@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("columns.yaml", "balance: 剩余本金\nloan_id: 借据号\nbalance: 放款金额\n"),
        ("columns.yml", "columns:\n  balance: 剩余本金\n  balance: 放款金额\n"),
        ("columns.json", '{"balance": "剩余本金", "balance": "放款金额"}'),
    ],
)
def test_a_field_given_twice_in_a_column_mapping_file_is_refused(tmp_path: Path, name: str, text: str) -> None:
    """The later line won without a word: ``balance`` read from the amount lent (放款金额)."""
    from abs_model.collateral.tape.mapping import column_mapping
    from abs_model.errors import ColumnMappingError

    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ColumnMappingError, match=r"--columns: .*duplicate key 'balance'") as exc:
        column_mapping(str(path))
    assert name in str(exc.value)


# ------------------------------------------------------ a tape's rates typed as percents: warned about
def test_a_tape_rate_typed_as_a_percent_is_warned_about(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """0.6 for a flat fee of 0.6 % a period is 60 % a period, and 0.99 an annual rate of 99 %: both
    are below 1, so the tape rule (a decimal in [0, 1)) let them through and the run's checks all
    passed on fee income a hundred times too large. They are now warned about, as the deal
    file's own implausible rates are (not refused: the tape may be right)."""
    text = (EXAMPLES / "baitiao_tape.csv").read_text(encoding="utf-8").splitlines()
    header, rows = text[0], text[1:]
    cols = header.split(",")
    i_rate, i_product, i_id = cols.index("rate"), cols.index("product"), cols.index("loan_id")

    def with_rate(row: str, product: str, rate: str) -> str:
        cells = row.split(",")
        cells[i_product], cells[i_rate] = product, rate
        return ",".join(cells)

    rows[0] = with_rate(rows[0], "flat_fee", "0.6")
    rows[1] = with_rate(rows[1], "level_payment", "0.99")
    path = tmp_path / "tape.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["validate", DEAL, "--tape", str(path)]) == 0
    err = capsys.readouterr().err
    first, second = rows[0].split(",")[i_id], rows[1].split(",")[i_id]
    assert f"abs-model: warning: pool: 1 receivable(s) carry a flat fee above 5.00% a period (up to 60.00%, e.g. loan_id {first!r})" in err
    assert f"abs-model: warning: pool: 1 receivable(s) carry an annual rate above 36.00% (up to 99.00%, e.g. loan_id {second!r})" in err
    assert "rates are decimals" in err
    assert main(["validate", DEAL, "--tape", TAPE]) == 0
    assert "warning: pool" not in capsys.readouterr().err


# ------------------------------------------------------------- money amounts beyond float64's cents
@pytest.mark.parametrize(
    ("edit", "where", "got"),
    [
        (lambda d: d["fees"][1].update(amount=1e300), "fees[1].amount", "1e+300"),  # all 16 checks passed
        (lambda d: d["reserve"].update(initial=1e20), "reserve.initial", "1e+20"),  # was a conservation failure, unnamed
        (lambda d: d["waterfalls"]["amortising"][0]["shortfall_support"].update(limit=1e308), "waterfalls.amortising[0].shortfall_support.limit", "1e+308"),
        (lambda d: d["revolving"]["replenishment"][0].update(average_balance=1e300), "revolving.replenishment[0].average_balance", "1e+300"),
        (lambda d: d["assumptions"]["collections"]["stages"][0].update(cost_per_account=1e16), "assumptions.collections.stages[0].cost_per_account", "1e+16"),
    ],
    ids=["fee", "reserve", "shortfall-limit", "average-balance", "cost-per-account"],
)
def test_a_money_amount_beyond_what_float64_holds_in_cents_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], edit: Any, where: str, got: str
) -> None:
    """Like ``pool.scale_to``: above 1e15 an amount is a unit error and float64 loses its cents (a
    fixed fee of 1e300 a year ran with every check passing; a reserve of 1e20 failed conservation
    by 6,894 with no word of the input)."""
    doc = copy.deepcopy(BAITIAO)
    edit(doc)
    path = tmp_path / "deal.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    err = _refused(["validate", str(path)], capsys)
    assert f"{where}: must be ≤ 1000000000000000.0; got {float(got)!r} — an amount above 1e15" in err


def test_an_xlsx_tape_whose_dates_are_all_date_cells_still_reads(tmp_path: Path) -> None:
    """Every origination date an Excel date cell (pandas then infers datetime64, no text to check
    for year first): read as the dates, and a bad cell elsewhere named as before."""
    openpyxl = pytest.importorskip("openpyxl")
    import datetime as dt

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([*HEADER.split(","), "origination_date"])
    ws.append(["A1", 1200, 1000, 12, 10, "flat_fee", 0.006, "M0", dt.datetime(2025, 1, 31)])
    ws.append(["A2", 600, 600, 6, 6, "bullet", 0.01, "M0", dt.datetime(2025, 2, 1)])
    wb.save(tmp_path / "tape.xlsx")
    df = am.read_tape(tmp_path / "tape.xlsx")
    assert df["origination_date"].dt.strftime("%Y-%m-%d").tolist() == ["2025-01-31", "2025-02-01"]
    ws["B2"] = "#DIV/0!"
    wb.save(tmp_path / "bad.xlsx")
    (p,) = refused(tmp_path / "bad.xlsx").problems
    assert (p.row, p.column, p.value) == (1, "original_principal", "#DIV/0!")


def test_a_categorical_date_column_is_held_to_year_first_too(tmp_path: Path) -> None:
    """A Parquet file written from a categorical column: '01/02/2025' was read as 2 January."""
    df = am.read_tape(_dated(tmp_path, "2025-01-31"))
    df["origination_date"] = pd.Categorical(["01/02/2025", "2025-03-01"])
    (p,) = refused(df).problems
    assert (p.row, p.column, p.value) == (1, "origination_date", "01/02/2025")
    df.to_parquet(tmp_path / "tape.parquet")
    (p,) = refused(tmp_path / "tape.parquet").problems
    assert (p.row, p.column, p.value) == (1, "origination_date", "01/02/2025")


# --------------------------------------------------- fee and trigger names that differ only in case
@pytest.mark.parametrize("twin", ["trustee", "Trustee ", " TRUSTEE"])
def test_fee_names_that_differ_only_in_case_or_spaces_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], twin: str
) -> None:
    """As tranche names already were: 'Trustee' and 'Trustee ' were two fees shown alike in every output."""
    doc = copy.deepcopy(BAITIAO)
    doc["fees"][2]["name"] = twin  # was Custodian
    doc["waterfalls"] = {k: [s for s in v if s != {"pay_fee": "Custodian"}] for k, v in doc["waterfalls"].items()}
    doc["waterfalls"]["amortising"].insert(4, {"pay_fee": twin})
    path = tmp_path / "deal.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    err = _refused(["validate", str(path)], capsys)
    assert f"fee {twin!r}: must differ from 'Trustee' by more than case or spaces" in err


def test_trigger_names_that_differ_only_in_case_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = copy.deepcopy(BAITIAO)
    doc["triggers"][1]["name"] = doc["triggers"][0]["name"].upper()
    path = tmp_path / "deal.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert "by more than case or spaces" in _refused(["validate", str(path)], capsys)


# --------------------------------------------------------------------- abs-model surveil's outputs
def test_surveil_neutralises_formula_names_and_checks_its_output_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """surveil had its own copy of the CSV rule, for object columns only: pandas' text columns
    (the tranche column of reprojection_tranches.csv) kept '=2+3' live; --out naming a file was a
    bare '[Errno 17] File exists' after the whole run."""
    doc: dict[str, Any] = yaml.safe_load((EXAMPLES / "us_auto_static.yaml").read_text(encoding="utf-8"))
    doc["pool"]["tape"] = str(EXAMPLES / "us_auto_tape.csv")
    text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    deal_path = tmp_path / "deal.yaml"
    deal_path.write_text(text.replace("name: A1\n", "name: =2+3\n").replace("- A1\n", "- =2+3\n").replace("[A1,", "['=2+3',"), encoding="utf-8")
    deal = am.load_deal(deal_path)
    assert "=2+3" in deal.tranche_names
    res = am.run(deal)
    res.pool.loc[1:6].drop(columns=["count", "defaults_count"]).reset_index().to_csv(tmp_path / "history.csv", index=False)
    (tmp_path / "a_file").write_text("", encoding="utf-8")
    err = _refused(["surveil", str(deal_path), "--actuals", str(tmp_path / "history.csv"), "--out", str(tmp_path / "a_file")], capsys)
    assert "--out: must be a folder" in err
    out = tmp_path / "out"
    assert main(["surveil", str(deal_path), "--actuals", str(tmp_path / "history.csv"), "--out", str(out)]) == 0
    cells = (out / "reprojection_tranches.csv").read_text(encoding="utf-8").replace("\n", ",").split(",")
    assert "'=2+3" in cells and "=2+3" not in cells
