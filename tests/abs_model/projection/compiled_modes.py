"""A mode of :mod:`tranches.compiled` for a block of a test (``"on"``: the compression's compiled
kernels whenever numba is installed; ``"off"``: the numpy path), and the mark that skips a test
needing numba itself. Not a test module."""

from __future__ import annotations

import contextlib
import importlib.util
from collections.abc import Iterator

import pytest

from tranches import compiled

#: Skips a test that needs numba itself (the compiled half of a comparison).
needs_numba = pytest.mark.skipif(importlib.util.find_spec("numba") is None,
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
