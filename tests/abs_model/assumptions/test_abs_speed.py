"""``Assumptions.make(abs_speed=…)`` uses the one ABS → SMM formula (issue 10, defect 10b).

Worked by hand for 5 % ABS: SMM(age) = 0.05 / (1 − 0.05 × (age − 1)), so age 1 → 5 %, age 11 →
0.05 / 0.5 = 10 %, age 20 → 0.05 / 0.05 = 100 %, and from age 21 on (0.05 × 20 = 1) every loan has
prepaid under the model: SMM 1 (the old code clipped the negative values past the pole to 0, so a
seasoned loan stopped prepaying altogether).
"""

from __future__ import annotations

import numpy as np
import pytest

import abs_model as am


def _smm(a: am.Assumptions, ages: np.ndarray) -> np.ndarray:
    return 1.0 - (1.0 - a.cpr.at(ages)) ** (1.0 / 12.0)


def test_abs_speed_by_age_worked_by_hand() -> None:
    a = am.Assumptions.make(abs_speed=0.05)
    got = _smm(a, np.array([1, 11, 20, 21, 30]))
    assert got == pytest.approx([0.05, 0.10, 1.0, 1.0, 1.0], abs=1e-12)


def test_abs_speed_equals_the_rates_module_at_every_age() -> None:
    a = am.Assumptions.make(abs_speed=0.015)
    ages = np.arange(1, 120)
    np.testing.assert_allclose(_smm(a, ages), am.rates.abs_to_smm(0.015, ages), rtol=1e-12, atol=1e-15)
