"""The surveillance section: its context holds the numbers; the page lays them out, escaped."""

from __future__ import annotations

from pathlib import Path

import abs_model as am
from abs_model.output.surveillance_report import build_surveillance_context, render_surveillance

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def test_the_section_shows_the_last_period_and_the_charts(tmp_path: Path) -> None:
    deal = am.load_deal(EXAMPLES / "us_auto_static.yaml")
    res = am.run(deal)
    hist = res.pool.loc[1:4].reset_index()
    hist.loc[3, "prepayment"] += 1_000_000.0
    hist.loc[3, "closing_balance"] -= 1_000_000.0
    hist.loc[3, "balance_m0"] -= 1_000_000.0
    frames = am.actual_vs_expected(res, hist)
    rp = am.reproject(deal, hist, assumptions=res.assumptions)
    ctx = build_surveillance_context(frames, rp)["s"]
    assert ctx["table"]["caption"] == "Period 4: actual vs expected"
    balance_row = ctx["table"]["rows"][0]
    expected = float(res.pool.at[4, "closing_balance"])
    assert balance_row[1]["text"] == f"{expected - 1_000_000.0:,.2f}"
    assert balance_row[2]["text"] == f"{expected:,.2f}"
    assert balance_row[3] == {"text": "-1,000,000.00", "cls": "neg"}
    assert len(ctx["charts"]) == 3
    html = render_surveillance(frames, rp, tmp_path / "s.html")
    assert (tmp_path / "s.html").read_text(encoding="utf-8") == html
    assert html.count("<svg") == 3 and "Re-projected from period 4" in html
