"""Full Baitiao example deal (projection + revolving purchases + waterfall), one run.

Run: .venv/bin/python benchmarks/bench_deal.py
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import abs_model as am

DEAL = Path(__file__).resolve().parents[1] / "examples" / "baitiao_revolving.yaml"


def main() -> None:
    deal = am.load_deal(DEAL)
    am.run(deal)
    ts = []
    for _ in range(15):
        t0 = time.perf_counter()
        am.run(deal)
        ts.append(time.perf_counter() - t0)
    print(f"Baitiao example deal ({deal.pool.n:,} receivables, {deal.periods} periods): median {statistics.median(ts) * 1000:.1f} ms over {len(ts)} runs")


if __name__ == "__main__":
    main()
