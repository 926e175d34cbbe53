"""The same Monte Carlo whatever the number of Dask workers: a real LocalCluster on 127.0.0.1 run
with 1 worker, then scaled to 2, gives paths and statistics identical (bit for bit) to the
in-process run. The draws are made per path from the seed before the paths are split into
chunks, and each chunk's result lands at its own index, so neither the worker count nor the
order chunks finish in can change a number.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import abs_model as am
from abs_model.analytics.montecarlo import monte_carlo

distributed = pytest.importorskip("distributed")

DEAL = Path(__file__).resolve().parents[3] / "examples" / "baitiao_revolving.yaml"
RUN_TIMEOUT_S = 120.0  # a hung cluster fails the test instead of hanging the suite


def _until_the_scheduler_lists(client: object, n: int) -> None:
    """Wait until the scheduler itself (a fresh identity call) lists ``n`` workers: the
    LocalCluster's own view, which ``wait_for_workers`` asks, is refreshed on a timer."""
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while len(client.scheduler_info(n_workers=-1)["workers"]) != n:  # type: ignore[attr-defined]
        assert time.monotonic() < deadline, f"the scheduler does not list {n} workers"
        time.sleep(0.1)


def test_monte_carlo_is_identical_on_one_and_two_workers() -> None:
    deal = am.load_deal(DEAL)
    kw = {"n_paths": 150, "seed": 7, "chunk": 20, "sigma": 1.0}
    local = monte_carlo(deal, progress=False, **kw)
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None, timeout=60
    ) as cluster, distributed.Client(cluster, timeout=60) as client:
        runs = {}
        for workers in (1, 2):
            cluster.scale(workers)
            client.wait_for_workers(workers, timeout=RUN_TIMEOUT_S)
            _until_the_scheduler_lists(client, workers)
            runs[workers] = monte_carlo(deal, executor=client, timeout=RUN_TIMEOUT_S, **kw)
    for workers, r in runs.items():
        assert r.complete, workers
        pd.testing.assert_frame_equal(r.paths, local.paths, check_exact=True)
        a = r.frame.drop(columns="tranche").to_numpy(dtype=np.float64)
        b = local.frame.drop(columns="tranche").to_numpy(dtype=np.float64)
        assert np.array_equal(a, b, equal_nan=True), workers
