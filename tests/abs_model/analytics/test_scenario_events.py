"""Event stresses in the scenario sets (issue 12): the 差额支付 provider defaults, and a servicer
termination / 权利完善事件 with commingling loss, as named scenarios of the set "events".

Worked on the Baitiao example with a small synthetic pool scaled to the deal's RMB 1.2bn. Each
event must move the result in its direction (never in favour of the notes), conserve cash (every
deal-life check passes) and reach the sweep and breakeven tables by name.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

import abs_model as am
import tranches as tr
from abs_model.analytics.scenarios import EVENT_PERIOD, Scenario, scenario_set, variant_key, with_events
from abs_model.errors import AbsModelError

ROOT = Path(__file__).resolve().parents[3]
BAITIAO = ROOT / "examples" / "baitiao_revolving.yaml"
CENT = 0.005


@pytest.fixture(scope="module")
def deal() -> am.Deal:
    return am.load_deal(BAITIAO, pool=am.synthetic_pool(2_000, seed=11), scale_pool=True)


def _support_paid(r: am.DealResult) -> float:
    led = r.ledger
    return float(led.loc[led["step"] == "shortfall_support", "amount"].sum())


def _received(r: am.DealResult, name: str) -> float:
    f = r.tranches[name]
    return float(f["interest_paid"].sum() + f["principal_paid"].sum() + f["residual_paid"].sum())


def test_the_event_set_names_three_scenarios() -> None:
    names = [s.name for s in scenario_set("events")]
    assert names == ["support_default", "servicer_event", "originator_default"]
    od = scenario_set(["originator_default"])[0]
    assert (od.support_default_period, od.servicer_event_period) == (EVENT_PERIOD, EVENT_PERIOD)
    assert variant_key(od) != variant_key(scenario_set("base")[0])


def test_provider_default_stops_the_shortfall_undertaking(deal: am.Deal) -> None:
    """Under a default stress heavy enough to call on the undertaking, the provider's default
    (from period 1) leaves the seniors with less and the undertaking pays nothing."""
    d = with_events(deal, support_default_period=1)
    steps = [s for w in d.structure.waterfalls.values() for s in w.steps if isinstance(s, tr.steps.ShortfallSupport)]
    assert steps and all(s.provider_default_period == 1 for s in steps)
    base = am.run(deal, default_mult=12.0)
    hit = am.run(d, base.assumptions, default_mult=12.0)
    assert _support_paid(base) > 0.0  # the stress reaches the undertaking
    assert _support_paid(hit) == 0.0
    seniors = [t.name for t in deal.structure.tranches if t.tranche_class in ("senior", "mezzanine")]
    assert sum(_received(hit, n) for n in seniors) < sum(_received(base, n) for n in seniors) - CENT
    assert not hit.failed_checks, [c.name for c in hit.failed_checks]


def test_servicer_event_loses_the_commingled_collections_in_its_period(deal: am.Deal) -> None:
    """The deal's own trigger loses 50 % of the event period's collections (interest, late fees,
    principal, recoveries, each pot capped at its cash); the residual class gets less; the
    revolving period ends (the trigger's effect: accelerate)."""
    base = am.run(deal)
    d = with_events(deal, servicer_event_period=EVENT_PERIOD)
    r = am.run(d, base.assumptions)
    led = r.ledger
    lost = led[led["target"] == "commingling_loss"]
    assert set(lost["period"]) == {EVENT_PERIOD}
    inflow = led[(led["source"] == "pool") & (led["period"] == EVENT_PERIOD)]["amount"].sum()
    assert float(lost["amount"].sum()) == pytest.approx(0.5 * float(inflow), rel=1e-9)
    sub = deal.structure.tranches[-1].name
    assert _received(r, sub) < _received(base, sub)
    assert (r.revolving["phase"].iloc[EVENT_PERIOD:] != "revolving").all()
    assert not r.failed_checks, [c.name for c in r.failed_checks]
    # a share given by the scenario replaces the deal's own; a deal without the trigger gets one
    full = am.run(with_events(deal, servicer_event_period=EVENT_PERIOD, commingling_loss=1.0), base.assumptions)
    assert float(full.ledger.query("target == 'commingling_loss'")["amount"].sum()) > float(lost["amount"].sum())
    bare = dataclasses.replace(
        deal, structure=dataclasses.replace(deal.structure, triggers=tuple(g for g in deal.structure.triggers if g.metric != "servicer_event"))
    )
    no_trigger = with_events(bare, servicer_event_period=3, commingling_loss=0.25)
    added = [g for g in no_trigger.structure.triggers if g.metric == "servicer_event"]
    assert [(g.name, g.event_period, g.commingling_loss, g.effect) for g in added] == [("servicer_event_stress", 3, 0.25, "end_revolving")]


def test_sweep_and_breakeven_show_the_event_scenarios(deal: am.Deal) -> None:
    rows = am.sweep(deal, {"scenario": ["base", "servicer_event", "originator_default"]}, metrics=("loss", "residual_paid"))
    sub = deal.structure.tranches[-1].name
    by = rows[rows["tranche"] == sub].set_index("scenario")
    assert by.loc["servicer_event", "residual_paid"] < by.loc["base", "residual_paid"]
    assert by.loc["originator_default", "residual_paid"] <= by.loc["servicer_event", "residual_paid"] + CENT
    be = am.breakeven(deal, scenarios="events", variants=("first_dollar",), tranches=[deal.structure.tranches[0].name], points=5, tol=1e-2)
    assert set(be.frame["scenario"]) == {"support_default", "servicer_event", "originator_default"}
    assert np.isfinite(be.frame["breakeven_mult"]).all()


def test_event_fields_are_validated_with_the_path() -> None:
    with pytest.raises(AbsModelError, match=r"scenarios\['x'\]\.servicer_event_period: must be a period ≥ 1"):
        Scenario("x", servicer_event_period=0)
    with pytest.raises(AbsModelError, match=r"scenarios\['x'\]\.commingling_loss: must be a decimal share in \[0, 1\]"):
        Scenario("x", commingling_loss=1.5)
