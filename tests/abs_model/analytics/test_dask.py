"""Running Monte Carlo and sweeps on a real dask.distributed LocalCluster (abs_model.analytics.executors).

One cluster (2 worker processes, 1 thread each) serves the tests that kill nothing; each test
that kills a worker gets a cluster of its own (``lone_client``), so no test depends on a nanny
bringing a killed worker back (on the loaded 2-core CI machine one did not come back within 180 s
and the next test found the scheduler with no worker).
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import abs_model as am
from abs_model.analytics.executors import IncompleteRunError, map_chunks
from abs_model.analytics.montecarlo import monte_carlo
from abs_model.analytics.sweep import sweep as sweep_fn

distributed = pytest.importorskip("distributed")
dask = pytest.importorskip("dask")

DEAL = Path(__file__).resolve().parents[3] / "examples" / "baitiao_revolving.yaml"
RUN_TIMEOUT_S = 60.0  # a hung cluster fails the test instead of hanging the suite
WORKER_START_TIMEOUT_S = 120.0  # a worker that never starts fails the test
DEATHS_TIMEOUT_S = 360.0  # two deaths and two nanny restarts on a loaded machine


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    # one worker death is tolerated per task, the second marks it failed (KilledWorker): keeps the
    # always-crashing test short; the scheduler runs in this process, so the setting reaches it
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        c = distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address="127.0.0.1:0",
            timeout=30,
        )
    try:
        yield c
    finally:
        c.close(timeout=20)


@pytest.fixture(scope="module")
def client(cluster: Any) -> Iterator[Any]:
    cl = distributed.Client(cluster, timeout=30)
    try:
        yield cl
    finally:
        cl.close(timeout=20)


@contextlib.contextmanager
def _lone(workers: int) -> Iterator[Any]:
    """A client on a LocalCluster of its own, for one test that kills workers."""
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        c = distributed.LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            timeout=60,
        )
    try:
        with distributed.Client(c, timeout=60) as cl:
            _wait_for_workers(cl, workers)
            yield cl
    finally:
        c.close(timeout=20)


@pytest.fixture
def lone_client() -> Iterator[Any]:
    """Two workers of a cluster of its own."""
    with _lone(2) as cl:
        yield cl


@pytest.fixture(scope="module")
def deal() -> am.Deal:
    return am.load_deal(DEAL)


def _numbers(r: Any) -> np.ndarray:
    return r.frame.drop(columns="tranche").to_numpy(dtype=np.float64)


def test_monte_carlo_on_dask_equals_in_process(client: Any, cluster: Any, deal: am.Deal) -> None:
    local = monte_carlo(deal, n_paths=200, seed=11, chunk=30, sigma=1.0, progress=False)
    on_client = monte_carlo(deal, n_paths=200, seed=11, chunk=30, sigma=1.0, executor=client, timeout=RUN_TIMEOUT_S)
    assert on_client.complete and on_client.missing_chunks == ()
    assert np.array_equal(_numbers(on_client), _numbers(local), equal_nan=True)
    pd.testing.assert_frame_equal(on_client.paths, local.paths)
    # by address (a client is connected for the call and closed), and another chunk size
    by_address = monte_carlo(
        deal, n_paths=200, seed=11, chunk=64, sigma=1.0, executor=cluster.scheduler_address, timeout=RUN_TIMEOUT_S
    )
    assert np.array_equal(_numbers(by_address), _numbers(local), equal_nan=True)
    # both workers took part
    assert len(client.scheduler_info()["workers"]) == 2


def test_sweep_on_dask_equals_in_process(client: Any, deal: am.Deal) -> None:
    from abs_model.analytics.sweep import sweep

    grid = {"default": [0.5, 1.0, 2.0, 4.0], "prepay": [0.5, 1.5]}
    local = sweep(deal, grid, chunk=3, progress=False)
    remote = sweep(deal, grid, chunk=3, executor=client, progress=False)
    pd.testing.assert_frame_equal(remote, local)


def test_a_sweep_chunk_that_keeps_failing_is_raised_or_reported(client: Any, deal: am.Deal) -> None:
    """Scenario 2's spread compression (10⁹ bp) is refused by the waterfall in every try: the
    sweep names its chunk (``missing="raise"``) or returns the other rows and lists it."""
    grid = pd.DataFrame({"default": [1.0, 2.0, 3.0], "spread_bp": [0.0, 0.0, 1e9]})
    with pytest.raises(IncompleteRunError, match=r"got 1 missing of 2 \(chunks \[1\]\).*spread_compression"):
        sweep_fn(deal, grid, chunk=2, executor=client, progress=False, timeout=RUN_TIMEOUT_S)
    part = sweep_fn(deal, grid, chunk=2, executor=client, progress=False, timeout=RUN_TIMEOUT_S, missing="report")
    assert part.attrs["complete"] is False and part.attrs["missing_scenarios"] == [2]
    assert "spread_compression" in part.attrs["errors"][1]
    whole = sweep_fn(deal, grid.iloc[:2], chunk=2, progress=False)
    pd.testing.assert_frame_equal(part, whole)  # the rows that came back are the in-process ones


def test_breakeven_on_dask_equals_in_process(client: Any, deal: am.Deal) -> None:
    from abs_model.analytics.breakeven import breakeven

    kw: dict[str, Any] = {"tranches": ["Subordinated"], "variants": ("principal",), "tol": 1e-6}
    local = breakeven(deal, **kw)
    remote = breakeven(deal, executor=client, timeout=RUN_TIMEOUT_S, **kw)
    pd.testing.assert_frame_equal(remote.frame, local.frame)
    pd.testing.assert_frame_equal(remote.summary, local.summary)
    assert remote.lost_workers == ()


def _cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    from abs_model.cli import main

    rc = main(args)
    out = capsys.readouterr()
    assert rc == 0, out.err
    return out.out


def test_cli_sweep_on_its_own_local_cluster_equals_in_process(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``--workers 2`` starts a LocalCluster on 127.0.0.1 for the run and stops it after: the
    CSV is byte-for-byte the in-process one."""
    grid = ["--grid", "default=0.5,1,2,4,6", "--grid", "prepay=0.5,1.5", "--chunk", "3", "--quiet"]
    _cli(["sweep", str(DEAL), *grid, "--out", str(tmp_path / "local")], capsys)
    _cli(["sweep", str(DEAL), *grid, "--workers", "2", "--out", str(tmp_path / "cluster")], capsys)
    assert (tmp_path / "cluster" / "sweep.csv").read_bytes() == (tmp_path / "local" / "sweep.csv").read_bytes()


def test_cli_breakeven_and_montecarlo_on_a_scheduler_equal_in_process(
    cluster: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    address = cluster.scheduler_address
    for cmd, extra, name in (
        ("breakeven", ["--quiet"], "breakeven.csv"),
        ("montecarlo", ["--paths", "300", "--chunk", "70", "--seed", "3", "--quiet"], "montecarlo_summary.csv"),
    ):
        _cli([cmd, str(DEAL), *extra, "--out", str(tmp_path / cmd / "local")], capsys)
        _cli([cmd, str(DEAL), *extra, "--scheduler", address, "--out", str(tmp_path / cmd / "cluster")], capsys)
        local = (tmp_path / cmd / "local" / name).read_bytes()
        assert (tmp_path / cmd / "cluster" / name).read_bytes() == local, cmd


def test_results_come_back_in_submission_order(client: Any) -> None:
    def slow_first(base: int, x: int) -> int:
        time.sleep(0.3 if x == 0 else 0.0)
        return base + x

    run = map_chunks(slow_first, [0, 1, 2, 3, 4], shared=(100,), executor=client, timeout=RUN_TIMEOUT_S)
    assert run.complete and run.results == (100, 101, 102, 103, 104)
    assert run.where.startswith("tcp://127.0.0.1")


def test_a_chunk_that_keeps_failing_is_reported_missing(client: Any, tmp_path: Path) -> None:
    tries = tmp_path / "tries"
    tries.mkdir()

    def flaky(x: int) -> int:
        (tries / f"{x}-{time.monotonic_ns()}").touch()
        if x == 2:
            raise RuntimeError("chunk 2 always fails")
        return x * 10

    run = map_chunks(flaky, list(range(5)), executor=client, retries=2, timeout=RUN_TIMEOUT_S)
    assert not run.complete
    assert run.missing == (2,)
    assert "chunk 2 always fails" in run.errors[2] and "after 2 retries" in run.errors[2]
    assert run.results == (0, 10, None, 30, 40)
    assert len(list(tries.glob("2-*"))) == 3  # the first try and two retries
    with pytest.raises(IncompleteRunError, match=r"every chunk must complete; got 1 missing of 5 \(chunks \[2\]\)"):
        run.require_complete()


def test_a_chunk_that_fails_once_is_retried(client: Any, tmp_path: Path) -> None:
    def once(x: int) -> int:
        marker = tmp_path / f"seen-{x}"
        if x == 1 and not marker.exists():
            marker.touch()
            raise RuntimeError("transient")
        return -x

    run = map_chunks(once, [0, 1, 2], executor=client, timeout=RUN_TIMEOUT_S)
    assert run.complete and run.results == (0, -1, -2)


def test_a_run_past_its_timeout_reports_the_unfinished_chunks(client: Any) -> None:
    def slow_last(x: int) -> int:
        time.sleep(1.5 if x == 2 else 0.0)
        return x

    run = map_chunks(slow_last, [0, 1, 2], executor=client, timeout=0.8)
    assert not run.complete and run.missing == (2,)
    assert "not done within the timeout of 0.8 s" in run.errors[2]
    assert run.results[:2] == (0, 1)
    time.sleep(1.0)  # let the cancelled sleeper finish before the next test


def _wait_for_workers(client: Any, n: int = 2) -> list[str]:
    """The addresses of the workers, once the scheduler itself lists ``n`` (a fresh ``identity``
    call: ``Client.wait_for_workers`` asks the LocalCluster object, whose view is refreshed on a
    timer)."""
    deadline = time.monotonic() + WORKER_START_TIMEOUT_S
    while True:
        workers = sorted(client.scheduler_info(n_workers=-1)["workers"])
        if len(workers) >= n:
            return workers
        if time.monotonic() > deadline:
            raise AssertionError(f"the scheduler lists {len(workers)} workers {WORKER_START_TIMEOUT_S:.0f} s after the cluster started")
        time.sleep(0.1)


def test_worker_dies_mid_run_and_the_chunk_is_rerun(lone_client: Any, tmp_path: Path) -> None:
    """The worker running chunk 3 dies (os._exit) on the first attempt; the scheduler re-runs the
    chunk on a live worker and the result equals the in-process one."""
    marker = tmp_path / "died-once"

    def dies_once(x: int) -> int:
        if x == 3 and not marker.exists():
            marker.touch()
            os._exit(1)
        time.sleep(0.05)
        return x + 1

    run = map_chunks(dies_once, list(range(8)), executor=lone_client, timeout=RUN_TIMEOUT_S)
    assert marker.exists()
    assert run.complete, run.errors
    assert run.results == tuple(range(1, 9))
    assert len(run.lost_workers) == 1  # reported, though its chunk was re-run elsewhere


def test_worker_killed_from_outside_mid_monte_carlo(lone_client: Any, deal: am.Deal) -> None:
    """Kill one worker (client.run → os._exit) while a Monte Carlo run is in flight: it either
    completes with the in-process numbers or says which chunks are missing — never silently short."""
    client = lone_client
    n, chunk = 240, 12
    local = monte_carlo(deal, n_paths=n, seed=5, chunk=chunk, sigma=1.0, progress=False)
    victim = _wait_for_workers(client)[0]
    killed = threading.Event()

    async def die() -> None:  # wait=False needs a coroutine function
        os._exit(1)

    def kill_soon() -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:  # kill once the first chunk result is on a worker
            keys = [k for ks in client.has_what().values() for k in ks]
            if any(str(k).startswith("run_paths") for k in keys):
                break
            time.sleep(0.01)
        client.run(die, workers=[victim], wait=False)
        killed.set()

    killer = threading.Thread(target=kill_soon, daemon=True)
    killer.start()
    r = monte_carlo(deal, n_paths=n, seed=5, chunk=chunk, sigma=1.0, executor=client, timeout=RUN_TIMEOUT_S)
    killer.join(timeout=25)
    assert killed.is_set()
    if r.complete:
        assert np.array_equal(_numbers(r), _numbers(local), equal_nan=True)
    else:
        assert r.missing_chunks and set(r.errors) == set(r.missing_chunks)
        assert r.n_completed == n - chunk * len(r.missing_chunks)
        kept = r.paths.index.to_numpy()
        pd.testing.assert_frame_equal(r.paths, local.paths.loc[kept])
        assert r.summary().attrs["complete"] is False


def test_a_chunk_whose_worker_always_dies_is_reported(lone_client: Any) -> None:
    """With allowed-failures = 1 the scheduler gives up after the second death (KilledWorker):
    the run reports the chunk missing instead of hanging or dropping it."""

    def always_dies(x: int) -> int:
        if x == 1:
            os._exit(1)
        return x

    run = map_chunks(always_dies, [0, 1, 2], executor=lone_client, timeout=DEATHS_TIMEOUT_S)
    assert not run.complete and 1 in run.missing
    assert "KilledWorker" in run.errors[1]
    # a chunk queued on a dying worker can be counted as a suspect too; whatever came back is right
    for i in (0, 2):
        assert run.results[i] == i if i not in run.missing else run.results[i] is None


def test_a_result_lost_with_its_worker_before_it_is_fetched_is_waited_for_again(tmp_path: Path) -> None:
    """One worker runs the chunks in turn. While the client is busy with chunk 0's result, chunk 1
    finishes (its result held on the worker) and chunk 2 kills the worker: chunk 1's result is
    lost before it is fetched. The scheduler recomputes it (slowly here, so the client sees the
    result lost); the run waits for it again and is complete (before, chunk 1 was reported
    missing: "task lost")."""
    marker = tmp_path / "died-once"

    def kills_after_one(x: int) -> int:
        if x == 1 and marker.exists():  # the recomputation: still running when the client looks
            time.sleep(3.0)
        if x == 2 and not marker.exists():
            time.sleep(0.3)  # chunk 1's result is on the worker by now
            marker.touch()
            os._exit(1)
        return 10 * x

    def busy(i: int, r: int) -> None:
        if i == 0:
            time.sleep(1.5)  # the worker dies meanwhile; a restart takes longer than this

    with _lone(1) as client:
        run = map_chunks(kills_after_one, [0, 1, 2, 3], executor=client, timeout=RUN_TIMEOUT_S, on_result=busy)
    assert marker.exists()
    assert run.complete, run.errors
    assert run.results == (0, 10, 20, 30)
