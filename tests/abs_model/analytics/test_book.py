"""A book on disk as partitioned Parquet: validated and compressed per partition, merged exactly.

Worked check: three partitions of synthetic receivables compress and merge into lines whose
projection equals the projection of the concatenated tape (the compression is additive, so only
floating-point summation order may differ: 1e-9 relative). Bad rows in two partitions are reported
together; an id in two partitions is refused; a real LocalCluster gives the same lines.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import abs_model as am
from abs_model.analytics.book import compress_dataset, dataset_partitions, merge_lines, project_book
from abs_model.collateral.synthetic import write_synthetic_dataset
from abs_model.projection.replines import rep_lines

REL = 1e-9
CUTOFF = "2026-06-30"


def _assumptions() -> am.Assumptions:
    rr = am.RollRates.simple(roll=[0.01, 0.40, 0.55, 0.70, 0.85, 0.90, 1.0], cure=[0.40, 0.25, 0.10, 0.05, 0.03, 0.0])
    return am.Assumptions.make(cpr=0.20, roll_rates=rr, recovery_rate=0.10, recovery_lag=6)


@pytest.fixture(scope="module")
def book_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("book")
    write_synthetic_dataset(folder, 30_000, partitions=3, seed=5, cutoff_date=CUTOFF)
    return folder


def _concatenated(folder: Path) -> am.Pool:
    tape = pd.concat([pd.read_parquet(f) for f in dataset_partitions(folder)], ignore_index=True)
    return am.Pool.from_tape(am.read_tape(tape, cutoff_date=CUTOFF), cutoff_date=CUTOFF)


def test_partitions_are_listed_in_path_order(book_dir: Path) -> None:
    names = [f.name for f in dataset_partitions(book_dir)]
    assert names == ["part-00000.parquet", "part-00001.parquet", "part-00002.parquet"]
    assert [f.name for f in dataset_partitions(str(book_dir / "part-0000[12].parquet"))] == names[1:]


def test_merged_lines_project_like_the_concatenated_tape(book_dir: Path) -> None:
    a = _assumptions()
    book = compress_dataset(book_dir, a, cutoff_date=CUTOFF, progress=False)
    whole = _concatenated(book_dir)
    assert book.n_loans == whole.n == 30_000
    assert book.balance == pytest.approx(float(whole.current_principal.sum()), rel=REL)
    # the same lines as compressing the whole pool at once: same count, same sums per key
    direct = rep_lines(whole, a)
    assert len(book.lines) == len(merge_lines([direct]))
    by_book = project_book(book, a).frame
    by_pool = am.project(whole, a).frame
    pd.testing.assert_frame_equal(by_book, by_pool, rtol=REL, atol=1e-6)


def test_merge_adds_lines_with_the_same_key() -> None:
    pool = am.synthetic_pool(2_000, seed=3)
    a = _assumptions()
    lines = rep_lines(pool, a)
    twice = merge_lines([lines, lines])  # the same receivables twice: every sum doubles, no new key
    assert len(twice) == len(lines)
    assert twice.balance.sum() == pytest.approx(2 * lines.balance.sum(), rel=REL)
    assert twice.count.sum() == 2 * lines.count.sum()


def test_bad_rows_of_every_partition_are_reported_together(tmp_path: Path) -> None:
    files = write_synthetic_dataset(tmp_path, 3_000, partitions=3, seed=1, cutoff_date=CUTOFF)
    for f, row in ((files[0], 4), (files[2], 10)):
        df = pd.read_parquet(f)
        df.loc[row, "rate"] = 6.0  # a percentage where a decimal belongs
        df.to_parquet(f, index=False)
    with pytest.raises(am.TapeError) as exc:
        compress_dataset(tmp_path, _assumptions(), cutoff_date=CUTOFF, progress=False)
    where = {(p.row, p.column) for p in exc.value.problems}
    assert where == {(5, "part-00000.parquet: rate"), (11, "part-00002.parquet: rate")}


def test_an_id_in_two_partitions_is_refused(tmp_path: Path) -> None:
    files = write_synthetic_dataset(tmp_path, 2_000, partitions=2, seed=1, cutoff_date=CUTOFF)
    first, second = pd.read_parquet(files[0]), pd.read_parquet(files[1])
    second.loc[0, "loan_id"] = first.loc[7, "loan_id"]
    second.to_parquet(files[1], index=False)
    with pytest.raises(am.TapeError, match=re.escape("part-00000.parquet and part-00001.parquet")):
        compress_dataset(tmp_path, _assumptions(), cutoff_date=CUTOFF, progress=False)


def test_no_parquet_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(am.AbsModelError, match="matches no Parquet file"):
        dataset_partitions(tmp_path)


def test_a_local_cluster_gives_the_same_lines(book_dir: Path) -> None:
    distributed = pytest.importorskip("distributed")
    a = _assumptions()
    local = compress_dataset(book_dir, a, cutoff_date=CUTOFF, progress=False)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None, timeout=30
    ) as cluster, distributed.Client(cluster, timeout=30) as client:
        remote = compress_dataset(book_dir, a, cutoff_date=CUTOFF, executor=client, progress=False)
    assert remote.partitions == local.partitions
    for f in ("balance", "flat_fee", "count", "n", "bucket"):
        np.testing.assert_array_equal(getattr(remote.lines, f), getattr(local.lines, f))
