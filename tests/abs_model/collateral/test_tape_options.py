"""A tape option that does not apply to the source is refused, not ignored: ``sheet`` is for XLSX
tapes, ``encoding`` for CSV/TSV tapes (a user who passes ``--encoding gbk`` with a Parquet tape,
or ``--sheet`` with a CSV, expects it to do something)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import abs_model as am
from abs_model.errors import AbsModelError

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "baitiao_tape.csv"


def test_a_sheet_for_a_csv_tape_is_refused_naming_the_file_and_the_option() -> None:
    with pytest.raises(AbsModelError) as exc:
        am.read_tape(EXAMPLE, sheet="Loans")
    assert str(exc.value) == f"{EXAMPLE}: sheet: applies to an XLSX tape only (.xlsx, .xlsm), leave it out for this source; got 'Loans'"


def test_an_encoding_for_a_parquet_tape_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "tape.parquet"
    am.read_tape(EXAMPLE).to_parquet(path)
    with pytest.raises(AbsModelError, match=r"tape.parquet: encoding: applies to a CSV/TSV tape only.*got 'gbk'"):
        am.read_tape(path, encoding="gbk")


def test_options_for_a_dataframe_are_refused_and_the_right_ones_still_work(tmp_path: Path) -> None:
    df = pd.read_csv(EXAMPLE)
    with pytest.raises(AbsModelError, match=r"<DataFrame>: sheet: applies to an XLSX tape only"):
        am.read_tape(df, sheet=0)
    # the encoding a CSV tape needs is still taken: the same tape written in GBK reads back equal
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes(EXAMPLE.read_text(encoding="utf-8").encode("gbk"))
    pd.testing.assert_frame_equal(am.read_tape(gbk, encoding="gbk"), am.read_tape(EXAMPLE), check_like=True)
