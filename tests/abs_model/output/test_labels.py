"""Label registry (one source of display labels and formats) and atomic writes."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import numpy as np
import pytest

from abs_model.output.atomic import atomic_write
from abs_model.output.labels import EXCEL_FORMATS, LABELS, Label, display, excel_format, fmt, label


def test_every_column_of_a_deal_result_is_registered_in_both_languages() -> None:
    # read the columns off a real result rather than a hand-kept list: pool (with purchases and
    # the clean-up sale), tranches, fees, ledger
    from pathlib import Path

    import abs_model as am

    deal = am.load_deal(Path(__file__).resolve().parents[3] / "examples" / "us_auto_static.yaml")
    r = am.run(deal)
    columns = {*r.pool.columns, *next(iter(r.tranches.values())).columns, *r.ledger.columns, "period"}
    for f in r.fees.values():
        columns |= set(f.columns)
    for col in sorted(columns):
        entry = LABELS[col]
        assert entry.en and entry.zh, col
        assert entry.fmt in EXCEL_FORMATS, col


def test_domain_terms() -> None:
    assert label("period", "zh") == "收款期间"
    assert label("payment_date", "zh") == "兑付日"
    assert label("prepayment", "zh").startswith("早偿")
    assert "违约" in label("defaults", "zh")
    assert "回收" in label("recoveries", "zh")
    assert label("purchases", "zh") == "循环购买金额"
    assert label("opening_balance", "zh") == "期初余额"
    assert label("closing_balance", "zh") == "期末余额"
    assert label("note_payments", "zh") == "证券兑付"
    assert [label(c, "zh") for c in ("senior", "mezzanine", "subordinated")] == ["优先级", "次优先级", "次级"]
    assert label("principal_collections", "zh") == "本金回收"


def test_fallback_and_guessed_formats() -> None:
    assert label("some_new_column") == "Some New Column"
    assert label("some_new_column", "zh") == "Some New Column"
    assert fmt("senior_loss_rate") == "rate"
    assert fmt("n_count") == "int"
    assert fmt("mystery") == "amount"


def test_excel_formats() -> None:
    assert excel_format("closing_balance") == "#,##0.00"
    assert excel_format("cpr") == "0.00%"
    assert excel_format("factor") == "0.0000"
    assert excel_format("wal_years") == "0.00" and excel_format("wal_Senior A") == "0.00"
    assert excel_format("first_breach_Cumulative default") == "#,##0"
    assert label("loss_pct_Senior A", "zh") == "损失比例：Senior A"
    assert excel_format("count") == "#,##0"
    assert excel_format("date") == "yyyy-mm-dd"


def test_display() -> None:
    assert display(1234567.891, "closing_balance") == "1,234,567.89"
    assert display(0.123456, "cpr") == "12.35%"
    assert display(0.98765432, "factor") == "0.9876543"
    assert display(-1e-12, "factor") == "0.0000000"
    assert display(-1e-9, "closing_balance") == "0.00"
    assert display(1234.0, "count") == "1,234"
    assert display(np.datetime64("2025-03-31"), "date") == "2025-03-31"
    assert display(float("nan"), "cpr") == "—"
    assert display(None, "cpr") == "—"
    assert display(True, "breached") == "✓"
    assert display("A-1", "tranche") == "A-1"
    assert display(0.5, "anything", kind="rate") == "50.00%"


def test_label_is_frozen_and_registry_read_only() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        LABELS["cpr"].en = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        LABELS["new"] = Label("a", "b")  # type: ignore[index]


# --- atomic writes ----------------------------------------------------------------------------


def test_atomic_write_replaces_on_success(tmp_path: Path) -> None:
    p = tmp_path / "out.txt"
    p.write_text("old", encoding="utf-8")
    with atomic_write(p) as fh:
        fh.write("新内容")
    assert p.read_text(encoding="utf-8") == "新内容"
    assert [q.name for q in tmp_path.iterdir()] == ["out.txt"]
    with atomic_write(tmp_path / "b.bin", "wb") as fh:
        fh.write(b"\x00\x01")
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\x01"


def test_atomic_write_failure_keeps_old_file_and_leaves_no_temp(tmp_path: Path) -> None:
    p = tmp_path / "out.txt"
    p.write_text("good", encoding="utf-8")
    with pytest.raises(RuntimeError, match="half"), atomic_write(p) as fh:
        fh.write("half a fi")
        raise RuntimeError("half-way failure")
    assert p.read_text(encoding="utf-8") == "good"
    assert [q.name for q in tmp_path.iterdir()] == ["out.txt"]


def test_atomic_write_failure_creates_nothing(tmp_path: Path) -> None:
    p = tmp_path / "new.txt"
    with pytest.raises(KeyError), atomic_write(p, "wb") as fh:
        fh.write(b"x")
        raise KeyError("boom")
    assert list(tmp_path.iterdir()) == []


def test_atomic_write_permissions_like_open(tmp_path: Path) -> None:
    p = tmp_path / "perm.txt"
    with atomic_write(p) as fh:
        fh.write("x")
    ref = tmp_path / "ref.txt"
    ref.write_text("x")
    assert os.stat(p).st_mode & 0o777 == os.stat(ref).st_mode & 0o777


def test_atomic_write_rejects_bad_mode(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="mode"), atomic_write(tmp_path / "x", "a"):  # type: ignore[arg-type]
        pass
