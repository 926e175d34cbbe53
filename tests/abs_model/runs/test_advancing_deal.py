"""A deal whose pool has P&I advanced (sifma convention, ``advancing: true`` in the deal file's
assumptions): the advances are collections of the waterfall, and the deal's checks still hold."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

import abs_model as am

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "us_auto_static.yaml"


def test_advances_are_waterfall_collections() -> None:
    deal = am.load_deal(EXAMPLE)
    assert deal.assumptions is not None
    plain = am.run(deal, deal.assumptions)
    adv = am.run(deal, dataclasses.replace(deal.assumptions, advancing=True))
    assert all(c.passed for c in adv.checks), [c.name for c in adv.checks if not c.passed]
    p = adv.pool
    assert p["advanced_interest"].sum() > 0 and p["advanced_principal"].sum() > 0
    cash = (p["principal_collections"] + p["fee_interest"] + p["advanced_interest"] + p["prepayment_fee"]
            + p["recoveries"] - p["collection_costs_paid"]).iloc[1:].sum()
    led = adv.ledger
    assert float(led.loc[led["source"] == "pool", "amount"].sum()) == pytest.approx(cash, rel=1e-12)
    # same performing pool either way: advancing moves cash earlier, it does not change defaults
    np.testing.assert_allclose(adv.pool["defaults"], plain.pool["defaults"], rtol=1e-12)
    # interest advanced on defaulted loans is money the plain run never sees
    assert (p["fee_interest"] + p["advanced_interest"]).sum() > plain.pool["fee_interest"].sum()


def test_deal_file_key(tmp_path: Path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8").replace("  recovery_lag: 4\n", "  recovery_lag: 4\n  advancing: true\n")
    assert "advancing: true" in text
    path = tmp_path / "deal.yaml"
    path.write_text(text, encoding="utf-8")
    for name in ("us_auto_tape.csv",):
        (tmp_path / name).write_bytes((EXAMPLE.parent / name).read_bytes())
    deal = am.load_deal(path)
    assert deal.assumptions is not None and deal.assumptions.advancing
