"""Where batched work runs: in this process, or on a ``dask.distributed`` cluster.

:func:`map_chunks` calls a pure top-level function once per chunk, ``fn(*shared, chunk)``, and
returns the results **in submission order** as a :class:`ChunkRun`. ``executor`` is one of

- ``None`` — in this process, one chunk after another (exceptions propagate as raised);
- a ``distributed.Client`` — chunks are submitted to its cluster (the client is left open);
- an address string such as ``"tcp://10.0.0.5:8786"`` — a client is connected for the call
  and closed afterwards;
- a :class:`concurrent.futures.Executor` (e.g. a ``ProcessPoolExecutor``) — chunks are submitted
  to it and collected in order (exceptions propagate as raised, as in-process).

On a cluster the ``shared`` arguments (e.g. the deal and its assumptions) are sent once, each as
the result of an identity task that every chunk depends on, so the pool is not pickled into every
task, and a copy lost with a worker is rebuilt by the scheduler (scattered data would be lost). Each chunk is
submitted with ``retries`` (default 2): a chunk whose task raises is re-run; a chunk whose worker
dies is re-scheduled by the scheduler. A chunk that still fails, or is not done by ``timeout``,
is reported — ``ChunkRun.complete`` is ``False`` and ``ChunkRun.missing`` lists the chunk
indices with the reason in ``ChunkRun.errors`` — never dropped silently.

``on_result(i, result)`` (optional) sees each chunk's result as it arrives (in completion order
on a cluster), e.g. to write rows as they come.

For the command line, :func:`cluster_executor` turns ``--scheduler ADDRESS`` / ``--workers N``
into an executor: a client connected to a running scheduler, or a ``LocalCluster`` of ``N``
single-threaded worker processes on 127.0.0.1 started for the run and stopped after it.

``distributed`` is imported only when a cluster is used, so in-process runs need no Dask; it is
the optional extra ``dask`` (``pip install 'abs-model[dask]'``), and using a cluster without it
raises :class:`MissingExtraError` naming the extra.
"""

from __future__ import annotations

import sys
import time
import uuid
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Executor
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from abs_model.errors import AbsModelError

if TYPE_CHECKING:
    from tqdm import tqdm

__all__ = [
    "ChunkRun",
    "IncompleteRunError",
    "MissingExtraError",
    "cluster_client",
    "cluster_executor",
    "distributed_module",
    "is_dask_client",
    "map_chunks",
    "progress_bar",
    "resolve_executor",
]

R = TypeVar("R")

#: Default number of re-runs of a failed chunk on a cluster (``client.submit(..., retries=2)``).
DEFAULT_RETRIES = 2
#: Seconds allowed to connect to a scheduler given by address (or to start a local cluster).
CONNECT_TIMEOUT_S = 30.0
#: Most worker processes ``--workers`` starts on this machine.
MAX_LOCAL_WORKERS = 256
#: Times a chunk whose result was lost with its worker (finished, then the worker died before the
#: result was fetched) is waited for again while the scheduler recomputes it.
LOST_REWAITS = 3


class IncompleteRunError(AbsModelError, RuntimeError):
    """A distributed run finished with chunks missing and the caller asked for a complete one
    (an :class:`AbsModelError`, so the CLI prints it as one line naming the chunks)."""


class MissingExtraError(AbsModelError, ImportError):
    """A feature needs an optional extra that is not installed; the message names the extra. An
    ``ImportError`` (what it is) and an :class:`AbsModelError` (the CLI prints it as one line)."""


def distributed_module() -> Any:
    """``dask.distributed``'s package, or :class:`MissingExtraError` naming the extra to install."""
    try:
        import distributed
    except ImportError as exc:
        raise MissingExtraError(
            "running on a Dask cluster (executor=, --scheduler, --workers) needs the optional extra "
            f"'dask': pip install 'abs-model[dask]' (import failed: {exc})"
        ) from exc
    return distributed


def is_dask_client(obj: Any) -> bool:
    """``True`` for a ``distributed.Client`` (checked by type; one can exist only once
    ``distributed`` is imported, so this never imports it)."""
    mod = sys.modules.get("distributed")
    return mod is not None and isinstance(obj, mod.Client)


@dataclass(frozen=True, slots=True)
class ChunkRun(Generic[R]):
    """Results of :func:`map_chunks`, one per chunk in submission order.

    ``results[i]`` is chunk ``i``'s return value, or ``None`` when ``i`` is in ``missing``;
    ``errors[i]`` says why chunk ``i`` is missing; ``where`` is ``"in-process"`` or the
    scheduler's address; ``lost_workers`` the workers that left the cluster during the run (their
    chunks were re-run elsewhere by the scheduler, or are in ``missing``).
    """

    results: tuple[R | None, ...]
    missing: tuple[int, ...] = ()
    errors: Mapping[int, str] = field(default_factory=lambda: MappingProxyType({}))
    where: str = "in-process"
    lost_workers: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        """``True`` when every chunk returned a result."""
        return not self.missing

    def done(self) -> list[tuple[int, R]]:
        """``(chunk index, result)`` for every chunk that returned, in submission order."""
        gone = set(self.missing)
        return [(i, cast(R, r)) for i, r in enumerate(self.results) if i not in gone]

    def require_complete(self) -> list[R]:
        """Every result, in order; raises :class:`IncompleteRunError` naming the missing chunks."""
        if self.missing:
            why = "; ".join(f"chunk {i}: {self.errors.get(i, 'unknown')}" for i in self.missing[:10])
            raise IncompleteRunError(
                f"run on {self.where}: every chunk must complete; got {len(self.missing)} missing of "
                f"{len(self.results)} (chunks {list(self.missing)}): {why}"
            )
        return cast(list[R], list(self.results))


class _QuietBar:
    """The bar of a run that shows none: what the callers use of a tqdm bar, doing nothing."""

    def __enter__(self) -> _QuietBar:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, n: int = 1) -> None:
        return None


def progress_bar(total: int, *, desc: str, progress: bool | None) -> tqdm[Any] | _QuietBar:
    """A tqdm bar when ``progress`` is ``True`` or (``None``) stderr is a terminal, else a quiet
    stand-in (tqdm is imported only for a bar shown: its ``auto`` module loads asyncio, some 30 ms
    a command line run would spend for nothing)."""
    show = sys.stderr.isatty() if progress is None else bool(progress)
    if not show:
        return _QuietBar()
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, leave=False, unit="chunk")


def resolve_executor(executor: Any) -> tuple[Any, bool]:
    """``(client or None, owned)``: ``owned`` is ``True`` when the client was connected here (from
    an address) and must be closed by the caller."""
    if executor is None:
        return None, False
    if isinstance(executor, str):
        if "://" not in executor:
            raise AbsModelError(
                f"executor: an address must name its protocol, e.g. 'tcp://127.0.0.1:8786'; got {executor!r}"
            )
        return distributed_module().Client(executor, timeout=CONNECT_TIMEOUT_S), True
    if is_dask_client(executor):
        return executor, False
    if isinstance(executor, Executor):
        return executor, False
    raise AbsModelError(
        "executor: must be None (in-process), a distributed.Client, a scheduler address "
        f"'tcp://host:port' or a concurrent.futures.Executor; got {type(executor).__name__}"
    )


@contextmanager
def cluster_executor(*, scheduler: str | None = None, workers: int | None = None) -> Iterator[Any]:
    """The executor for ``--scheduler ADDRESS`` / ``--workers N`` (at most one of them).

    - neither: ``None`` (in this process);
    - ``scheduler``: a client of the running scheduler at that address (``tcp://host:8786``),
      closed on exit (the cluster keeps running);
    - ``workers``: a ``LocalCluster`` of ``N`` worker processes with one thread each, listening
      on 127.0.0.1 only (the scheduler's HTTP server on a free loopback port); the client and
      the cluster stop on exit.
    """
    if scheduler is not None and workers is not None:
        raise AbsModelError(f"--scheduler and --workers: give one of them; got {scheduler!r} and {workers!r}")
    if scheduler is None and workers is None:
        yield None
        return
    if workers is not None:
        if isinstance(workers, bool) or int(workers) != workers or not 1 <= workers <= MAX_LOCAL_WORKERS:
            raise AbsModelError(f"--workers: must be a whole number of worker processes in 1..{MAX_LOCAL_WORKERS}; got {workers!r}")
        dist = distributed_module()
        cluster = dist.LocalCluster(
            n_workers=int(workers),
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address="127.0.0.1:0",  # the scheduler's HTTP routes: loopback, any free port
            timeout=CONNECT_TIMEOUT_S,
        )
        try:
            client = dist.Client(cluster, timeout=CONNECT_TIMEOUT_S)
            try:
                yield client
            finally:
                client.close()
        finally:
            cluster.close()
        return
    if not isinstance(scheduler, str) or "://" not in scheduler:
        raise AbsModelError(f"--scheduler: an address must name its protocol, e.g. 'tcp://10.0.0.5:8786'; got {scheduler!r}")
    with cluster_client(scheduler) as client:
        yield client


@contextmanager
def cluster_client(executor: Any) -> Iterator[Any]:
    """The executor resolved for a block of several runs: an address is connected once (and the
    client closed on exit); ``None``, a client or a ``concurrent.futures`` executor as given."""
    client, owned = resolve_executor(executor)
    try:
        yield client
    finally:
        if owned:
            client.close()


def map_chunks(
    fn: Callable[..., R],
    chunks: Sequence[Any],
    *,
    shared: Sequence[Any] = (),
    executor: Any = None,
    retries: int = DEFAULT_RETRIES,
    timeout: float | None = None,
    progress: bool | None = None,
    desc: str = "chunks",
    on_result: Callable[[int, R], None] | None = None,
) -> ChunkRun[R]:
    """Run ``fn(*shared, chunk)`` for every chunk; results in submission order.

    ``fn`` must be a top-level (picklable) function without side effects: a chunk may run more
    than once on a cluster. ``timeout`` (seconds, cluster only) bounds the whole run; chunks not
    done by then are cancelled and reported missing. ``on_result(i, result)`` is called as each
    chunk's result arrives.
    """
    if int(retries) != retries or retries < 0:
        raise AbsModelError(f"retries: must be a whole number ≥ 0; got {retries!r}")
    if timeout is not None and not timeout > 0:
        raise AbsModelError(f"timeout: must be a number of seconds > 0 or None; got {timeout!r}")
    items = list(chunks)
    seen: Callable[[int, R], None] = on_result if on_result is not None else (lambda i, r: None)
    with cluster_client(executor) as client:
        if client is None:
            out: list[R | None] = []
            with progress_bar(len(items), desc=desc, progress=progress) as bar:
                for i, c in enumerate(items):
                    out.append(fn(*shared, c))
                    seen(i, cast(R, out[-1]))
                    bar.update(1)
            return ChunkRun(results=tuple(out))
        if not is_dask_client(client):  # a concurrent.futures.Executor
            with progress_bar(len(items), desc=desc, progress=progress) as bar:
                pending = [client.submit(fn, *shared, c) for c in items]
                got: list[R | None] = []
                for i, f in enumerate(pending):
                    got.append(f.result())
                    seen(i, cast(R, got[-1]))
                    bar.update(1)
            return ChunkRun(results=tuple(got), where=type(client).__name__)
        return _map_on_cluster(
            fn, items, shared, client, retries=int(retries), timeout=timeout, progress=progress, desc=desc, on_result=seen
        )


def _hold(obj: Any) -> Any:
    """Identity task holding a shared argument on the cluster. Unlike ``client.scatter`` data, a
    task result lost with its worker is recomputed by the scheduler from the task itself."""
    return obj


def _workers(client: Any) -> set[str]:
    try:
        return set(client.scheduler_info()["workers"])
    except Exception:  # a scheduler that cannot answer: nothing to compare
        return set()


def _submit_all(fn: Callable[..., Any], items: list[Any], shared: Sequence[Any], client: Any, retries: int) -> tuple[list[Any], list[Any]]:
    """Submit the shared objects (once, as :func:`_hold` tasks) and one task per chunk."""
    token = uuid.uuid4().hex[:12]
    name = getattr(fn, "__name__", "chunk")
    with warnings.catch_warnings():
        # the shared objects travel once, inside their own tasks (see _hold)
        warnings.filterwarnings("ignore", message="Sending large graph", category=UserWarning)
        shared_futures = [
            client.submit(_hold, obj, key=f"shared-{type(obj).__name__}-{token}-{j}", pure=False)
            for j, obj in enumerate(shared)
        ]
    futures = [
        client.submit(fn, *shared_futures, c, key=f"{name}-{token}-{i}", retries=retries, pure=False)
        for i, c in enumerate(items)
    ]
    return shared_futures, futures


def _map_on_cluster(
    fn: Callable[..., R],
    items: list[Any],
    shared: Sequence[Any],
    client: Any,
    *,
    retries: int,
    timeout: float | None,
    progress: bool | None,
    desc: str,
    on_result: Callable[[int, R], None],
) -> ChunkRun[R]:
    as_completed = distributed_module().as_completed
    where = str(getattr(client.scheduler, "address", None) or "dask cluster")
    workers_before = _workers(client)
    shared_futures, futures = _submit_all(fn, items, shared, client, retries)
    position = {f.key: i for i, f in enumerate(futures)}
    results: list[R | None] = [None] * len(items)
    errors: dict[int, str] = {}
    finished: set[int] = set()
    rewaits = [0] * len(items)
    deadline = None if timeout is None else time.monotonic() + timeout
    try:
        with progress_bar(len(items), desc=desc, progress=progress) as bar:
            try:
                done = as_completed(futures, timeout=timeout)
                for fut in done:
                    i = position[fut.key]
                    if fut.status == "lost" and rewaits[i] < LOST_REWAITS:
                        # finished, then its result was lost with its worker before it was
                        # fetched: the scheduler recomputes a key the client still holds
                        rewaits[i] += 1
                        done.add(fut)
                        continue
                    if fut.status == "finished":
                        left = None if deadline is None else max(1.0, deadline - time.monotonic())
                        try:
                            results[i] = fut.result(timeout=left)
                            finished.add(i)
                            on_result(i, cast(R, results[i]))
                        except Exception as exc:  # lost between completion and transfer
                            if fut.status in ("lost", "pending") and rewaits[i] < LOST_REWAITS:
                                rewaits[i] += 1
                                done.add(fut)
                                continue
                            errors[i] = f"{type(exc).__name__}: {exc}"
                    elif fut.status == "error":
                        err = fut.exception()
                        how = "its workers died" if type(err).__name__ == "KilledWorker" else f"after {retries} retries"
                        errors[i] = f"{type(err).__name__}: {err} ({how})"
                    elif fut.status == "lost":
                        errors[i] = f"result lost with its worker {LOST_REWAITS + 1} times"
                    else:
                        errors[i] = f"task {fut.status}"
                    bar.update(1)
            except TimeoutError:
                for i in range(len(items)):
                    if i not in finished and i not in errors:
                        errors[i] = f"not done within the timeout of {timeout} s"
    finally:
        client.cancel([f for f in futures if not f.done()])
        del futures
        if shared_futures:
            client.cancel(shared_futures)
    missing = tuple(i for i in range(len(items)) if i not in finished)
    for i in missing:
        errors.setdefault(i, "no result")
    return ChunkRun(
        results=tuple(results),
        missing=missing,
        errors=MappingProxyType({i: errors[i] for i in missing}),
        where=where,
        lost_workers=tuple(sorted(workers_before - _workers(client))),
    )
