"""A payment drawn from two pots never exceeds what is owed, to the last bit.

``draw`` takes ``min(want, cash[p0])`` from the first pot and the rest, ``want − got``, from the
next; in float64 ``got + (want − got)`` can land one unit in the last place above ``want``. Paid
to a class, that left its balance at −1.9e-9 in some scenarios; the writedown stage, which stops
once no scenario of the batch has a loss left, then treated that scenario differently depending on
which scenarios ran beside it (found by the sweep: chunks of 1,000 vs 2,500 moved one row's last
principal period). The numbers below are such a case, checked to overshoot in the test itself."""

from __future__ import annotations

import numpy as np

from tests.tranches.conftest import month_ends
from tranches import Structure, Tranche, Waterfall, run_liabilities, steps
from tranches.kernels import draw

OWED = 16_726_140.050451355
FIRST_POT = 423.50123638566583


def test_the_numbers_overshoot_when_added_naively() -> None:
    rest = OWED - FIRST_POT
    assert FIRST_POT + rest > OWED  # by 1.86e-9: one unit in the last place at 1.7e7


def test_draw_over_two_pots_takes_exactly_what_is_owed() -> None:
    cash = np.array([[FIRST_POT], [1e9]])
    got = draw(cash, (0, 1), np.array([OWED]))
    assert got[0] == OWED
    assert cash[0, 0] == 0.0
    assert abs((FIRST_POT + 1e9 - cash.sum()) - got[0]) <= 1e-6  # the pots gave what was drawn (to rounding)


def _structure() -> Structure:
    return Structure(
        tranches=(Tranche("A", OWED), Tranche("Sub", 1_000_000.0, tranche_class="subordinated")),
        waterfalls={
            "amortising": Waterfall(
                [
                    steps.PayPrincipal(("A",), source="interest_then_principal"),
                    steps.PayPrincipal(("Sub",)),
                    steps.PayResidual(),
                ]
            )
        },
    )


def _run(n: int) -> object:
    # scenario 0: A paid in full in period 1 out of both pots (423.50… of interest, the rest of
    # principal), Sub paid in period 2; scenario 1 (when n = 2): no principal after period 1, so
    # Sub is written down at legal final
    principal = np.array([[OWED - FIRST_POT + 2_000_000.0, 1_000_000.0], [OWED - FIRST_POT, 0.0]])[:n]
    return run_liabilities(
        _structure(),
        period_end_dates=month_ends(2),
        initial_pool_balance=OWED + 1_000_000.0,
        interest_collected=np.full((n, 2), FIRST_POT),
        principal_collected=principal,
        pool_balance_end=np.array([[1_000_000.0, 0.0], [1_000_000.0, 0.0]])[:n],
    )


def test_a_class_paid_off_from_two_pots_ends_at_zero_not_below() -> None:
    r = _run(1)
    a = r.tranche("A")
    assert a.principal_paid[0, 0] == OWED
    assert a.balance_end[0, 0] == 0.0
    assert (a.balance_end >= 0.0).all()


def test_a_scenario_is_the_same_alone_and_beside_another() -> None:
    alone, batch = _run(1), _run(2)
    for name in ("A", "Sub"):
        for field in ("principal_paid", "writedown", "balance_end"):
            np.testing.assert_array_equal(getattr(alone.tranche(name), field)[0], getattr(batch.tranche(name), field)[0])
    assert batch.tranche("Sub").writedown[1].sum() > 0.0  # the other scenario does write down
