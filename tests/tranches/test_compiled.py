"""The switch for optional compiled kernels (tranches.compiled): modes, the environment variable,
the command line's default, and a kernel compiled by numba giving what its Python body gives."""

from __future__ import annotations

import numpy as np
import pytest

from tranches import compiled
from tranches.errors import LiabilityError


@pytest.fixture(autouse=True)
def _no_mode(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv(compiled.ENV, raising=False)
    compiled.set_mode(None)
    yield
    compiled.set_mode(None)


def test_auto_runs_compiled_only_from_the_threshold_and_off_never() -> None:
    assert compiled.mode() == "auto"
    assert not compiled.use(999, 1000)
    assert compiled.use(1000, 1000) == compiled.available()
    compiled.set_mode("off")
    assert not compiled.use(10**9, 1000)
    compiled.set_mode("on")
    assert compiled.use(1, 1000) == compiled.available()


def test_the_environment_variable_sets_the_mode_and_a_bad_value_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(compiled.ENV, "off")
    assert compiled.mode() == "off"
    monkeypatch.setenv(compiled.ENV, "fast")
    with pytest.raises(LiabilityError, match=r"ABS_MODEL_COMPILED: must be one of .*got 'fast'"):
        compiled.mode()
    with pytest.raises(LiabilityError, match="got 'sometimes'"):
        compiled.set_mode("sometimes")


def test_the_command_line_default_is_off_unless_chosen(monkeypatch: pytest.MonkeyPatch) -> None:
    with compiled.default("off"):
        assert compiled.mode() == "off"
    assert compiled.mode() == "auto"  # restored
    compiled.set_mode("on")
    with compiled.default("off"):
        assert compiled.mode() == "on"  # the library user's choice stands
    compiled.set_mode(None)
    monkeypatch.setenv(compiled.ENV, "auto")
    with compiled.default("off"):
        assert compiled.mode() == "auto"


@compiled.kernel
def _running_sum(x: np.ndarray, out: np.ndarray) -> None:
    acc = 0.0
    for i in range(x.size):
        acc += x[i]
        out[i] = acc


def test_a_kernel_compiled_gives_its_python_body_bit_for_bit() -> None:
    if not compiled.available():
        pytest.skip("numba is not installed (the 'fast' extra)")
    x = np.random.default_rng(3).normal(size=1001) * 1e6
    a, b = np.empty_like(x), np.empty_like(x)
    _running_sum(x, a)
    _running_sum.py_func(x, b)  # type: ignore[attr-defined]
    assert np.array_equal(a, b)
    assert np.array_equal(b, np.cumsum(x))  # numpy's cumulative sum adds in the same order
