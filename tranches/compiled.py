"""Optional compiled kernels: numba's JIT, when installed (the ``fast`` extra), for the few single
passes where numpy needs several passes over a large array.

Every kernel has a numpy path that gives the same numbers bit for bit (the kernels add in the
same order; no fast-math); the tests compare the two. Whether a kernel runs compiled:

- ``"off"``: never (the numpy path);
- ``"on"``: whenever numba can be imported;
- ``"auto"`` (default): when numba can be imported and the work is at least the kernel's size
  threshold (loading numba and its cached kernels costs about 0.4 s once per process, so small
  work stays on numpy).

The mode comes from :func:`set_mode`, else the environment variable ``ABS_MODEL_COMPILED``
(``auto``/``on``/``off``), else ``"auto"``. The command line sets ``"off"`` unless that variable
is set (one deal per process: the load would cost more than it saves). This module never imports
numba itself until a kernel is first used compiled.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Callable, Iterator
from typing import Any

from tranches.errors import must

MODES = ("auto", "on", "off")
ENV = "ABS_MODEL_COMPILED"

_mode: str | None = None
_numba: Any = None  # the numba module once imported; False when it cannot be


def set_mode(mode: str | None) -> None:
    """Set the mode for this process (``None``: back to the environment variable / ``"auto"``)."""
    global _mode
    if mode is not None and mode not in MODES:
        raise must("compiled mode", f"must be one of {MODES}", mode)
    _mode = mode


def mode() -> str:
    """The mode in force: :func:`set_mode`'s, else ``$ABS_MODEL_COMPILED``'s, else ``"auto"``."""
    if _mode is not None:
        return _mode
    env = os.environ.get(ENV, "").strip().lower()
    if env and env not in MODES:
        raise must(f"environment variable {ENV}", f"must be one of {MODES}", env)
    return env or "auto"


@contextlib.contextmanager
def default(mode: str) -> Iterator[None]:
    """Within the block, ``mode`` unless :func:`set_mode` or the environment variable chose one
    (the command line: ``default("off")``); the mode before is restored after."""
    global _mode
    before = _mode
    if _mode is None and not os.environ.get(ENV, "").strip():
        set_mode(mode)
    try:
        yield
    finally:
        _mode = before


def available() -> bool:
    """Whether numba can be imported (imports it on the first call)."""
    global _numba
    if _numba is None:
        try:
            import numba
        except ImportError:
            _numba = False
        else:
            _numba = numba
    return _numba is not False


def use(size: int, threshold: int) -> bool:
    """Whether a kernel with this size ``threshold`` runs compiled on work of ``size`` (loans,
    scenarios × periods, …) under the current mode."""
    m = mode()
    if m == "off" or (m == "auto" and size < threshold):
        return False
    return available()


def kernel(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` compiled by ``numba.njit(cache=True, nogil=True)`` at its first call (the plain
    Python function, uncompiled, is ``.py_func``). Call it only when :func:`use` said so."""
    compiled: list[Any] = []

    @functools.wraps(fn)
    def call(*args: Any) -> Any:
        if not compiled:
            if not available():  # pragma: no cover - callers ask use() first
                raise RuntimeError("internal: compiled kernel called without numba")
            compiled.append(_numba.njit(cache=True, nogil=True)(fn))
        return compiled[0](*args)

    call.py_func = fn  # type: ignore[attr-defined]
    return call
