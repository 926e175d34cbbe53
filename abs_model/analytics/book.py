"""A whole book on disk: a partitioned Parquet tape validated and compressed partition by partition.

An originator's book (tens of millions of receivables) need not fit in one process's memory: each
partition (one Parquet file of a folder or a glob) is read and validated with :func:`read_tape`
and compressed into exact rep-lines where it lies — in this process or on Dask workers
(``executor=``, as :func:`~abs_model.analytics.executors.map_chunks` takes it) — and only the
rep-lines travel back. The compression is additive, so the merge is exact:

    merged line (key k) = Σ over partitions of the lines with key k,  for balance, Σ fee·O and count

where the key is (product, original term, instalments still to pay, cut-off bucket, age, rate of
interest-bearing products, assumption segment). Projecting the merged lines gives the same pool
cash flows as projecting the concatenated tape (to floating-point summation order).

Validation is per partition; every bad row of every partition is reported together in one
:class:`~abs_model.errors.TapeError` (each problem's column is prefixed with its partition's file
name), and a loan id that appears in two partitions is refused as on a single tape.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from abs_model.analytics.executors import map_chunks
from abs_model.assumptions.assumptions import Assumptions
from abs_model.collateral.pool import Pool
from abs_model.collateral.tape import read_tape
from abs_model.collateral.tape.dataset import dataset_files
from abs_model.core.instalments import merge_billed
from abs_model.errors import RowProblem, TapeError, must
from abs_model.projection.cashflows import PoolCashflows
from abs_model.projection.engine import project_lines
from abs_model.projection.replines import Lines, rep_lines

__all__ = ["BookLines", "compress_dataset", "dataset_partitions", "merge_lines", "project_book"]

#: Fields of :class:`Lines` that identify a line; the others (balance, flat_fee, count) are sums.
KEY_FIELDS = ("product", "original_term", "n", "bucket", "age", "rate", "group")
SUM_FIELDS = ("balance", "flat_fee", "count")


@dataclass(frozen=True, slots=True)
class BookLines:
    """A book compressed into exact rep-lines, with what it was made from.

    ``n_loans`` and ``balance`` are the receivables and current principal read (Σ over
    partitions); ``partitions`` names the files in the order read.
    """

    lines: Lines
    n_loans: int
    balance: float
    partitions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Part:
    """What one partition sends back: its rep-lines (or its problems) and its loan-id hashes."""

    name: str
    lines: Lines | None
    n_loans: int
    balance: float
    id_hashes: np.ndarray
    problems: tuple[RowProblem, ...]


def dataset_partitions(source: str | Path) -> tuple[Path, ...]:
    """The Parquet files of a dataset, as the tape reader finds them
    (:func:`abs_model.collateral.tape.dataset.dataset_files`): every ``*.parquet`` below a folder
    (recursively, so Hive partitions ``region=east/part-0.parquet`` count), or the files a glob
    pattern matches; sorted by path so the merge order, and hence the result, is the same on
    every run."""
    return dataset_files(source)


def merge_lines(parts: Sequence[Lines]) -> Lines:
    """Merge rep-lines of disjoint sets of receivables into the rep-lines of their union (exact:
    lines with the same key add their balance, Σ fee·O and count)."""
    if not parts:
        raise must("parts", "must hold at least one set of lines", parts)
    cols = {f: np.concatenate([getattr(p, f) for p in parts]) for f in (*KEY_FIELDS, *SUM_FIELDS)}
    frame = pd.DataFrame(cols)
    summed = frame.groupby(list(KEY_FIELDS), sort=True, as_index=False)[list(SUM_FIELDS)].sum()
    dtypes = {f: parts[0].__getattribute__(f).dtype for f in (*KEY_FIELDS, *SUM_FIELDS)}
    group = frame.groupby(list(KEY_FIELDS), sort=True).ngroup().to_numpy()  # schedules billed in cents add up too
    billed = merge_billed([p.billed for p in parts], group, len(summed))
    return Lines(**{f: summed[f].to_numpy().astype(dtypes[f]) for f in (*KEY_FIELDS, *SUM_FIELDS)}, billed=billed)


def _compress_partition(assumptions: Assumptions, cutoff_date: Any, path: str) -> _Part:
    """Read, validate and compress one partition (runs where the partition is: a top-level
    function, picklable for Dask)."""
    name = Path(path).name
    try:
        tape = read_tape(path, cutoff_date=cutoff_date)
    except TapeError as exc:
        problems = tuple(RowProblem(p.row, f"{name}: {p.column}", p.value, p.rule) for p in exc.problems)
        return _Part(name, None, 0, 0.0, np.empty(0, dtype=np.uint64), problems)
    pool = Pool.from_tape(tape, cutoff_date=cutoff_date)
    hashes = pd.util.hash_array(tape["loan_id"].astype(str).to_numpy(dtype=object))
    return _Part(name, rep_lines(pool, assumptions), pool.n, float(pool.current_principal.sum()), hashes, ())


def _duplicate_ids(parts: Sequence[_Part]) -> list[RowProblem]:
    """Loan ids repeated across partitions (within a partition ``read_tape`` already refuses them)."""
    owner = np.concatenate([np.full(len(p.id_hashes), i) for i, p in enumerate(parts)]) if parts else np.empty(0)
    hashes = np.concatenate([p.id_hashes for p in parts]) if parts else np.empty(0, dtype=np.uint64)
    order = np.argsort(hashes, kind="stable")
    dup = np.flatnonzero(np.diff(hashes[order]) == 0)
    pairs = sorted({(int(owner[order[i]]), int(owner[order[i + 1]])) for i in dup})
    return [
        RowProblem(None, "loan_id", f"{parts[a].name} and {parts[b].name}", "must be unique across the partitions of a dataset")
        for a, b in pairs
    ]


def compress_dataset(
    source: str | Path,
    assumptions: Assumptions,
    *,
    cutoff_date: Any = None,
    executor: Any = None,
    progress: bool | None = None,
) -> BookLines:
    """Validate and compress every partition of ``source`` (see :func:`dataset_partitions`) and
    merge the rep-lines exactly. ``executor``: ``None`` (this process), a Dask ``Client`` or a
    scheduler address (each partition is then read on a worker, which must see the same path).

    Raises one :class:`TapeError` listing every bad row of every partition, and every loan id
    found in two partitions; nothing is returned half-checked.
    """
    files = dataset_partitions(source)
    run = map_chunks(
        _compress_partition,
        [str(f) for f in files],
        shared=(assumptions, cutoff_date),
        executor=executor,
        progress=progress,
        desc="partitions",
    )
    if not run.complete:
        raise TapeError(str(source), [RowProblem(None, "partition", files[i].name, run.errors.get(i, "not read")) for i in run.missing])
    parts = [r for r in run.results if r is not None]
    problems = [p for part in parts for p in part.problems] + _duplicate_ids(parts)
    if problems:
        raise TapeError(str(source), problems)
    return BookLines(
        lines=merge_lines([p.lines for p in parts if p.lines is not None]),
        n_loans=sum(p.n_loans for p in parts),
        balance=float(sum(p.balance for p in parts)),
        partitions=tuple(p.name for p in parts),
    )


def project_book(book: BookLines, assumptions: Assumptions, *, check: bool = True) -> PoolCashflows:
    """Project a compressed book's cash flows (the same frame :func:`abs_model.project` returns for
    the concatenated tape). ``assumptions`` must compress the same way as the ones the book was
    compressed with (same segment overrides and convention)."""
    out = project_lines(book.lines, assumptions)
    cf = PoolCashflows.from_arrays(
        {k: v[0] for k, v in out.totals.items()},
        convention=assumptions.convention,
        assumptions=assumptions,
        initial_balance=float(book.lines.balance.sum()),
        initial_count=float(book.lines.count.sum()),
        line_balances=None,
        n_lines=len(book.lines),
    )
    if check:
        cf.check()
    return cf
