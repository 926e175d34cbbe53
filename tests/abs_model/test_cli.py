"""The ``abs-model`` command line, run as a user would (through ``main``)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from abs_model.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_demo_writes_every_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    for name in ("report.html", "model.xlsx", "pool_cashflows.csv", "tranche_cashflows.csv", "cashflows.parquet"):
        assert (tmp_path / name).stat().st_size > 0, name
        assert name in out
    pool = pd.read_parquet(tmp_path / "cashflows.parquet")
    assert pool["closing_balance"].iloc[0] == pytest.approx(1.2e9)


def test_run_with_a_tape_and_chinese_report(tmp_path: Path) -> None:
    code = main(["run", str(EXAMPLES / "baitiao_revolving.yaml"), "--tape", str(EXAMPLES / "baitiao_tape.csv"), "--out", str(tmp_path), "--lang", "zh"])
    assert code == 0
    assert "资产池" in (tmp_path / "report.html").read_text(encoding="utf-8")


def test_validate_reports_a_valid_deal(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(EXAMPLES / "us_auto_static.yaml")]) == 0
    assert "valid — 5 tranches" in capsys.readouterr().out


def test_errors_are_one_line_without_traceback_unless_debug(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\n", encoding="utf-8")
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("abs-model: error: ") and "<root>: 'dates' is required" in err
    assert "Traceback" not in err
    assert main(["--debug", "validate", str(bad)]) == 2
    assert "Traceback" in capsys.readouterr().err


def test_a_failed_run_leaves_the_previous_outputs_intact(tmp_path: Path) -> None:
    good = tmp_path / "report.html"
    good.write_text("previous good report", encoding="utf-8")
    assert main(["run", str(tmp_path / "missing.yaml"), "--out", str(tmp_path)]) == 2
    assert good.read_text(encoding="utf-8") == "previous good report"


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    import abs_model as am

    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"abs-model {am.__version__}"


@pytest.mark.parametrize("command", ["demo", "run", "validate", "sweep", "breakeven"])
def test_every_option_is_documented_in_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    from abs_model.cli import build_parser

    with pytest.raises(SystemExit):
        main([command, "--help"])
    text = capsys.readouterr().out
    sub = next(a for a in build_parser()._actions if a.dest == "command").choices[command]  # type: ignore[union-attr]
    for action in sub._actions:
        assert action.help, f"{command}: {action.option_strings or action.dest} has no help text"
        assert (action.option_strings or [action.dest])[0] in text


def test_debug_is_accepted_after_the_subcommand(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\n", encoding="utf-8")
    assert main(["validate", str(bad), "--debug"]) == 2
    assert "Traceback" in capsys.readouterr().err


def test_implausible_values_are_warned_about(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = (EXAMPLES / "baitiao_revolving.yaml").read_text(encoding="utf-8")
    deal = tmp_path / "deal.yaml"
    deal.write_text(text.replace("coupon: 0.028", "coupon: 0.51").replace("synthetic: {n: 500000", "synthetic: {n: 2000"), encoding="utf-8")
    assert main(["validate", str(deal)]) == 0
    err = capsys.readouterr().err
    assert "abs-model: warning: tranches['Senior B'].coupon: 51.00% a year is implausible" in err


def test_a_closed_pipe_ends_quietly(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """``abs-model validate … | head``, the reader gone: no traceback, no error line, exit 141."""
    import io

    class ClosedPipe(io.StringIO):
        def write(self, _s: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr("sys.stdout", ClosedPipe())
    assert main(["validate", str(EXAMPLES / "us_auto_static.yaml")]) == 141
    assert capsys.readouterr().err == ""


def test_montecarlo_command_writes_the_summary_of_the_python_api(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import abs_model as am
    from abs_model.analytics.montecarlo import monte_carlo

    deal_path = EXAMPLES / "baitiao_revolving.yaml"
    args = ["montecarlo", str(deal_path), "--paths", "120", "--seed", "5", "--sigma", "0.8", "--chunk", "50", "--quiet"]
    assert main([*args, "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "120 paths, seed 5" in out
    got = pd.read_csv(tmp_path / "montecarlo_summary.csv", index_col=0)
    want = monte_carlo(am.load_deal(deal_path), n_paths=120, seed=5, sigma=0.8, progress=False).summary()
    assert list(got.index) == list(want.index)
    assert got.to_numpy(dtype=float) == pytest.approx(want.to_numpy(dtype=float), rel=1e-12, nan_ok=True)


def test_scale_out_options_are_checked_before_any_scenario_runs(capsys: pytest.CaptureFixture[str]) -> None:
    deal = str(EXAMPLES / "baitiao_revolving.yaml")
    assert main(["montecarlo", deal, "--paths", "10", "--workers", "0"]) == 2
    assert "--workers: must be a whole number of worker processes in 1..256; got 0" in capsys.readouterr().err
    assert main(["breakeven", deal, "--scheduler", "10.0.0.5:8786"]) == 2
    assert "--scheduler: an address must name its protocol" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # argparse: not allowed with each other
        main(["sweep", deal, "--out", "x", "--workers", "2", "--scheduler", "tcp://127.0.0.1:8786"])
    assert "not allowed with argument" in capsys.readouterr().err


def test_a_grid_lever_given_twice_is_refused_writing_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # before: the second --grid prepay replaced the first without a word (one scenario, not two)
    out = tmp_path / "sweep"
    deal = str(EXAMPLES / "huabei_style_static.yaml")
    assert main(["sweep", deal, "--grid", "prepay=1", "--grid", "prepay=2", "--out", str(out)]) == 2
    assert "--grid: prepay given twice; list its values once" in capsys.readouterr().err
    assert not out.exists()


def test_recovery_multiples_past_the_cap_are_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # US auto recovers 45 %: × 3 and × 10 both give min(1, m × 0.45) = 100 %, the same scenario;
    # the sweep says so (from × 1/0.45 = 2.222) instead of printing two equal rows without a word
    deal = str(EXAMPLES / "us_auto_static.yaml")
    assert main(["sweep", deal, "--grid", "recovery=1,3,10", "--out", str(tmp_path), "--quiet"]) == 0
    err = capsys.readouterr().err
    assert "--grid recovery: multiple(s) 3, 10 take the recovery rate 45.00% above 100 %" in err
    assert "every multiple from 2.222 recovers alike" in err
    assert main(["sweep", deal, "--grid", "recovery=0.5,2", "--out", str(tmp_path / "b"), "--quiet"]) == 0
    assert "above 100 %" not in capsys.readouterr().err
