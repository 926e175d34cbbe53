"""One formula, one place (issue 10 item 11): each standard formula lives once in ``abs_model/core``,
is pinned here against a value worked by hand, and a scan of the source tree keeps copies out.

The one implementation of each:

=====================================  ==============================================================
formula                                lives in
=====================================  ==============================================================
WAL (years)                            ``core.metrics.wal_years`` (``core.yields.wal`` adds delays)
principal window                       ``core.metrics.principal_windows``
days past due → bucket                 ``core.delinquency.bucket_of_dpd``
ABS speed → SMM                        ``core.rates.abs_to_smm``
annuity balance factor                 ``core.rates.annuity_balance_factor``
CPR → SMM (CDR → MDR) and back         ``core.rates.monthly_from_annual`` / ``annual_from_monthly``
=====================================  ==============================================================
"""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

import numpy as np
import numpy_financial as npf
import pytest

from abs_model.collateral.pool import dpd_to_bucket
from abs_model.core import rates
from abs_model.core.delinquency import bucket_of_dpd
from abs_model.core.metrics import principal_windows, wal_years
from abs_model.core.schedule import ScheduleShape
from abs_model.core.yields import principal_window, wal
from abs_model.errors import AbsModelError

TIGHT = 1e-12
ROOT = Path(__file__).resolve().parents[3]


# --- the one implementations, against hand-worked values -------------------------------------


def test_wal_of_a_hand_worked_schedule() -> None:
    """50 paid in month 2 and 50 in month 3: WAL = (2·50 + 3·50) / 100 / 12 = 2.5 / 12 years."""
    assert wal_years([0.0, 50.0, 50.0])[0] == pytest.approx(2.5 / 12, abs=TIGHT)
    # the SIFMA form adds (delay − settle) / 360 years to the same number
    assert wal([0.0, 50.0, 50.0], delay_days=24, settle_days=0) == pytest.approx(2.5 / 12 + 24 / 360, abs=TIGHT)
    # no principal: NaN from the vectorised one (no average life), an error from the checked one
    assert np.isnan(wal_years([0.0, 0.0])[0])
    with pytest.raises(AbsModelError, match="no average life"):
        wal([0.0, 0.0])


def test_principal_window_counts_only_amounts_above_the_one_epsilon() -> None:
    p = [0.0, 1e-12, 5.0, 0.0, 3.0, 0.0]  # 1e-12 is float dust, not a payment
    assert principal_window(p) == (3, 5)
    first, last = principal_windows(np.array([p, [0.0] * 6]))
    assert first.tolist() == [3, 0] and last.tolist() == [5, 0]
    with pytest.raises(AbsModelError, match="no window"):
        principal_window([0.0, 1e-12])


def test_bucket_of_days_past_due_at_every_edge() -> None:
    dpd = [0, 1, 30, 31, 60, 61, 150, 151, 180, 181, 400]
    want = [0, 1, 1, 2, 2, 3, 5, 6, 6, 7, 7]  # ⌈dpd / 30⌉, capped at M7
    assert bucket_of_dpd(dpd).tolist() == want
    assert dpd_to_bucket(np.array(dpd)).tolist() == want  # the pool's name for the same function
    assert bucket_of_dpd(np.array(dpd, dtype=np.float64)).tolist() == want
    for bad in (-1, 30.5, float("nan")):
        with pytest.raises(AbsModelError, match="days_past_due"):
            bucket_of_dpd([0, bad])


def test_abs_to_smm_by_hand_and_past_the_pole() -> None:
    # 1.5 % ABS in month 11: 0.015 / (1 − 0.015 × 10) = 0.015 / 0.85
    assert rates.abs_to_smm(0.015, 11) == pytest.approx(0.015 / 0.85, abs=TIGHT)
    # 10 % ABS from month 11 on: every loan has prepaid under the model, SMM 1 (not the pole)
    assert rates.abs_to_smm(0.10, 11) == 1.0 and rates.abs_to_smm(0.10, 20) == 1.0


def test_annuity_balance_factor_equals_a_plain_amortisation_loop() -> None:
    """3 instalments at 1 % a month: the level payment is numpy-financial's ``pmt``; the balance
    after each one is ``balance × 1.01 − payment``."""
    r, n = 0.01, 3
    pay = -npf.pmt(r, n, 1.0)
    bal, loop = 1.0, [1.0]
    for _ in range(n):
        bal = bal * (1 + r) - pay
        loop.append(bal)
    got = rates.annuity_balance_factor(r, n, np.arange(n + 1))
    np.testing.assert_allclose(got, loop, rtol=0, atol=1e-12)
    assert rates.annuity_balance_factor(0.0, 4, 1) == pytest.approx(0.75, abs=TIGHT)  # r = 0: linear
    # SF-4's form (remaining over original) and the projection's closed form are the same function
    assert rates.scheduled_balance(0.12, 3, 2) == pytest.approx(loop[1], abs=1e-12)
    shape = ScheduleShape.build(
        product=np.array([1], dtype=np.int8), n=np.array([3.0]), annual_rate=np.array([0.12]),
        balance=np.array([1.0]), flat_fee=np.array([0.0]),
    )
    assert shape.balance_factor(np.array([2.0]))[0] == pytest.approx(loop[2], abs=1e-12)


def test_cpr_to_smm_keeps_full_precision_for_small_rates() -> None:
    # 20 % CPR: 1 − 0.8^(1/12), worked out as exp(ln 0.8 / 12)
    assert rates.monthly_from_annual(0.2) == pytest.approx(1 - np.exp(np.log(0.8) / 12), abs=TIGHT)
    assert rates.cpr_to_smm(0.2) == rates.monthly_from_annual(0.2)
    # 1e-12 a year is 1e-12 / 12 a month to first order (the naive power loses ~5 digits here)
    assert rates.monthly_from_annual(1e-12) == pytest.approx(1e-12 / 12, rel=1e-9)
    assert rates.monthly_from_annual(0.0) == 0.0 and rates.monthly_from_annual(1.0) == 1.0
    assert rates.annual_from_monthly(rates.monthly_from_annual(0.37)) == pytest.approx(0.37, abs=TIGHT)


# --- no copies: a scan of the source tree ----------------------------------------------------

#: The tell-tale code (comments and docstrings stripped) of each formula, and its one home.
COPIES: dict[str, tuple[str, str]] = {
    "CPR → SMM": (r"\*\*\s*\(\s*1(\.0)?\s*/\s*12(\.0)?\s*\)", "abs_model/core/rates.py"),
    "SMM → CPR": (r"\)\s*\*\*\s*12(\.0)?\b(?!\s*[-+*/])", "abs_model/core/rates.py"),
    "days past due → bucket": (r"\+\s*29\s*\)\s*//\s*30\b|ceil\([^()]*/\s*30(\.0)?\s*\)", "abs_model/core/delinquency.py"),
    "ABS → SMM": (r"1(\.0)?\s*-\s*\w+\s*\*\s*\(\s*\w+\s*-\s*1(\.0)?\s*\)", "abs_model/core/rates.py"),
    "annuity balance factor": (r"-\s*(np\.power\(|\w+\s*\*\*)[^\n]*\)\s*/\s*\(\s*\w+\s*-\s*1(\.0)?\s*\)", "abs_model/core/rates.py"),
    "WAL": (r"\.sum\([^()]*\)\s*/\s*[^\n]*/\s*(12(\.0)?|periods_per_year)\b", "abs_model/core/metrics.py"),
    "principal window": (r"\[\s*:\s*,\s*::\s*-1\s*\]\s*\.argmax\(|flatnonzero\(\s*\w+\s*>\s*0\s*\)", "abs_model/core/metrics.py"),
}

#: Copies in modules other helpers own this round (the lead replaces each by a call to the one
#: implementation when merging, then deletes its entry here; the last test fails on a stale entry).
OWNED_ELSEWHERE: dict[tuple[str, str], str] = {}


def _code_lines(path: Path) -> list[tuple[int, str]]:
    """The file's code with comments and string literals blanked out, line by line."""
    src = path.read_text(encoding="utf-8")
    lines = src.splitlines()
    blank = [list(line) for line in lines]
    for tok in tokenize.generate_tokens(io.StringIO(src).readline):
        if tok.type in (tokenize.COMMENT, tokenize.STRING):
            (r0, c0), (r1, c1) = tok.start, tok.end
            for r in range(r0, r1 + 1):
                row = blank[r - 1]
                lo = c0 if r == r0 else 0
                hi = c1 if r == r1 else len(row)
                row[lo:hi] = " " * (hi - lo)
    return [(i + 1, "".join(row)) for i, row in enumerate(blank)]


def _copies() -> dict[tuple[str, str], list[str]]:
    found: dict[tuple[str, str], list[str]] = {}
    for top in ("abs_model", "tranches"):
        for path in sorted((ROOT / top).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            for lineno, code in _code_lines(path):
                for name, (pattern, home) in COPIES.items():
                    if rel != home and re.search(pattern, code):
                        found.setdefault((rel, name), []).append(f"{rel}:{lineno}: {code.strip()}")
    return found


def test_no_formula_is_written_twice() -> None:
    stray = {k: v for k, v in _copies().items() if k not in OWNED_ELSEWHERE}
    assert not stray, "call the one implementation instead:\n" + "\n".join(line for v in stray.values() for line in v)


def test_the_scan_catches_each_tell_tale_expression() -> None:
    """Each pattern matches the copies this round removed (so the scan is not vacuous)."""
    samples = {
        "CPR → SMM": "smm = 1.0 - (1.0 - cpr) ** (1.0 / 12.0)",
        "SMM → CPR": 'out["cpr"] = 1.0 - (1.0 - smm) ** 12',
        "days past due → bucket": "bucket = np.minimum(6, (d + 29) // 30)  ;  b = np.ceil(dd / 30.0)",
        "ABS → SMM": "left = 1.0 - a * (m - 1)",
        "annuity balance factor": "annuity = np.where(r > 0, (g - np.power(1.0 + r, paid)) / (g - 1.0), share)",
        "WAL": "wal = float((periods * prin).sum() / prin.sum() / 12.0)",
        "principal window": "last = np.where(anyp, T - paid[:, ::-1].argmax(axis=1), 0)",
    }
    for name, text in samples.items():
        assert re.search(COPIES[name][0], text), name


def test_every_listed_copy_elsewhere_is_still_there() -> None:
    """An entry whose copy is gone must be deleted, so the list only ever shrinks."""
    found = _copies()
    stale = [k for k in OWNED_ELSEWHERE if k not in found]
    assert not stale, f"delete these entries of OWNED_ELSEWHERE: {stale}"
