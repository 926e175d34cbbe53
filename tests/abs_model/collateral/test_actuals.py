"""Reading a pool performance history and note actuals: valid files load, every bad row is named."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from abs_model.collateral.actuals import read_note_actuals, read_pool_actuals
from abs_model.errors import ActualsError


def _history() -> pd.DataFrame:
    # two months of a 1,000,000 pool, rolled forward by hand:
    # 1,000,000 - 40,000 - 47,500 - 10,000 = 902,500; 902,500 - 39,000 - 43,000 - 9,500 = 811,000
    return pd.DataFrame(
        {
            "period": [1, 2],
            "opening_balance": [1_000_000.0, 902_500.0],
            "scheduled_principal": [40_000.0, 39_000.0],
            "prepayment": [47_500.0, 43_000.0],
            "fee_interest": [8_000.0, 7_200.0],
            "defaults": [10_000.0, 9_500.0],
            "recoveries": [0.0, 1_000.0],
            "closing_balance": [902_500.0, 811_000.0],
            "balance_m0": [880_000.0, 780_000.0],
            "balance_m1": [12_500.0, 15_000.0],
            "balance_m2": [10_000.0, 8_000.0],
            "balance_m3": [0.0, 8_000.0],
            "balance_m4": [0.0, 0.0],
            "balance_m5": [0.0, 0.0],
            "balance_m6": [0.0, 0.0],
            "count": [900, 810],
        }
    )


def test_a_valid_history_loads_from_csv_xlsx_parquet_and_sql(tmp_path: Path) -> None:
    h = _history()
    csv = tmp_path / "h.csv"
    h.to_csv(csv, index=False)
    got = read_pool_actuals(csv)
    assert list(got["period"]) == [1, 2]
    assert got["closing_balance"].iloc[-1] == 811_000.0
    assert got.attrs["source"] == str(csv)
    pq = tmp_path / "h.parquet"
    h.to_parquet(pq)
    pd.testing.assert_frame_equal(read_pool_actuals(pq), got, check_dtype=False)
    xlsx = tmp_path / "h.xlsx"
    h.to_excel(xlsx, index=False)
    pd.testing.assert_frame_equal(read_pool_actuals(xlsx), got, check_dtype=False)
    db = tmp_path / "h.db"
    with sqlite3.connect(db) as conn:
        h.to_sql("history", conn, index=False)
    pd.testing.assert_frame_equal(read_pool_actuals(db, query="select * from history"), got, check_dtype=False)


def test_every_bad_row_is_reported_with_row_column_rule_and_value(tmp_path: Path) -> None:
    h = _history()
    h = pd.concat([h, h.iloc[[1]].assign(period=4, opening_balance=811_000.0, closing_balance=700_000.0)], ignore_index=True)
    h["prepayment"] = h["prepayment"].astype(object)
    h.loc[0, "prepayment"] = "n/a"  # text in a money column
    h.loc[1, "defaults"] = -5.0  # negative money
    path = tmp_path / "bad.csv"
    h.to_csv(path, index=False)
    with pytest.raises(ActualsError) as err:
        read_pool_actuals(path)
    msg = str(err.value)
    assert str(path) in msg and "pool performance history" in msg
    found = {(p.row, p.column) for p in err.value.problems}
    assert (1, "prepayment") in found  # "must be a number, not text"
    assert (2, "defaults") in found  # must be >= 0
    assert (2, "closing_balance") in found  # roll-forward broken by the negative default
    assert (3, "period") in found  # period 3 missing: 2 -> 4
    assert (3, "closing_balance") in found  # 811,000 - ... != 700,000
    assert "row 1, column 'prepayment': must be a number, not text; got 'n/a'" in msg


def test_missing_columns_and_a_broken_chain_are_named() -> None:
    with pytest.raises(ActualsError, match="required column missing") as err:
        read_pool_actuals(_history().drop(columns=["recoveries", "defaults"]))
    assert {p.column for p in err.value.problems} == {"recoveries", "defaults"}
    h = _history()
    h.loc[1, ["opening_balance", "closing_balance"]] = [902_600.0, 811_100.0]
    with pytest.raises(ActualsError, match="previous period's closing_balance"):
        read_pool_actuals(h)
    h = _history().drop(columns=["balance_m6"])
    with pytest.raises(ActualsError, match="all seven bucket balances"):
        read_pool_actuals(h)
    h = _history()
    h.loc[0, "balance_m0"] = 880_100.0
    with pytest.raises(ActualsError, match="sum to closing_balance"):
        read_pool_actuals(h)


def test_note_actuals_are_validated_against_the_deal_tranches(tmp_path: Path) -> None:
    notes = pd.DataFrame(
        {
            "period": [1, 1, 2, 2, 2],
            "tranche": ["A", "B", "A", "B", "C"],
            "balance": [700.0, 100.0, 650.0, -1.0, 5.0],
            "principal_paid": [50.0, 0.0, 50.0, 0.0, 0.0],
        }
    )
    with pytest.raises(ActualsError) as err:
        read_note_actuals(notes, tranches=["A", "B"])
    found = {(p.row, p.column) for p in err.value.problems}
    assert found == {(4, "balance"), (5, "tranche")}
    got = read_note_actuals(notes.iloc[:3], tranches=["A", "B"])
    assert np.allclose(got["balance"], [700.0, 100.0, 650.0])
    with pytest.raises(ActualsError, match="must be unique"):
        read_note_actuals(pd.concat([notes.iloc[:1], notes.iloc[:1]]))
    with pytest.raises(FileNotFoundError, match="note actuals not found"):
        read_note_actuals(tmp_path / "none.csv")


def test_a_header_without_rows_is_an_error_not_an_empty_history(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    _history().iloc[:0].to_csv(path, index=False)
    with pytest.raises(ActualsError, match="no data rows"):
        read_pool_actuals(path)
    with pytest.raises(ActualsError, match="no data rows"):
        read_note_actuals(pd.DataFrame({"period": [], "tranche": [], "balance": []}))


def test_chinese_headers_and_a_user_header_map(tmp_path: Path) -> None:
    zh = _history().rename(columns={
        "period": "期数", "opening_balance": "期初余额", "scheduled_principal": "正常回收本金", "prepayment": "提前还款",
        "fee_interest": "利息回收", "defaults": "违约金额", "recoveries": "回收金额", "closing_balance": "期末余额",
        "count": "资产笔数",
    })
    path = tmp_path / "zh.csv"
    zh.to_csv(path, index=False, encoding="utf-8-sig")
    got = read_pool_actuals(path)
    assert got["closing_balance"].tolist() == [902_500.0, 811_000.0]
    assert got["count"].tolist() == [900, 810]
    mine = _history().rename(columns={"prepayment": "Unscheduled Principal"})
    assert read_pool_actuals(mine, columns={"Unscheduled Principal": "prepayment"})["prepayment"].tolist() == [47_500.0, 43_000.0]


def test_loan_month_records_aggregate_to_a_valid_pool_history_by_hand() -> None:
    # loan 1: 300 paying 100 a month; loan 2: 600, late (M1, M2), defaults in month 3 at 600,
    # then pays 50 (a recovery); loan 3: first seen in month 3 (bought at the end of month 2), prepays.
    from abs_model.collateral.actuals import pool_history_from_loans

    panel = pd.DataFrame(
        [
            (1, 1, 300.0, 200.0, 0, 100.0, 0.0, 0.0), (1, 2, 200.0, 100.0, 0, 100.0, 0.0, 0.0), (1, 3, 100.0, 0.0, 0, 100.0, 0.0, 0.0),
            (2, 1, 600.0, 600.0, 20, 0.0, 0.0, 0.0), (2, 2, 600.0, 600.0, 50, 0.0, 0.0, 0.0), (2, 3, 600.0, 600.0, 95, 0.0, 0.0, 600.0),
            (2, 4, 600.0, 550.0, 125, 50.0, 0.0, 0.0),
            (3, 3, 400.0, 0.0, 0, 0.0, 400.0, 0.0),
        ],
        columns=["loan_id", "month", "opening_balance", "balance", "days_past_due", "scheduled_paid", "prepaid", "defaulted"],
    )
    h = read_pool_actuals(pool_history_from_loans(panel)).set_index("period")
    assert list(h["opening_balance"]) == [900.0, 800.0, 1100.0, 0.0]
    assert list(h["purchases"]) == [0.0, 400.0, 0.0, 0.0]
    assert list(h["scheduled_principal"]) == [100.0, 100.0, 100.0, 0.0]
    assert list(h["prepayment"]) == [0.0, 0.0, 400.0, 0.0]
    assert list(h["defaults"]) == [0.0, 0.0, 600.0, 0.0]
    assert list(h["recoveries"]) == [0.0, 0.0, 0.0, 50.0]
    assert list(h["closing_balance"]) == [800.0, 1100.0, 0.0, 0.0]
    assert list(h["balance_m1"]) == [600.0, 0.0, 0.0, 0.0] and list(h["balance_m2"]) == [0.0, 600.0, 0.0, 0.0]
    assert list(h["balance_m0"]) == [200.0, 500.0, 0.0, 0.0]
    assert list(h["count"]) == [2, 3, 0, 0]


def test_a_synthetic_loan_panel_aggregates_to_a_history_that_validates() -> None:
    import abs_model as am
    from abs_model.collateral.actuals import pool_history_from_loans

    rr = am.load_deal(Path(__file__).resolve().parents[3] / "examples" / "baitiao_revolving.yaml").assumptions.roll_rates  # type: ignore[union-attr]
    panel = am.synthetic_history(300, seed=2, true_roll_rates=rr, true_cpr=0.2, months=12, vintages=4)
    h = read_pool_actuals(pool_history_from_loans(panel))
    assert len(h) == 12
    assert h["defaults"].sum() == pytest.approx(panel["defaulted"].sum())
    with pytest.raises(ActualsError, match="required column missing"):
        pool_history_from_loans(panel.drop(columns=["prepaid"]))


def test_a_column_given_twice_is_a_header_problem() -> None:
    h = _history()
    h.insert(3, "Prepayment", h["prepayment"])  # the same column after lower-casing
    with pytest.raises(ActualsError, match="column given more than once"):
        read_pool_actuals(h)
