"""The pip constraints file ``requirements/lock.txt``: write it from the tested environment, or
check that an environment matches it.

``python -m tools.lock freeze > requirements/lock.txt`` writes one ``name==version`` line per
installed distribution (pip, setuptools and wheel included; the project itself excluded), sorted,
under a header naming the Python it was made with. ``make lock`` runs it in a fresh virtual
environment after an unconstrained install of every extra (see the README).

``python -m tools.lock check requirements/lock.txt`` exits 1, naming each package, when an
installed distribution is missing from the lock or installed at another version than the lock
pins — e.g. after a dependency was added to ``pyproject.toml`` without refreshing the lock.
A lock entry that is not installed is fine (a constraints file only pins; a package needed on
another platform may be absent here).
"""

from __future__ import annotations

import platform
import re
import sys
from importlib import metadata
from pathlib import Path

PROJECT = "abs-model"
HEADER = (
    "# pip constraints for abs-model: the exact versions the test suite passed with.\n"
    "# Used by `make demo`, `make test` and .ci/run (pip install -c requirements/lock.txt ...).\n"
    "# Refresh: `make lock` (a fresh venv, an unconstrained install of '.[dev,dask]', then this file),\n"
    "# then `make test`, and commit the file with the change that needed it.\n"
)


def canonical(name: str) -> str:
    """PEP 503 normalised name: lower case, runs of ``-_.`` as one ``-``."""
    return re.sub(r"[-_.]+", "-", name).lower()


def installed() -> dict[str, tuple[str, str]]:
    """``{canonical name: (name as published, version)}`` of every distribution on ``sys.path``
    but the project itself."""
    out: dict[str, tuple[str, str]] = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if not name or canonical(name) == PROJECT:
            continue
        out.setdefault(canonical(name), (name, dist.version))
    return out


def freeze() -> str:
    """The lock file's text for this environment."""
    py = ".".join(platform.python_version_tuple()[:2])
    lines = [HEADER + f"# python {py}\n"]
    for _key, (name, version) in sorted(installed().items()):
        lines.append(f"{name}=={version}\n")
    return "".join(lines)


def read_lock(path: Path) -> dict[str, str]:
    """``{canonical name: version}`` from ``name==version`` lines (comments and blanks skipped)."""
    pins: dict[str, str] = {}
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        m = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)", line)
        if m is None:
            raise ValueError(f"{path}:{n}: a lock line must read 'name==version'; got {raw!r}")
        pins[canonical(m.group(1))] = m.group(2)
    return pins


def check(path: Path) -> list[str]:
    """Every difference between this environment and the lock, one message each (empty: none)."""
    pins = read_lock(path)
    problems = []
    for key, (name, version) in sorted(installed().items()):
        want = pins.get(key)
        if want is None:
            problems.append(f"{name} {version} is installed but not pinned in {path} (run `make lock`)")
        elif want != version:
            problems.append(f"{name} is installed at {version}; {path} pins {want}")
    return problems


def main(argv: list[str]) -> int:
    if argv[:1] == ["freeze"] and len(argv) == 1:
        sys.stdout.write(freeze())
        return 0
    if argv[:1] == ["check"] and len(argv) == 2:
        problems = check(Path(argv[1]))
        for p in problems:
            print(f"lock check: {p}", file=sys.stderr)
        if not problems:
            print(f"lock check: every installed package matches {argv[1]}")
        return 1 if problems else 0
    print("usage: python -m tools.lock freeze | check LOCKFILE", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
