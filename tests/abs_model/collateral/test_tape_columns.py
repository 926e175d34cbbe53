"""``--columns`` / ``pool.columns``: a tape whose headers are the lender's own Chinese names, mapped
to the canonical fields on the command line, in a YAML file or in the deal file. The tape is the
shipped example tape with every header renamed (none of them in the built-in Chinese map)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from abs_model.cli import main
from abs_model.collateral.tape import read_tape
from abs_model.collateral.tape.mapping import column_mapping
from abs_model.errors import ColumnMappingError, TapeError

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
CENT = 0.005

#: canonical field (or its short name) → the lender's header
OWN = {
    "loan_id": "合同编号",
    "original_principal": "初始本金",
    "balance": "当前余额",
    "term": "合同期限",
    "remaining_term": "剩余期限数",
    "product": "还款类型",
    "rate": "月费率",
    "origination_date": "起息日",
    "dpd": "逾期天数（日）",
    "region": "省区",
}
CANON = {"balance": "current_principal", "term": "original_term", "dpd": "days_past_due"}
INLINE = ",".join(f"{k}={v}" for k, v in OWN.items())


@pytest.fixture
def zh_tape(tmp_path: Path) -> Path:
    df = pd.read_csv(EXAMPLES / "baitiao_tape.csv", dtype={"loan_id": str}).head(300)
    df = df.drop(columns=["channel", "score_band"]).rename(columns={CANON.get(k, k): v for k, v in OWN.items()})
    assert not set(df.columns) & {"loan_id", "current_principal", "剩余本金"}  # nothing maps by itself
    path = tmp_path / "贷款明细.csv"
    df.to_csv(path, index=False, encoding="utf-8")
    return path


def test_the_option_text_becomes_a_header_map() -> None:
    m = column_mapping("balance=剩余本金, loan_id = 合同编号")
    assert dict(m) == {"剩余本金": "current_principal", "合同编号": "loan_id"}


def test_read_tape_with_the_mapping_equals_the_canonical_tape(zh_tape: Path) -> None:
    plain = read_tape(EXAMPLES / "baitiao_tape.csv").head(300)
    mapped = read_tape(zh_tape, columns=column_mapping(INLINE))
    assert list(mapped["loan_id"]) == list(plain["loan_id"])
    assert mapped["current_principal"].sum() == pytest.approx(plain["current_principal"].sum(), abs=CENT)
    assert list(mapped["bucket"]) == list(plain["bucket"])


def _pool_line(out: str) -> str:
    """``pool of N receivables, balance X CNY`` from the validate output."""
    return out[out.index("pool of "):].split(";")[0]


def test_cli_validate_and_a_yaml_mapping_file(zh_tape: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    canonical = tmp_path / "canonical.csv"
    pd.read_csv(EXAMPLES / "baitiao_tape.csv", dtype={"loan_id": str}).head(300).to_csv(canonical, index=False)
    deal = str(EXAMPLES / "baitiao_revolving.yaml")
    assert main(["validate", deal, "--tape", str(canonical)]) == 0
    want = _pool_line(capsys.readouterr().out)
    assert main(["validate", deal, "--tape", str(zh_tape), "--columns", INLINE]) == 0
    assert _pool_line(capsys.readouterr().out) == want
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("columns:\n" + "".join(f"  {k}: {v}\n" for k, v in OWN.items()), encoding="utf-8")
    assert main(["validate", deal, "--tape", str(zh_tape), "--columns", str(mapping)]) == 0
    assert _pool_line(capsys.readouterr().out) == want


def test_the_deal_files_pool_columns(zh_tape: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = (EXAMPLES / "baitiao_revolving.yaml").read_text(encoding="utf-8")
    cols = ", ".join(f"{k}: {v}" for k, v in OWN.items())
    text = text.replace("synthetic: {n: 500000, seed: 2026}", f"tape: {zh_tape.name}\n  columns: {{{cols}}}")
    deal = tmp_path / "deal.yaml"
    deal.write_text(text, encoding="utf-8")
    assert main(["validate", str(deal)]) == 0
    # --columns overrides the file's mapping field by field: a wrong balance column is reported
    assert main(["validate", str(deal), "--columns", "balance=余额"]) == 2
    err = capsys.readouterr().err
    assert "'余额'" in err and "--columns: balance=余额" in err and "no such column in the tape" in err


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("balanc=剩余本金", ["--columns", "unknown field 'balanc'", "got 'balanc=剩余本金'"]),
        ("剩余本金", ["--columns", "FIELD=COLUMN", "got '剩余本金'"]),
        ("balance=a,current_principal=b", ["--columns", "'current_principal' is given twice"]),
        ("balance=", ["--columns", "empty column name", "got 'balance='"]),
        ("nowhere.yaml", ["--columns", "mapping file not found", "nowhere.yaml"]),
    ],
)
def test_bad_mappings_name_the_option_the_field_and_the_value(value: str, words: list[str]) -> None:
    with pytest.raises(ColumnMappingError) as err:
        column_mapping(value, option="--columns")
    for w in words:
        assert w in str(err.value), (w, str(err.value))


def test_a_mapped_column_missing_from_the_tape_is_named(zh_tape: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(TapeError, match=r"column '剩余本金X': no such column in the tape .*got '--columns: balance=剩余本金X'"):
        read_tape(zh_tape, columns=column_mapping(INLINE.replace("balance=当前余额", "balance=剩余本金X")))
    deal = str(EXAMPLES / "baitiao_revolving.yaml")
    assert main(["run", deal, "--tape", str(zh_tape), "--columns", "balanc=当前余额", "--out", "unused"]) == 2
    err = capsys.readouterr().err
    assert "--columns: unknown field 'balanc'" in err and "got 'balanc=当前余额'" in err
