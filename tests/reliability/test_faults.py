"""Faults while writing outputs: the previous good outputs stay exactly as they were, no
temporary file is left behind, and the CLI says what happened in one line (traceback on --debug).

Two faults are simulated inside the Excel write, after part of the workbook has been written:
an interrupt (Ctrl-C / a kill signal turned into ``KeyboardInterrupt``) and a full disk
(``OSError(ENOSPC)``).
"""

from __future__ import annotations

import errno
from pathlib import Path
from typing import Any

import pytest
from openpyxl.workbook.workbook import Workbook

import abs_model as am
from abs_model.cli import main
from abs_model.output.workbook import write_workbook

from ._deals import small_deal_file

OUTPUTS = ("pool_cashflows.csv", "tranche_cashflows.csv", "cashflows.parquet", "report.html", "model.xlsx")


def _save_then(fault: BaseException) -> Any:
    """A Workbook.save that writes the first 1,000 bytes of a real workbook, then fails."""
    real = Workbook.save

    def save(self: Workbook, fh: Any) -> None:
        import io

        buf = io.BytesIO()
        real(self, buf)
        fh.write(buf.getvalue()[:1000])
        raise fault

    return save


@pytest.fixture(scope="module")
def deal_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_deal_file(tmp_path_factory.mktemp("deal"))


@pytest.fixture
def good_run(tmp_path: Path, deal_path: Path) -> tuple[Path, dict[str, bytes]]:
    """A folder holding the outputs of a good run (and nothing else), and their bytes."""
    out = tmp_path / "out"
    assert main(["run", str(deal_path), "--out", str(out)]) == 0
    return out, {n: (out / n).read_bytes() for n in OUTPUTS}


def _unchanged(out: Path, before: dict[str, bytes]) -> None:
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUTS), "a temporary file or folder was left behind"
    for name, data in before.items():
        assert (out / name).read_bytes() == data, f"{name} was replaced by a failed run"


@pytest.mark.parametrize(
    ("fault", "code", "line"),
    [
        (KeyboardInterrupt(), 130, "abs-model: interrupted; outputs already in place were left as they were"),
        (OSError(errno.ENOSPC, "No space left on device"), 2, "abs-model: error: [Errno 28] No space left on device: '{out}/model.xlsx'"),
    ],
    ids=["interrupted", "disk-full"],
)
def test_a_failed_excel_write_leaves_every_previous_output_intact(
    good_run: tuple[Path, dict[str, bytes]],
    deal_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    fault: BaseException,
    code: int,
    line: str,
) -> None:
    """The CSVs, Parquet and HTML of the new run were already written when the workbook failed:
    they are staged, so none of them replaces the previous run's files either."""
    out, before = good_run
    capsys.readouterr()
    monkeypatch.setattr(Workbook, "save", _save_then(fault))
    assert main(["run", str(deal_path), "--out", str(out)]) == code
    err = capsys.readouterr().err
    assert err == line.format(out=out) + "\n"  # one line, no traceback
    _unchanged(out, before)


def test_debug_shows_the_traceback_of_a_failed_write(
    good_run: tuple[Path, dict[str, bytes]], deal_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out, before = good_run
    capsys.readouterr()
    monkeypatch.setattr(Workbook, "save", _save_then(OSError(errno.ENOSPC, "No space left on device")))
    assert main(["--debug", "run", str(deal_path), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err
    assert err.rstrip().endswith(f"abs-model: error: [Errno 28] No space left on device: '{out}/model.xlsx'")
    _unchanged(out, before)


@pytest.mark.parametrize("fault", [KeyboardInterrupt(), OSError(errno.ENOSPC, "No space left on device")], ids=["interrupted", "disk-full"])
def test_write_workbook_alone_is_atomic(tmp_path: Path, deal_path: Path, monkeypatch: pytest.MonkeyPatch, fault: BaseException) -> None:
    result = am.run(am.load_deal(deal_path))
    target = tmp_path / "model.xlsx"
    write_workbook(result, target)
    good = target.read_bytes()
    monkeypatch.setattr(Workbook, "save", _save_then(fault))
    with pytest.raises(type(fault)) as exc:
        write_workbook(result, target)
    if isinstance(fault, OSError):
        assert str(exc.value) == f"[Errno 28] No space left on device: '{target}'"
    assert target.read_bytes() == good
    assert [p.name for p in tmp_path.iterdir()] == ["model.xlsx"]


def test_a_bad_input_is_one_message_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A tape error is one message (its first line names the file and the count; one line per problem)."""
    tape = tmp_path / "tape.csv"
    tape.write_text("loan_id;original_principal\nA1;100\n", encoding="utf-8")
    assert main(["validate", str(Path(__file__).resolve().parents[2] / "examples" / "us_auto_static.yaml"), "--tape", str(tape)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"abs-model: error: {tape}: 1 problem(s) in the loan tape; nothing was loaded:")
    assert "the header is separated by semicolons (';'), not commas" in err
    assert "Traceback" not in err
