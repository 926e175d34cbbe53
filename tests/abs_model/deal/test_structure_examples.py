"""The two Chinese-structure examples: they load, run with every check passed, end with no cash
in any account, and show their mechanisms (issue 12)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

import abs_model as am

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
CENT = 0.005
SDQ = "Serious delinquency → sequential (严重拖欠率)"


@pytest.fixture(scope="module")
def huabei() -> am.Deal:
    return am.load_deal(EXAMPLES / "huabei_style_static.yaml")


def test_static_deal_pays_seniors_pro_rata_while_it_performs(huabei: am.Deal) -> None:
    r = am.run(huabei)
    assert all(c.passed for c in r.checks)
    L = r.liabilities
    a, b = L.tranche("Senior A"), L.tranche("Senior B")
    # 80 % and 8 % of the pool: B gets one tenth of A's principal each period (pro rata by balance)
    paid = a.principal_paid[0] > 0
    assert np.allclose(b.principal_paid[0][paid], a.principal_paid[0][paid] * 0.1, rtol=1e-9)
    assert not L.trigger(SDQ).breached[0].any()
    assert L.arrays["res_end"][0, -1] == pytest.approx(0.0, abs=CENT)


def test_static_deal_switches_to_sequential_when_serious_delinquency_breaches(huabei: am.Deal) -> None:
    r = am.run(huabei, default_mult=np.array([4.0]))
    L = r.liabilities
    first = int(np.argmax(L.trigger(SDQ).breached[0]))
    assert L.trigger(SDQ).breached[0, first]
    a, b = L.tranche("Senior A"), L.tranche("Senior B")
    # from the breach on, B is paid no principal while A is outstanding (non-curable: for good)
    open_a = a.balance_begin[0] > CENT
    after = np.arange(a.principal_paid.shape[1]) >= first
    assert b.principal_paid[0][after & open_a & (a.balance_end[0] > CENT)].sum() == pytest.approx(0.0, abs=CENT)


def test_baitiao_example_states_its_structure() -> None:
    deal = am.load_deal(EXAMPLES / "baitiao_revolving.yaml")
    r = am.run(deal)
    assert all(c.passed for c in r.checks)
    L = r.liabilities
    defs = L.trigger_definitions_frame().set_index("trigger")
    assert defs.loc["Serious delinquency (严重拖欠率)", "window"] == "M2–M3 (31–90 days past due), average of the last 3 periods"
    assert defs.loc["Servicer event (权利完善事件)", "metric"] == "servicer_event"
    # the liquidity reserve is funded on the first quarterly payment date and empty at the end
    res = L.arrays["res_end"][0]
    assert res[:2] == pytest.approx([0.0, 0.0], abs=CENT) and res[2] > 0.0
    assert res[-1] == pytest.approx(0.0, abs=CENT)
    # the subordinated class's period return is capped at 8 % a year: 144m × 8 % / 4 a quarter
    sub = L.tranche("Subordinated").residual_paid[0]
    assert sub[2] == pytest.approx(144e6 * 0.08 / 4, abs=CENT)
    # no 24-period receivable is ever bought: it would outrun the expected maturity (period 24)
    assert deal.eligibility.expected_maturity_period == 24


def test_baitiao_shortfall_undertaking_under_a_servicer_failure(tmp_path: Path) -> None:
    # servicer event in period 6 (half of that month's collections lost); the undertaking pays
    # what the seniors' interest lacks, so no senior interest is missed
    doc = yaml.safe_load((EXAMPLES / "baitiao_revolving.yaml").read_text(encoding="utf-8"))
    doc["triggers"][3]["event_period"] = 6
    path = tmp_path / "deal.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    r = am.run(am.load_deal(path))
    assert all(c.passed for c in r.checks)
    L = r.liabilities
    lost = L.flows(lambda key: key[2] == "commingling_loss")[0]
    assert lost[5] > 0.0 and lost[np.arange(lost.size) != 5].sum() == 0.0
    assert L.tranche("Senior A").interest_shortfall[0].max() == pytest.approx(0.0, abs=CENT)
