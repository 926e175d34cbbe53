"""``read_tape`` over a partitioned tape (a folder of Parquet files, Hive sub-folders included, or a
glob pattern): the same validated frame as the partitions concatenated by hand and read as one
tape; every bad row of every partition reported together with its row counted within its file; a
loan id in two partitions refused; the CLI and the deal loader take the folder as ``--tape``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

import abs_model as am
from abs_model.cli import main
from abs_model.collateral.synthetic import write_synthetic_dataset

pytest.importorskip("pyarrow")

CUTOFF = "2026-06-30"


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("tape-dataset")
    write_synthetic_dataset(folder, 6_000, partitions=3, seed=11, cutoff_date=CUTOFF)
    return folder


def _by_hand(files: list[Path]) -> pd.DataFrame:
    """The reference: the partitions concatenated with pandas, then read as one tape."""
    whole = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    return am.read_tape(whole, cutoff_date=CUTOFF)


def test_a_folder_reads_as_the_concatenated_tape(book: Path) -> None:
    got = am.read_tape(book, cutoff_date=CUTOFF)
    files = sorted(book.glob("*.parquet"))
    pd.testing.assert_frame_equal(got, _by_hand(files))
    assert got.attrs["partitions"] == [f.name for f in files]
    assert got.attrs["source"] == str(book)
    assert len(got) == 6_000


def test_a_glob_reads_only_the_files_it_matches(book: Path) -> None:
    got = am.read_tape(str(book / "part-0000[02].parquet"), cutoff_date=CUTOFF)
    pd.testing.assert_frame_equal(got, _by_hand([book / "part-00000.parquet", book / "part-00002.parquet"]))


def test_hive_sub_folders_are_named_by_their_path(tmp_path: Path, book: Path) -> None:
    for i, region in enumerate(("east", "west")):
        (tmp_path / f"region={region}").mkdir()
        shutil.copy(book / f"part-0000{i}.parquet", tmp_path / f"region={region}" / "part-0.parquet")
    got = am.read_tape(tmp_path, cutoff_date=CUTOFF)
    assert got.attrs["partitions"] == ["region=east/part-0.parquet", "region=west/part-0.parquet"]
    pd.testing.assert_frame_equal(got, _by_hand([book / "part-00000.parquet", book / "part-00001.parquet"]))


def test_bad_rows_of_every_partition_are_reported_together(tmp_path: Path) -> None:
    files = write_synthetic_dataset(tmp_path, 4_000, partitions=4, seed=1, cutoff_date=CUTOFF)
    for f, row in ((files[0], 4), (files[2], 10)):
        df = pd.read_parquet(f)
        df.loc[row, "rate"] = 6.0  # a percentage where a decimal belongs
        df.to_parquet(f, index=False)
    second, fourth = pd.read_parquet(files[1]), pd.read_parquet(files[3])
    fourth.loc[0, "loan_id"] = second.loc[7, "loan_id"]  # also in the second partition
    fourth.to_parquet(files[3], index=False)
    with pytest.raises(am.TapeError) as exc:
        am.read_tape(tmp_path, cutoff_date=CUTOFF)
    where = {(p.row, p.column) for p in exc.value.problems}
    # rows are 1-based within each file (data row 5 of the first file, 11 of the third); the
    # repeated id is named in both partitions, each at its own row
    assert where == {
        (5, "part-00000.parquet: rate"),
        (11, "part-00002.parquet: rate"),
        (8, "part-00001.parquet: loan_id"),
        (1, "part-00003.parquet: loan_id"),
    }
    dup = next(p for p in exc.value.problems if p.column == "part-00003.parquet: loan_id")
    assert "also in part-00001.parquet" in dup.rule
    assert str(tmp_path) in str(exc.value)


def test_an_empty_folder_and_a_glob_matching_nothing_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(am.TapeError, match="is a folder, not a loan tape file"):
        am.read_tape(tmp_path)
    with pytest.raises(am.TapeError, match="matches no file"):
        am.read_tape(str(tmp_path / "*.parquet"))


def test_the_cli_validates_a_deal_with_a_folder_as_its_tape(book: Path, capsys: pytest.CaptureFixture[str]) -> None:
    deal = Path(__file__).resolve().parents[3] / "examples" / "baitiao_revolving.yaml"
    assert main(["validate", str(deal), "--tape", str(book)]) == 0
    assert str(book) in capsys.readouterr().out
