"""Hostile inputs, round seven: inputs that were read as a different value than the one written
(a day-first date, a first payment date whose year and month were ignored) or that ended in an
unnamed error. Each test failed on the code before its fix."""

from __future__ import annotations

from pathlib import Path

import pytest

import abs_model as am
from abs_model.errors import TapeError

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
