"""The executor layer without a cluster: options checked, the Dask extra named when missing,
callbacks, and concurrent.futures executors (abs_model.analytics.executors)."""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

import abs_model as am
from abs_model.analytics.executors import (
    MissingExtraError,
    cluster_executor,
    is_dask_client,
    map_chunks,
)


def _plus(base: int, x: int) -> int:
    return base + x


def test_in_process_and_thread_pool_give_results_in_order_and_call_back() -> None:
    seen: list[tuple[int, int]] = []
    run = map_chunks(_plus, [1, 2, 3], shared=(10,), on_result=lambda i, r: seen.append((i, r)))
    assert run.complete and run.results == (11, 12, 13) and run.where == "in-process"
    assert seen == [(0, 11), (1, 12), (2, 13)]
    with ThreadPoolExecutor(2) as ex:
        assert not is_dask_client(ex)
        assert map_chunks(_plus, [1, 2, 3], shared=(10,), executor=ex).results == (11, 12, 13)


def test_a_cluster_without_the_dask_extra_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed → ImportError
    with pytest.raises(MissingExtraError, match=r"optional extra 'dask': pip install 'abs-model\[dask\]'"):
        map_chunks(_plus, [1], shared=(1,), executor="tcp://127.0.0.1:1")
    with pytest.raises(ImportError), cluster_executor(workers=2):
        pass
    # in process needs no Dask
    assert map_chunks(_plus, [1], shared=(1,)).results == (2,)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"scheduler": "tcp://127.0.0.1:8786", "workers": 2}, "give one of them"),
        ({"workers": 0}, "--workers: must be a whole number of worker processes in 1..256; got 0"),
        ({"workers": True}, "--workers: must be a whole number"),
        ({"scheduler": "127.0.0.1:8786"}, "--scheduler: an address must name its protocol"),
    ],
)
def test_scale_out_options_are_checked(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(am.AbsModelError, match=message), cluster_executor(**kwargs):  # type: ignore[arg-type]
        pass


def test_no_scale_out_option_runs_in_process() -> None:
    with cluster_executor() as ex:
        assert ex is None
