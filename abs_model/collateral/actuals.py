"""Read and validate a deal's reported performance: the pool history and the note actuals.

Both readers take what :func:`~abs_model.collateral.tape.read_tape` takes (CSV/TSV, Parquet,
XLSX, a DataFrame, or a SQL URL/connection with ``query=``), reuse its file loaders, check every
cell with vectorised masks and raise one :class:`~abs_model.errors.ActualsError` listing every
bad row (1-based data row, column, rule, value) — nothing is half-loaded.

Pool history (:func:`read_pool_actuals`, one row per monthly collection period)
==========================  ========  =====================================================
column                      dtype     rule
==========================  ========  =====================================================
``period``                  int       required, whole, >= 1, unique, consecutive from the first
``opening_balance``         float64   required money (finite, 0 <= x <= 1e12)
``scheduled_principal``     float64   required money
``prepayment``              float64   required money (unscheduled principal)
``fee_interest``            float64   required money (fees / interest collected)
``defaults``                float64   required money (principal newly defaulted)
``recoveries``              float64   required money
``closing_balance``         float64   required money; opening + purchases − scheduled −
                                      prepayment − defaults − cleanup_sale = closing (± 1 cent);
                                      = the next row's opening (± 1 cent)
``balance_m0`` .. ``m6``    float64   optional money by bucket; all seven or none; sum to closing
``count``, ``count_m0..6``  float64   optional whole counts >= 0
``prepayment_fee``,         float64   optional money (0 when absent)
``purchases``,
``cleanup_sale``,
``collection_costs``,
``net_loss``, ...
``date``                    datetime  optional period end date
==========================  ========  =====================================================

Note actuals (:func:`read_note_actuals`, one row per tranche and payment period): ``period``
(whole >= 1), ``tranche`` (text; one of the deal's names when ``tranches=`` is given),
``balance`` (ending balance, money), optional ``interest_paid``, ``principal_paid`` (money) and
``date``; (period, tranche) unique.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd

from abs_model.core.delinquency import bucket_of_dpd
from abs_model.errors import ActualsError, RowProblem, TapeError


def _tape_part(name: str) -> ModuleType:
    """The tape reader's machinery: ``abs_model.collateral.tape.<name>`` where the reader is a
    package (``readers``: file loading; ``rules``: cell checks), else the one ``tape`` module."""
    try:
        return importlib.import_module(f"abs_model.collateral.tape.{name}")
    except ModuleNotFoundError:
        return importlib.import_module("abs_model.collateral.tape")


_readers = _tape_part("readers")
_rules = _tape_part("rules")

__all__ = [
    "LOAN_MONTH_COLUMNS",
    "NOTE_COLUMNS",
    "POOL_BUCKETS",
    "POOL_OPTIONAL",
    "POOL_REQUIRED",
    "ZH_ACTUALS_COLUMNS",
    "pool_history_from_loans",
    "read_note_actuals",
    "read_pool_actuals",
]

POOL_REQUIRED: tuple[str, ...] = (
    "period",
    "opening_balance",
    "scheduled_principal",
    "prepayment",
    "fee_interest",
    "defaults",
    "recoveries",
    "closing_balance",
)
POOL_BUCKETS: tuple[str, ...] = tuple(f"balance_m{j}" for j in range(7))
_COUNTS: tuple[str, ...] = ("count", *(f"count_m{j}" for j in range(7)), "defaults_count")
POOL_OPTIONAL: tuple[str, ...] = (
    *POOL_BUCKETS,
    "prepayment_fee",
    "purchases",
    "cleanup_sale",
    "collection_costs",
    "net_loss",
    "balance_restructured",
    "restructured_entries",
    "prepay_base",
    *_COUNTS,
    "date",
)
NOTE_COLUMNS: tuple[str, ...] = ("period", "tranche", "balance", "interest_paid", "principal_paid", "date")
#: Built-in Chinese headers of trustee / servicer reports (受托管理报告, 服务机构报告), applied
#: automatically; English headers are matched case-insensitively with spaces as underscores.
ZH_ACTUALS_COLUMNS: dict[str, str] = {
    "期数": "period",
    "收款期间": "period",
    "期间": "period",
    "期初余额": "opening_balance",
    "期初本金余额": "opening_balance",
    "期末余额": "closing_balance",
    "期末本金余额": "closing_balance",
    "正常回收本金": "scheduled_principal",
    "应收本金回收": "scheduled_principal",
    "提前还款": "prepayment",
    "早偿本金": "prepayment",
    "早偿": "prepayment",
    "利息回收": "fee_interest",
    "费用回收": "fee_interest",
    "利息/费用回收": "fee_interest",
    "违约金额": "defaults",
    "新增违约": "defaults",
    "违约本金": "defaults",
    "回收金额": "recoveries",
    "违约回收": "recoveries",
    "循环购买金额": "purchases",
    "清仓回购": "cleanup_sale",
    "笔数": "count",
    "资产笔数": "count",
    "日期": "date",
    "兑付日": "date",
    "证券": "tranche",
    "档次": "tranche",
    "期末证券余额": "balance",
    "证券余额": "balance",
    "本金兑付": "principal_paid",
    "利息兑付": "interest_paid",
    **{f"M{j}余额": f"balance_m{j}" for j in range(7)},
}
#: Largest amount accepted (as for a tape): a bigger figure is a unit or parsing error.
MAX_BALANCE = 1e12
#: Roll-forward and bucket-sum tolerance: reported figures are rounded to the cent.
CENT_TOL = 0.01 + 1e-9


def _read(source: Any, *, sheet: str | int | None, query: str | None, encoding: str | None, what: str) -> tuple[pd.DataFrame, str]:
    if isinstance(source, str | os.PathLike) and query is None and not Path(source).exists():
        raise FileNotFoundError(f"{source}: {what} not found")
    try:
        return _readers._load(source, sheet, query, encoding, None)
    except TapeError as exc:  # the tape loader's file-level problems, re-worded for this input
        raise ActualsError(exc.source, exc.problems, what=what) from None


def _normalise_headers(df: pd.DataFrame, columns: Mapping[str, str] | None) -> pd.DataFrame:
    """Canonical column names: the caller's ``columns`` map first, then the Chinese map, then
    lower case with spaces as underscores."""
    user = dict(columns or {})

    def name(c: object) -> str:
        h = str(c).strip()
        return user.get(h) or ZH_ACTUALS_COLUMNS.get(h) or h.lower().replace(" ", "_")

    return df.rename(columns={c: name(c) for c in df.columns})


def _money(df: pd.DataFrame, name: str, ck: Any) -> np.ndarray:
    vals, ok = _rules._numeric(df[name], name, ck)
    ck.flag(ok & (vals < 0), name, df[name], "must be >= 0")
    ck.flag(ok & (vals > MAX_BALANCE), name, df[name], f"must be <= {MAX_BALANCE:g} (a unit or parsing error?)")
    return np.where(ok, vals, np.nan)


def _periods(df: pd.DataFrame, ck: Any, *, unique: bool) -> np.ndarray:
    vals, ok = _rules._integer(df["period"], "period", ck)
    ck.flag(ok & (vals < 1), "period", df["period"], "must be >= 1 (period 0 is the cut-off)")
    if unique:
        dup = pd.Series(vals).duplicated(keep="first").to_numpy() & ok
        ck.flag(dup, "period", df["period"], "must be unique (one row per period)")
    return np.where(ok, vals, np.nan)


def _dates(df: pd.DataFrame, ck: Any) -> None:
    if "date" not in df.columns:
        return
    parsed = _rules._to_datetime(df["date"])
    ck.flag(parsed.isna().to_numpy() & ~_rules._is_blank(df["date"]), "date", df["date"], "must be a date (YYYY-MM-DD)")
    df["date"] = parsed


def _missing(df: pd.DataFrame, required: Sequence[str], problems: list[RowProblem]) -> bool:
    """Header problems: duplicate columns (after mapping), required columns absent, no rows."""
    dup = pd.Index(df.columns)[pd.Index(df.columns).duplicated()].unique()
    problems.extend(RowProblem(None, str(c), int((df.columns == c).sum()), "column given more than once (after header mapping)") for c in dup)
    if len(dup):
        return True
    absent = [c for c in required if c not in df.columns]
    problems.extend(RowProblem(None, c, sorted(map(str, df.columns)), "required column missing") for c in absent)
    if not absent and len(df) == 0:
        problems.append(RowProblem(None, "(file)", 0, "no data rows: at least one reported period is needed"))
    return bool(problems)


def read_pool_actuals(
    source: Any,
    *,
    columns: Mapping[str, str] | None = None,
    sheet: str | int | None = None,
    query: str | None = None,
    encoding: str | None = None,
) -> pd.DataFrame:
    """Read a monthly pool performance history and return it validated, sorted by period.

    ``columns`` maps the servicer's headers to canonical names (Chinese headers in
    :data:`ZH_ACTUALS_COLUMNS` are mapped automatically). Every rule of the module table is checked; all failures raise together as one
    :class:`~abs_model.errors.ActualsError`. Optional flow columns that are absent stay absent
    (consumers treat them as 0); ``df.attrs["source"]`` names the input.
    """
    raw, name = _read(source, sheet=sheet, query=query, encoding=encoding, what="pool performance history")
    df = _normalise_headers(raw, columns)
    problems: list[RowProblem] = []
    if _missing(df, POOL_REQUIRED, problems):
        raise ActualsError(name, problems, what="pool performance history")
    buckets = [c for c in POOL_BUCKETS if c in df.columns]
    if buckets and len(buckets) != len(POOL_BUCKETS):
        missing = [c for c in POOL_BUCKETS if c not in df.columns]
        problems.append(RowProblem(None, missing[0], buckets, "give all seven bucket balances balance_m0..balance_m6 or none"))
    ck = _rules._Checker(len(df), problems)
    period = _periods(df, ck, unique=True)
    money = [c for c in df.columns if c in POOL_REQUIRED[1:] or c in POOL_OPTIONAL[:-1]]
    out = {"period": period}
    for c in money:
        out[c] = _money(df, c, ck)
    for c in _COUNTS:
        if c in df.columns:
            ck.flag(~np.isnan(out[c]) & (out[c] != np.round(out[c])), c, df[c], "must be a whole number")
    _dates(df, ck)
    _check_pool(df, out, ck)
    if problems:
        problems.sort(key=lambda p: (-1 if p.row is None else p.row, p.column))
        raise ActualsError(name, problems, what="pool performance history")
    clean = pd.DataFrame({k: v for k, v in out.items()})
    clean["period"] = clean["period"].astype(np.int64)
    if "date" in df.columns:
        clean["date"] = df["date"].to_numpy()
    clean = clean.sort_values("period", kind="stable").reset_index(drop=True)
    clean.attrs["source"] = name
    return clean


def _check_pool(df: pd.DataFrame, v: dict[str, np.ndarray], ck: Any) -> None:
    """Cross-column rules: the roll-forward, bucket sums, the chain of balances, no gaps."""
    zero = np.zeros(len(df))
    implied = (
        v["opening_balance"] + v.get("purchases", zero) - v["scheduled_principal"] - v["prepayment"]
        - v["defaults"] - v.get("cleanup_sale", zero)
    )
    bad = (np.abs(implied - v["closing_balance"]) > CENT_TOL) & ~np.isnan(implied)
    for i in np.flatnonzero(bad):  # one rule per row: it quotes that row's roll-forward
        one = np.zeros(len(df), dtype=bool)
        one[i] = True
        ck.flag(one, "closing_balance", df["closing_balance"],
                "must equal opening + purchases − scheduled_principal − prepayment − defaults − cleanup_sale "
                f"(± 1 cent) = {implied[i]:,.2f}")
    if all(c in v for c in POOL_BUCKETS):
        total = sum(v[c] for c in POOL_BUCKETS)
        bad = np.abs(total - v["closing_balance"]) > CENT_TOL
        ck.flag(bad & ~np.isnan(total), "balance_m0", df["balance_m0"], "balance_m0..balance_m6 must sum to closing_balance (± 1 cent)")
    order = np.argsort(np.nan_to_num(v["period"], nan=np.inf), kind="stable")
    p = v["period"][order]
    gap = np.zeros(len(df), dtype=bool)
    gap[order[1:]] = np.diff(p) != 1
    ck.flag(gap & ~np.isnan(v["period"]), "period", df["period"], "periods must be consecutive (a month is missing or repeated)")
    opening = v["opening_balance"][order][1:]
    prev_close = v["closing_balance"][order][:-1]
    chain = np.zeros(len(df), dtype=bool)
    chain[order[1:]] = np.abs(opening - prev_close) > CENT_TOL
    ck.flag(chain, "opening_balance", df["opening_balance"], "must equal the previous period's closing_balance (± 1 cent)")


def read_note_actuals(
    source: Any,
    *,
    tranches: Sequence[str] | None = None,
    columns: Mapping[str, str] | None = None,
    sheet: str | int | None = None,
    query: str | None = None,
    encoding: str | None = None,
) -> pd.DataFrame:
    """Read reported note balances and payments (one row per tranche and payment period).

    ``tranches``: the deal's tranche names; a row naming another tranche is a problem. Returns
    the validated rows sorted by (period, tranche).
    """
    what = "note actuals"
    raw, name = _read(source, sheet=sheet, query=query, encoding=encoding, what=what)
    df = _normalise_headers(raw, columns)
    problems: list[RowProblem] = []
    if _missing(df, ("period", "tranche", "balance"), problems):
        raise ActualsError(name, problems, what=what)
    ck = _rules._Checker(len(df), problems)
    out: dict[str, Any] = {"period": _periods(df, ck, unique=False)}
    text = df["tranche"].astype(str).str.strip()
    blank = _rules._is_blank(df["tranche"])
    ck.flag(blank, "tranche", df["tranche"], "missing value")
    if tranches is not None:
        known = set(tranches)
        ck.flag(~blank & ~text.isin(known).to_numpy(), "tranche", df["tranche"], f"must be one of the deal's tranches {sorted(known)}")
    out["tranche"] = text.to_numpy()
    for c in ("balance", "interest_paid", "principal_paid"):
        if c in df.columns:
            out[c] = _money(df, c, ck)
    dup = pd.DataFrame({"p": out["period"], "t": text}).duplicated(keep="first").to_numpy()
    ck.flag(dup & ~blank, "tranche", df["tranche"], "(period, tranche) must be unique")
    _dates(df, ck)
    if problems:
        problems.sort(key=lambda p: (-1 if p.row is None else p.row, p.column))
        raise ActualsError(name, problems, what=what)
    clean = pd.DataFrame(out)
    clean["period"] = clean["period"].astype(np.int64)
    if "date" in df.columns:
        clean["date"] = df["date"].to_numpy()
    clean = clean.sort_values(["period", "tranche"], kind="stable").reset_index(drop=True)
    clean.attrs["source"] = name
    return clean



#: Columns :func:`pool_history_from_loans` reads from a loan-month panel (``fee_paid`` optional).
LOAN_MONTH_COLUMNS: tuple[str, ...] = (
    "loan_id", "month", "opening_balance", "balance", "days_past_due", "scheduled_paid", "prepaid", "defaulted",
)


def pool_history_from_loans(panel: pd.DataFrame) -> pd.DataFrame:
    """Aggregate loan-month records into the monthly pool history :func:`read_pool_actuals` reads.

    ``panel``: one row per receivable and calendar month with :data:`LOAN_MONTH_COLUMNS` (the
    columns :func:`abs_model.synthetic_history` writes and :func:`abs_model.calibrate` reads;
    ``defaulted`` is the balance in the month the receivable first passes the default threshold)
    and optionally ``fee_paid``. A receivable belongs to the pool from its first month until the
    month it defaults; afterwards what it pays counts as recoveries. Defined, for calendar month
    ``m`` (period ``m − first month + 1``), over the receivables in the pool:

    - ``opening_balance`` = Σ opening; ``scheduled_principal`` = Σ scheduled_paid;
      ``prepayment`` = Σ prepaid; ``defaults`` = Σ defaulted; ``fee_interest`` = Σ fee_paid (0
      without the column); ``recoveries`` = Σ (scheduled_paid + prepaid) of receivables that
      defaulted in an earlier month;
    - ``closing_balance`` = Σ balance of those not defaulting this month; ``balance_mj`` and
      ``count_mj`` by bucket ``min(6, ⌈dpd / 30⌉)``; ``count`` = receivables with a balance left;
    - receivables whose first month is after the panel's first month join as ``purchases`` at the
      end of the previous month (at their opening balance).
    """
    missing = [c for c in LOAN_MONTH_COLUMNS if c not in panel.columns]
    if missing:
        raise ActualsError("<loan-month panel>", [RowProblem(None, c, sorted(map(str, panel.columns)), "required column missing") for c in missing], what="loan-month panel")
    if len(panel) == 0:
        raise ActualsError("<loan-month panel>", [RowProblem(None, "(table)", 0, "no data rows")], what="loan-month panel")
    p = panel.sort_values(["loan_id", "month"], kind="stable")
    month = p["month"].to_numpy(dtype=np.int64)
    first_month = int(month.min())
    defaulted = p["defaulted"].to_numpy(dtype=np.float64)
    # defaulted in an earlier month: the running count of default months before this row
    earlier = p.assign(_d=(defaulted > 0).astype(np.int64)).groupby("loan_id", sort=False)["_d"].cumsum().to_numpy() - (defaulted > 0)
    in_pool = earlier == 0
    # M6 holds everything past 150 days here (a defaulted receivable has left the pool)
    bucket = np.minimum(6, bucket_of_dpd(p["days_past_due"].to_numpy()))
    closing = np.where(in_pool & (defaulted <= 0), p["balance"].to_numpy(dtype=np.float64), 0.0)
    paid = p["scheduled_paid"].to_numpy(dtype=np.float64) + p["prepaid"].to_numpy(dtype=np.float64)
    frame = pd.DataFrame({
        "period": month - first_month + 1,
        "opening_balance": np.where(in_pool, p["opening_balance"].to_numpy(dtype=np.float64), 0.0),
        "scheduled_principal": np.where(in_pool, p["scheduled_paid"].to_numpy(dtype=np.float64), 0.0),
        "prepayment": np.where(in_pool, p["prepaid"].to_numpy(dtype=np.float64), 0.0),
        "fee_interest": np.where(in_pool, p["fee_paid"].to_numpy(dtype=np.float64), 0.0) if "fee_paid" in p.columns else 0.0,
        "defaults": np.where(in_pool, defaulted, 0.0),
        "recoveries": np.where(in_pool, 0.0, paid),
        "closing_balance": closing,
        "count": (closing > 0).astype(np.int64),
        **{f"balance_m{j}": np.where(bucket == j, closing, 0.0) for j in range(7)},
        **{f"count_m{j}": ((bucket == j) & (closing > 0)).astype(np.int64) for j in range(7)},
    })
    starts = p.groupby("loan_id", sort=False)["month"].transform("min").to_numpy() == month
    joins = starts & (month > first_month)
    # a receivable first seen in month m > first joins at the end of month m − 1: a purchase of
    # that month, in its closing balance (current, M0) and in month m's opening balance
    frame["purchases"] = 0.0
    out = frame.groupby("period").sum()
    join = pd.DataFrame({"period": frame["period"].to_numpy() - 1, "amount": np.where(joins, frame["opening_balance"], 0.0),
                         "n": joins.astype(np.int64)}).groupby("period").sum().reindex(out.index, fill_value=0)
    out["purchases"] = join["amount"].astype(np.float64)
    for c in ("closing_balance", "balance_m0"):
        out[c] = out[c] + join["amount"]
    for c in ("count", "count_m0"):
        out[c] = out[c] + join["n"]
    out = out.reset_index()
    out.attrs["source"] = "<loan-month panel>"
    return out
