"""Tape headers: the canonical columns, the Chinese header map, product spellings, and renaming a
lender's headers to canonical names (``columns=`` first, then :data:`ZH_COLUMNS`, then the header
itself, case- and space-insensitively)."""

from __future__ import annotations

import re
from collections.abc import Mapping

import pandas as pd

from abs_model.collateral.fields import SEGMENT_COLUMNS
from abs_model.core.products import PRODUCT_KEYS, PRODUCT_LABELS_ZH
from abs_model.errors import RowProblem

#: Columns a tape must provide (``remaining_term`` may come as ``age``, ``bucket`` as
#: ``days_past_due``).
REQUIRED_COLUMNS: tuple[str, ...] = (
    "loan_id",
    "original_principal",
    "current_principal",
    "original_term",
    "remaining_term",
    "product",
    "rate",
    "bucket",
)
#: Every canonical column, in output order (``age`` is an input alternative only).
COLUMNS: tuple[str, ...] = (
    *REQUIRED_COLUMNS,
    "days_past_due",
    "origination_date",
    *SEGMENT_COLUMNS,
)
_INPUT_ONLY = ("age",)
_ALTERNATIVES = {"remaining_term": "age", "bucket": "days_past_due"}

#: Days past due above this are M7 (written off), not a pool asset.
MAX_DAYS_PAST_DUE = 180
#: Largest balance accepted for one receivable (1e12 in the tape's currency): a bigger figure is a
#: unit or parsing error (cents read as units, an id read as a number), not a loan.
MAX_BALANCE = 1e12
#: Field separators recognised in a tape whose header did not split on the expected one.
_OTHER_SEPARATORS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
CENT = 0.01

#: Built-in Chinese header map (applies automatically to headers found in it).
ZH_COLUMNS: Mapping[str, str] = {
    "借据号": "loan_id",
    "借据编号": "loan_id",
    "贷款编号": "loan_id",
    "资产编号": "loan_id",
    "合同金额": "original_principal",
    "放款金额": "original_principal",
    "借款金额": "original_principal",
    "剩余本金": "current_principal",
    "未偿本金": "current_principal",
    "本金余额": "current_principal",
    "期数": "original_term",
    "总期数": "original_term",
    "分期期数": "original_term",
    "剩余期数": "remaining_term",
    "账龄": "age",
    "产品类型": "product",
    "还款方式": "product",
    "费率": "rate",
    "利率": "rate",
    "分期费率": "rate",
    "放款日期": "origination_date",
    "逾期天数": "days_past_due",
    "逾期状态": "bucket",
    "地区": "region",
    "区域": "region",
    "渠道": "channel",
    "评分等级": "score_band",
    "信用等级": "score_band",
}

#: Product spellings accepted in the ``product`` column (after strip + lower-case).
PRODUCT_ALIASES: Mapping[str, str] = {
    **{k: k for k in PRODUCT_KEYS},
    **{v: k for k, v in PRODUCT_LABELS_ZH.items()},
    "免息": "bullet",
    "先息后本": "bullet",
    "flat fee": "flat_fee",
    "level payment": "level_payment",
    "equal principal": "equal_principal",
}

_MONEY = ("original_principal", "current_principal")
#: Columns read as text from CSV (ids keep leading zeros).
_TEXT_COLUMNS = ("loan_id", "product", "bucket", "origination_date", *SEGMENT_COLUMNS)
_BUCKET_VALUES = {**{f"m{i}": i for i in range(8)}, **{str(i): i for i in range(8)}}


def _canonical_name(header: str) -> str:
    h = header.strip().lstrip("\ufeff")
    low = re.sub(r"[\s\-]+", "_", h.lower())
    return low if low in COLUMNS or low in _INPUT_ONLY else h


def _user_map(columns: Mapping[str, str] | None) -> dict[str, str]:
    return {str(k).strip(): v for k, v in (columns or {}).items()}


def _target(header: str, user: Mapping[str, str]) -> str:
    """Canonical name of a tape header: ``columns=`` first, then the Chinese map, then itself."""
    h = header.strip().lstrip("\ufeff")
    if h in user:
        return user[h]
    if h in ZH_COLUMNS:
        return ZH_COLUMNS[h]
    return _canonical_name(h)


def _rename(df: pd.DataFrame, columns: Mapping[str, str] | None, problems: list[RowProblem]) -> pd.DataFrame:
    user = _user_map(columns)
    allowed = set(COLUMNS) | set(_INPUT_ONLY)
    for k, v in user.items():
        if v not in allowed:
            problems.append(RowProblem(None, k, v, f"columns= maps to an unknown column; use one of {COLUMNS}"))
    present = {str(col).strip().lstrip("\ufeff") for col in df.columns}
    given = getattr(columns, "given", {})
    for h, v in user.items():
        if h not in present:
            shown = ", ".join(sorted(present))
            problems.append(RowProblem(None, h, given.get(h, v), f"no such column in the tape (its columns: {shown})"))
    new = [_target(str(col), user) for col in df.columns]
    seen: dict[str, str] = {}
    for orig, name in zip(df.columns, new, strict=True):
        if name in allowed and name in seen:
            problems.append(
                RowProblem(
                    None,
                    name,
                    [seen[name], str(orig)],
                    "two tape columns map to the same canonical column; drop one or pass columns=",
                )
            )
        seen.setdefault(name, str(orig))
    out = df.copy(deep=False)
    out.columns = pd.Index(new)
    return out.loc[:, ~out.columns.duplicated()]


