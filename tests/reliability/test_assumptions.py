"""Assumptions: NaN or inf anywhere, matrices that are not stochastic, vectors of the wrong
length or shape — each refused with :class:`AssumptionError` naming the argument and the value."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import abs_model as am
from abs_model.errors import AssumptionError, DealError

NAN, INF = float("nan"), float("inf")


def refused(**kw: Any) -> str:
    with pytest.raises(AssumptionError) as exc:
        am.Assumptions.make(**kw)
    return str(exc.value)


@pytest.mark.parametrize("bad", [NAN, INF, -INF])
@pytest.mark.parametrize(
    ("name", "extra", "fragment"),
    [
        ("cpr", {}, "cpr: must be finite numbers; got"),
        ("smm", {}, "smm: must be finite numbers; got"),
        ("cdr", {}, "cdr: must be finite numbers; got"),
        ("mdr", {}, "mdr: must be finite numbers; got"),
        ("abs_speed", {}, "abs_speed: must be finite numbers; got"),
        ("psa", {}, "psa: must be a finite number ≥ 0; got"),
        ("sda", {}, "sda: must be a finite number ≥ 0; got"),
        ("cumulative_default", {"default_timing": [0.4, 0.3, 0.3]}, "cumulative_default: must be finite numbers; got"),
        ("recovery_rate", {}, "recovery_rate: must be finite numbers; got"),
        ("servicing_fee", {}, "servicing_fee: must be finite numbers; got"),
        ("prepay_multiplier", {}, "prepay_multiplier: must be a finite number ≥ 0; got"),
        ("default_multiplier", {}, "default_multiplier: must be a finite number ≥ 0; got"),
        ("recovery_lag", {}, "recovery_lag: must be a whole number of months ≥ 0; got"),
        ("horizon", {}, "horizon: must be a whole number of periods ≥ 1; got"),
    ],
)
def test_nan_and_inf_are_refused_in_every_scalar(name: str, extra: dict[str, Any], fragment: str, bad: float) -> None:
    assert fragment in refused(**{name: bad, **extra})


@pytest.mark.parametrize(
    ("kw", "fragment"),
    [
        ({"cpr": [0.10, 0.12, NAN]}, "cpr: must be finite numbers; got nan"),
        ({"cdr": [0.02, INF]}, "cdr: must be finite numbers; got inf"),
        ({"cumulative_default": 0.05, "default_timing": [0.4, NAN, 0.3]}, "default_timing: must be finite numbers; got nan"),
        ({"recovery_timing": [0.5, NAN]}, "recovery_timing: must be finite numbers; got nan"),
        ({"cpr_by_term": {12: [0.1, NAN]}}, "cpr_by_term[12]: must be finite numbers; got nan"),
        ({"cpr_by_term": {INF: 0.1}}, "cpr_by_term: keys must be original terms, whole numbers 1..360; got inf"),
        ({"cpr": am.Curve(np.array([0.1, NAN]))}, "cpr: must be finite numbers; got nan"),
    ],
)
def test_nan_and_inf_are_refused_inside_vectors_and_curves(kw: dict[str, Any], fragment: str) -> None:
    assert fragment in refused(**kw)


def test_a_segment_override_curve_with_nan_is_refused() -> None:
    bad = am.SegmentOverride("score_band", "E", cpr=am.Curve(np.array([0.2, NAN])))
    assert "segment_overrides[0].cpr: must be finite numbers; got nan" in refused(segment_overrides=[bad])


def test_a_segment_override_recovery_above_one_is_refused() -> None:
    bad = am.SegmentOverride("region", "华东", recovery_rate=1.5)
    assert "segment_overrides[0].recovery_rate: must be a decimal in [0, 1]; got 1.5" in refused(segment_overrides=[bad])


def test_nan_in_a_roll_rate_matrix_is_refused() -> None:
    m = np.eye(8)
    m[2, 0] = NAN
    assert "roll_rates.matrix: must be finite numbers; got nan" in refused(roll_rates=m)


def test_nan_written_in_an_assumptions_yaml_is_refused_with_the_file(tmp_path: Path) -> None:
    path = tmp_path / "assumptions.yaml"
    path.write_text("cpr: .nan\n", encoding="utf-8")
    with pytest.raises(DealError) as exc:
        am.load_assumptions(path)
    assert str(exc.value) == f"{path}: assumptions.cpr: must be finite numbers; got nan"


# ------------------------------------------------------------------------------ stochastic matrices
def test_a_roll_rate_row_that_does_not_sum_to_one_names_the_bucket() -> None:
    """Row M0 keeps 90 % current and rolls nothing: 10 % of the balance would vanish."""
    m = np.eye(8)
    m[0, 0] = 0.90
    assert "roll_rates.matrix[0][0] (row M0): must sum to 1; got 0.9" in refused(roll_rates=m)


def test_a_roll_rate_row_that_sums_above_one_names_the_bucket() -> None:
    m = np.eye(8)
    m[3, 3], m[3, 4] = 0.80, 0.25
    assert "roll_rates.matrix[0][3] (row M3): must sum to 1; got 1.05" in refused(roll_rates=m)


def test_a_negative_roll_rate_is_refused() -> None:
    m = np.eye(8)
    m[1, 1], m[1, 2] = 1.1, -0.1
    assert "roll_rates.matrix: must be a decimal in [0, 1]; got" in refused(roll_rates=m)


def test_a_roll_that_skips_a_bucket_is_refused() -> None:
    m = np.eye(8)
    m[0, 0], m[0, 2] = 0.99, 0.01
    assert "roll_rates.matrix[0][0][2]: balances move at most one bucket a period (M0 → M2 skips buckets); got 0.01" in refused(roll_rates=m)


def test_roll_plus_cure_above_one_names_the_bucket() -> None:
    with pytest.raises(AssumptionError) as exc:
        am.RollRates.simple(roll=[0.01, 0.4, 0.55, 0.7, 0.85, 0.9, 1.0], cure=[0.7, 0.25, 0.1, 0.05, 0.03, 0.0])
    assert str(exc.value) == (
        "roll_rates: roll[1] + cure[0] (M1 → M2 plus M1 → M0) must be ≤ 1, the rest stays in M1; got 0.4 + 0.7 = 1.1"
    )


# ------------------------------------------------------------------------------ lengths and shapes
@pytest.mark.parametrize(
    ("kw", "fragment"),
    [
        ({"roll": [0.1] * 6}, "roll_rates.roll: must have 7 values (M0→M1 … M6→M7); got 6"),
        ({"roll": [0.1] * 7, "cure": [0.1] * 7}, "roll_rates.cure: must have 6 values (M1…M6 → M0); got 7"),
    ],
)
def test_roll_and_cure_vectors_of_the_wrong_length(kw: dict[str, Any], fragment: str) -> None:
    with pytest.raises(AssumptionError) as exc:
        am.RollRates.simple(**kw)
    assert fragment in str(exc.value)


def test_a_matrix_of_the_wrong_shape_is_refused() -> None:
    assert "roll_rates.matrix: must be 8×8 (M0…M7) or a stack of shape (M, 8, 8); got shape (7, 7)" in refused(roll_rates=np.eye(7))


def test_a_two_dimensional_cpr_is_refused_not_flattened() -> None:
    assert "cpr: must be a number or a 1-D vector by period; got an array of shape (2, 2)" in refused(cpr=[[0.1, 0.2], [0.1, 0.2]])


def test_an_empty_cpr_vector_is_refused() -> None:
    assert "cpr: must have at least one value; got an empty vector" in refused(cpr=[])


def test_default_timing_that_does_not_sum_to_one_is_refused() -> None:
    assert "default_timing: must sum to 1; got 0.7" in refused(cumulative_default=0.05, default_timing=[0.4, 0.3])


def test_a_cpr_in_percent_is_refused_with_the_hint() -> None:
    assert "cpr: must be a decimal in [0, 1]; got 20.0 — rates are decimals (6 % is 0.06)" in refused(cpr=20)
