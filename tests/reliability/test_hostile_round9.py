"""Hostile inputs, round nine: numbers accepted that turned into a silently wrong or empty result
(a trigger threshold typed as a percent, an infinite stress multiple, a NaN discount rate) or
failed far from the input, and an output file refused only after the run. Each test failed on
the code before its fix."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml

import abs_model as am
from abs_model.cli import main
from abs_model.errors import AbsModelError, AssumptionError, DealError
from tranches import Trigger
from tranches.errors import LiabilityError

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
US_AUTO = EXAMPLES / "us_auto_static.yaml"
BAITIAO = EXAMPLES / "baitiao_revolving.yaml"


@pytest.fixture(scope="module")
def us_auto() -> am.Deal:
    return am.load_deal(US_AUTO)


# ------------------------------------------------------------------ trigger thresholds of ratios
@pytest.mark.parametrize("metric", ["cumulative_default_rate", "delinquency_ratio", "serious_delinquency"])
@pytest.mark.parametrize("threshold", [2.5, [0.02, 3.5], -0.01, math.nan])
def test_a_ratio_trigger_threshold_outside_0_1_is_refused(metric: str, threshold: object) -> None:
    """A ratio of the pool never leaves [0, 1]: 2.5 (for 2.5 %) could never be breached, so the
    trigger was silently off; -0.01 breached from period 1, by the calendar."""
    with pytest.raises(LiabilityError, match=r"threshold\[\d\]: must (be a decimal in \[0, 1\]|be finite)"):
        Trigger("t", metric, threshold, "accelerate")  # type: ignore[arg-type]


def test_thresholds_of_other_metrics_keep_their_own_ranges() -> None:
    Trigger("xs", "excess_spread", -0.01, "end_revolving")
    Trigger("stuck", "unable_to_revolve", 3, "end_revolving")
    Trigger("dq", "delinquency_ratio", 1.0, "sequential")  # 1: never breached, a choice written out


def test_a_deal_file_trigger_threshold_in_percent_names_the_file_and_the_trigger(tmp_path: Path) -> None:
    doc = yaml.safe_load(BAITIAO.read_text(encoding="utf-8"))
    doc["pool"]["synthetic"]["n"] = 500
    doc["triggers"][2]["threshold"] = 2.5  # serious delinquency, meant 2.5 %
    path = tmp_path / "deal.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(
        DealError, match=r"deal\.yaml.*triggers\[2\].*threshold\[0\]: must be a decimal in \[0, 1\].*got 2\.5"
    ):
        am.load_deal(path)
    assert main(["validate", str(path)]) == 2


# ------------------------------------------------------------------ stress multiples
@pytest.mark.parametrize("mult", [math.inf, math.nan, -1.0])
def test_a_decrement_table_with_a_non_finite_default_multiple_is_refused(us_auto: am.Deal, mult: float) -> None:
    """default_mult=inf gave a table of classes never paid down (1.0 in every cell), nan an error
    about 'interest_collected[0]' naming no input."""
    with pytest.raises(AssumptionError, match=r"default_mult\[0\]: must be a finite multiple ≥ 0"):
        am.decrement_table(us_auto, "A1", default_mult=mult)
    with pytest.raises(AssumptionError, match=r"default_mult\[0\]: must be a finite multiple ≥ 0"):
        am.price_yield_table(us_auto, "A1", default_mult=mult)


@pytest.mark.parametrize("mult", [math.nan, -3.0, math.inf])
def test_size_tranches_names_a_bad_rating_multiple_and_tolerance(us_auto: am.Deal, mult: float) -> None:
    with pytest.raises(AssumptionError, match=r"multiples\['AAA'\]: must be a finite default multiple ≥ 0"):
        am.size_tranches(us_auto, {"A1": "AAA"}, multiples={"AAA": mult})


@pytest.mark.parametrize("tol", [math.nan, 0.0, -1e-6, 2.0])
def test_size_tranches_refuses_a_tolerance_that_is_not_a_share(us_auto: am.Deal, tol: float) -> None:
    with pytest.raises(AssumptionError, match=r"tol: must be a size tolerance in \(0, 1\)"):
        am.size_tranches(us_auto, {"A1": "AAA"}, tol=tol)


# ------------------------------------------------------------------ rates given to analytics
@pytest.mark.parametrize("rate", [math.nan, math.inf, 5.0, -2.0])
def test_compare_strategies_refuses_a_discount_rate_that_is_not_a_decimal(us_auto: am.Deal, rate: float) -> None:
    """nan gave an NPV column of NaN, inf one of zeros, 5 (for 5 %) and -2 figures 40× the pool."""
    with pytest.raises(AssumptionError, match=r"discount_rate: must be an annual decimal rate in \(-1, 1\)"):
        am.compare_strategies(us_auto, {}, discount_rate=rate)


def test_the_cli_refuses_the_discount_rate_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare-strategies", str(US_AUTO), "--discount-rate", "nan"]) == 2
    err = capsys.readouterr().err
    assert "discount_rate: must be an annual decimal rate" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"reinvest_rate": math.nan}, r"reinvest_rate: must be an annual decimal rate"),
        ({"reinvest_rate": 5.0}, r"reinvest_rate: must be an annual decimal rate"),
        ({"horizon_yield": math.inf}, r"horizon_yield: must be an annual decimal rate"),
        ({"cashflows": [1.0, math.nan, 3.0]}, r"cashflows\[1\]: must be finite amounts"),
    ],
)
def test_horizon_return_refuses_non_finite_inputs(kw: dict[str, object], match: str) -> None:
    """Each gave (nan, nan) or a return of −94 % without a word."""
    args: dict[str, object] = {
        "balance": 100.0,
        "price": 1.0,
        "horizon": 2,
        "reinvest_rate": 0.05,
        "horizon_yield": 0.05,
    }
    cashflows = kw.pop("cashflows", [1.0, 2.0, 103.0])
    args.update(kw)
    with pytest.raises(AssumptionError, match=match):
        am.horizon_return(cashflows, **args)  # type: ignore[arg-type]


# ------------------------------------------------------------------ an output file checked first
@pytest.mark.parametrize("kind", ["folder", "missing parent", "empty"])
def test_compare_strategies_out_is_refused_before_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    """A folder, a file under a missing folder, or "" as --out: the strategies ran and printed
    their table, then the write failed naming a temp file ('[Errno 21] Is a directory:
    '/.tmp.x.tmp' -> '/tmp'') — or, for "", wrote nothing without a word."""
    out = {"folder": str(tmp_path), "missing parent": str(tmp_path / "no" / "t.csv"), "empty": ""}[kind]
    assert (
        main(["compare-strategies", str(US_AUTO), "--strategies", str(_charge_off_only(tmp_path)), "--out", out]) == 2
    )
    captured = capsys.readouterr()
    assert captured.err.startswith("abs-model: error: --out: ") and captured.out == ""  # no table: nothing ran
    assert sorted(p.name for p in tmp_path.iterdir()) == ["strategies.yaml"]


def test_compare_strategies_still_writes_a_good_out(tmp_path: Path) -> None:
    out = tmp_path / "table.csv"
    assert (
        main(["compare-strategies", str(US_AUTO), "--strategies", str(_charge_off_only(tmp_path)), "--out", str(out)])
        == 0
    )
    assert out.read_text(encoding="utf-8").startswith("strategy,")


def _charge_off_only(folder: Path) -> Path:
    """A strategies file a ``sifma`` deal can run (charge-off paths only)."""
    path = folder / "strategies.yaml"
    path.write_text("- name: debt sale\n  charge_off: {sale_share: 0.5, sale_price: 0.1}\n", encoding="utf-8")
    return path


def test_errors_stay_value_errors() -> None:
    assert issubclass(AssumptionError, AbsModelError) and issubclass(LiabilityError, ValueError)
