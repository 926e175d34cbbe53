"""Outputs as one set (issue 17, items 8 and 9): when one output cannot be replaced, none is; a
SIGTERM cleans the staging folder like Ctrl-C; a staging folder left by a killed run is removed
by the next run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from abs_model.cli import main
from abs_model.output import atomic
from abs_model.output.atomic import STAGING_PREFIX, replace_all, staging_folder

from ._deals import small_deal_file


@pytest.fixture(scope="module")
def deal_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_deal_file(tmp_path_factory.mktemp("deal"))


@pytest.fixture
def good_run(tmp_path: Path, deal_path: Path) -> tuple[Path, dict[str, bytes]]:
    out = tmp_path / "out"
    assert main(["run", str(deal_path), "--out", str(out)]) == 0
    return out, {p.name: p.read_bytes() for p in out.iterdir()}


def test_when_the_workbook_cannot_be_replaced_no_output_is(
    good_run: tuple[Path, dict[str, bytes]], deal_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """model.xlsx locked (by Excel, say): the run fails with exit 2 and the four other outputs,
    already written, are not swapped in either: a reader never sees an old workbook beside new CSVs."""
    out, before = good_run
    real = os.replace

    def locked(src: Any, dst: Any) -> None:
        if Path(dst) == out / "model.xlsx" and Path(src).parent.parent == out:  # the new workbook moving in
            raise PermissionError(13, "Permission denied", str(dst))
        real(src, dst)

    (out / "pool_cashflows.csv").write_bytes(before["pool_cashflows.csv"])
    monkeypatch.setattr(atomic.os, "replace", locked)
    capsys.readouterr()
    assert main(["run", str(deal_path), "--out", str(out), "--lang", "zh"]) == 2
    assert f"[Errno 13] Permission denied: '{out / 'model.xlsx'}'" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == sorted(before)  # no staging folder left
    for name, data in before.items():
        assert (out / name).read_bytes() == data, f"{name} changed although the set could not be replaced"


def test_replace_all_restores_the_old_set_when_a_move_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    out.mkdir()
    for name in ("a.csv", "b.csv", "c.csv"):
        (out / name).write_text(f"old {name}", encoding="utf-8")
    staging = staging_folder(out)
    staged = []
    for name in ("a.csv", "b.csv", "c.csv"):
        (staging / name).write_text(f"new {name}", encoding="utf-8")
        staged.append(staging / name)
    real = os.replace
    calls = {"n": 0}

    def flaky(src: Any, dst: Any) -> None:
        calls["n"] += 1
        if Path(dst) == out / "c.csv" and Path(src).parent == staging:
            raise OSError(5, "Input/output error", str(dst))
        real(src, dst)

    monkeypatch.setattr(atomic.os, "replace", flaky)
    with pytest.raises(OSError):
        replace_all(staged, out)
    assert {p.name: p.read_text(encoding="utf-8") for p in out.glob("*.csv")} == {n: f"old {n}" for n in ("a.csv", "b.csv", "c.csv")}


def test_a_stale_staging_folder_from_a_killed_run_is_removed(good_run: tuple[Path, dict[str, bytes]], deal_path: Path) -> None:
    out, _ = good_run
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True)
    stale = out / f"{STAGING_PREFIX}{int(dead.stdout)}-abcd.tmp"
    stale.mkdir()
    (stale / "model.xlsx").write_bytes(b"half a workbook")
    alive = out / f"{STAGING_PREFIX}{os.getppid()}-efgh.tmp"  # a run still going (our parent is alive)
    alive.mkdir()
    assert main(["run", str(deal_path), "--out", str(out)]) == 0
    assert not stale.exists()
    assert alive.exists()


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM semantics are POSIX")
def test_sigterm_cleans_the_staging_folder(tmp_path: Path, deal_path: Path) -> None:
    """A SIGTERM while outputs are being written: exit 143, one line, no staging folder, and
    the previous outputs untouched."""
    out = tmp_path / "out"
    assert main(["run", str(deal_path), "--out", str(out)]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    script = (
        "import os, signal, sys\n"
        "from abs_model.output import workbook\n"
        "real = workbook.write_workbook\n"
        "def slow(*a, **k):\n"
        "    os.kill(os.getpid(), signal.SIGTERM)\n"
        "    return real(*a, **k)\n"
        "workbook.write_workbook = slow\n"
        "from abs_model.cli import main\n"
        f"sys.exit(main(['run', {str(deal_path)!r}, '--out', {str(out)!r}]))\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 128 + signal.SIGTERM
    assert proc.stderr == "abs-model: interrupted; outputs already in place were left as they were\n"
    assert sorted(p.name for p in out.iterdir()) == sorted(before)
    for name, data in before.items():
        assert (out / name).read_bytes() == data
