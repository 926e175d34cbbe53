"""The principal deficiency ledger over a deal's whole life, run from deal files as a user would.

A default is made good once: by ``cover_pdl`` out of interest and by its own recoveries (or, under
P&I advancing, the principal advanced on it), never by both in full. Worked from the pool frame
and the trust's ledger, independently of the engine's PDL arrays.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import abs_model as am

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
CENT = 0.005


def _ledger_total(r: am.DealResult, step: str) -> float:
    led = r.ledger
    return float(led.loc[led["step"] == step, "amount"].sum())


def test_baitiao_covers_each_default_once_with_its_recoveries() -> None:
    # Baitiao demo: cover_pdl in every waterfall, recoveries into the principal account, called
    # in period 19 (the recoveries still to come then go with the pool). The PDL ends at 0, so the
    # interest moved to principal plus the recoveries collected equal the defaults:
    #   Σ cover_pdl + Σ recoveries = Σ defaults (up to the call).
    # Before, cover_pdl moved every default out of interest and the 2.7m of recoveries came on top.
    r = am.run(am.load_deal(EXAMPLES / "baitiao_revolving.yaml"))
    assert not r.failed_checks
    assert r.accounts["pdl_end"].iloc[-1] == pytest.approx(0.0, abs=CENT)
    covered = _ledger_total(r, "cover_pdl")
    recovered = _ledger_total(r, "collect_recoveries")
    defaults = float(r.pool["defaults"].sum())
    assert recovered > 1e6  # the deal does collect recoveries
    assert covered + recovered == pytest.approx(defaults, abs=1.0)


def test_under_advancing_the_pdl_holds_what_never_came_in() -> None:
    # US auto, SIFMA P&I advancing (no cover_pdl step: the PDL only records). The servicer's
    # advances on defaulted loans and their liquidation proceeds both reach the principal account;
    # what the trust never receives is Σ defaults − Σ recoveries − Σ advanced principal, which is
    # the PDL at the end. (Before, the advances were not credited: the PDL ended 28.8m too high.)
    deal = am.load_deal(EXAMPLES / "us_auto_static.yaml")
    r = am.run(deal, am.Assumptions.make(abs_speed=0.015, cdr=0.3, recovery_rate=0.5, recovery_lag=6, advancing=True))
    assert not r.failed_checks
    p = r.pool
    never = float(p["defaults"].sum() - p["recoveries"].sum() - p["advanced_principal"].sum())
    assert p["advanced_principal"].sum() > 1e7
    assert r.accounts["pdl_end"].iloc[-1] == pytest.approx(never, abs=1.0)
    # … which is the pool's net loss plus the recoveries due only after the last period
    assert never >= float(p["net_loss"].sum()) - 1.0
    acc = r.accounts
    np.testing.assert_allclose(acc["pdl_begin"] + acc["pdl_debit"] - acc["pdl_credit"], acc["pdl_end"], atol=CENT)


def test_a_guarantors_cover_is_a_booked_pdl_credit_and_the_check_says_so(tmp_path: Path) -> None:
    # Baitiao with a guarantee of half of every default (limit 5m) ahead of cover_pdl. The
    # guarantor's cash credits the PDL; it was applied but not booked, so PDL(t−1) + debit −
    # credit missed PDL(t) by up to 3.05m while all 17 checks passed. The new named check reads
    # the accounts; with a credit taken out of them it fails.
    import types

    import yaml

    from abs_model.runs import checks

    doc = yaml.safe_load((EXAMPLES / "baitiao_revolving.yaml").read_text(encoding="utf-8"))
    doc["pool"]["synthetic"]["n"] = 20_000
    for steps in doc["waterfalls"].values():
        at = [i for i, s in enumerate(steps) if "cover_pdl" in s]
        if at:
            steps.insert(at[0], {"default_cover": {"share": 0.5, "limit": 5_000_000}})
    path = tmp_path / "deal.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    r = am.run(am.load_deal(path))
    led = r.ledger
    assert led.loc[led["step"].str.startswith("default_cover"), "amount"].sum() == pytest.approx(5e6)
    (check,) = [c for c in r.checks if c.name.startswith("PDL:")]
    assert check.passed and not r.failed_checks
    acc = r.accounts.copy()
    acc["pdl_credit"] = acc["pdl_credit"] - led[led["step"].str.startswith("default_cover")].groupby("period")["amount"].sum().reindex(acc.index, fill_value=0.0)
    broken = checks._pdl_roll_forward(types.SimpleNamespace(accounts=acc), check.tolerance)  # type: ignore[arg-type]
    assert not broken.passed and broken.max_abs_error > 1e6


def test_restructured_receivables_counted_as_defaults_are_not_made_good_as_losses(tmp_path: Path) -> None:
    # Baitiao with its restructuring plan's rule counts_as_default: the receivables entering the
    # plan (9.9m) count in the cumulative default rate (the trigger, recomputed by a deal check)
    # but keep paying into principal collections, so they debit no PDL:
    #   Σ cover_pdl + Σ recoveries = Σ defaults, not Σ defaults + Σ restructured entries
    # (before: cover_pdl moved the 9.9m out of interest as well).
    import yaml

    doc = yaml.safe_load((EXAMPLES / "baitiao_revolving.yaml").read_text(encoding="utf-8"))
    for plan in doc["assumptions"]["collections"]["restructuring"]:
        plan["counts_as_default"] = True
    path = tmp_path / "deal.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    r = am.run(am.load_deal(path))
    assert not r.failed_checks, [c.name for c in r.failed_checks]
    entries = float(r.pool["restructured_entries"].sum())
    assert entries > 5e6
    covered, recovered = _ledger_total(r, "cover_pdl"), _ledger_total(r, "collect_recoveries")
    assert covered + recovered == pytest.approx(float(r.pool["defaults"].sum()), abs=1.0)
    # the cumulative default trigger still counts them (its value recomputed from the pool frame)
    assert any(c.name.startswith("triggers:") and c.passed for c in r.checks)
