"""Hostile inputs, round nine: numbers accepted that turned into a silently wrong or empty result
(a trigger threshold typed as a percent, an infinite stress multiple, a NaN discount rate) or
failed far from the input, and an output file refused only after the run. Each test failed on
the code before its fix."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import pandas as pd
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


# ------------------------------------------------------------------ segment overrides
def _deal_with_overrides(folder: Path, overrides: list[dict[str, object]]) -> Path:
    from tests.reliability._deals import small_deal_file

    path = small_deal_file(folder)
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["assumptions"]["segment_overrides"] = overrides
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_a_revolving_deal_runs_with_an_override_on_a_tape_column(tmp_path: Path) -> None:
    """The receivables bought while revolving carry no region: the run was refused with
    'segment column of the pool []; got 'region'' although the tape has one. The override now
    applies to the cut-off pool's receivables of that region (and to no purchase)."""
    deal = am.load_deal(_deal_with_overrides(tmp_path, [{"column": "region", "value": "华北", "cpr": 0.9}]))
    res = am.run(deal)
    base = am.run(deal, dataclasses.replace(deal.assumptions, segment_overrides=()))
    assert res.pool["prepayment"].iloc[1] > 1.2 * base.pool["prepayment"].iloc[1]  # 华北 prepays at 90 %
    assert all(c.passed for c in res.checks)


def test_a_typo_in_an_override_column_is_still_refused(tmp_path: Path) -> None:
    path = _deal_with_overrides(tmp_path, [{"column": "regoin", "value": "华北", "cpr": 0.9}])
    with pytest.raises(
        AssumptionError, match=r"segment_overrides\[0\]\.column: .*\['channel', 'region', 'score_band'\]; got 'regoin'"
    ):
        am.run(am.load_deal(path))


def test_an_override_matching_no_receivable_is_warned_about(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """'华北 ' (a stray space) or score_band 1 for a tape of A–E matched nothing: the run went on
    under the pool-wide assumptions without a word."""
    path = _deal_with_overrides(
        tmp_path,
        [{"column": "region", "value": "华北 ", "cpr": 0.9}, {"column": "region", "value": "华北", "cdr": 0.1}],
    )
    assert main(["validate", str(path)]) == 0
    err = capsys.readouterr().err
    assert "warning: assumptions.segment_overrides: region = '华北 ' matches no receivable of the cut-off pool" in err
    assert "region = '华北' matches" not in err


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        (
            {"segment_overrides": [("region", "E", "cpr", 0.3), ("region", "E", "cpr", 0.5)]},
            r"segment_overrides\[1\]\.cpr: region = 'E' already has a cpr from segment_overrides\[0\]",
        ),
        (
            {"segment_overrides": [("original_term", 12, "cpr", 0.3)], "cpr_by_term": {12: 0.5}},
            r"cpr_by_term\[12\]\.cpr: original_term = 12 already has a cpr",
        ),
        (
            {
                "segment_overrides": [
                    ("product", "flat_fee", "recovery_rate", 0.1),
                    ("product", "flat_fee", "recovery_rate", 0.2),
                ]
            },
            r"segment_overrides\[1\]\.recovery_rate",
        ),
    ],
)
def test_one_assumption_of_one_segment_given_twice_is_refused(kw: dict[str, object], match: str) -> None:
    """The later override replaced the earlier one's value without a word."""
    overrides = [am.SegmentOverride(c, v, **{name: x}) for c, v, name, x in kw.pop("segment_overrides")]  # type: ignore[attr-defined]
    with pytest.raises(AssumptionError, match=match):
        am.Assumptions.make(cpr=0.2, segment_overrides=overrides, **kw)  # type: ignore[arg-type]


def test_overrides_of_one_segment_setting_different_assumptions_combine() -> None:
    a = am.Assumptions.make(
        cpr=0.2,
        segment_overrides=[am.SegmentOverride("region", "E", cpr=0.3), am.SegmentOverride("region", "E", cdr=0.05)],
    )
    assert len(a.segment_overrides) == 2


# ------------------------------------------------------------------ a CSV whose rows end in a separator
HEADER = "loan_id,original_principal,current_principal,original_term,remaining_term,product,rate,bucket"


def test_rows_with_one_field_more_than_the_header_are_named_as_such(tmp_path: Path) -> None:
    """Every data line ending in a comma: pandas took the loan id as the index and read every
    value one column to the left; the tape was refused cell by cell ('remaining_term: must be a
    number, not text; got 'flat_fee' (loan_id '1200')'), the cause never named."""
    path = tmp_path / "tape.csv"
    path.write_text(
        f"{HEADER}\nA1,1200,1000,12,10,flat_fee,0.006,M0,\nA2,1200,1000,12,10,flat_fee,0.006,M0,\n", encoding="utf-8"
    )
    with pytest.raises(
        am.TapeError, match=r"(?s)1 problem\(s\).*the data rows have 1 more field\(s\) than the header"
    ) as exc:
        am.read_tape(path)
    assert exc.value.problems[0].value == "9 fields in a data row, 8 in the header"


def test_a_header_ending_in_a_separator_like_its_rows_still_reads(tmp_path: Path) -> None:
    path = tmp_path / "tape.csv"
    path.write_text(f"{HEADER},\nA1,1200,1000,12,10,flat_fee,0.006,M0,\n", encoding="utf-8")
    assert am.Pool.from_tape(am.read_tape(path)).balance == 1000.0


# ------------------------------------------------------------------ what the report says of the servicing fee
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_report_does_not_say_the_servicing_fee_is_deducted(lang: str) -> None:
    """Assumptions.servicing_fee is recorded, never deducted (the deal file reference says so),
    but the report's assumptions read 'Servicing fee deducted from collections: 1.00 % a year' /
    '从回收款中扣除的资产服务费' while the cash flows were those without it."""
    from abs_model.output.report_scenarios import assumption_sentences

    with_fee = am.Assumptions.make(cpr=0.2, cdr=0.02, servicing_fee=0.01)
    pool = am.synthetic_pool(50, seed=1)
    same = am.project(pool, with_fee).frame.equals(am.project(pool, am.Assumptions.make(cpr=0.2, cdr=0.02)).frame)
    assert same  # the fee changes no cash flow ...
    text = " ".join(assumption_sentences(with_fee, lang))
    assert ("not deducted" in text) if lang == "en" else ("未扣除" in text)  # ... and the report says so
    assert "deducted from collections" not in text and "从回收款中扣除" not in text


# ------------------------------------------------------------------ loan ids stored as floats
def _float_id_tape(ids: list[float]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "loan_id": ids,
            "original_principal": 1200.0,
            "current_principal": 1000.0,
            "original_term": 12,
            "remaining_term": 10,
            "product": "flat_fee",
            "rate": 0.006,
            "bucket": "M0",
        }
    )


def test_loan_ids_a_float_cannot_hold_are_refused(tmp_path: Path) -> None:
    """A 19-digit 借据号 stored as a float64 (a Parquet id column that went through pandas beside a
    missing id) is rounded to 1.2345678901234568e+18: two loans were reported as one duplicate id
    and others kept another loan's id; 1.5 and 1e+20 were taken as ids '1.5' and '1e+20'."""
    path = tmp_path / "ids.parquet"
    _float_id_tape([1234567890123456789.0, 7.0, 1.5]).to_parquet(path)
    with pytest.raises(am.TapeError) as exc:
        am.read_tape(path)
    bad = {(p.row, p.value) for p in exc.value.problems if "floating-point" in p.rule}
    assert bad == {(1, 1.2345678901234568e18), (3, 1.5)}
    assert "only for whole numbers up to 2**53" in str(exc.value)


def test_whole_float_ids_read_as_their_integer_text() -> None:
    pool = am.Pool.from_tape(am.read_tape(_float_id_tape([12345.0, 7.0])))
    assert list(pool.loan_id) == ["12345", "7"]  # was '12345.0', '7.0'


# ------------------------------------------------------------------ speeds typed as percents, booleans as numbers
@pytest.mark.parametrize(
    ("kw", "match"),
    [
        (
            {"psa": 150},
            r"psa: must be a multiple of the standard curve of at most 20 .*got 150 — psa is a multiple, not a percent: 150 % PSA is 1\.5",
        ),
        ({"cpr": 0.1, "sda": 200}, r"sda: must be a multiple of the standard curve of at most 50 .*got 200"),
    ],
)
def test_a_psa_or_sda_speed_typed_as_a_percent_is_refused(kw: dict[str, float], match: str) -> None:
    """psa=150 (meant 150 % PSA = 1.5) ran as 15,000 % PSA: a CPR capped at 100 % from month 4."""
    with pytest.raises(AssumptionError, match=match):
        am.Assumptions.make(**kw)


def test_speeds_up_to_the_bounds_still_run() -> None:
    assert am.Assumptions.make(psa=20).cpr.values[0] == pytest.approx(0.04)
    am.Assumptions.make(cpr=0.1, sda=50)


def test_an_assumptions_file_with_a_percent_psa_names_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "a.yaml"
    path.write_text("psa: 150\n", encoding="utf-8")
    assert main(["validate", str(US_AUTO), "--assumptions", str(path)]) == 2
    assert f"{path}: assumptions.psa: must be a multiple" in capsys.readouterr().err


@pytest.mark.parametrize(
    "kw",
    [
        {"cpr": True},
        {"cpr": [0.1, True]},
        {"abs_speed": True},
        {"cpr": 0.1, "cdr": 0.02, "recovery_rate": True},
        {"cpr": 0.1, "recovery_lag": True},
        {"cpr": 0.1, "horizon": True},
        {"cpr": 0.1, "default_multiplier": True},
        {"psa": True},
    ],
)
def test_a_boolean_is_not_taken_as_a_number(kw: dict[str, object]) -> None:
    """cpr=True ran as a 100 % CPR, recovery_lag=True as a lag of 1 month, horizon=True as 1 period."""
    with pytest.raises(AssumptionError, match=r"must be a number, not a boolean; got True"):
        am.Assumptions.make(**kw)  # type: ignore[arg-type]


# ------------------------------------------------------------------ surveil's outputs as one set; montecarlo --out first
def _history(folder: Path) -> Path:
    res = am.run(am.load_deal(US_AUTO))
    path = folder / "history.csv"
    res.pool.loc[1:9].drop(columns=["count", "defaults_count"]).reset_index().to_csv(path, index=False)
    return path


def test_a_surveil_run_failing_part_way_leaves_the_previous_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """surveil wrote its seven files one by one into --out: a disk filling up at the fifth left four
    new CSVs (one re-projected from another period) beside old ones and an old surveillance.html, a set no run produced. Now they
    are staged and swapped in together (as run's outputs)."""
    import errno

    history = _history(tmp_path)
    out = tmp_path / "out"
    assert main(["surveil", str(US_AUTO), "--actuals", str(history), "--period", "9", "--out", str(out)]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert len(before) == 7
    real = pd.DataFrame.to_csv
    calls = {"n": 0}

    def to_csv(self: pd.DataFrame, *args: object, **kw: object) -> object:
        calls["n"] += 1
        if calls["n"] == 5:  # after reprojection_pool.csv, which differs between the two runs
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, *args, **kw)  # type: ignore[call-overload]

    monkeypatch.setattr(pd.DataFrame, "to_csv", to_csv)
    code = main(["surveil", str(US_AUTO), "--actuals", str(history), "--period", "4", "--out", str(out)])
    assert code == 2 and "No space left on device" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # every file the first run's, nothing else


def test_montecarlo_refuses_an_out_that_is_a_file_before_the_paths_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The paths ran and their summary was printed, then '[Errno 17] File exists'."""
    target = tmp_path / "a_file"
    target.write_text("keep", encoding="utf-8")
    assert main(["montecarlo", str(US_AUTO), "--paths", "20", "--out", str(target)]) == 2
    captured = capsys.readouterr()
    assert "--out: must be a folder" in captured.err and captured.out == ""
    assert target.read_text(encoding="utf-8") == "keep"


# ------------------------------------------------------------------ grids and scenarios
@pytest.mark.parametrize("grid", [{"prepay": [True, False]}, {"default_mult": [1.0, True]}, {"spread_bp": [False]}])
def test_a_grid_of_booleans_is_refused(us_auto: am.Deal, grid: dict[str, list[object]]) -> None:
    """{"prepay": [True, False]} ran as the multiples 1 and 0, its rows showing True and False."""
    with pytest.raises(AssumptionError, match=r"grid\['\w+'\]: must be numbers, not booleans"):
        am.sweep(us_auto, grid)


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"name": "base\x1b[2J"}, r"scenario\.name: must not contain control"),
        ({"name": "x", "default_mult": True}, r"default_mult: must be a finite number"),
    ],
)
def test_a_scenario_with_a_control_character_or_a_boolean_is_refused(kw: dict[str, object], match: str) -> None:
    """A scenario's name goes into every breakeven and sweep output (an ESC clears the terminal
    the table is printed to); default_mult=True ran as 1."""
    with pytest.raises(AssumptionError, match=match):
        am.Scenario(**kw)  # type: ignore[arg-type]


# ------------------------------------------------------------------ strategy names
def test_a_strategy_named_like_the_baseline_row_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A strategy named 'baseline' replaced the baseline row: the table showed one row,
    'baseline', with the strategy's numbers (net loss 3.04 % where the deal's own is 1.76 %)."""
    path = tmp_path / "s.yaml"
    path.write_text("- name: baseline\n  charge_off: {sale_share: 0.5, sale_price: 0.1}\n", encoding="utf-8")
    assert main(["compare-strategies", str(US_AUTO), "--strategies", str(path)]) == 2
    assert "strategies['baseline']: the table already has a row 'baseline'" in capsys.readouterr().err


@pytest.mark.parametrize("second", ["s1", "S1 "])
def test_two_strategies_of_one_name_are_refused(tmp_path: Path, second: str) -> None:
    """The later replaced the earlier: one row for two strategies ('S1 ' beside 's1': two rows
    no reader tells apart)."""
    from abs_model.analytics.strategies import strategies_from_document

    doc = [
        {"name": "s1", "charge_off": {"sale_share": 0.5, "sale_price": 0.1}},
        {"name": second, "charge_off": {"sale_share": 0.9, "sale_price": 0.2}},
    ]
    with pytest.raises(
        AssumptionError, match=r"f\.yaml: strategies\[1\]\.name: .* is given twice \(also strategies\[0\]"
    ):
        strategies_from_document(doc, source="f.yaml")


# ------------------------------------------------------------------ payment frequency of a phase that never runs
@pytest.mark.parametrize(
    ("every", "match"),
    [
        (
            {"revolving": 3, "amortising": 1},
            r"payment_every\.revolving: can never apply, the revolving phase never runs \(revolving\.periods is 0",
        ),
        ({"accelerated": 3}, r"payment_every\.accelerated: can never apply, .*no trigger has effect 'accelerate'"),
        ({"cleanup": 1}, r"payment_every\.cleanup: can never apply, .*defines no cleanup call"),
    ],
)
def test_a_payment_frequency_for_a_phase_that_never_runs_is_refused(
    tmp_path: Path, every: dict[str, int], match: str
) -> None:
    """`payment_every: {revolving: 3}` in a static deal (meant: quarterly payments) ran monthly
    without a word; like a waterfall nothing switches to, a frequency nothing uses is refused."""
    doc = yaml.safe_load(US_AUTO.read_text(encoding="utf-8"))
    doc["pool"]["tape"] = str(EXAMPLES / "us_auto_tape.csv")
    doc["payment_every"] = every
    path = tmp_path / "deal.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    with pytest.raises(DealError, match=match):
        am.load_deal(path)


# ------------------------------------------------------------------ line numbers after a row of empty fields
def test_lines_after_a_row_of_empty_fields_are_named_right(tmp_path: Path) -> None:
    """pandas reads ',,,,,,,' as a loan (every cell missing) while the line counter skipped it as
    blank: that row and every later problem were named one line too far down (A2's bad rate on
    line 4 was reported on line 5, A3's on 8). Blank and whitespace-only lines are still skipped."""
    path = tmp_path / "tape.csv"
    path.write_text(
        f"{HEADER}\nA1,1200,1000,12,10,flat_fee,0.006,M0\n,,,,,,,\nA2,1200,1000,12,10,flat_fee,0.06x,M0\n\n   \n"
        "A3,1200,1000,12,10,flat_fee,0.06y,M0\n",
        encoding="utf-8",
    )
    with pytest.raises(am.TapeError) as exc:
        am.read_tape(path)
    lines = {(p.row, p.column): p.line for p in exc.value.problems}
    assert lines[(2, "loan_id")] == 3 and lines[(3, "rate")] == 4 and lines[(4, "rate")] == 7


# ------------------------------------------------------------------ outputs never replace inputs
def test_a_tape_in_the_output_folder_under_an_output_name_is_not_overwritten(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A tape saved as out/pool_cashflows.csv, given with --tape (or named by the deal file), was
    replaced by the run's own pool_cashflows.csv: the input was lost without a word."""
    tape = tmp_path / "pool_cashflows.csv"
    original = (EXAMPLES / "us_auto_tape.csv").read_bytes()
    tape.write_bytes(original)
    assert main(["run", str(US_AUTO), "--tape", str(tape), "--scale-tape", "--out", str(tmp_path)]) == 2
    assert "--out: writing pool_cashflows.csv would replace the input file" in capsys.readouterr().err
    doc = yaml.safe_load(US_AUTO.read_text(encoding="utf-8"))
    doc["pool"]["tape"] = "pool_cashflows.csv"  # the deal file names it
    deal = tmp_path / "deal.yaml"
    deal.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    assert main(["run", str(deal), "--out", str(tmp_path)]) == 2
    assert "would replace the input file" in capsys.readouterr().err
    assert tape.read_bytes() == original
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deal.yaml", "pool_cashflows.csv"]


def test_compare_strategies_out_naming_the_deal_file_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--out deal.yaml replaced the deal file with the table's CSV."""
    deal = tmp_path / "deal.yaml"
    text = US_AUTO.read_text(encoding="utf-8").replace("us_auto_tape.csv", str(EXAMPLES / "us_auto_tape.csv"))
    deal.write_text(text, encoding="utf-8")
    assert main(["compare-strategies", str(deal), "--out", str(deal)]) == 2
    assert "writing deal.yaml would replace the input file" in capsys.readouterr().err
    assert deal.read_text(encoding="utf-8") == text


def test_the_output_names_checked_are_those_surveil_writes(tmp_path: Path) -> None:
    from abs_model.cli import OUTPUT_NAMES

    history = _history(tmp_path)
    assert main(["surveil", str(US_AUTO), "--actuals", str(history), "--out", str(tmp_path / "o")]) == 0
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == sorted(OUTPUT_NAMES["surveil"])


def test_a_performance_history_whose_rows_end_in_a_separator_is_named_as_such(tmp_path: Path) -> None:
    """The pool actuals read by the tape's reader, but their header holds no tape column, so the
    check was skipped: 34 problems under shifted names (balance_m0 … must sum to closing_balance)."""
    from abs_model.collateral.actuals import read_pool_actuals

    history = pd.read_csv(_history(tmp_path))
    text = history.to_csv(index=False).replace("\n", ",\n")
    path = tmp_path / "h.csv"
    path.write_text(text.replace(",\n", "\n", 1), encoding="utf-8")  # the header without, every row with
    with pytest.raises(
        am.ActualsError, match=r"(?s)1 problem\(s\).*the data rows have 1 more field\(s\) than the header"
    ):
        read_pool_actuals(path)


# ------------------------------------------------------------------ a frame read_tape never saw
def test_pool_from_a_raw_dataframe_meets_every_tape_rule() -> None:
    """am.Pool.from_tape(pd.read_csv(...)) skipped read_tape: two loans of one id, a current
    balance of 5,000 on 801 lent were accepted, and a day-first date failed as a bare pandas
    'time data ... doesn't match format' error."""
    raw = pd.read_csv(EXAMPLES / "baitiao_tape.csv").head(3)
    raw.loc[1, "loan_id"] = raw.loc[0, "loan_id"]
    raw.loc[2, "current_principal"] = 5000.0
    raw["origination_date"] = ["01/02/2026", "2026-03-01", "2026-04-01"]
    with pytest.raises(am.TapeError) as exc:
        am.Pool.from_tape(raw)
    rules = {(p.row, p.column) for p in exc.value.problems}
    assert {(1, "loan_id"), (2, "loan_id"), (3, "current_principal"), (1, "origination_date")} <= rules


def test_pool_from_a_good_raw_dataframe_equals_the_pool_from_its_file() -> None:
    raw = pd.read_csv(EXAMPLES / "baitiao_tape.csv")
    a, b = am.Pool.from_tape(raw), am.Pool.from_tape(am.read_tape(EXAMPLES / "baitiao_tape.csv"))
    assert a.n == b.n and a.balance == b.balance and list(a.loan_id) == list(b.loan_id)


# ------------------------------------------------------------------ synthetic pools from Python
@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"n": math.nan}, r"n: must be a whole number of loans ≥ 0; got nan"),
        ({"n": 10**9}, r"n: must be at most 5,000,000 loans"),
        ({"n": 5, "seed": -1}, r"seed: must be a whole number from 0 to 2\*\*32 − 1"),
        ({"n": 5, "seed": 2**40}, r"seed: must be a whole number"),
        ({"n": 5, "seed": True}, r"seed: must be a whole number"),
    ],
)
def test_synthetic_pool_sizes_from_python_are_bounded_like_the_deal_files(kw: dict[str, object], match: str) -> None:
    """The deal file bounds n and seed; from Python, nan failed as 'cannot convert float NaN to
    integer', seed=-1 as numpy's 'expected non-negative integer' (neither naming the argument) and
    n = 10**9 went on to allocate tens of gigabytes."""
    with pytest.raises(AbsModelError, match=match):
        am.synthetic_pool(**kw)  # type: ignore[arg-type]


# ------------------------------------------------------------------ a projection horizon shorter than the deal
def test_a_horizon_shorter_than_the_deal_is_refused_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`horizon: 12` in an assumptions file for a 60-period deal failed as 'pool cash flows:
    roll-forward: opening = scheduled + … violated by 3.08636e+08', naming no input."""
    path = tmp_path / "a.yaml"
    path.write_text("horizon: 12\n", encoding="utf-8")
    assert main(["validate", str(US_AUTO), "--assumptions", str(path)]) == 2
    err = capsys.readouterr().err
    assert "horizon: the assumptions project the pool over 12 periods, fewer than the deal's run of 60" in err
    assert "roll-forward" not in err
    path.write_text("horizon: 60\n", encoding="utf-8")
    assert main(["validate", str(US_AUTO), "--assumptions", str(path)]) == 0


@pytest.mark.parametrize("max_age", [math.nan, 0, 2.5, 10**9, True])
def test_max_age_is_a_bounded_whole_number_of_months(max_age: object) -> None:
    """max_age=10**9 allocated 8 GB of ages before anything was checked (the process was killed),
    NaN failed as numpy's 'arange: cannot compute length', 0 as 'curve: must have at least one value'."""
    with pytest.raises(
        AssumptionError, match=r"max_age: must be (a whole number of months in \[1, 960\]|a number, not a boolean)"
    ):
        am.Assumptions.make(abs_speed=0.015, max_age=max_age)  # type: ignore[arg-type]


def test_an_id_column_mapped_to_a_segment_is_warned_about(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--columns region=借据号 (or a tape whose region holds ids): one strat row per loan in the
    report and the workbook, without a word (2,000 loans: a 0.7 MB report; past 1,048,576 rows a
    workbook Excel cannot open)."""
    tape = pd.read_csv(EXAMPLES / "baitiao_tape.csv", dtype=str)
    tape["region"] = tape["loan_id"]
    path = tmp_path / "tape.csv"
    tape.to_csv(path, index=False)
    assert main(["validate", str(BAITIAO), "--tape", str(path)]) == 0
    assert "warning: pool: segment 'region' has 1,950 distinct values (above 1,000)" in capsys.readouterr().err
    assert main(["validate", str(BAITIAO), "--tape", str(EXAMPLES / "baitiao_tape.csv")]) == 0
    assert "distinct values" not in capsys.readouterr().err


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"seed": True}, r"seed: must be a whole number ≥ 0; got True"),
        ({"seed": math.nan}, r"seed: must be a whole number ≥ 0; got nan"),
        ({"sigma": True}, r"sigma: must be a volatility"),
        ({"rho_prepay": True}, r"rho_prepay: must be a correlation"),
    ],
)
def test_monte_carlo_refuses_booleans_and_a_nan_seed(us_auto: am.Deal, kw: dict[str, object], match: str) -> None:
    """seed=True and sigma=True ran as 1; seed=nan failed as 'cannot convert float NaN to integer'."""
    with pytest.raises(AssumptionError, match=match):
        am.monte_carlo(us_auto, n_paths=5, **kw)  # type: ignore[arg-type]


def test_class_tables_refuse_boolean_prices_and_speeds(us_auto: am.Deal) -> None:
    """prices=[True] gave a table at par, speeds=[True] one at the base speed."""
    with pytest.raises(AssumptionError, match=r"prices: must be one or more prices > 0"):
        am.price_yield_table(us_auto, "A1", prices=[True])
    with pytest.raises(AssumptionError, match=r"speeds: must be one or more prepayment multiples"):
        am.decrement_table(us_auto, "A1", speeds=[True])


@pytest.mark.parametrize("threshold", [2.0, -1.5, [0.01, 3.0]])
def test_an_excess_spread_threshold_in_percent_is_refused(threshold: object) -> None:
    """2 (meant 2 % a year) tested a spread of 200 % a year: breached ('below') from period 1, an
    acceleration by the calendar, not by performance."""
    with pytest.raises(LiabilityError, match=r"threshold\[\d\]: must be an annual decimal in \(−1, 1\)"):
        Trigger("xs", "excess_spread", threshold, "end_revolving")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        (
            {"abs_speed": 0.015, "max_age": 3},
            r"max_age: 3 months cut the abs_speed curve short \(it changes until month 68\); give at least 68",
        ),
        ({"psa": 1.0, "max_age": 29}, r"max_age: 29 months cut the psa curve short \(it changes until month 30\)"),
        (
            {"cpr": 0.1, "sda": 1.0, "max_age": 100},
            r"max_age: 100 months cut the sda curve short \(it changes until month 120\)",
        ),
    ],
)
def test_a_max_age_that_cuts_a_standard_curve_short_is_refused(kw: dict[str, float], match: str) -> None:
    """max_age=3 with an ABS speed took the month-3 SMM for every older loan: the US auto pool
    prepaid 157m instead of 217m, every check passing."""
    with pytest.raises(AssumptionError, match=match):
        am.Assumptions.make(**kw)


def test_max_ages_that_keep_the_curve_whole_still_run() -> None:
    am.Assumptions.make(abs_speed=0.015, max_age=68)
    am.Assumptions.make(abs_speed=0.001)  # flattens after 480 months: the default tabulation, as before
    am.Assumptions.make(psa=1.0, max_age=30)


def test_the_rate_conversions_and_breakeven_refuse_booleans() -> None:
    # am.rates took True as 1 (a 100 % CPR, month 1) and breakeven(upper=True) searched up to 1 ×
    import numpy as np

    import abs_model as am
    from abs_model.core import rates

    for call in (
        lambda: rates.cpr_to_smm(True),
        lambda: rates.cpr_to_smm([0.1, True]),
        lambda: rates.cpr_to_smm(np.array([True, False])),
        lambda: rates.psa_to_cpr(1.5, True),
        lambda: rates.scheduled_balance(0.1, 12, [6, False]),
    ):
        with pytest.raises(am.AbsModelError, match="not booleans"):
            call()
    assert rates.cpr_to_smm(0.2) == pytest.approx(1 - 0.8 ** (1 / 12))  # numbers still convert
    deal = am.load_deal(EXAMPLES / "us_auto_static.yaml")
    for kw in ({"upper": True}, {"tol": True}):
        with pytest.raises(am.AbsModelError, match=r"^(upper|tol):"):
            am.breakeven(deal, **kw)
