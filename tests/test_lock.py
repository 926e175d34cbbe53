"""The pip constraints file requirements/lock.txt pins every dependency the project declares,
inside the bounds pyproject.toml gives library users (tools/lock.py)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from tools.lock import canonical, check, read_lock

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements" / "lock.txt"


def _declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    reqs = [Requirement(r) for r in project["dependencies"]]
    for extra in project["optional-dependencies"].values():
        reqs += [Requirement(r) for r in extra if canonical(Requirement(r).name) != "abs-model"]
    return reqs


def test_every_declared_dependency_is_pinned_inside_its_bounds() -> None:
    pins = read_lock(LOCK)
    for req in _declared():
        key = canonical(req.name)
        assert key in pins, f"{req.name} is declared in pyproject.toml but not pinned in the lock"
        assert req.specifier.contains(pins[key], prereleases=True), f"{req.name}=={pins[key]} is outside {req.specifier}"
        for extra in req.extras:  # dask[distributed] pins distributed too
            assert canonical(extra) in pins, f"{req.name}[{extra}] is not pinned in the lock"


def test_runtime_dependencies_have_an_upper_bound() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    for r in project["dependencies"] + project["optional-dependencies"]["dask"]:
        req = Requirement(r)
        assert any(s.operator == "<" for s in req.specifier), f"{r}: library users need an upper bound"


def test_check_names_an_unpinned_and_a_mismatched_package(tmp_path: Path) -> None:
    pins = read_lock(LOCK)
    lines = [f"{name}=={version}" for name, version in pins.items() if name not in ("numpy", "pyyaml")]
    lines.append("numpy==0.0.1")
    lock = tmp_path / "lock.txt"
    lock.write_text("# test\n" + "\n".join(lines) + "\n", encoding="utf-8")
    problems = check(lock)
    assert any(p.startswith("numpy is installed at ") and p.endswith("pins 0.0.1") for p in problems), problems
    assert any(p.startswith("PyYAML ") and "not pinned" in p for p in problems), problems


def test_a_malformed_lock_line_names_the_file_and_line(tmp_path: Path) -> None:
    lock = tmp_path / "lock.txt"
    lock.write_text("numpy==2.0\nnumpy>=2\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"lock.txt:2: a lock line must read 'name==version'; got 'numpy>=2'"):
        read_lock(lock)
