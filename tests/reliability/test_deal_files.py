"""Deal files: every mistake is reported with its path in the file, the rule and what was given.

Each test edits the bundled Baitiao deal in one place (pool swapped for the bundled 2,000-loan
tape so loading is instant) and reads the message an analyst would see.

Decisions recorded here (and in docs/reliability.md):

- A waterfall is an ordered list of steps, so it cannot contain a cycle; phases only move forward
  (revolving → amortising → accelerated / default), so the deal cannot cycle between phases either.
  What *can* be wrong is a part that can never act. All of these are refused:
  a trigger effect whose waterfall is missing; a phase waterfall that nothing switches to
  (``accelerated`` with no ``accelerate`` trigger, ``default`` with no ``default`` trigger,
  ``cleanup`` without a clean-up call, ``revolving`` without revolving periods); an
  ``end_revolving`` trigger in a deal that does not revolve; a step after ``pay_residual`` that
  draws only on the accounts the residual has emptied.
- A cumulative-default-rate threshold schedule that decreases is refused (the rate only rises,
  so a falling threshold breaches by the calendar, not by performance: almost always a typo).
  Delinquency-ratio schedules may step down.
"""

from __future__ import annotations

import copy
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

import abs_model as am
from abs_model.errors import DealError

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
BASE: dict[str, Any] = yaml.safe_load((EXAMPLES / "baitiao_revolving.yaml").read_text(encoding="utf-8"))
BASE["pool"] = {"tape": str(EXAMPLES / "baitiao_tape.csv"), "scale_to": 1.2e9}


def deal_file(tmp_path: Path, edit: Callable[[dict[str, Any]], None] | None = None) -> Path:
    doc = copy.deepcopy(BASE)
    if edit is not None:
        edit(doc)
    path = tmp_path / "deal.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def refused(path: Path) -> str:
    with pytest.raises(DealError) as exc:
        am.load_deal(path)
    msg = str(exc.value)
    assert msg.startswith(f"{path}: ")  # every message names the file first
    return msg


def test_the_unedited_deal_loads(tmp_path: Path) -> None:
    assert am.load_deal(deal_file(tmp_path)).tranche_names == ("Senior A", "Senior B", "Subordinated")


# ------------------------------------------------------------------------------ keys and names
def test_unknown_keys_are_listed_with_the_allowed_ones(tmp_path: Path) -> None:
    def edit(d: dict[str, Any]) -> None:
        d["tranches"][0]["cupon"] = 0.05  # typo of coupon
        d["triggger"] = []  # typo of triggers

    msg = refused(deal_file(tmp_path, edit))
    assert "tranches[0]: unknown key(s) ['cupon']; allowed: ['balance', 'class', 'coupon'," in msg
    assert "<root>: unknown key(s) ['triggger']" in msg


def test_a_typo_in_a_tranche_name_suggests_the_closest_one(tmp_path: Path) -> None:
    def edit(d: dict[str, Any]) -> None:
        d["waterfalls"]["amortising"][3] = {"pay_interest": ["Senior A", "Senoir B"]}

    msg = refused(deal_file(tmp_path, edit))
    assert (
        "waterfalls.amortising[3].pay_interest: unknown tranche 'Senoir B'; defined tranches are "
        "['Senior A', 'Senior B', 'Subordinated'] (did you mean 'Senior B'?)"
    ) in msg


def test_a_tranche_name_in_the_wrong_case_suggests_the_right_one(tmp_path: Path) -> None:
    def edit(d: dict[str, Any]) -> None:
        d["waterfalls"]["default"][3] = {"pay_interest": {"tranches": ["senior a"], "source": "interest_then_principal"}}

    assert "unknown tranche 'senior a'; defined tranches are ['Senior A', 'Senior B', 'Subordinated'] (did you mean 'Senior A'?)" in refused(deal_file(tmp_path, edit))


def test_a_typo_in_a_fee_name_suggests_the_closest_one(tmp_path: Path) -> None:
    def edit(d: dict[str, Any]) -> None:
        d["waterfalls"]["amortising"][1] = {"pay_fee": "Trustea"}

    assert "waterfalls.amortising[1].pay_fee: unknown fee 'Trustea'; defined fees/taxes are ['Audit', 'Custodian', 'Rating', 'Registration', 'Servicer', 'Trustee', 'VAT'] (did you mean 'Trustee'?)" in refused(deal_file(tmp_path, edit))


# ------------------------------------------------------------------------------ sizes
def test_tranche_shares_above_the_pool_are_refused(tmp_path: Path) -> None:
    def edit(d: dict[str, Any]) -> None:
        d["tranches"][0]["share"] = 0.80  # 80 + 13 + 12 = 105 %

    assert "tranches: shares must add up to 1 (of the pool balance); got 1.05" in refused(deal_file(tmp_path, edit))


def test_tranche_balances_above_the_pool_are_refused(tmp_path: Path) -> None:
    def edit(d: dict[str, Any]) -> None:
        for t, bal in zip(d["tranches"], (1.0e9, 2.0e8, 1.0e8), strict=True):
            del t["share"]
            t["balance"] = bal

    assert (
        "tranches: sizes add up to 1,300,000,000.00, more than the pool balance 1,200,000,000.00 "
        "(set advance_rate for an over-collateralised or under-collateralised deal)"
    ) in refused(deal_file(tmp_path, edit))


# ------------------------------------------------------------------------------ reachability
def test_a_trigger_effect_whose_waterfall_is_missing_is_refused(tmp_path: Path) -> None:
    def edit(d: dict[str, Any]) -> None:
        del d["waterfalls"]["accelerated"]

    assert (
        "triggers[0].effect: 'accelerate' switches to the 'accelerated' waterfall, which the deal does not define; "
        "add waterfalls.accelerated (defined: ['amortising', 'default', 'revolving'])"
    ) in refused(deal_file(tmp_path, edit))


def test_a_waterfall_no_trigger_can_reach_is_refused(tmp_path: Path) -> None:
    def edit(d: dict[str, Any]) -> None:
        d["triggers"] = [t for t in d["triggers"] if t["effect"] != "accelerate"]

    assert "waterfalls.accelerated: can never run (no trigger has effect 'accelerate'); remove it or add what switches to it" in refused(deal_file(tmp_path, edit))


def test_a_cleanup_waterfall_without_a_cleanup_call_is_refused(tmp_path: Path) -> None:
    def edit(d: dict[str, Any]) -> None:
        d["waterfalls"]["cleanup"] = copy.deepcopy(d["waterfalls"]["amortising"])
        del d["cleanup"]

    assert "waterfalls.cleanup: can never run (the deal defines no cleanup call)" in refused(deal_file(tmp_path, edit))


def test_a_revolving_waterfall_in_a_deal_that_does_not_revolve_is_refused(tmp_path: Path) -> None:
    def edit(d: dict[str, Any]) -> None:
        d["revolving"]["periods"] = 0

    assert "waterfalls.revolving: can never run (revolving.periods is 0 or missing)" in refused(deal_file(tmp_path, edit))


def test_an_end_revolving_trigger_in_a_static_deal_is_refused(tmp_path: Path) -> None:
    def edit(d: dict[str, Any]) -> None:
        d["revolving"]["periods"] = 0
        del d["waterfalls"]["revolving"]
        d["triggers"].append({"name": "Stop buying", "metric": "delinquency_ratio", "threshold": 0.05, "effect": "end_revolving"})

    assert "triggers[4].effect: 'end_revolving' can never act: the deal has no revolving period; got revolving.periods = 0" in refused(deal_file(tmp_path, edit))


def test_a_step_after_pay_residual_on_the_same_account_can_never_be_paid(tmp_path: Path) -> None:
    """pay_residual (interest then principal) empties both accounts; a later pay_principal gets 0."""

    def edit(d: dict[str, Any]) -> None:
        d["waterfalls"]["amortising"].append({"pay_principal": ["Subordinated"]})

    assert (
        "waterfalls.amortising[16].pay_principal: can never receive cash: waterfalls.amortising[15].pay_residual "
        "already paid everything in the principal account(s) to the residual holder; move this step before pay_residual"
    ) in refused(deal_file(tmp_path, edit))


def test_a_step_after_an_interest_only_residual_on_the_principal_account_is_fine(tmp_path: Path) -> None:
    def edit(d: dict[str, Any]) -> None:
        steps = d["waterfalls"]["amortising"]
        steps[-1] = {"pay_residual": {"source": "interest"}}
        steps.append({"pay_residual": {"source": "principal"}})

    am.load_deal(deal_file(tmp_path, edit))


def test_a_reserve_draw_after_the_residual_makes_the_next_step_reachable(tmp_path: Path) -> None:
    def edit(d: dict[str, Any]) -> None:
        steps = d["waterfalls"]["amortising"]
        steps += [{"draw_reserve": {"to": "principal"}}, {"pay_principal": ["Senior A"]}, {"pay_residual": {}}]

    am.load_deal(deal_file(tmp_path, edit))


# ------------------------------------------------------------------------------ trigger schedules
def test_a_falling_cumulative_default_threshold_is_refused(tmp_path: Path) -> None:
    def edit(d: dict[str, Any]) -> None:
        d["triggers"][0]["threshold"] = [0.02] * 12 + [0.0035] * 12  # 0.035 typed as 0.0035

    assert (
        "triggers[0].threshold[12]: a cumulative default rate threshold must not decrease (the rate itself only "
        "rises, so a falling threshold breaches by time, not by performance); got 0.02 in period 12 then 0.0035 in period 13"
    ) in refused(deal_file(tmp_path, edit))


def test_a_delinquency_threshold_may_step_down(tmp_path: Path) -> None:
    def edit(d: dict[str, Any]) -> None:
        d["triggers"].append({"name": "DQ", "metric": "delinquency_ratio", "threshold": [0.05, 0.04, 0.03], "effect": "accelerate"})

    am.load_deal(deal_file(tmp_path, edit))


# ------------------------------------------------------------------------------ hostile YAML
def test_a_billion_laughs_anchor_bomb_is_refused_at_the_first_alias(tmp_path: Path) -> None:
    """Nine levels of nine aliases would expand to 9⁹ ≈ 387 million strings; the loader stops at one."""
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, 10)]
    path = tmp_path / "lol.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tracemalloc.start()
    try:
        msg = refused(path)
        peak_mb = tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()
    assert "line 2: YAML aliases (*l0) are not allowed in deal files; got an alias" in msg
    assert peak_mb < 20.0


@pytest.mark.parametrize(
    ("text", "tag"),
    [
        ("name: !!python/object/apply:os.system ['echo owned']\n", "!!python/object/apply:os.system"),
        ("name: !!python/name:os.system\n", "!!python/name:os.system"),
        ("name: !!python/object/new:subprocess.Popen [['id']]\n", "!!python/object/new:subprocess.Popen"),
    ],
)
def test_tags_that_would_construct_objects_are_refused(tmp_path: Path, text: str, tag: str) -> None:
    path = tmp_path / "evil.yaml"
    path.write_text(text, encoding="utf-8")
    msg = refused(path)
    assert f"line 1: tags that construct objects are not allowed in deal files (they are read as plain data with the safe loader only); got the tag {tag!r}" in msg


def test_the_same_hostile_yaml_in_an_assumptions_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text("cpr: !!python/object/apply:os.system ['echo owned']\n", encoding="utf-8")
    with pytest.raises(DealError, match="tags that construct objects are not allowed"):
        am.load_assumptions(path)
    path.write_text("a: &x 0.1\ncpr: *x\n", encoding="utf-8")
    with pytest.raises(DealError, match=r"YAML aliases \(\*x\) are not allowed"):
        am.load_assumptions(path)


@pytest.mark.parametrize(
    "text, line",
    [
        ("--- \nx: 1\t..\n", 2),
        ("float_key\t: {1.5:: a}\n", 1),
        ("tranches:\n  - {name: A, clas\ts: senior}\n", 2),
    ],
)
def test_a_tab_where_yaml_allows_none_is_refused_with_its_line(tmp_path: Path, text: str, line: int) -> None:
    """PyYAML's reader refuses a tab inside a token or before a colon; libyaml's parser reads the
    same text as a key "clas\\ts" or a value "1\\t..". Deal files are read by PyYAML's reader only
    (a differential fuzz of the examples found 45 such documents in 4,000 mutations), so a file
    means the same thing on every machine, with or without libyaml."""
    path = tmp_path / "tabs.yaml"
    path.write_text(text, encoding="utf-8")
    msg = refused(path)
    assert f"line {line}" in msg and "'\\t'" in msg, msg
