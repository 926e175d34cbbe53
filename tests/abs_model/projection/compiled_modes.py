"""A mode of :mod:`tranches.compiled` for a block of a test (``"on"``: the compression's compiled
kernels whenever numba is installed; ``"off"``: the numpy path), and the mark that skips a test
needing numba itself. Not a test module."""

from __future__ import annotations

import contextlib
import importlib.util
from collections.abc import Iterator

import pytest

from tranches import compiled


def numba_installed() -> bool:
    """Whether numba can be found, without importing it (blocked by ``sys.modules["numba"] = None``
    counts as absent)."""
    try:
        return importlib.util.find_spec("numba") is not None
    except (ImportError, ValueError):
        return False


#: Skips a test that needs numba itself (the compiled half of a comparison).
needs_numba = pytest.mark.skipif(not numba_installed(),
                                 reason="numba is not installed (the 'fast' extra): the compiled half is not run")


@contextlib.contextmanager
def compiled_mode(mode: str) -> Iterator[None]:
    """Within the block, :func:`tranches.compiled.set_mode` ``mode``; after it, back to the
    environment's (or ``"auto"``)."""
    compiled.set_mode(mode)
    try:
        yield
    finally:
        compiled.set_mode(None)
