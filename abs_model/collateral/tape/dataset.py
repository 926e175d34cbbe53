"""A loan tape split into partitions: a folder of Parquet files (Hive-style sub-folders such as
``region=east/part-0.parquet`` included) or a glob pattern of tape files.

:func:`read_dataset` reads and validates each partition on its own (the same rules as a single
tape) and raises one :class:`~abs_model.errors.TapeError` listing every bad row of every
partition, each problem's column prefixed with its partition (``"part-1.parquet: rate"``) and its
row number counted within that file; a loan id found in two partitions is refused as on one tape
(compared across the partitions that passed their own checks, and reported with their problems).
The partitions are read in path order, so the concatenated tape is the same on every run.

For a book too large for one process, :func:`abs_model.analytics.book.compress_dataset` reads the
same partitions and compresses each where it lies instead of concatenating them.
"""

from __future__ import annotations

import dataclasses
import glob
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from abs_model.collateral.tape.readers import _file_problem
from abs_model.collateral.tape.shortcuts import _repeated
from abs_model.errors import AbsModelError, RowProblem, TapeError, must

__all__ = ["dataset_files", "is_dataset", "partition_label", "read_dataset"]

_GLOB = "*?["


def is_dataset(source: Any) -> bool:
    """True when ``source`` names a partitioned tape: an existing folder, or a glob pattern (a path
    holding ``*``, ``?`` or ``[`` that is not itself an existing file)."""
    if not isinstance(source, str | os.PathLike):
        return False
    text = os.fspath(source)
    p = Path(text)
    if p.is_dir():
        return True
    return any(ch in text for ch in _GLOB) and not p.exists()


def dataset_files(source: str | os.PathLike[str]) -> tuple[Path, ...]:
    """The files of a dataset: every ``*.parquet`` below a folder (recursively), or the files a glob
    pattern matches; sorted by path. A single existing file is a dataset of one."""
    text = os.fspath(source)
    p = Path(text)
    if p.is_dir():
        files = sorted(f for f in p.rglob("*.parquet") if f.is_file())
    elif any(ch in text for ch in _GLOB) and not p.exists():
        files = sorted(Path(f) for f in glob.glob(text, recursive=True) if Path(f).is_file())
    elif p.is_file():
        files = [p]
    else:
        raise must("source", "must be a folder of Parquet files, a glob pattern or a Parquet file", text, error=AbsModelError)
    if not files:
        rule = (
            "is a folder, not a loan tape file, and it matches no Parquet file (a partitioned tape is a folder of .parquet files)"
            if p.is_dir()
            else "matches no file (a partitioned tape is a glob pattern of tape files)"
        )
        raise _file_problem(text, "(file)", text, rule)
    return tuple(files)


def partition_label(source: str | os.PathLike[str], file: Path) -> str:
    """How a problem names its partition: the path below the dataset's folder (so two Hive
    partitions' ``part-0.parquet`` stay apart), or the path as matched for a glob."""
    root = Path(os.fspath(source))
    if root.is_dir():
        return file.relative_to(root).as_posix()
    return file.as_posix()


def _cross_duplicates(labels: list[str], frames: list[pd.DataFrame]) -> list[RowProblem]:
    """Every row whose loan id also appears in another partition (within a partition the tape's
    own rule already refuses a repeat), naming the other partitions."""
    if len(frames) < 2:
        return []
    ids = pd.concat([f["loan_id"].astype(str) for f in frames], ignore_index=True)
    sizes = [len(f) for f in frames]
    part = pd.Series(np.repeat(np.arange(len(frames)), sizes))
    row = pd.Series(np.concatenate([np.arange(1, n + 1) for n in sizes]))
    dup = _repeated(ids)  # ids.duplicated(keep=False), without a hash when the ids increase across the partitions
    if not dup.any():
        return []
    owners = pd.DataFrame({"id": ids[dup], "part": part[dup]}).groupby("id")["part"].agg(lambda s: sorted(set(s)))
    out = []
    for k in dup.nonzero()[0]:
        others = [labels[j] for j in owners[ids.iat[k]] if j != part.iat[k]]
        if others:
            out.append(
                RowProblem(
                    int(row.iat[k]),
                    f"{labels[part.iat[k]]}: loan_id",
                    ids.iat[k],
                    f"must be unique across the partitions of a dataset (also in {', '.join(others)})",
                )
            )
    return out


def read_dataset(source: str | os.PathLike[str], read_one: Callable[[Path], pd.DataFrame]) -> pd.DataFrame:
    """Read every partition of ``source`` with ``read_one`` (which validates one tape file) and
    return them concatenated, rows in path order. All problems of all partitions are raised
    together; nothing is returned half-checked.

    ``attrs``: ``source`` (the folder or pattern), ``cutoff_date`` (as a partition gives it),
    ``ignored_columns`` (the union over partitions) and ``partitions`` (labels, in order).
    """
    files = dataset_files(source)
    labels = [partition_label(source, f) for f in files]
    frames: list[pd.DataFrame] = []
    read: list[str] = []
    problems: list[RowProblem] = []
    for label, f in zip(labels, files, strict=True):
        try:
            frames.append(read_one(f))
            read.append(label)
        except TapeError as exc:
            problems += [dataclasses.replace(p, column=f"{label}: {p.column}") for p in exc.problems]
    problems += _cross_duplicates(read, frames)
    if problems:
        raise TapeError(os.fspath(source), problems)
    out = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    out.attrs = dict(frames[0].attrs)
    out.attrs["source"] = os.fspath(source)
    out.attrs["ignored_columns"] = sorted({c for f in frames for c in f.attrs.get("ignored_columns", [])})
    out.attrs["partitions"] = labels
    return out
