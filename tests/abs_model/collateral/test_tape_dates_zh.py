"""Origination dates written the Chinese way (``2026年1月16日``), year first like ISO: read as the
same day; a month or day that does not exist, or text not year first, is refused naming the cell."""

from __future__ import annotations

from pathlib import Path

import pytest

import abs_model as am

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def _tape(tmp_path: Path, rewrite: dict[int, str] | None = None, rows: int = 30) -> tuple[Path, Path]:
    """The bundled Chinese tape's first ``rows`` loans, as they are and with their 放款日期 written
    ``YYYY年M月D日`` (or as ``rewrite`` gives, by row)."""
    lines = (EXAMPLES / "baitiao_tape_zh.csv").read_text(encoding="utf-8").splitlines()[: rows + 1]
    head, body = lines[0], lines[1:]
    col = head.split(",").index("放款日期")
    out = []
    for i, line in enumerate(body):
        parts = line.split(",")
        y, m, d = parts[col].split("-")
        parts[col] = (rewrite or {}).get(i, f"{int(y)}年{int(m)}月{int(d)}日")
        out.append(",".join(parts))
    iso, zh = tmp_path / "iso.csv", tmp_path / "zh.csv"
    iso.write_text("\n".join([head, *body]), encoding="utf-8")
    zh.write_text("\n".join([head, *out]), encoding="utf-8")
    return iso, zh


def test_chinese_dates_read_as_the_same_days(tmp_path: Path) -> None:
    iso, zh = _tape(tmp_path)
    a, b = am.read_tape(zh), am.read_tape(iso)
    assert a.equals(b)
    assert str(a["origination_date"].iloc[0].date()) == "2026-01-16"  # 2026年1月16日


def test_a_chinese_date_without_the_day_sign_still_reads(tmp_path: Path) -> None:
    iso, zh = _tape(tmp_path, rewrite={0: "2026年1月16"})
    assert am.read_tape(zh)["origination_date"].iloc[0] == am.read_tape(iso)["origination_date"].iloc[0]


@pytest.mark.parametrize("bad", ["2026年13月1日", "2026年2月30日", "1月16日2026年", "26年1月16日"])
def test_an_impossible_or_not_year_first_chinese_date_is_refused(tmp_path: Path, bad: str) -> None:
    _, zh = _tape(tmp_path, rewrite={2: bad})
    with pytest.raises(am.TapeError) as e:
        am.read_tape(zh)
    msg = str(e.value)
    assert "row 3, column 'origination_date'" in msg and f"got '{bad}'" in msg and "line 4" in msg, msg[:400]
