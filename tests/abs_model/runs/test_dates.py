"""Deal dates drive note interest (issue 10, defect 5): accrual from closing to the first
payment date, then between payment dates, in each class's day count; payment dates follow the
business-day rule and show in the result."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import abs_model as am
from abs_model.runs.dates import accrual_dates, payment_dates

ROOT = Path(__file__).resolve().parents[3]
BAITIAO = ROOT / "examples" / "baitiao_revolving.yaml"
D = np.datetime64


def test_payment_dates_follow_first_payment_and_the_business_day_rule() -> None:
    # collections of July 2026 are paid on 26 August; 26 September 2026 is a Saturday → Monday 28th
    got = payment_dates(D("2026-06-30"), 4, first_payment=D("2026-10-26"))
    assert [str(x) for x in got] == ["2026-08-26", "2026-09-28", "2026-10-26", "2026-11-26"]
    plain = payment_dates(D("2026-06-30"), 2, first_payment=D("2026-10-26"), business_day="none")
    assert str(plain[1]) == "2026-09-26"
    # a holiday is skipped too (CN calendar optional): 2026-10-26 made a holiday → 27th
    assert str(payment_dates(D("2026-06-30"), 3, first_payment=D("2026-10-26"), holidays=[D("2026-10-26")])[2]) == "2026-10-27"
    # day 31 clips to the month's length: 31 Jan → 28 Feb 2027 (a Sunday → 1 March)
    assert str(payment_dates(D("2026-12-31"), 2, first_payment=D("2027-01-31"), business_day="none")[0]) == "2027-02-28"
    assert str(accrual_dates(D("2026-06-30"), 1, closing=D("2026-07-15"))[0]) == "2026-07-15"


def test_senior_interest_accrues_from_closing_to_the_first_payment_date() -> None:
    deal = am.load_deal(BAITIAO, pool=am.synthetic_pool(500, seed=1), scale_pool=True)
    r = am.run(deal)
    a = r.tranches["Senior A"]
    coupon = next(float(np.ravel(t.coupon)[0]) for t in deal.structure.tranches if t.name == "Senior A")
    assert coupon == 0.023  # the example's senior coupon (examples/baitiao_revolving.yaml)
    # 900m at 2.3 % ACT/365F from closing 2026-07-15 to the first payment 2026-10-26: 103 days
    assert a["interest_due"].iloc[2] == pytest.approx(900_000_000 * coupon * 103 / 365, abs=0.005)
    # (the old engine accrued from the cut-off 2026-06-30 to 2026-09-30: 92 days); then
    # 2026-10-26 → 2027-01-26: 92 days
    assert a["interest_due"].iloc[5] == pytest.approx(900_000_000 * coupon * 92 / 365, abs=0.005)
    rev = r.revolving
    assert str(rev.loc[3, "payment_day"])[:10] == "2026-10-26"
    assert rev.loc[rev["payment_date"], "payment_day"].notna().all()
    assert rev.loc[~rev["payment_date"], "payment_day"].isna().all()
