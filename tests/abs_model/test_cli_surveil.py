"""``abs-model surveil``: a deal's own projection as its actuals, through ``main``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import abs_model as am
from abs_model.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_surveil_writes_the_comparison_and_the_reprojection(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    deal_file = EXAMPLES / "us_auto_static.yaml"
    res = am.run(am.load_deal(deal_file))
    k = 9
    # a servicer reports whole counts; the projection's expected counts are fractional, so leave them out
    res.pool.loc[1:k].drop(columns=["count", "defaults_count"]).reset_index().to_csv(tmp_path / "history.csv", index=False)
    notes = pd.concat(
        [f.loc[1:k, ["balance_end"]].rename(columns={"balance_end": "balance"}).assign(tranche=n).reset_index() for n, f in res.tranches.items()]
    )
    notes.to_csv(tmp_path / "notes.csv", index=False)
    out = tmp_path / "out"
    code = main(["surveil", str(deal_file), "--actuals", str(tmp_path / "history.csv"), "--notes", str(tmp_path / "notes.csv"),
                 "--reproject-with", "pricing", "--out", str(out)])
    assert code == 0
    printed = capsys.readouterr().out
    assert "re-projected from period 9" in printed
    ave = pd.read_csv(out / "actual_vs_expected.csv", index_col="period")
    assert list(ave.index) == list(range(1, k + 1))
    assert np.allclose(ave["closing_balance_variance"], 0.0, atol=0.01)  # CSV round trip: printed floats
    rp = pd.read_csv(out / "reprojection_pool.csv", index_col="period")
    assert np.allclose(rp["closing_balance"], res.pool["closing_balance"], atol=0.01)
    rec = pd.read_csv(out / "reconciliation.csv")
    assert np.allclose(rec["difference"], 0.0, atol=0.01)
    assert "<svg" in (out / "surveillance.html").read_text(encoding="utf-8")
    for name in ("observed_metrics.csv", "notes_actual_vs_expected.csv", "reprojection_tranches.csv"):
        assert (out / name).stat().st_size > 0


def test_surveil_reports_a_bad_history_as_one_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "h.csv").write_text("period,opening_balance\n1,abc\n", encoding="utf-8")
    code = main(["surveil", str(EXAMPLES / "us_auto_static.yaml"), "--actuals", str(tmp_path / "h.csv"), "--out", str(tmp_path / "o")])
    assert code == 2
    err = capsys.readouterr().err
    assert "pool performance history" in err and "required column missing" in err
