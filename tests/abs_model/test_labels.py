"""Label registry (one source of display labels and formats) and atomic writes."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import numpy as np
import pytest

from abs_model.atomic import atomic_write
from abs_model.labels import EXCEL_FORMATS, LABELS, Label, display, excel_format, fmt, label

POOL_COLUMNS = [
    "opening_balance",
    "scheduled_principal",
    "prepayment",
    "fee_interest",
    "prepayment_fee",
    "defaults",
    "recoveries",
    "net_loss",
    "closing_balance",
    "balance_m0",
    "balance_m1",
    "balance_m2",
    "balance_m3",
    "balance_m4",
    "balance_m5",
    "balance_m6",
    "count",
    "principal_collections",
    "total_collections",
    "smm",
    "cpr",
    "mdr",
    "cdr",
    "cumulative_default_rate",
    "cumulative_net_loss_rate",
    "pool_factor",
    "delinquency_30p",
    "delinquency_60p",
    "delinquency_90p",
    "purchases",
]
TRANCHE_COLUMNS = [
    "balance_begin",
    "interest_due",
    "interest_paid",
    "interest_shortfall",
    "principal_paid",
    "writedown",
    "residual_paid",
    "balance_end",
    "factor",
]


def test_every_result_column_is_registered_in_both_languages() -> None:
    for col in (
        *POOL_COLUMNS,
        *TRANCHE_COLUMNS,
        "period",
        "source",
        "step",
        "target",
        "amount",
        "accrued",
        "paid",
        "unpaid",
    ):
        entry = LABELS[col]
        assert entry.en and entry.zh, col
        assert entry.fmt in EXCEL_FORMATS, col


def test_every_column_the_engine_produces_is_registered() -> None:
    import abs_model as am

    pool = am.synthetic_pool(200, seed=1)
    frame = am.project(pool, am.Assumptions.make(cpr=0.1, roll_rates=am.RollRates.simple(roll=[0.02, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0]))).frame
    for col in frame.columns:
        entry = LABELS[col]
        assert entry.en and entry.zh, col


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
    assert excel_format("factor") == "0.0000000"
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
