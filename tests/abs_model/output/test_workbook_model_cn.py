"""The live workbook model of the two shipped Chinese consumer-ABS examples (Baitiao revolving,
Huabei-style static): liquidity reserve, period return with turbo, shortfall undertaking,
serious-delinquency and servicer-event triggers, collection costs, late fees, restructuring and
eligibility-driven purchases. LibreOffice recalculates each workbook and every tranche, fee and
account cash flow equals the Python engine's to a cent — as run, stressed (defaults × 4), and
after an input cell is edited (senior coupon + 1 %, a trigger threshold, the servicer event's
period and the shortfall undertaking's limit as scenario inputs), where it must equal a Python
run with that change."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pytest

import abs_model as am
import tranches as tr
from abs_model.output.workbook import write_workbook
from tests.abs_model.output.conftest import example_text
from tests.abs_model.output.live_model import assert_labels_chinese, check_layout, compare, keys, recalc, set_input

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
BUMP = 0.01
EVENT_PERIOD = 5
SUPPORT_LIMIT = 3_000_000.0
NEW_THRESHOLD = {"baitiao": 0.01, "huabei": 0.015}  # serious delinquency: breached mid-life (values peak ≈ 1.1 % / 1.7 %)


def _deal(name: str, folder: Path) -> am.Deal:
    if name == "huabei":
        return am.load_deal(EXAMPLES / "huabei_style_static.yaml")
    path = folder / "baitiao.yaml"
    if not path.is_file():
        path.write_text(example_text(20_000), encoding="utf-8")  # the example on a smaller pool
    return am.load_deal(path)


def _serious(deal: am.Deal) -> int:
    return next(j for j, g in enumerate(deal.structure.triggers) if g.metric == "serious_delinquency")


def _with_steps(deal: am.Deal, change: Callable[[Any], Any]) -> am.Deal:
    s = deal.structure
    wfs = {p: dataclasses.replace(wf, steps=tuple(change(st) for st in wf.steps)) for p, wf in s.waterfalls.items()}
    return dataclasses.replace(deal, structure=dataclasses.replace(s, waterfalls=wfs))


def _changed(deal: am.Deal, edit: str) -> am.Deal:
    """The Python side of an edit of the workbook's inputs."""
    s = deal.structure
    if edit == "coupon":
        ts = list(s.tranches)
        ts[0] = dataclasses.replace(ts[0], coupon=float(ts[0].coupons[0]) + BUMP)
        return dataclasses.replace(deal, structure=dataclasses.replace(s, tranches=tuple(ts)))
    if edit.startswith("threshold"):
        j = _serious(deal)
        gs = list(s.triggers)
        gs[j] = dataclasses.replace(gs[j], threshold=NEW_THRESHOLD[edit.split(":")[1]])
        return dataclasses.replace(deal, structure=dataclasses.replace(s, triggers=tuple(gs)))
    assert edit == "servicer"
    gs = tuple(dataclasses.replace(g, event_period=EVENT_PERIOD) if g.metric == "servicer_event" else g for g in s.triggers)
    deal = dataclasses.replace(deal, structure=dataclasses.replace(s, triggers=gs))
    return _with_steps(deal, lambda st: dataclasses.replace(st, limit=SUPPORT_LIMIT) if isinstance(st, tr.steps.ShortfallSupport) else st)


def _run(deal: am.Deal, mult: float = 1.0, *, buy_back: float | None = None) -> am.DealResult:
    a = deal.assumptions
    assert a is not None
    if buy_back is not None:  # the originator buys 2 % a month back below par: the discount debits the PDL
        a = dataclasses.replace(a, buy_back=am.BuyBack(ineligible_rate=0.02, price=buy_back))
    return am.run(deal, dataclasses.replace(a, default_multiplier=mult) if mult != 1.0 else a)


def _edit_book(path: Path, dest: Path, deal: am.Deal, edit: str) -> Path:
    """The workbook side of an edit: input cells changed by defined name."""
    if edit == "coupon":
        return set_input(path, dest, "in_coupon_0", add=BUMP)
    if edit.startswith("threshold"):
        return set_input(path, dest, f"in_thr_{_serious(deal)}", NEW_THRESHOLD[edit.split(":")[1]])
    j = next(j for j, g in enumerate(deal.structure.triggers) if g.metric == "servicer_event")
    set_input(path, dest, f"in_event_{j}", float(EVENT_PERIOD))
    names = [n for n in openpyxl.load_workbook(dest).defined_names if n.startswith("in_sup_") and n.endswith("_limit")]
    assert len(names) == 1, names  # the four phases' equal undertaking steps share one input cell
    for n in names:
        set_input(dest, dest, n, SUPPORT_LIMIT)
    return dest


#: case → (deal, default multiple)
CASES = {
    "baitiao": ("baitiao", 1.0),
    "baitiao_stressed": ("baitiao", 4.0),
    "huabei": ("huabei", 1.0),
    "huabei_stressed": ("huabei", 4.0),
    "huabei_buyback": ("huabei", 1.0),
}
#: case → buy-back price (of 2 % of the performing balance a month)
BUY_BACK = {"huabei_buyback": 0.6}
#: edited case → (base case, edit)
EDITS = {
    "baitiao_coupon": ("baitiao", "coupon"),
    "baitiao_threshold": ("baitiao", "threshold:baitiao"),
    "baitiao_servicer": ("baitiao_stressed", "servicer"),  # stressed, so that the undertaking is called on
    "huabei_coupon": ("huabei", "coupon"),
    "huabei_threshold": ("huabei", "threshold:huabei"),
}


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("live_cn")


@pytest.fixture(scope="module")
def runs(folder: Path) -> dict[str, am.DealResult]:
    out = {case: _run(_deal(name, folder), mult, buy_back=BUY_BACK.get(case)) for case, (name, mult) in CASES.items()}
    for case, (base, edit) in EDITS.items():
        name, mult = CASES[base]
        out[case] = _run(_changed(_deal(name, folder), edit), mult)
    return out


@pytest.fixture(scope="module")
def books(runs: dict[str, am.DealResult], folder: Path) -> dict[str, Path]:
    out = {case: write_workbook(runs[case], folder / f"{case}.xlsx") for case in CASES}
    for case, (base, edit) in EDITS.items():
        out[case] = _edit_book(out[base], folder / f"{case}.xlsx", _deal(CASES[base][0], folder), edit)
    return out


def test_both_examples_get_a_live_model(books: dict[str, Path], runs: dict[str, am.DealResult]) -> None:
    """The structures of this round are expressed, not refused: the Model holds their rows."""
    for case in CASES:
        wb = openpyxl.load_workbook(books[case])
        assert str(wb["Summary"]["D1"].value).startswith("Live model:"), (case, wb["Summary"]["D1"].value)
        rows = keys(wb["Model"])
        assert any(k.endswith(".target") for k in rows), case  # liquidity target
        assert any(k.startswith("trig_avg_") for k in rows), case  # serious delinquency, 3-period average
    rows = keys(openpyxl.load_workbook(books["baitiao"])["Model"])
    for k in ("pool.late_fees", "pool.collection_costs", "cost_int", "pool.restructured_entries", "bought_3", "revolving.1.room"):
        assert k in rows, k
    base = runs["baitiao"]
    assert base.tranches["Subordinated"]["residual_paid"].iloc[:12].sum() > 0  # the period return is paid
    assert base.accounts["reserve_deposit"].sum() > 0 and base.pool["collection_costs_paid"].sum() > 0


def test_formulas_follow_the_layout_rules(books: dict[str, Path]) -> None:
    """The rows added for these structures keep the rules: one formula per row, no typed numbers."""
    for case in ("baitiao", "huabei"):
        assert check_layout(books[case]) > 300, case


def _differs(a: am.DealResult, b: am.DealResult) -> bool:
    fa, fb = a.tranches["Senior A"], b.tranches["Senior A"]
    return not (np.allclose(fa["interest_paid"], fb["interest_paid"]) and np.allclose(fa["principal_paid"], fb["principal_paid"]))


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed: cannot recalculate the live model")
def test_libreoffice_recalculation_equals_engine(books: dict[str, Path], runs: dict[str, am.DealResult], tmp_path: Path) -> None:
    out = recalc(list(books.values()), tmp_path)
    for case, path in books.items():
        ws = openpyxl.load_workbook(out / path.name, data_only=True)["Outputs"]
        assert compare(ws, runs[case]) >= 30, case
    for case, (base, _) in EDITS.items():  # each edit changes the run, so equality is not by accident
        assert _differs(runs[base], runs[case]), case
    assert "accelerated" in set(runs["baitiao_stressed"].revolving["phase"]), "stress reaches the accelerated waterfall"
    assert "accelerated" in set(runs["baitiao_threshold"].revolving["phase"]), "the lower threshold ends revolving"
    assert runs["huabei_threshold"].triggers[runs["huabei"].deal.structure.triggers[_serious(runs["huabei"].deal)].name]["breached"].any()
    bb = runs["huabei_buyback"]
    assert bb.pool["repurchase_loss"].sum() > 0 and "pool.repurchase_loss" in keys(openpyxl.load_workbook(books["huabei_buyback"])["Model"])
    servicer = runs["baitiao_servicer"]
    assert servicer.ledger["step"].str.startswith("commingling_loss").any(), "the commingling loss is exercised"
    paid = servicer.ledger.loc[servicer.ledger["source"] == "originator", "amount"].sum()
    assert abs(paid - SUPPORT_LIMIT) <= 0.005, "the undertaking pays up to its limit"


def test_chinese_live_model_is_chinese_throughout(runs: dict[str, am.DealResult], folder: Path) -> None:
    """``lang="zh"``: every row label of Inputs, Model and Outputs is Chinese — the rows of this
    round's structures and the pool columns too — but for the names the deal file gives (fees,
    triggers) and day-count codes; tranches appear by their ``label_zh``."""
    for case in ("baitiao", "huabei"):
        res = runs[case]
        wb = openpyxl.load_workbook(write_workbook(res, folder / f"{case}_zh.xlsx", lang="zh"))
        given = [f.name for f in res.deal.structure.fees] + [g.name for g in res.deal.structure.triggers]
        assert assert_labels_chinese(wb, given) > 300, case
        labels = {str(wb["Outputs"].cell(row=r, column=2).value) for r in range(1, wb["Outputs"].max_row + 1)}
        assert any(v.startswith("优先A级：") for v in labels) and not any("Senior A" in v for v in labels), case


def test_unknown_collections_line_is_refused_not_dropped(runs: dict[str, am.DealResult], folder: Path) -> None:
    """Cash the run handed the waterfall that the formulas' collection rows do not produce (here
    RMB 1 more interest in period 3, as a collections line the workbook does not know would be)
    refuses the live model with the reason; the values-only workbook is still written."""
    res = runs["huabei"]
    led = res.ledger.copy()
    hit = (led["period"] == 3) & (led["step"] == "collect_interest")
    led.loc[hit, "amount"] += 1.0
    wb = openpyxl.load_workbook(write_workbook(dataclasses.replace(res, ledger=led), folder / "refused.xlsx"))
    assert "Model" not in wb.sheetnames and "Tranches" in wb.sheetnames
    assert "not built" in str(wb["Summary"]["D1"].value)
    assert "collections into the interest_account differ from the run by 1" in str(wb["Summary"]["E1"].value)
