"""The package's layers, read from its imports: each layer of ``abs_model`` imports only the layers
below it, and ``tranches`` never imports ``abs_model``.

The order is the data flow (design §2)::

    errors → core → collateral → assumptions → projection → deal → runs → analytics → output → cli

``errors`` sits at the bottom (every layer raises its errors); ``data`` holds files, not code. An
import inside a function counts the same as one at the top of the module: a cycle hidden in a
function body is still a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("errors", "core", "collateral", "assumptions", "projection", "deal", "runs", "analytics", "output", "cli")
RANK = {name: i for i, name in enumerate(LAYERS)}


def _imports(path: Path) -> list[tuple[int, str]]:
    """Every absolute module name imported by ``path`` (top level or inside functions), with its line."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
            found += [(node.lineno, f"{node.module}.{a.name}") for a in node.names]
    return found


def _layer(module: str) -> str | None:
    """The layer a dotted ``abs_model`` module name belongs to (``None`` for the package root)."""
    parts = module.split(".")
    if parts[0] != "abs_model" or len(parts) == 1:
        return None
    return parts[1] if parts[1] in RANK else None


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("path", _modules("abs_model"), ids=lambda p: str(p.relative_to(ROOT)))
def test_a_layer_imports_only_layers_below_it(path: Path) -> None:
    rel = path.relative_to(ROOT / "abs_model")
    own = rel.parts[0].removesuffix(".py")
    own = "cli" if own.startswith("cli") else own  # cli.py and its command modules (cli_*.py)
    if own == "__init__" or own not in RANK:  # the package root re-exports every layer
        return
    upward = [
        f"line {line}: {name} ({_layer(name)} is above {own})"
        for line, name in _imports(path)
        if _layer(name) is not None and RANK[_layer(name) or ""] > RANK[own]
    ]
    assert upward == [], f"{rel} imports a layer above its own: " + "; ".join(upward)


def test_no_layer_imports_the_package_root() -> None:
    """``import abs_model`` inside a layer would import every layer, the ones above included."""
    offenders = [
        f"{p.relative_to(ROOT)}:{line}"
        for p in _modules("abs_model")
        if p.relative_to(ROOT).as_posix() != "abs_model/__init__.py" and not p.name.startswith("cli")
        for line, name in _imports(p)
        if name == "abs_model"
    ]
    assert offenders == [], "import the layer module, not the package root: " + ", ".join(offenders)


@pytest.mark.parametrize("path", _modules("tranches"), ids=lambda p: str(p.relative_to(ROOT)))
def test_tranches_never_imports_abs_model(path: Path) -> None:
    bad = [f"line {line}: {name}" for line, name in _imports(path) if name.split(".")[0] == "abs_model"]
    assert bad == [], f"{path.relative_to(ROOT)} imports abs_model: " + "; ".join(bad)


def test_every_layer_is_a_package_of_the_wheel() -> None:
    """A layer folder missing from ``pyproject.toml``'s package list would be left out of the wheel."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    missing = [
        name for name in LAYERS if (ROOT / "abs_model" / name).is_dir() and f'"abs_model.{name}"' not in text
    ]
    assert missing == [], f"add to [tool.setuptools] packages: {missing}"


def _function_imports(path: Path) -> list[tuple[int, str]]:
    """Absolute ``abs_model`` imports made inside a function body (a cycle hidden from the top)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[int, str]] = []
    for fn in ast.walk(tree):
        if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            for node in ast.walk(fn):
                if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("abs_model"):
                    found.append((node.lineno, node.module or ""))
    return found


@pytest.mark.parametrize("path", _modules("abs_model/collateral"), ids=lambda p: str(p.relative_to(ROOT)))
def test_the_collateral_layer_imports_at_the_top(path: Path) -> None:
    """pool ↔ tape and pool ↔ strats used to import each other inside functions; their shared names
    live in ``collateral/fields.py`` and every import is at the top of the module."""
    assert _function_imports(path) == [], f"{path.relative_to(ROOT)}: imports inside functions"
