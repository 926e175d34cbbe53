"""Same inputs, same outputs: DataFrames equal to the bit, the workbook equal part by part (except
its creation timestamp in docProps/core.xml), the HTML report equal byte for byte."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd
import pytest

import abs_model as am
from abs_model.output.report import render_report
from abs_model.output.workbook import write_workbook

from ._deals import small_deal_file

TIMESTAMP_PART = "docProps/core.xml"


@pytest.fixture(scope="module")
def deal_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_deal_file(tmp_path_factory.mktemp("deal"))


@pytest.fixture(scope="module")
def two_runs(deal_path: Path) -> tuple[am.DealResult, am.DealResult]:
    """The deal loaded and run twice from the file, nothing shared between the two."""
    return am.run(am.load_deal(deal_path)), am.run(am.load_deal(deal_path))


def test_pool_projection_is_identical_across_runs() -> None:
    a = am.Assumptions.make(cpr=0.2, cdr=0.05, recovery_rate=0.3, recovery_lag=3)
    first = am.project(am.synthetic_pool(5_000, seed=11), a).frame
    second = am.project(am.synthetic_pool(5_000, seed=11), a).frame
    pd.testing.assert_frame_equal(first, second, check_exact=True)


def test_every_deal_frame_is_identical_across_runs(two_runs: tuple[am.DealResult, am.DealResult]) -> None:
    a, b = two_runs
    pd.testing.assert_frame_equal(a.pool, b.pool, check_exact=True)
    pd.testing.assert_frame_equal(a.summary(), b.summary(), check_exact=True)
    for kind in ("tranches", "fees", "triggers"):
        fa, fb = getattr(a, kind), getattr(b, kind)
        assert list(fa) == list(fb)
        for name in fa:
            pd.testing.assert_frame_equal(fa[name], fb[name], check_exact=True, obj=f"{kind}[{name!r}]")
    for name in ("accounts", "revolving", "ledger"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True, obj=name)


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def test_the_workbook_is_identical_apart_from_its_timestamp(two_runs: tuple[am.DealResult, am.DealResult], tmp_path: Path) -> None:
    a, b = two_runs
    write_workbook(a, tmp_path / "a.xlsx")
    write_workbook(b, tmp_path / "b.xlsx")
    pa, pb = _parts(tmp_path / "a.xlsx"), _parts(tmp_path / "b.xlsx")
    assert sorted(pa) == sorted(pb)
    assert TIMESTAMP_PART in pa
    differing = [n for n in pa if n != TIMESTAMP_PART and pa[n] != pb[n]]
    assert differing == [], f"parts that differ between two identical runs: {differing}"


def test_the_report_is_identical_across_runs(two_runs: tuple[am.DealResult, am.DealResult], tmp_path: Path) -> None:
    a, b = two_runs
    first = render_report(a, tmp_path / "a.html")
    second = render_report(b, tmp_path / "b.html")
    assert first == second
    assert (tmp_path / "a.html").read_bytes() == (tmp_path / "b.html").read_bytes()
