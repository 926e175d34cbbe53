"""The wheel carries the templates and the bundled data, and works installed (outside the source
tree): build it, install it into a temporary folder, render the demo report from there."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # build from a copy: an in-tree build would leave build/ and *.egg-info in the source tree
    src = tmp_path_factory.mktemp("src") / "abs-model"
    skip = shutil.ignore_patterns(".git", ".venv*", "build", "dist", "out", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis")
    shutil.copytree(ROOT, src, ignore=skip)
    try:
        subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(src)],
            check=True, capture_output=True, text=True, timeout=300,
        )
    except subprocess.CalledProcessError as exc:  # pragma: no cover - environment without setuptools
        pytest.skip(f"cannot build a wheel here: {exc.stderr[-500:]}")
    (whl,) = out.glob("abs_model-*.whl")
    return whl


def test_wheel_contains_templates_schema_and_example(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "abs_model/templates/report.html.j2" in names
    assert any(n.startswith("abs_model/templates/parts/") and n.endswith(".j2") for n in names)
    for data in ("deal.schema.json", "baitiao_revolving.yaml", "baitiao_tape.csv"):
        assert f"abs_model/data/{data}" in names, data
    assert "tranches/engine.py" in names
    assert not any(n.startswith(("tools/", "tests/")) for n in names), "dev tools and tests stay out of the wheel"


def test_building_the_wheel_writes_nothing_into_the_source_tree(wheel: Path) -> None:
    assert not (ROOT / "build").exists() or not any((ROOT / "build").iterdir()), "build/ in the source tree"


def test_installed_wheel_renders_the_demo_report(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), str(wheel)], check=True, timeout=300)
    code = (
        "import abs_model, sys; from abs_model.cli import main;"
        f"assert abs_model.__file__.startswith({str(site)!r}), abs_model.__file__;"
        "sys.exit(main(['demo', '--out', 'out']))"
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert 'id="tranches"' in html and "Baitiao" in html
