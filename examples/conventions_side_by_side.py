"""The same small 等本等费 pool under the three projection conventions, as a Markdown table.

Run from the repository root::

    python examples/conventions_side_by_side.py

docs/coming_from_absbox.md quotes its output (a test checks that the page shows exactly what this
script prints). The pool: four fresh Baitiao-style flat-fee receivables (3, 6, 12 and 24
instalments). The rates: CPR 20 % for all three; CDR 8 % for ``sifma`` and ``absbox``; for
``roll_rate`` a roll-rate matrix (1 % of current balances roll to M1 each month, then 40 / 55 /
70 % roll on, some cure) with default at 90 days past due.
"""

from __future__ import annotations

import abs_model as am

POOL = am.Pool.from_arrays(
    loan_id=["BT-3", "BT-6", "BT-12", "BT-24"],
    original_principal=[3_000.0, 6_000.0, 12_000.0, 24_000.0],
    current_principal=[3_000.0, 6_000.0, 12_000.0, 24_000.0],
    original_term=[3, 6, 12, 24],
    remaining_term=[3, 6, 12, 24],
    product=["flat_fee"] * 4,
    rate=[0.0, 0.007, 0.006, 0.005],  # fee a period on the original principal
)

ROLL = am.RollRates.simple(roll=[0.01, 0.40, 0.55, 0.70, 0.85, 0.90, 1.0], cure=[0.40, 0.25, 0.10, 0.05, 0.03, 0.0])

ASSUMPTIONS = {
    "roll_rate": am.Assumptions.make(cpr=0.20, roll_rates=ROLL, default_threshold_days=90),
    "sifma": am.Assumptions.make(cpr=0.20, cdr=0.08, convention="sifma"),
    "absbox": am.Assumptions.make(cpr=0.20, cdr=0.08, convention="absbox"),
}

ROWS = (
    ("Period 1 scheduled principal", "scheduled_principal", 1),
    ("Period 1 prepayment", "prepayment", 1),
    ("Period 1 defaults", "defaults", 1),
    ("Period 1 fee income", "fee_interest", 1),
    ("Period 1 closing balance", "closing_balance", 1),
    ("Lifetime scheduled principal", "scheduled_principal", None),
    ("Lifetime prepayment", "prepayment", None),
    ("Lifetime defaults", "defaults", None),
    ("Lifetime fee income", "fee_interest", None),
)


def table() -> str:
    """The Markdown table: one row per quantity, one column per convention (RMB, 2 decimals),
    and the pool's weighted average life in months (Σ closing balance ÷ initial balance)."""
    frames = {name: am.project(POOL, a).frame for name, a in ASSUMPTIONS.items()}
    names = list(frames)
    lines = ["| quantity | " + " | ".join(f"`{n}`" for n in names) + " |", "|---|" + "---:|" * len(names)]
    for label, col, period in ROWS:
        vals = [f[col].iloc[period] if period is not None else f[col].iloc[1:].sum() for f in frames.values()]
        lines.append(f"| {label} | " + " | ".join(f"{v:,.2f}" for v in vals) + " |")
    wal = [f["closing_balance"].iloc[:-1].sum() / f["closing_balance"].iloc[0] for f in frames.values()]
    lines.append("| Weighted average life (months) | " + " | ".join(f"{v:.3f}" for v in wal) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(table())
