"""The live workbook model: the waterfall as formulas, recalculated by LibreOffice, equals the
Python engine to a cent — for both example deals, stressed runs (phase switches, triggers,
writedowns), and after an input cell is edited (senior coupon + 1 %), where it must equal a
Python run with that change. Without LibreOffice only the layout rules are checked."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pytest

import abs_model as am
from abs_model.output.workbook import write_workbook
from tests.abs_model.output.live_model import assert_labels_chinese, check_layout, compare, recalc, set_input

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
DECKS = Path(__file__).resolve().parent / "decks"
CASES = {
    "baitiao": ("baitiao_2015_structure.yaml", 1.0),
    "us_auto": ("us_auto_static.yaml", 1.0),
    "baitiao_stressed": ("baitiao_2015_structure.yaml", 4.0),  # CDR trigger → accelerated, writedowns
    "us_auto_stressed": ("us_auto_static.yaml", 4.0),  # CNL trigger → sequential
    "baitiao_default": ("baitiao_2015_structure.yaml", 15.0),  # missed senior interest → event-of-default waterfall
    "us_auto_legal_final": ("us_auto_static.yaml", 1.0),  # legal final before the notes are repaid → written down
    "us_auto_recovered": ("us_auto_full_recovery.yaml", 1.0),  # CDR 50 %, all recovered: recoveries to come cover the notes
    "baitiao_period_writedown": ("baitiao_period_writedown.yaml", 1.0),  # writedown: period while revolving: purchases are collateral
    "us_auto_advancing": ("us_auto_advancing.yaml", 1.0),  # P&I advancing: advanced principal credits the PDL
    "baitiao_restructured_default": ("baitiao_restructured_default.yaml", 1.0),  # restructured counted as defaults, no PDL debit
    "us_auto_reimbursed": ("us_auto_static.yaml", 20.0),  # writedown: period; pay_residual repays what was written down first
    "us_auto_interest_at_end": ("us_auto_interest_at_end.yaml", 1.0),  # interest carried to legal final, paid before the residual
    "baitiao_restructured_delinquent": ("baitiao_restructured_delinquent.yaml", 1.0),  # restructured counted in the serious-delinquency window
    "baitiao_restructured_ineligible": ("baitiao_restructured_ineligible.yaml", 1.0),  # ineligible restructured plans sold with the clean-up call
    "us_auto_target_oc": ("us_auto_target_oc.yaml", 3.0),  # target OC not kept when the clean-up call ends the deal
}
#: cases run to an earlier legal final: (deal periods, months from the cut-off month to the legal final)
LEGAL_FINAL = {"us_auto_legal_final": (24, 25)}
BUMP = 0.01


def _run(case: str, *, bump: float = 0.0) -> Any:
    fname, mult = CASES[case]
    deal = am.load_deal(DECKS / fname if (DECKS / fname).is_file() else EXAMPLES / fname)
    if case in LEGAL_FINAL:
        periods, months = LEGAL_FINAL[case]
        lf = (deal.cutoff_date.astype("datetime64[M]") + months).astype("datetime64[D]") + 14
        deal = dataclasses.replace(deal, periods=periods, legal_final=lf)
    if bump:
        ts = list(deal.structure.tranches)
        ts[0] = dataclasses.replace(ts[0], coupon=float(ts[0].coupons[0]) + bump)
        deal = dataclasses.replace(deal, structure=dataclasses.replace(deal.structure, tranches=tuple(ts)))
    a = deal.assumptions
    if mult != 1.0:
        a = dataclasses.replace(a, default_multiplier=mult)
    return am.run(deal, a)


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("live")
    out = {}
    for case in CASES:
        out[case] = write_workbook(_run(case), folder / f"{case}.xlsx")
    return out


def test_every_deal_gets_a_live_model(books: dict[str, Path]) -> None:
    for case, path in books.items():
        wb = openpyxl.load_workbook(path)
        assert {"Inputs", "Model", "Outputs"} <= set(wb.sheetnames), case
        assert "in_coupon_0" in wb.defined_names, case
        assert str(wb["Summary"]["D1"].value).startswith("Live model:"), case


def test_formulas_follow_the_layout_rules(books: dict[str, Path]) -> None:
    """One formula per row, inputs only from the Inputs sheet, no number typed in a formula
    besides 0, 1, the phase codes, 12 and 'unlimited' (:func:`live_model.check_layout`)."""
    assert check_layout(books["baitiao"]) > 100


def test_refused_structure_keeps_values_only_workbook(tmp_path: Path) -> None:
    """A run that can't be rebuilt from its deal and assumptions — a recovery multiplier on a pool
    whose segment has a recovery rate of its own, which the result's assumptions cannot state
    (prepayment and default multipliers they do: ``abs_model.runs.runner.run``) — gets the workbook
    without the live sheets, saying why."""
    deal = am.load_deal(EXAMPLES / "us_auto_static.yaml")
    assert deal.assumptions is not None
    own = am.SegmentOverride(column="region", value="West", recovery_rate=0.3)
    res = am.run(deal, dataclasses.replace(deal.assumptions, segment_overrides=(own,)), recovery_mult=2.0)
    wb = openpyxl.load_workbook(write_workbook(res, tmp_path / "x.xlsx"))
    assert "Model" not in wb.sheetnames and "Tranches" in wb.sheetnames
    assert "not built" in str(wb["Summary"]["D1"].value)
    assert "differs from the run" in str(wb["Summary"]["E1"].value)


def _bumped(path: Path, dest: Path) -> Path:
    """The workbook with the senior coupon input (``in_coupon_0``) raised by 1 %."""
    return set_input(path, dest, "in_coupon_0", add=BUMP)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed: cannot recalculate the live model")
def test_libreoffice_recalculation_equals_engine(books: dict[str, Path], tmp_path: Path) -> None:
    bumped = {c: _bumped(p, tmp_path / f"{c}_bumped.xlsx") for c, p in books.items() if c in ("baitiao", "us_auto")}
    out = recalc([*books.values(), *bumped.values()], tmp_path)
    for case, path in books.items():
        ws = openpyxl.load_workbook(out / path.name, data_only=True)["Outputs"]
        res = _run(case)
        assert compare(ws, res) >= 10, case
        if case in LEGAL_FINAL:  # the case does reach the legal final with notes owed
            assert sum(float(f["writedown"].iloc[-1]) for f in res.tranches.values()) > 0.0, case
        if case == "baitiao_period_writedown":  # the purchases of the revolving payment dates are not written down:
            # notes = pool at closing, so writedowns to date never exceed the pool's net loss to date
            wd = np.cumsum(sum(f["writedown"].to_numpy() for f in res.tranches.values()))
            assert float(res.revolving["purchased"].sum()) > 0.0 and wd[-2] > 0.0, case
            assert (wd[:-1] <= np.cumsum(res.pool["net_loss"].to_numpy()[1:-1]) + 0.005).all(), case
        if case == "us_auto_interest_at_end":  # the last period's residual step pays interest owed
            led = res.ledger
            assert led[(led.step == "pay_residual") & led.target.str.endswith(":interest")].amount.sum() > 1e4, case
        if case == "us_auto_reimbursed":  # some written-down principal is repaid (a negative writedown) before any residual
            assert min(float(f["writedown"].min()) for f in res.tranches.values()) < -1.0, case
        if case == "us_auto_recovered":  # pool + principal cash alone fell short of the notes: no writedown all the same
            notes = sum(f["balance_end"].to_numpy() for f in res.tranches.values())
            cover = res.pool["closing_balance"].to_numpy()[1:] + res.accounts["principal_account_end"].to_numpy()
            assert (notes > cover + 1.0).any() and sum(float(f["writedown"].sum()) for f in res.tranches.values()) == 0.0, case
    for case, path in bumped.items():
        ws = openpyxl.load_workbook(out / path.name, data_only=True)["Outputs"]
        base = _run(case)
        changed = _run(case, bump=BUMP)
        assert not np.allclose(base.tranches[next(iter(base.tranches))]["interest_paid"], changed.tranches[next(iter(changed.tranches))]["interest_paid"])
        assert compare(ws, changed) >= 10, case


def test_chinese_labels_of_repaid_writedowns(tmp_path: Path) -> None:
    """The rows of written-down principal repaid before the residual (US auto, period writedowns)."""
    res = _run("us_auto_reimbursed")
    wb = openpyxl.load_workbook(write_workbook(res, tmp_path / "zh.xlsx", lang="zh"))
    given = [t.name for t in res.deal.structure.tranches] + [f.name for f in res.deal.structure.fees] + [g.name for g in res.deal.structure.triggers]
    assert assert_labels_chinese(wb, given) > 200
    texts = {str(c.value) for c in wb["Model"]["B"] if c.value is not None}
    assert any("偿还减记本金" in v for v in texts) and any("尚未偿还的减记本金" in v for v in texts)


def test_chinese_workbook_labels_are_chinese(tmp_path: Path) -> None:
    """``lang="zh"``: every row label of the live sheets is Chinese, but for the names the deal file
    gives (fees, triggers) and day-count codes; tranches appear by their ``label_zh``."""
    res = _run("baitiao")
    wb = openpyxl.load_workbook(write_workbook(res, tmp_path / "zh.xlsx", lang="zh"))
    given = [f.name for f in res.deal.structure.fees] + [g.name for g in res.deal.structure.triggers]
    assert assert_labels_chinese(wb, given) > 200
    labels = {str(ws.cell(row=r, column=2).value) for ws in (wb["Outputs"],) for r in range(1, ws.max_row + 1)}
    assert any(v.startswith("优先A级：") for v in labels), "tranches by label_zh"
    summary = {str(c.value) for row in wb["Summary"].iter_rows() for c in row if c.value is not None}
    assert "优先A级" in summary and "Senior A" not in summary
